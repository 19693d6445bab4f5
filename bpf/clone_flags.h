/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clone_flags.h - every clone flag and every kind of task, one table
 * each, shared by the BPF programs and user space.
 *
 * The tables are X-macros: a user defines X(...) for one row and expands
 * the table. From them come the kind enum (event.kind, the --kind bit
 * masks, recordings), the kind names, the flag names and values
 * (decode.c), the masks below, what explain says about each flag and
 * the kind a set of flags makes. A new flag or kind is one row here.
 *
 * Plain C: __u64 comes from vmlinux.h (BPF) or <linux/types.h>.
 */
#ifndef CT_CLONE_FLAGS_H
#define CT_CLONE_FLAGS_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* A kernel release, for the "since" column. */
#define CT_KV(major, minor)	((major) * 1000 + (minor))

/* The class column: what a flag is about (bits). */
#define CT_FL_SHARE	0x1	/* the new task shares an object of its creator */
#define CT_FL_NS	0x2	/* the new task gets a new namespace */
#define CT_FL_TID	0x4	/* only how TIDs and TLS reach user space */
#define CT_FL_HOW	0x8	/* how the task is made or reported */

/*
 * include/uapi/linux/sched.h, in bit order:
 *   X(NAME, BIT, CLASS, NAMESPACE, SINCE, MEANING)
 * NAME without CLONE_; NAMESPACE the /proc/PID/ns name of a CT_FL_NS
 * flag (the JSON ns_new names), else NULL; SINCE the first release
 * that knows the flag (0: before 4.0); MEANING what explain says.
 */
#define CT_CLONE_FLAGS(X)						\
	X(NEWTIME, 7, CT_FL_NS, "time", CT_KV(5, 6),			\
	  "new time namespace (clone3 only: the bit is in clone()'s exit-signal byte); the child enters it at once unless it shares the VM, then at its next execve()") \
	X(VM, 8, CT_FL_SHARE, NULL, 0,					\
	  "share the address space (mm): writes by one task are seen by the other") \
	X(FS, 9, CT_FL_SHARE, NULL, 0,					\
	  "share root, cwd and umask (fs_struct): chdir() in one moves the other") \
	X(FILES, 10, CT_FL_SHARE, NULL, 0,				\
	  "share the file descriptor table: open()/close() in one is seen by the other") \
	X(SIGHAND, 11, CT_FL_SHARE, NULL, 0,				\
	  "share the signal handler table (sighand): sigaction() in one changes the other") \
	X(PIDFD, 12, CT_FL_HOW, NULL, CT_KV(5, 2),			\
	  "return a pidfd for the child (clone: through parent_tid; clone3: in clone_args.pidfd)") \
	X(PTRACE, 13, CT_FL_HOW, NULL, 0,				\
	  "if the parent is ptraced, trace the child too")		\
	X(VFORK, 14, CT_FL_HOW, NULL, 0,				\
	  "the parent sleeps until the child calls execve() or exits")	\
	X(PARENT, 15, CT_FL_HOW, NULL, 0,				\
	  "the child's parent is the caller's parent (a sibling, not a child)") \
	X(THREAD, 16, CT_FL_SHARE, NULL, 0,				\
	  "same thread group (TGID) and signal_struct: a thread, not a process") \
	X(NEWNS, 17, CT_FL_NS, "mnt", 0,				\
	  "new mount namespace (a copy of the caller's mounts)")	\
	X(SYSVSEM, 18, CT_FL_SHARE, NULL, 0,				\
	  "share System V semaphore undo values (semadj)")		\
	X(SETTLS, 19, CT_FL_TID, NULL, 0,				\
	  "set the child's thread-local storage pointer (tls argument)") \
	X(PARENT_SETTID, 20, CT_FL_TID, NULL, 0,			\
	  "store the child's TID at parent_tid in the parent's memory") \
	X(CHILD_CLEARTID, 21, CT_FL_TID, NULL, 0,			\
	  "at the child's exit, zero child_tid and futex-wake it (pthread_join)") \
	X(DETACHED, 22, CT_FL_TID, NULL, 0,				\
	  "obsolete, ignored by clone(); refused by clone3() and with CLONE_PIDFD") \
	X(UNTRACED, 23, CT_FL_HOW, NULL, 0,				\
	  "a tracer cannot force CLONE_PTRACE on the child")		\
	X(CHILD_SETTID, 24, CT_FL_TID, NULL, 0,				\
	  "store the child's TID at child_tid in the child's memory")	\
	X(NEWCGROUP, 25, CT_FL_NS, "cgroup", CT_KV(4, 6),		\
	  "new cgroup namespace")					\
	X(NEWUTS, 26, CT_FL_NS, "uts", 0,				\
	  "new UTS namespace (hostname, domainname)")			\
	X(NEWIPC, 27, CT_FL_NS, "ipc", 0,				\
	  "new IPC namespace (System V IPC, POSIX message queues)")	\
	X(NEWUSER, 28, CT_FL_NS, "user", 0,				\
	  "new user namespace (the child has full capabilities inside it)") \
	X(NEWPID, 29, CT_FL_NS, "pid", 0,				\
	  "new PID namespace: the child is its PID 1 (init)")		\
	X(NEWNET, 30, CT_FL_NS, "net", 0,				\
	  "new network namespace (only a loopback device, down)")	\
	X(IO, 31, CT_FL_SHARE, NULL, 0,					\
	  "share the I/O context (io_context: I/O scheduler state)")	\
	X(CLEAR_SIGHAND, 32, CT_FL_HOW, NULL, CT_KV(5, 5),		\
	  "clone3 only: reset every handled signal to SIG_DFL in the child") \
	X(INTO_CGROUP, 33, CT_FL_HOW, NULL, CT_KV(5, 7),		\
	  "clone3 only: start the child in the cgroup v2 directory given by clone_args.cgroup")

