/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts_commands.h - the option parsers of top, report and share for
 * fuzz_opts.c, each reached by a file that includes the command's source
 * (opts_top.c, ...), so that its static parser is fuzzed as it is, with
 * nothing run after it. 0 or CT_EXIT_USAGE.
 */
#ifndef CT_OPTS_COMMANDS_H
#define CT_OPTS_COMMANDS_H

int fuzz_parse_top(int argc, char **argv);
int fuzz_parse_report(int argc, char **argv);
int fuzz_parse_share(int argc, char **argv);

struct ct_periodic;
/* The checks of --listen and --metrics-cgroups (fuzz_opts.c). */
void fuzz_check_periodic(const struct ct_periodic *p);

#endif /* CT_OPTS_COMMANDS_H */
