// SPDX-License-Identifier: GPL-2.0
/* opts_report.c - report's option parser for fuzz_opts.c. */
#include "../../userspace/report.c"

#include "opts_commands.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int fuzz_parse_report(int argc, char **argv)
{
	struct report_opts o = { .sections = ~0U, .rows = 10 };
	int status = ct_parse_args(&report_argp, argc, argv,
				   "clonetrace report", &o);

	if (status)
		return status;
	CHECK(o.file);
	CHECK(o.sections && o.rows >= 0 && o.rows <= 1000000);
	CHECK(!o.dot || *o.dot);
	return status;
}