/* CT_CLONE_BIT_VM = 8, ...; CT_CLONE(VM) is the flag's value. */
enum ct_clone_bit {
#define CT_CLONE_BIT_(name, bit, ...)	CT_CLONE_BIT_##name = (bit),
	CT_CLONE_FLAGS(CT_CLONE_BIT_)
#undef CT_CLONE_BIT_
};

#define CT_CLONE(name)	(1ULL << CT_CLONE_BIT_##name)

/* clone(2)'s low byte: the exit signal, not a flag (CSIGNAL). */
#define CT_CSIGNAL	0xffULL

/* The flags of one class, as a mask. */
#define CT_CLONE_IF_(cls, bit, want)	(((cls) & (want)) ? 1ULL << (bit) : 0)
#define CT_NS_ROW_(name, bit, cls, ...)	| CT_CLONE_IF_(cls, bit, CT_FL_NS)
#define CT_TID_ROW_(name, bit, cls, ...) | CT_CLONE_IF_(cls, bit, CT_FL_TID)
#define CT_ALL_ROW_(name, bit, ...)	| (1ULL << (bit))

/* Every flag that creates a namespace. */
#define CT_NS_FLAGS_MASK	(0ULL CT_CLONE_FLAGS(CT_NS_ROW_))
/*
 * The flags that only say how TIDs and TLS reach user space (SETTLS,
 * PARENT_SETTID, CHILD_CLEARTID, DETACHED, CHILD_SETTID), not what the
 * new task shares.
 */
#define CT_TID_FLAGS_MASK	(0ULL CT_CLONE_FLAGS(CT_TID_ROW_))
/* Every flag in the table. */
#define CT_KNOWN_FLAGS_MASK	(0ULL CT_CLONE_FLAGS(CT_ALL_ROW_))

/*
 * What was created (event.kind), in this order: the values are in
 * recordings and are the bits of the --kind filter, so a new kind goes
 * at the end.
 *   X(NAME, name, plural, what it is)
 */
#define CT_KINDS(X)							\
	X(PROCESS, process, processes,					\
	  "own TGID; copies of everything it does not share")		\
	X(THREAD, thread, threads,					\
	  "same TGID as the caller, one signal_struct, shares mm and sighand") \
	X(VFORK, vfork, vforks,						\
	  "own TGID, the parent is suspended until the child execs or exits") \
	X(VM_PROCESS, vm_process, vm_processes,				\
	  "own TGID and signal_struct, but the same mm (address space)") \
	X(KTHREAD, kthread, kthreads,					\
	  "a kernel thread (PF_KTHREAD): no user address space")	\
	X(USER_WORKER, user_worker, user_workers,			\
	  "an io_uring or vhost worker of a user process (PF_IO_WORKER, PF_USER_WORKER)")

enum ct_kind {
#define CT_KIND_ENUM_(name, ...)	CT_KIND_##name,
	CT_KINDS(CT_KIND_ENUM_)
#undef CT_KIND_ENUM_
	CT_KIND_NR
};

/*
 * The kind that clone flags make, for a task of a user process (the
 * kernel's PF_KTHREAD and PF_IO_WORKER / PF_USER_WORKER, read from the
 * new task in BPF, come first: bpf/task.bpf.h).
 */
static __always_inline enum ct_kind ct_kind_of_flags(__u64 flags)
{
	if (flags & CT_CLONE(THREAD))
		return CT_KIND_THREAD;
	if (flags & CT_CLONE(VFORK))
		return CT_KIND_VFORK;
	if (flags & CT_CLONE(VM))
		return CT_KIND_VM_PROCESS;
	return CT_KIND_PROCESS;
}

#endif /* CT_CLONE_FLAGS_H */
