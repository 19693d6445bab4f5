/* SPDX-License-Identifier: GPL-2.0 */
/*
 * commands.h - the commands main() dispatches to, each in its own file.
 * argv[0] is the command's name; each returns the exit status.
 */
#ifndef CT_COMMANDS_H
#define CT_COMMANDS_H

#include <stdbool.h>

int ct_trace_main(int argc, char **argv);	/* tracer.c: the tracer */
int ct_top_main(int argc, char **argv);		/* top.c: rates, in BPF maps */
int ct_report_main(int argc, char **argv);	/* report.c: a recording */
int ct_share_main(int argc, char **argv);	/* share.c: who shares what */
int ct_explain_main(int argc, char **argv);	/* explain.c: flag rules */

/* Is name one of the commands ("report")? main.c */
bool ct_is_command(const char *name);
/* The command (or "help") at most two edits from word, else NULL. */
const char *ct_command_suggest(const char *word);

#endif /* CT_COMMANDS_H */
