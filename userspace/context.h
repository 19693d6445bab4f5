/* SPDX-License-Identifier: GPL-2.0 */
/*
 * context.h - the attach context of -p: before streaming, what each
 * target process is as clonetrace finds it (its threads, its children and
 * what they share with it, its user, cgroup and container), so that a
 * user attaching to a live service sees where the stream starts.
 */
#ifndef CT_CONTEXT_H
#define CT_CONTEXT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * Describe process pid: a "target" JSON record on f (json), or one
 * "clonetrace: target ..." message on stderr. A process gone meanwhile
 * is described as far as it could be read.
 */
void ct_context_print(pid_t pid, FILE *f, bool json);

#endif /* CT_CONTEXT_H */
