/* SPDX-License-Identifier: GPL-2.0 */
/*
 * subcmd.h - "clonetrace NAME ..." commands beside the tracer itself.
 */
#ifndef CT_SUBCMD_H
#define CT_SUBCMD_H

#include <stdbool.h>

bool ct_is_subcommand(const char *name);
/* argv[0] is the subcommand's name; returns the exit status. */
int ct_subcommand(int argc, char **argv);

/* The subcommands, each in its own file; argv[0] is the name. */
int ct_share_main(int argc, char **argv);
int ct_explain_main(int argc, char **argv);
int ct_top_main(int argc, char **argv);
int ct_report_main(int argc, char **argv);

#endif /* CT_SUBCMD_H */
