// SPDX-License-Identifier: GPL-2.0
/* opts_top.c - top's option parser for fuzz_opts.c (opts_commands.h). */
#include "../../userspace/top.c"

#include "opts_commands.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int fuzz_parse_top(int argc, char **argv)
{
	struct top_opts o = { .rows = 10, .redraw = -1, .mode = CT_MODE_AUTO };
	int status = ct_parse_args(&top_argp, argc, argv, "clonetrace top", &o);

	if (status)
		return status;
	/* what the man page promises of each value */
	CHECK(o.duration == 0 || (o.duration >= 0.001 && o.duration <= 1e9));
	CHECK(o.count >= 0 && o.count <= 100000000);
	CHECK(o.rows >= 0 && o.rows <= 100000000);
	CHECK(o.mode == CT_MODE_AUTO || (TOP_MODES & CT_MODE_BIT(o.mode)));
	CHECK(o.periodic.interval >= 0.1 && o.periodic.interval <= 86400);
	CHECK(!o.periodic.alert.exec || o.periodic.alert.rate > 0);
	CHECK(!o.periodic.prometheus || *o.periodic.prometheus);
	fuzz_check_periodic(&o.periodic);
	return status;
}
