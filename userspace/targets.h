/* SPDX-License-Identifier: GPL-2.0 */
/*
 * targets.h - the processes the tracer is limited to (-p, -c, and their
 * descendants with -f), kept in the BPF side's targets map.
 *
 * The protocol with bpf/clonetrace.bpf.c: before a TGID goes into the
 * targets map, its byte in the .bss target_hint[] prefilter is set; each
 * TGID in the map counts once in .bss targets_alive. BPF adds a new
 * process of a target with -f (follow_child()) and takes a target out
 * when its last thread exits (sched_process_exit), decrementing the count.
 * When the count reaches 0, every traced process is gone.
 */
#ifndef CT_TARGETS_H
#define CT_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

struct clonetrace_bpf;

/*
 * -p: every PID (or TID) to the TGID of a live process, in place.
 * CT_EXIT_OK, or CT_EXIT_FAILURE said ("no such process").
 */
int ct_targets_resolve(struct ct_pids *pids, int verbose);
/*
 * A process that was alive when listed; one that has exited meanwhile
 * is left out (or taken out again). 0, or -errno when the map refuses.
 */
int ct_targets_add(struct clonetrace_bpf *skel, pid_t tgid);
/*
 * -f on a process that was running before clonetrace: every process
 * below ROOT (not its threads: the map is by TGID), breadth first, each
 * added to the map before its own children are read, so that a child it
 * creates meanwhile is followed by BPF (its parent is in the map) or is
 * listed when its parent's children are read: none is missed, none
 * counted twice (the map refuses a TGID it has). At most MAX added; those
 * over it, or refused by a full map, are counted as lost. A process
 * re-parented during the walk (its parent exited) is not found. The
 * children come from /proc/PID/task/TID/children, else (a kernel without
 * CONFIG_PROC_CHILDREN) from every process's PPid. 0, or -errno.
 */
struct ct_below {
	size_t added;		/* processes below ROOT now traced */
	size_t lost;		/* found but not traced: the map was full */
};
int ct_targets_add_below(struct clonetrace_bpf *skel, pid_t root,
			 size_t max, struct ct_below *below);
/*
 * The -p processes that have exited without BPF seeing their last
 * thread go (it went between ct_targets_add()'s insert and its check of
 * the process, which still looked alive): taken out and uncounted.
 */
void ct_targets_recheck(struct clonetrace_bpf *skel,
			const struct ct_pids *pids);
/* Traced processes that have not exited. */
int64_t ct_targets_alive(const struct clonetrace_bpf *skel);
/* "every traced process has exited (PID 12,34 and descendants)" */
void ct_targets_say_gone(const struct ct_pids *pids, bool follow);

#endif /* CT_TARGETS_H */
