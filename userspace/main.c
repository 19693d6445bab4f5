// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - dispatch: "clonetrace [OPTIONS]" is the tracer,
 * "clonetrace NAME ..." one of the other commands (commands.h).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} commands[] = {
	{ "top",	ct_top_main },
	{ "report",	ct_report_main },
	{ "share",	ct_share_main },
	{ "explain",	ct_explain_main },
};

/* "clonetrace ... --top ...": top with the other arguments. */
static int top_alias(int argc, char **argv, int at)
{
	char **args = calloc(argc, sizeof(*args));
	int n = 0, i, status;

	if (!args)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	args[n++] = (char *)"top";
	for (i = 1; i < argc; i++)
		if (i != at)
			args[n++] = argv[i];
	status = ct_top_main(n, args);
	free(args);
	return status;
}

int main(int argc, char **argv)
{
	size_t c;
	int i;

	if (argc > 1) {
		for (c = 0; c < ARRAY_SIZE(commands); c++)
			if (!strcmp(argv[1], commands[c].name))
				return commands[c].main(argc - 1, argv + 1);
	}
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--top"))
			return top_alias(argc, argv, i);
	return ct_trace_main(argc, argv);
}
