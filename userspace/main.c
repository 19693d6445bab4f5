// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - dispatch: "clonetrace [OPTIONS]" is the tracer,
 * "clonetrace NAME ..." one of the other commands (commands.h).
 *
 * Around every command: closed standard descriptors are opened on
 * /dev/null and SIGPIPE is ignored before it starts (util.h), and what it
 * printed with stdio is flushed and checked when it ends: a failed write
 * is said and makes the status a failure; a reader that has gone (| head)
 * ends it quietly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "util.h"

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
	int failure;		/* its status for a runtime error */
} commands[] = {
	{ "top",	ct_top_main,	 CT_EXIT_FAILURE },
	{ "report",	ct_report_main,	 CT_EXIT_FAILURE },
	{ "share",	ct_share_main,	 CT_EXIT_FAILURE },
	/* 1 is its verdict "refused": 2 is trouble, as for grep */
	{ "explain",	ct_explain_main, CT_EXIT_USAGE },
};

bool ct_is_command(const char *name)
{
	size_t c;

	for (c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(name, commands[c].name))
			return true;
	return false;
}

/* What the command printed through stdio has reached standard output. */
static int stdout_done(int status, int failure)
{
	int err = ct_stdout_close();

	if (!err || err == -EPIPE)
		return status;
	ct_msg("writing standard output: %s", strerror(-err));
	return status == CT_EXIT_OK || failure != CT_EXIT_FAILURE ?
	       failure : status;
}

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

	ct_std_setup();
	if (argc > 1) {
		for (c = 0; c < ARRAY_SIZE(commands); c++)
			if (!strcmp(argv[1], commands[c].name))
				return stdout_done(commands[c].main(argc - 1,
								    argv + 1),
						   commands[c].failure);
	}
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--top"))
			return stdout_done(top_alias(argc, argv, i),
					   CT_EXIT_FAILURE);
	return stdout_done(ct_trace_main(argc, argv), CT_EXIT_FAILURE);
}
