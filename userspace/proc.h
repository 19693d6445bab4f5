/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc.h - what clonetrace reads from /proc and the cgroup file systems:
 * a task's status, whether a process is alive, the system's task limits,
 * where a cgroup hierarchy is mounted and which cgroup a task is in.
 */
#ifndef CT_PROC_H
#define CT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Numbers read from a file: these two mean "could not" and "no limit". */
#define CT_NUM_UNKNOWN		UINT64_MAX
#define CT_NUM_UNLIMITED	(UINT64_MAX - 1)	/* "max", "unlimited" */

/* The fields of /proc/PID/status that clonetrace uses. */
struct ct_proc_status {
	pid_t tgid;
	pid_t ppid;
	uint64_t uid;		/* real; CT_NUM_UNKNOWN when absent */
	uint64_t threads;
	uint64_t cap_eff;	/* effective capabilities */
	bool has_mm;		/* VmSize: the task has an address space */
	char name[64];		/* Name:, as status shows it (escaped) */
};

/* 0, or -errno (-ESRCH: no such task, or one without a Tgid line). */
int ct_proc_status(pid_t pid, struct ct_proc_status *st);
/* The TGID of a PID or TID; 0 when there is no such task. */
pid_t ct_tgid_of(pid_t pid);
/*
 * Has the process (thread group) not exited? A zombie still has a /proc
 * entry but its group is dead, and so is a group whose leader exited
 * first; a pidfd polls readable exactly when the group is gone.
 */
bool ct_process_alive(pid_t tgid);

/*
 * Has the process group a member that is not a zombie? (kill(-pgid, 0)
 * also counts the zombies that their new parent has not reaped yet.)
 */
bool ct_group_alive(pid_t pgid);

/* The first number in a file, or "max"/"unlimited": CT_NUM_UNLIMITED. */
uint64_t ct_read_number(const char *path);
/* Threads in the system (the "running/total" of /proc/loadavg). */
uint64_t ct_nr_threads(void);
/* The soft RLIMIT_NPROC of a process ("Max processes" of its limits). */
uint64_t ct_nproc_limit(pid_t pid);

/*
 * Where a cgroup hierarchy is mounted: the v1 hierarchy of controller,
 * or cgroup2 when controller is NULL. 0, or -1 when it is not mounted.
 */
int ct_cgroup_mount(const char *controller, char *buf, size_t len);
/* Is opt one of the comma-separated mount options opts? */
bool ct_has_opt(const char *opts, const char *opt);
/*
 * The cgroup of pid for controller: the v1 line of /proc/PID/cgroup
 * when that controller has a v1 hierarchy, else the cgroup2 line. Fills
 * the mount point and the path below it; 0, or -1.
 */
int ct_cgroup_of(pid_t pid, const char *controller, char *mnt, size_t mlen,
		 char *path, size_t plen);

#endif /* CT_PROC_H */
