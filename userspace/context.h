/* SPDX-License-Identifier: GPL-2.0 */
/*
 * context.h - the attach context of -p: before streaming, what each
 * target process is as clonetrace finds it (its state, its threads, its
 * children and what they share with it, with -f every process below it
 * that will be followed, its user, cgroups (v2 and the run's v1
 * hierarchy) and container), so that a user
 * attaching to a live service sees where the stream starts.
 *
 * Read from /proc once the programs are attached (ct_context_read()),
 * printed (a "clonetrace: target" line on stderr, or a "target" JSON
 * record first in the output), recorded by -w (record.c) and shown by
 * report, from the same struct ct_target.
 */
#ifndef CT_CONTEXT_H
#define CT_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ct_event.h"

#define CT_TARGET_THREADS	256	/* listed; the count is always whole */
#define CT_TARGET_KIDS		64	/* children, then (-f) below them */
#define CT_TARGET_WALK		65536	/* -f: processes counted at most */

/* What a process can share with its parent, by kcmp(2). */
enum ct_share {
	CT_SHARE_VM,
	CT_SHARE_FILES,
	CT_SHARE_FS,
	CT_SHARE_SIGHAND,
	CT_SHARE_NR,
};

extern const char *const ct_share_names[CT_SHARE_NR];

struct ct_target_kid {
	uint32_t pid;
	uint32_t ppid;			/* the target for its children */
	char comm[CT_COMM_LEN];
	char state;			/* /proc's state letter; 0 gone */
	uint32_t shares;		/* bit enum ct_share, with ppid */
};

struct ct_target {
	uint64_t ts_ns;			/* CLOCK_MONOTONIC when read */
	uint32_t pid;
	char state;			/* /proc's letter; 0 exiting, gone */
	bool kthread;			/* a kernel thread */
	bool follow;			/* -f: the subtree is described */
	char comm[CT_COMM_LEN];
	int64_t uid, gid;		/* real IDs; -1 unknown */
	uint32_t nthreads, all_threads;
	uint32_t threads[CT_TARGET_THREADS];	/* ascending */
	bool kids_unknown;		/* no /proc/PID/task/TID/children */
	uint32_t all_kids;		/* children */
	uint32_t all_below;		/* -f: processes below, children too */
	bool below_cut;			/* -f: more than CT_TARGET_WALK */
	uint32_t nkids;			/* listed: children first */
	struct ct_target_kid kids[CT_TARGET_KIDS];
	char cgroup[1024];		/* "" unknown */
	uint64_t cgroup_id;		/* 0 unknown */
	/* in the run's cgroup v1 hierarchy (identity.h), as events are */
	char cgroup1_ctrl[16];		/* its controller; "" no v1 */
	char cgroup1[1024];		/* the path there; "" unknown */
	uint64_t cgroup1_id;		/* its inode on the v1 mount; 0 */
};

struct ct_cgroup1;

/*
 * Describe process pid as it is now into t; with follow, every process
 * below it is counted (the first ones listed after the children). Its
 * cgroup in v1 hierarchy v1 too (NULL or no controller: none). A
 * process being killed or gone meanwhile is described as far as it
 * could be read (state 0).
 */
void ct_context_read(struct ct_target *t, pid_t pid, bool follow,
		     const struct ct_cgroup1 *v1);
/* A "target" JSON record on f. */
void ct_context_json(const struct ct_target *t, FILE *f);
/* The human lines on f, each starting with prefix. */
void ct_context_human(const struct ct_target *t, FILE *f, const char *prefix);

#endif /* CT_CONTEXT_H */
