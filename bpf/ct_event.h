/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ct_event.h - the event record shared by the BPF programs
 * (bpf/clonetrace.bpf.c, producer) and the collector (userspace/, consumer).
 *
 * Plain C with fixed-width types only, 64-bit fields first, so that the
 * layout is the same for the BPF target and for user space. The kinds
 * (event.kind) and the clone flags are in clone_flags.h.
 */
#ifndef CT_EVENT_H
#define CT_EVENT_H

#ifndef __bpf__
#include <linux/types.h>	/* BPF: vmlinux.h */
#endif
#include "clone_flags.h"

#define CT_COMM_LEN		16

/* event.type */
enum ct_event_type {
	CT_EV_CLONE		= 1,	/* a task was created */
	CT_EV_CLONE_FAILED	= 2,	/* a creation request failed */
	CT_EV_EXEC		= 3,	/* -e exec: struct ct_exec_event */
	CT_EV_EXIT		= 4,	/* -e exit: struct ct_exit_event */
};

/* event.syscall: how the creation was requested */
enum ct_syscall {
	CT_SC_KERNEL	= 0,	/* kernel-internal: kthreadd, io_uring, vhost */
	CT_SC_FORK	= 1,
	CT_SC_VFORK	= 2,
	CT_SC_CLONE	= 3,
	CT_SC_CLONE3	= 4,
	CT_SC_UNKNOWN	= 5,	/* a user task's, its syscall not seen */
	CT_SC_NR,
};

/* event.refs[]: reference counts read right after copy_process() */
enum ct_ref {
	CT_REF_MM_USERS,	/* mm->mm_users */
	CT_REF_MM_COUNT,	/* mm->mm_count */
	CT_REF_FILES,		/* files->count */
	CT_REF_FS,		/* fs->users */
	CT_REF_SIGHAND,		/* sighand->count */
	CT_REF_SIGNAL_LIVE,	/* signal->live */
	CT_REF_NR_THREADS,	/* signal->nr_threads */
	CT_REF_NSPROXY,		/* nsproxy->count */
	CT_REF_NR,
};

#define CT_REF_ABSENT	(-1)	/* the task has no such resource */

#define CT_ID_UNKNOWN	0xffffffffU	/* event.uid, event.gid */

/*
 * Creations lost because the ring buffer was full, by creator: the BPF
 * side's lost_by_parent map, TGID -> struct ct_lost_parent, at most
 * CT_LOST_PARENTS creators (a creator over that is counted in lost_events
 * alone: user space reports the difference as "other").
 */
#define CT_LOST_PARENTS	1024

struct ct_lost_parent {
	__u64 lost;
	char comm[CT_COMM_LEN];	/* of the thread that lost its first */
};

/* Size of the BPF side's target_hint[] (a power of two). */
#define CT_TARGET_HINTS	(1 << 18)

struct ct_event {
	__u64 ts_ns;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 flags;		/* clone flags without the exit signal byte */
	__u64 latency_ns;	/* request entry to end of copy_process, 0: n/a */
	__u64 cgroup_id;	/* the task's cgroup v2 ID (kernfs ID); 0: unknown */
	/*
	 * Its cgroup in the one v1 hierarchy user space chose (the kernfs
	 * ID there: bpf/cgroup.bpf.h); 0: none chosen, or unknown.
	 */
	__u64 cgroup1_id;
	__u32 type;		/* enum ct_event_type */
	__u32 cpu;
	__u32 ppid;		/* creator: TGID */
	__u32 ptid;		/* creator: TID */
	__u32 pid;		/* new task: TGID (0 for failures) */
	__u32 tid;		/* new task: TID */
	__u32 ns_pid;		/* new task: TGID in its own PID namespace */
	__u32 ns_tid;		/* new task: TID in its own PID namespace */
	__s32 err;		/* failures: positive errno */
	__s32 exit_signal;	/* 0: none */
	/*
	 * Identity: the real uid and gid as the initial user namespace sees
	 * them, and cgroup_id and cgroup1_id, of the new task for a creation (what it
	 * inherited, or the cgroup CLONE_INTO_CGROUP put it in), else of the
	 * task the event is about. CT_ID_UNKNOWN: not known (recordings of
	 * version 1).
	 */
	__u32 uid;
	__u32 gid;
	__u16 syscall;		/* enum ct_syscall */
	__u16 kind;		/* enum ct_kind (clone_flags.h) */
	__s32 refs[CT_REF_NR];	/* CT_REF_ABSENT when not applicable */
	char pcomm[CT_COMM_LEN];
	char comm[CT_COMM_LEN];
};

/*
 * Lifecycle events (-e exec,exit) begin with a struct ct_event about the
 * task itself: pid/tid and comm are the task's (ppid/ptid and pcomm
 * too, so that the columns read as for a creation), kind its kind
 * (thread when it is not its process's leader), identity its own;
 * flags, refs, exit_signal and latency_ns are unused (0, CT_REF_ABSENT).
 */
#define CT_PATH_LEN	256	/* exec: bytes of the file name kept */
#define CT_ARGS_LEN	256	/* exec: bytes of argv kept */
#define CT_PATH_DEPTH	32	/* exec: steps of a path walk (names, mounts) */

/*
 * exec_event.path_flags, interp_flags. A resolved path is carried as its
 * components, the file's own name first, each followed by a NUL
 * (path_len bytes in all): "true\0bin\0usr\0" is /usr/bin/true, no
 * component at all is "/". decode.c turns it around.
 */
enum ct_path_flag {
	CT_PATH_KNOWN		= 1 << 0,	/* resolved; else unknown: null */
	CT_PATH_TRUNCATED	= 1 << 1,	/* the top components are lost */
	CT_PATH_DELETED		= 1 << 2,	/* unlinked (memfd: always) */
	CT_PATH_ALL		= (1 << 3) - 1,
};

/* exec_event.call */
enum ct_exec_call {
	CT_EXEC_UNKNOWN	= 0,	/* seen at sched_process_exec only */
	CT_EXEC_EXECVE	= 1,
	CT_EXEC_EXECVEAT = 2,
};

struct ct_exec_event {
	struct ct_event ev;	/* type CT_EV_EXEC; ev.err: failure errno */
	__u32 parent;		/* the parent's TGID */
	__u32 old_tid;		/* success: the TID before exec (a thread's) */
	__u32 args_size;	/* success: bytes of argv in the new program */
	__u16 args_len;		/* bytes copied into args (NULs between) */
	__u16 call;		/* enum ct_exec_call */
	__u16 path_len;		/* bytes of path used */
	__u16 path_flags;	/* enum ct_path_flag */
	__u16 interp_len;	/* bytes of interp used */
	__u16 interp_flags;	/* enum ct_path_flag */
	char filename[CT_PATH_LEN];	/* as the kernel got it (bprm) */
	/*
	 * success: the program's file as the task's root sees it (a
	 * script's own, when it is found: script_file());
	 * interp: the interpreter's when one ran it (#!, binfmt_misc).
	 */
	char path[CT_PATH_LEN];
	char interp[CT_PATH_LEN];
	char args[CT_ARGS_LEN];		/* argv, NUL-separated */
};

struct ct_exit_event {
	struct ct_event ev;	/* type CT_EV_EXIT */
	__u64 lifetime_ns;	/* from its start_time to the exit */
	__u32 parent;		/* the parent's TGID */
	__s32 code;		/* wait status: status << 8, signal | 0x80 core */
	__u32 group_dead;	/* the last thread of its process */
	__u32 pad;
};

#endif /* CT_EVENT_H */
