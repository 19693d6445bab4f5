/* SPDX-License-Identifier: GPL-2.0 */
/*
 * diagnose.h - why a creation failed: which limit refused it, with the
 * values read at the time of the failure.
 */
#ifndef CT_DIAGNOSE_H
#define CT_DIAGNOSE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"

#include "proc.h"

#define CT_DIAG_UNKNOWN		CT_NUM_UNKNOWN		/* could not be read */
#define CT_DIAG_UNLIMITED	CT_NUM_UNLIMITED	/* "unlimited", "max" */
#define CT_DIAG_PATH_LEN	256

/* The limit named as the cause, in the order copy_process() checks them. */
enum ct_limit {
	CT_LIMIT_UNKNOWN	= 0,	/* none at its maximum when read */
	CT_LIMIT_NPROC		= 1,	/* RLIMIT_NPROC of the user */
	CT_LIMIT_THREADS_MAX	= 2,	/* kernel.threads-max */
	CT_LIMIT_PIDS_CGROUP	= 3,	/* pids.max of a pids cgroup */
	CT_LIMIT_PID_MAX	= 4,	/* kernel.pid_max: no free PID */
	CT_LIMIT_NR,
};

struct ct_diag {
	uint64_t ts_ns;			/* of the failed creation */
	uint64_t uid;			/* real uid of the creator */
	uint64_t nproc_count;		/* tasks of that uid */
	uint64_t nproc_limit;		/* soft RLIMIT_NPROC of creator */
	uint64_t threads;		/* nr_threads of the system */
	uint64_t threads_max;		/* kernel.threads-max */
	uint64_t pid_max;		/* kernel.pid_max */
	uint64_t cg_current;		/* pids.current of cg_path */
	uint64_t cg_max;		/* pids.max of cg_path */
	uint64_t repeats;		/* later same failures */
	uint32_t ppid;
	uint32_t ptid;
	int32_t err;
	uint16_t syscall;
	uint16_t kind;
	uint32_t limit;			/* enum ct_limit */
	char pcomm[CT_COMM_LEN];
	/* pids cgroup: the level at its limit, else the creator's own */
	char cg_path[CT_DIAG_PATH_LEN];
};

/*
 * Read the limits for the creator of a failed creation from /proc and
 * /sys, and name the one that refused it.
 */
void ct_diagnose(const struct ct_event *e, struct ct_diag *d);

/*
 * Episodes: one diagnosis per creator and errno per second; the failures
 * in between are counted as repeats of the open one. ct_diag_account()
 * returns true when the failure e starts a new episode (a diagnosis
 * should be made and ct_diag_add()ed), false when it was counted.
 */
struct ct_diag_log;

struct ct_diag_log *ct_diag_log_new(void);
void ct_diag_log_free(struct ct_diag_log *log);
bool ct_diag_account(struct ct_diag_log *log, const struct ct_event *e);
int ct_diag_add(struct ct_diag_log *log, const struct ct_diag *d);
size_t ct_diag_count(const struct ct_diag_log *log);
const struct ct_diag *ct_diag_at(const struct ct_diag_log *log, size_t i);

void ct_diag_print(FILE *f, const struct ct_diag *d);
void ct_diag_json(FILE *f, const struct ct_diag *d);

#endif /* CT_DIAGNOSE_H */
