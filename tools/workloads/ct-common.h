/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the clonetrace test workloads.
 *
 * A workload performs task creations whose outcome it knows and prints one
 * JSON "expectation" line per creation on stdout (format: tests/README.md).
 * tests/checktrace.py compares those lines with what clonetrace recorded.
 *
 * Exit status: 0 done, 77 skip (missing privilege or kernel feature),
 * 99 harness failure (the workload itself could not do what it states).
 */
#ifndef CT_COMMON_H
#define CT_COMMON_H

#include <stdint.h>
#include <sys/types.h>

#define CT_EXIT_SKIP	77
#define CT_EXIT_HARNESS	99

/* Clone flag values (uapi), spelled out so no header mix is needed. */
#define CT_CLONE_NEWTIME	0x00000080ULL	/* clone3 only */
#define CT_CLONE_VM		0x00000100ULL
#define CT_CLONE_FS		0x00000200ULL
#define CT_CLONE_FILES		0x00000400ULL
#define CT_CLONE_SIGHAND	0x00000800ULL
#define CT_CLONE_VFORK		0x00004000ULL
#define CT_CLONE_THREAD		0x00010000ULL
#define CT_CLONE_NEWNS		0x00020000ULL
#define CT_CLONE_SYSVSEM	0x00040000ULL
#define CT_CLONE_CHILD_CLEARTID	0x00200000ULL
#define CT_CLONE_CHILD_SETTID	0x01000000ULL
#define CT_CLONE_NEWCGROUP	0x02000000ULL
#define CT_CLONE_NEWUTS		0x04000000ULL
#define CT_CLONE_NEWIPC		0x08000000ULL
#define CT_CLONE_NEWUSER	0x10000000ULL
#define CT_CLONE_NEWPID		0x20000000ULL
#define CT_CLONE_NEWNET		0x40000000ULL

/* Flags glibc's pthread_create() always passes. */
#define CT_PTHREAD_FLAGS_MIN	(CT_CLONE_VM | CT_CLONE_FS | CT_CLONE_FILES | \
				 CT_CLONE_SIGHAND | CT_CLONE_THREAD | \
				 CT_CLONE_SYSVSEM)

/* A refcount that the expectation does not state. */
#define CT_UNSET	(-1L)

/* Identity of a task as the task itself sees it (its own PID namespace). */
struct ct_id {
	int32_t pid;
	int32_t tid;
};

/* Reference counts read right after copy_process(); CT_UNSET = not stated. */
struct ct_refs {
	long mm_users;
	long mm_count;
	long files;
	long fs;
	long sighand;
	long signal_live;
	long nr_threads;
	long nsproxy;
};

/* One stated creation (or failed creation). */
struct ct_expect {
	const char *label;	/* free text naming the call, for messages */
	const char *syscall;	/* "fork", "vfork", "clone", "clone3" */
	const char *kind;	/* "process", "vfork", "vm_process", "thread" */
	uint64_t flags;
	int flags_is_min;	/* 1: flags is a subset that must be set */
	int exit_signal;
	pid_t parent_pid;	/* creator, as seen from the workload */
	pid_t parent_tid;
	pid_t child_pid;	/* new task, as seen from the workload */
	pid_t child_tid;
	struct ct_id child_ns;	/* new task, as it sees itself */
	struct ct_refs refs;
	const char *ns_new;	/* JSON array text, NULL = not stated */
	const char *comm_hex;	/* comm of parent and child, NULL = own comm */
	int err;		/* errno of a failed creation, 0 = success */
};

/*
 * Parse the common options (-w: wait for one byte on stdin before acting,
 * so that a tracer can attach with -p first) and return the index of the
 * first workload argument.
 */
int ct_start(int argc, char **argv, const char *usage);

void ct_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void ct_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/* Reporting pipe: a child writes its ct_id, the parent reads it. */
void ct_pipe(int fds[2]);
void ct_report(int fd);
void ct_collect(int fd, struct ct_id *id);

/* Wait for a child (any exit signal) and require a zero exit status. */
void ct_reap(pid_t pid);

pid_t ct_gettid(void);
void ct_refs_clear(struct ct_refs *refs);
void ct_expect_init(struct ct_expect *e, const char *label);
/*
 * Refs of a child sharing nothing with its parent: all 1, mm_count
 * included where it is exact (ct_mm_count_exact()). nsproxy is not
 * stated: every task of the namespaces holds it.
 */
void ct_refs_private(struct ct_refs *refs);
/*
 * Is a new mm's mm_count exactly 1 right after fork? Only khugepaged
 * (transparent hugepages "always": khugepaged_fork() grabs the child's
 * mm when the parent's is registered) or KSM (never asked for here)
 * take a reference that early; the mm has never run, so no CPU holds it
 * lazily.
 */
int ct_mm_count_exact(void);

/* Raw creation syscalls: the kernel sees exactly these flags. */
pid_t ct_raw_fork(void);
pid_t ct_raw_clone(uint64_t flags, int exit_signal);
pid_t ct_raw_clone3(uint64_t flags, int exit_signal);

/* Hex of the calling task's comm as the kernel stores it. */
void ct_comm_hex(char out[33]);

void ct_print_clone(const struct ct_expect *e);
void ct_print_failed(const struct ct_expect *e);
/* Last line: the number of creations stated, for the unexpected-event check. */
void ct_print_total(void);

#endif /* CT_COMMON_H */
