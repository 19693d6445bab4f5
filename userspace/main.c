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

/* Optimal string alignment distance: insert, delete, change, swap. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t d[16][16];

	if (la >= 16 || lb >= 16)
		return 16;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *ct_command_suggest(const char *word)
{
	static const char *const help = "help";
	const char *best = NULL;
	size_t c, d, best_d = 3;	/* at most two edits */

	for (c = 0; c <= ARRAY_SIZE(commands); c++) {
		const char *name = c < ARRAY_SIZE(commands) ?
				   commands[c].name : help;

		d = distance(word, name);
		if (d < best_d && d < strlen(word)) {
			best = name;
			best_d = d;
		}
	}
	return best;
}

/*
 * "clonetrace help [COMMAND]": the tracer's help, or the command's
 * (COMMAND --help); a word near a command's name gets the suggestion.
 */
static int help(int argc, char **argv)
{
	char *args[3] = { NULL, (char *)"--help", NULL };
	const char *near;
	size_t c;

	if (argc < 2) {
		args[0] = (char *)"clonetrace";
		return ct_trace_main(2, args);
	}
	for (c = 0; c < ARRAY_SIZE(commands); c++) {
		if (strcmp(argv[1], commands[c].name))
			continue;
		args[0] = argv[1];
		return commands[c].main(2, args);
	}
	near = ct_command_suggest(argv[1]);
	if (near)
		return ct_fail(CT_EXIT_USAGE, "no command '%s': did you mean 'clonetrace help %s'?",
			       argv[1], near);
	return ct_fail(CT_EXIT_USAGE, "no command '%s': the commands are top, report, share and explain ('clonetrace --help' for the tracer)",
		       argv[1]);
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
	/* -h is --help, for every command (no option of theirs is -h) */
	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h"))
			argv[i] = (char *)"--help";
	if (argc > 1 && !strcmp(argv[1], "help"))
		return stdout_done(help(argc - 1, argv + 1), CT_EXIT_USAGE);
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
