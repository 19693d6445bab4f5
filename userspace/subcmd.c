// SPDX-License-Identifier: GPL-2.0
/*
 * subcmd.c - the table of subcommands.
 */
#include <stddef.h>
#include <string.h>

#include "subcmd.h"

struct subcmd {
	const char *name;
	int (*main)(int argc, char **argv);
};

static const struct subcmd subcmds[] = {
	{ "share",	ct_share_main },	/* share.c: who shares what */
	{ "explain",	ct_explain_main },	/* explain.c: decode flags */
	{ "top",	ct_top_main },		/* top.c: storm view */
	{ "report",	ct_report_main },	/* report.c: read a recording */
	{ NULL, NULL },
};

static const struct subcmd *find(const char *name)
{
	const struct subcmd *s;

	for (s = subcmds; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

bool ct_is_subcommand(const char *name)
{
	return find(name) != NULL;
}

int ct_subcommand(int argc, char **argv)
{
	return find(argv[0])->main(argc, argv);
}
