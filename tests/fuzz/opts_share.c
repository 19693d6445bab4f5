// SPDX-License-Identifier: GPL-2.0
/* opts_share.c - share's option parser for fuzz_opts.c. */
#include "../../userspace/share.c"

#include "opts_commands.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int fuzz_parse_share(int argc, char **argv)
{
	int status, i;

	opt = (struct share_opts){};
	status = ct_parse_args(&share_argp, argc, argv, "clonetrace share",
			       NULL);
	if (status)
		return status;
	CHECK(opt.roots.n > 0 && opt.roots.n <= CT_MAX_PIDS);
	for (i = 0; i < opt.roots.n; i++)
		CHECK(opt.roots.pid[i] > 0);
	return status;
}
