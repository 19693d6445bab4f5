// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace.bpf.c - where creation events are produced.
 *
 * Every task the kernel creates passes through copy_process(), whose last
 * step fires the task:task_newtask tracepoint with the new task and the
 * 64-bit clone flags. That is the primary hook: one event per new task,
 * filled from the task itself, so it is right for every caller.
 *
 * Around it:
 *  - the clone-family syscall tracepoints remember, per thread, which
 *    syscall is in flight, when it started and which flags it asked for;
 *    task_newtask uses that for the syscall name and the latency, and a
 *    negative return becomes a clone_failed event;
 *  - fentry/fexit on kernel_clone() (where the kernel allows trampolines)
 *    do the same for creations that no syscall tracepoint saw: kthreadd's,
 *    and in fentry mode every request, since the syscall tracepoints are
 *    then left off (they tax every syscall on the machine); fexit on the
 *    clone3 syscall function adds the requests clone3 refuses before
 *    kernel_clone() (its argument checks);
 *  - sched_process_exit keeps the set of traced processes (-p, -f, -c)
 *    current, so that user space can tell when all of them are gone;
 *  - with -e exec,exit (and only then: the default stream costs the same
 *    without them), sched_process_exec and the execve/execveat syscall
 *    tracepoints (in fentry mode fentry/fexit on the execve/execveat
 *    syscall functions instead) report what the tasks become,
 *    sched_process_exit how they end.
 *
 * Which programs load is decided by user space (userspace/attach.c) after
 * probing the kernel; the filters are read-only globals it sets before load.
 * Kernel pointers never leave this file: only numbers are copied out.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ct_event.h"
#include "task.bpf.h"
#include "cgroup.bpf.h"

/* include/uapi/linux/sched.h */
#define SIGCHLD		17

/* Filters, set by user space between open and load. */
const volatile bool filter_targets;	/* only processes in targets */
const volatile bool follow;		/* add children to targets */
const volatile bool failed_only;
const volatile bool filter_comm;
const volatile char target_comm[CT_COMM_LEN];
/*
 * --cgroup: only tasks in cgroup_filter[0] (cgroup v2) or below it; in a
 * v1 hierarchy: cg1_filter_id (cgroup.bpf.h) or below it
 */
const volatile bool filter_cgroup;
const volatile bool filter_cgroup1;
const volatile __u32 kind_mask = ~0U;	/* bit (1 << enum ct_kind) */
/* Wake the reader only once this much data waits; 0: every event. */
const volatile __u32 wakeup_bytes;
/*
 * No syscall tracepoint is attached (fentry mode by default, or
 * --no-syscalls: they put every syscall of every task on the kernel's slow
 * path); the syscall is read from the creator's registers, fentry/fexit
 * own every request.
 */
const volatile bool no_syscalls;
/* have_task_pt_regs, thread_size, have_current_task_btf: task.bpf.h */
/*
 * fexit on the clone3 syscall function is attached (sys_clone3_exit): a
 * clone3 that fails in kernel_clone() is reported there, with the
 * arguments the caller gave, and not by kernel_clone_exit.
 */
const volatile bool clone3_exit;
/*
 * Requests in flight live in task local storage (5.12+: a slot inside the
 * requesting task, no hashing or locking, freed with the task), else in an
 * LRU hash by TID. User space probes and sets this; the unused map is not
 * created. On a fork storm the hash cost ~400 ns per creation, the task
 * storage ~150 (kernel.bpf_stats_enabled, docs/PERFORMANCE.md).
 */
const volatile bool use_task_storage;
/*
 * Some program records requests (syscall tracepoints, or fentry): else
 * task_newtask does not look for one (with --no-syscalls in tp_btf mode
 * that lookup was a third of its cost).
 */
const volatile bool track_requests = true;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

/* -e exec, -e exit: lifecycle events (the programs load only then) */
const volatile bool trace_execs;
const volatile bool trace_exits;

/* Counters, read by user space through the mmap()ed .bss. */
__u64 lost_events;	/* ring buffer full */
__u64 lost_follow;	/* targets map full: a child could not be followed */
__s64 targets_alive;	/* processes in targets that have not exited */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);	/* resized by user space */
} events SEC(".maps");

/* A creation request in flight: one per requesting thread. */
struct inflight {
	__u64 ts_ns;
	__u64 flags;
	__u64 uargs;		/* clone3: struct clone_args *, read on failure */
	__s32 exit_signal;
	__u16 syscall;
	__u8 fentry;		/* begun by fentry/kernel_clone: fexit ends it */
	__u8 active;		/* task storage: the slot holds a request */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight_task SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);		/* TID */
	__type(value, struct inflight);
} inflight_tid SEC(".maps");

/* The request in flight of the current thread CUR, or NULL. */
static __always_inline struct inflight *inflight_of(struct task_struct *cur)
{
	__u32 tid;

	if (use_task_storage) {
		struct inflight *in;

		in = bpf_task_storage_get(&inflight_task, cur, 0, 0);
		return in && in->active ? in : NULL;
	}
	tid = (__u32)bpf_get_current_pid_tgid();
	return bpf_map_lookup_elem(&inflight_tid, &tid);
}

static __always_inline struct inflight *inflight_find(void)
{
	return inflight_of(use_task_storage ? bpf_get_current_task_btf() :
			   NULL);
}

/* Remember a request of the current thread (replacing any stale one). */
static __always_inline void inflight_start(const struct inflight *req)
{
	struct inflight *in;
	__u32 tid;

	if (use_task_storage) {
		in = bpf_task_storage_get(&inflight_task,
					  bpf_get_current_task_btf(), 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (in)		/* else: no memory; the event has no latency */
			*in = *req;
		return;
	}
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&inflight_tid, &tid, req, BPF_ANY);
}

static __always_inline void inflight_end(struct inflight *in)
{
	__u32 tid;

	if (use_task_storage) {
		in->active = 0;
		return;
	}
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_delete_elem(&inflight_tid, &tid);
}

/*
 * Traced processes by TGID (-p, -c, and their descendants with -f).
 * Allocated as entries arrive; user space preallocates it on kernels
 * before 6.1, whose verifier WARNs about run-time allocation in tracepoint
 * programs (a panic under panic_on_warn).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);	/* resized by user space */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u8);
} targets SEC(".maps");

/*
 * A first test before the targets hash: one byte per TGID modulo the
 * array's size, set (by user space or follow_child()) before a TGID goes
 * into targets and never cleared; a stale or shared byte only costs the
 * hash lookup. Most creations and exits on a machine are not the traced
 * processes': one load instead of a hash lookup for each (-p on a fork
 * storm: sched_process_exit ~390 -> ~100 ns per exit, docs/PERFORMANCE.md).
 */
__u8 target_hint[CT_TARGET_HINTS];

static __always_inline bool maybe_target(__u32 tgid)
{
	return target_hint[tgid & (CT_TARGET_HINTS - 1)];
}

static __always_inline bool traced(__u32 tgid)
{
	if (!filter_targets)
		return true;
	if (!maybe_target(tgid))
		return false;
	return bpf_map_lookup_elem(&targets, &tgid) != NULL;
}

static __always_inline bool comm_matches(void)
{
	char comm[CT_COMM_LEN];
	int i;

	if (!filter_comm)
		return true;
	bpf_get_current_comm(comm, sizeof(comm));
	for (i = 0; i < CT_COMM_LEN; i++) {
		if (comm[i] != target_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* --cgroup: is the current task in the cgroup or below it? */
static __always_inline bool cgroup_matches(void)
{
	if (filter_cgroup1)
		return cg1_current_under();
	if (!filter_cgroup)
		return true;
	return bpf_current_task_under_cgroup(&cgroup_filter, 0) == 1;
}

static __always_inline bool kind_wanted(__u16 kind)
{
	return kind_mask & (1U << kind);
}

/* Batch wakeups: the reader also polls on a timer, so nothing waits long. */
static __always_inline long submit_flags(void)
{
	if (!wakeup_bytes)
		return 0;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * Reading the new task. The body is shared by the tp_btf and raw_tp
 * programs and inlined into each with a constant "btf": tp_btf gets
 * BTF-typed pointers and plain loads (the verifier makes them fault-safe),
 * raw_tp gets bpf_probe_read_kernel(). A helper call per field was most of
 * the program's cost, which every creation on the system pays.
 */
#define RD(btf, ptr, field) ((btf) ? (ptr)->field : BPF_CORE_READ(ptr, field))

/*
 * Reference counts are atomic_t in some kernels and refcount_t in others
 * (nsproxy.count became refcount_t in 6.x, sighand in 4.15); both are one
 * 32-bit integer at the start of the field, so read the field's 4 bytes at
 * its CO-RE relocated offset instead of naming the inner member.
 */
#define READ_COUNT(btf, ptr, field) ({					\
	__s32 __v = CT_REF_ABSENT;					\
	if ((btf) && (ptr))						\
		__v = *(__s32 *)&(ptr)->field;				\
	else if (ptr)							\
		bpf_core_read(&__v, sizeof(__v), &(ptr)->field);	\
	__v;								\
})

/* The task's TID in its own PID namespace: pid->numbers[pid->level]. */
static __always_inline __u32 ns_nr(struct task_struct *task, bool btf)
{
	struct pid *pid = RD(btf, task, thread_pid);
	unsigned int level = RD(btf, pid, level);
	struct upid upid = {};

	if (btf && level == 0) {	/* the common case: no nested namespace */
		__u32 nr = pid->numbers[0].nr;

		/*
		 * inlined into the lifecycle programs, the compiler would
		 * load both results with one instruction, from the stack or
		 * from the BTF pointer, which the verifier refuses
		 */
		barrier_var(nr);
		return nr;
	}
	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level]);
	return upid.nr;
}

static __always_inline void read_refs(struct ct_event *e,
				      struct task_struct *task, bool btf)
{
	struct mm_struct *mm = RD(btf, task, mm);
	struct files_struct *files = RD(btf, task, files);
	struct fs_struct *fs = RD(btf, task, fs);
	struct sighand_struct *sighand = RD(btf, task, sighand);
	struct signal_struct *signal = RD(btf, task, signal);
	struct nsproxy *nsproxy = RD(btf, task, nsproxy);

	e->refs[CT_REF_MM_USERS] = READ_COUNT(btf, mm, mm_users);
	e->refs[CT_REF_MM_COUNT] = READ_COUNT(btf, mm, mm_count);
	e->refs[CT_REF_FILES] = READ_COUNT(btf, files, count);
	e->refs[CT_REF_FS] = READ_COUNT(btf, fs, users);
	e->refs[CT_REF_SIGHAND] = READ_COUNT(btf, sighand, count);
	e->refs[CT_REF_SIGNAL_LIVE] = READ_COUNT(btf, signal, live);
	e->refs[CT_REF_NR_THREADS] = READ_COUNT(btf, signal, nr_threads);
	e->refs[CT_REF_NSPROXY] = READ_COUNT(btf, nsproxy, count);
}

/*
 * Who the task belongs to: its real uid and gid (kernel IDs: as the
 * initial user namespace sees them) and its cgroup v2 ID, the kernfs ID
 * of task->cgroups->dfl_cgrp that bpf_get_current_cgroup_id() returns
 * for the current task, and its cgroup in the v1 hierarchy user space
 * chose (cgroup.bpf.h). User space turns the IDs into paths.
 */
static __always_inline void read_identity(struct ct_event *e,
					  struct task_struct *task, bool btf)
{
	const struct cred *cred = RD(btf, task, real_cred);
	struct css_set *cgroups = RD(btf, task, cgroups);
	struct cgroup *cgrp = RD(btf, cgroups, dfl_cgrp);
	struct kernfs_node *kn = RD(btf, cgrp, kn);

	e->uid = RD(btf, cred, uid.val);
	e->gid = RD(btf, cred, gid.val);
	e->cgroup_id = RD(btf, kn, id);
	e->cgroup1_id = cg1_id(task, btf);
}

/*
 * Holes named: a creation lost to a full ring buffer is counted against
 * its creator, so that the summary and the tree say whose children are
 * missing. A hash preallocated at load (no allocation in the tracing
 * programs: 5.10 warns about that); once CT_LOST_PARENTS creators are in
 * it, a new one is counted in lost_events alone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CT_LOST_PARENTS);
	__type(key, __u32);
	__type(value, struct ct_lost_parent);
} lost_by_parent SEC(".maps");

static __always_inline void lost_creation(__u32 ptgid)
{
	struct ct_lost_parent *v, first = { .lost = 1 };

	__sync_fetch_and_add(&lost_events, 1);
	v = bpf_map_lookup_elem(&lost_by_parent, &ptgid);
	if (v) {
		__sync_fetch_and_add(&v->lost, 1);
		return;
	}
	bpf_get_current_comm(first.comm, sizeof(first.comm));
	if (!bpf_map_update_elem(&lost_by_parent, &ptgid, &first, BPF_NOEXIST))
		return;
	/* another CPU made it first, or the table is full */
	v = bpf_map_lookup_elem(&lost_by_parent, &ptgid);
	if (v)
		__sync_fetch_and_add(&v->lost, 1);
}

/* -f: a new process of a traced one is traced too. */
static __always_inline void follow_child(__u32 tgid)
{
	__u8 one = 1;

	target_hint[tgid & (CT_TARGET_HINTS - 1)] = 1;
	if (bpf_map_update_elem(&targets, &tgid, &one, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&targets_alive, 1);
	else if (!bpf_map_lookup_elem(&targets, &tgid))
		__sync_fetch_and_add(&lost_follow, 1);
}

static __always_inline int on_newtask(struct task_struct *task, __u64 flags,
				      bool btf)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 ptgid = id >> 32, ptid = (__u32)id;
	__u32 pf = RD(btf, task, flags);
	__u16 kind = kind_of(flags, pf);
	struct task_struct *leader, *cur;
	struct inflight *in;
	struct ct_event *e;
	__u32 tgid;

	if (!traced(ptgid))
		return 0;
	tgid = RD(btf, task, tgid);
	if (follow && tgid != ptgid)
		follow_child(tgid);
	if (failed_only || !kind_wanted(kind) || !comm_matches())
		return 0;
	if (!cgroup_matches())
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		lost_creation(ptgid);
		return 0;
	}
	/*
	 * The new task's own creation time (CLOCK_MONOTONIC, stamped near
	 * the end of copy_process(), as in /proc/PID/stat): no clock read.
	 */
	e->ts_ns = RD(btf, task, start_time);
	e->flags = flags;
	e->type = CT_EV_CLONE;
	e->cpu = bpf_get_smp_processor_id();
	e->ppid = ptgid;
	e->ptid = ptid;
	e->pid = tgid;
	e->tid = RD(btf, task, pid);
	leader = RD(btf, task, group_leader);
	e->ns_pid = ns_nr(leader, btf);
	e->ns_tid = ns_nr(task, btf);
	e->err = 0;
	e->exit_signal = RD(btf, task, exit_signal);
	if (e->exit_signal < 0)		/* threads: -1 */
		e->exit_signal = 0;
	e->kind = kind;

	/* tp_btf: one current-task pointer for the request and the comm */
	cur = (btf && have_current_task_btf) || use_task_storage ?
	      bpf_get_current_task_btf() : NULL;
	in = track_requests ? inflight_of(cur) : NULL;
	if (in) {
		e->syscall = in->syscall;
		e->latency_ns = e->ts_ns > in->ts_ns ? e->ts_ns - in->ts_ns : 0;
	} else {
		/* no request seen: kernel-internal, or begun before attach */
		e->syscall = current_syscall(kind);
		e->latency_ns = 0;
	}
	read_refs(e, task, btf);
	read_identity(e, task, btf);
	if (btf) {
		if (have_current_task_btf)
			copy_comm(e->pcomm, cur->comm);
		else
			bpf_get_current_comm(e->pcomm, sizeof(e->pcomm));
		copy_comm(e->comm, task->comm);
	} else {
		bpf_get_current_comm(e->pcomm, sizeof(e->pcomm));
		BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	}
	bpf_ringbuf_submit(e, submit_flags());
	return 0;
}

/* TP_PROTO(struct task_struct *task, u64 clone_flags) */
SEC("tp_btf/task_newtask")
int BPF_PROG(task_newtask_btf, struct task_struct *task, __u64 clone_flags)
{
	return on_newtask(task, clone_flags, true);
}

/* Same hook for kernels without tp_btf (before 5.5). */
SEC("raw_tp/task_newtask")
int BPF_PROG(task_newtask_raw, struct task_struct *task, __u64 clone_flags)
{
	return on_newtask(task, clone_flags, false);
}

/* ---- creation requests: syscalls, and kernel_clone() where allowed ---- */

static __always_inline bool request_wanted(void)
{
	/* no helper call unless a filter needs it: every request pays it */
	if (filter_targets && !traced(bpf_get_current_pid_tgid() >> 32))
		return false;
	return comm_matches() && cgroup_matches();
}

/* Remember a request of the current thread; the filters passed. */
static __always_inline void request_record(__u16 syscall, __u64 flags,
					   __s32 exit_signal, __u64 uargs,
					   bool fentry)
{
	struct inflight in = {
		.ts_ns = bpf_ktime_get_ns(),
		.flags = flags,
		.uargs = uargs,
		.exit_signal = exit_signal,
		.syscall = syscall,
		.fentry = fentry,
		.active = 1,
	};

	inflight_start(&in);
}

static __always_inline void request_begin(__u16 syscall, __u64 flags,
					  __s32 exit_signal)
{
	if (request_wanted())
		request_record(syscall, flags, exit_signal, 0, false);
}

static __always_inline void emit_failure(struct inflight *in, long err)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u16 kind = kind_of(in->flags, 0);
	struct ct_event *e;
	__u64 ugid;
	int i;

	if (!kind_wanted(kind))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		lost_creation(id >> 32);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->flags = in->flags;
	e->latency_ns = in->ts_ns ? e->ts_ns - in->ts_ns : 0;
	e->type = CT_EV_CLONE_FAILED;
	e->cpu = bpf_get_smp_processor_id();
	e->ppid = id >> 32;
	e->ptid = (__u32)id;
	e->pid = 0;
	e->tid = 0;
	e->ns_pid = 0;
	e->ns_tid = 0;
	e->err = err;
	e->exit_signal = in->exit_signal;
	e->syscall = in->syscall;
	e->kind = kind;
	ugid = bpf_get_current_uid_gid();
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->cgroup1_id = cg1_current_id();
	for (i = 0; i < CT_REF_NR; i++)
		e->refs[i] = CT_REF_ABSENT;
	bpf_get_current_comm(e->pcomm, sizeof(e->pcomm));
	__builtin_memcpy(e->comm, e->pcomm, sizeof(e->comm));
	bpf_ringbuf_submit(e, submit_flags());
}

/* include/uapi/linux/sched.h: the start of struct clone_args */
struct ct_clone_args {
	__u64 flags;
	__u64 pidfd;
	__u64 child_tid;
	__u64 parent_tid;
	__u64 exit_signal;
};

static __always_inline void fail_request(struct inflight *in, long err)
{
	if (in->uargs) {
		/*
		 * clone3: the requested flags, read only now that they are
		 * needed (a success reports the flags the kernel used, from
		 * task_newtask). A bad pointer is the EFAULT being reported:
		 * zeros then.
		 */
		struct ct_clone_args args = {};

		bpf_probe_read_user(&args, sizeof(args), (void *)in->uargs);
		in->flags = args.flags;
		in->exit_signal = (__s32)args.exit_signal;
	}
	emit_failure(in, err);
}

/*
 * A failed request that no sys_enter saw: seccomp refused it
 * (SECCOMP_RET_ERRNO skips the enter tracepoint, not the exit one), or it
 * began before clonetrace attached. The flags come from the registers
 * where the kernel allows reading them; the latency is unknown.
 */
static __always_inline void fail_unseen(__u16 syscall, long err)
{
	struct inflight in = { .syscall = syscall };
	__u64 nr, arg0;

	if (syscall == CT_SC_FORK || syscall == CT_SC_VFORK)
		in.exit_signal = SIGCHLD;
	if (syscall == CT_SC_VFORK)
		in.flags = CT_CLONE(VM) | CT_CLONE(VFORK);
	/* the syscall number checks that the registers are the right ones */
	if (syscall == CT_SC_CLONE && user_regs(&nr, &arg0) && nr == NR_CLONE) {
		in.flags = (__u32)arg0 & ~CT_CSIGNAL;
		in.exit_signal = (__u32)arg0 & CT_CSIGNAL;
	}
	if (syscall == CT_SC_CLONE3 && user_regs(&nr, &arg0) &&
	    nr == NR_CLONE3)
		in.uargs = arg0;
	fail_request(&in, err);
}

static __always_inline void request_end(long ret, __u16 syscall)
{
	struct inflight *in;

	if (ret == 0)
		return;		/* the new child returning: never in flight */
	if (filter_targets && !maybe_target(bpf_get_current_pid_tgid() >> 32))
		return;		/* nothing of this process is ever recorded */
	in = inflight_find();
	if (!in) {
		if (ret < 0 && syscall != CT_SC_KERNEL && request_wanted())
			fail_unseen(syscall, -ret);
		return;
	}
	if (ret < 0)
		fail_request(in, -ret);
	inflight_end(in);
}

/* The perf layout of syscall tracepoints: common header, nr, arguments. */
struct syscall_enter_ctx {
	__u64 common;
	long nr;
	unsigned long args[6];
};

struct syscall_exit_ctx {
	__u64 common;
	long nr;
	long ret;
};

SEC("tracepoint/syscalls/sys_enter_clone")
int sys_enter_clone(struct syscall_enter_ctx *ctx)
{
	/* kernel/fork.c: only the low 32 bits count; the low byte is the
	 * exit signal.
	 */
	__u32 raw = ctx->args[0];

	request_begin(CT_SC_CLONE, raw & ~CT_CSIGNAL, raw & CT_CSIGNAL);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_clone3")
int sys_enter_clone3(struct syscall_enter_ctx *ctx)
{
	if (request_wanted())
		request_record(CT_SC_CLONE3, 0, 0, ctx->args[0], false);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_fork")
int sys_enter_fork(struct syscall_enter_ctx *ctx)
{
	request_begin(CT_SC_FORK, 0, SIGCHLD);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_vfork")
int sys_enter_vfork(struct syscall_enter_ctx *ctx)
{
	request_begin(CT_SC_VFORK, CT_CLONE(VM) | CT_CLONE(VFORK), SIGCHLD);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone")
int sys_exit_clone(struct syscall_exit_ctx *ctx)
{
	request_end(ctx->ret, CT_SC_CLONE);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone3")
int sys_exit_clone3(struct syscall_exit_ctx *ctx)
{
	request_end(ctx->ret, CT_SC_CLONE3);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_fork")
int sys_exit_fork(struct syscall_exit_ctx *ctx)
{
	request_end(ctx->ret, CT_SC_FORK);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_vfork")
int sys_exit_vfork(struct syscall_exit_ctx *ctx)
{
	request_end(ctx->ret, CT_SC_VFORK);
	return 0;
}

/*
 * pid_t kernel_clone(struct kernel_clone_args *args)
 * Requests that did not come through a traced syscall (kthreadd, and
 * every request with --no-syscalls or without syscall tracepoints) start
 * and end here.
 */
SEC("fentry/kernel_clone")
int BPF_PROG(kernel_clone_entry, struct kernel_clone_args *args)
{
	/* a syscall tracepoint owns this request (if any is attached) */
	if (!no_syscalls && inflight_find())
		return 0;
	if (request_wanted()) {
		__u16 sc = current_syscall(CT_KIND_NR);

		request_record(sc, args->flags, args->exit_signal, 0, true);
	}
	return 0;
}

SEC("fexit/kernel_clone")
int BPF_PROG(kernel_clone_exit, struct kernel_clone_args *args, int ret)
{
	struct inflight *in;

	in = inflight_find();
	if (!in || !in->fentry)
		return 0;
	/* a failed clone3: its syscall's exit reports it and ends it */
	if (ret < 0 && clone3_exit && in->syscall == CT_SC_CLONE3)
		return 0;
	request_end(ret, CT_SC_KERNEL);
	return 0;
}

/*
 * long __x64_sys_clone3(const struct pt_regs *regs), or the clone3
 * wrapper of this architecture (user space resolves the name in BTF).
 * In fentry mode without syscall tracepoints, the failures kernel_clone()
 * never sees: clone3's checks of its arguments (size, flags, exit signal,
 * set_tid: EINVAL, E2BIG, EFAULT). Only clone3 calls pay for it. A clone3
 * that reached kernel_clone() and failed there left its request in flight
 * (kernel_clone_exit): it ends here, with the latency from kernel_clone().
 */
SEC("fexit/__x64_sys_clone3")
int BPF_PROG(sys_clone3_exit, const struct pt_regs *regs, long ret)
{
	struct inflight *in, unseen = { .syscall = CT_SC_CLONE3 };

	if (ret >= 0)
		return 0;
	if (filter_targets && !maybe_target(bpf_get_current_pid_tgid() >> 32))
		return 0;	/* nothing of this process is ever recorded */
	in = inflight_find();
	if (in && in->fentry && in->syscall == CT_SC_CLONE3) {
		fail_request(in, -ret);
		inflight_end(in);
		return 0;
	}
	if (!request_wanted())
		return 0;
	/* refused before kernel_clone(): the flags from the caller's args */
	unseen.uargs = PT_REGS_PARM1_CORE_SYSCALL(regs);
	fail_request(&unseen, -ret);
	return 0;
}

/* ---- lifecycle: exec and exit (-e) ---- */

/* The kind of an existing task: a thread unless it leads its process. */
static __always_inline __u16 task_kind(struct task_struct *task, __u64 id,
					bool btf)
{
	__u32 pf = RD(btf, task, flags);

	if (pf & PF_KTHREAD)
		return CT_KIND_KTHREAD;
	if (pf & (PF_IO_WORKER | PF_USER_WORKER))
		return CT_KIND_USER_WORKER;
	return (__u32)id == id >> 32 ? CT_KIND_PROCESS : CT_KIND_THREAD;
}

static __always_inline bool life_wanted(__u32 tgid, __u16 kind)
{
	return traced(tgid) && kind_wanted(kind) && comm_matches() &&
	       cgroup_matches();
}

/*
 * The struct ct_event part of a lifecycle event: the current task (BTF
 * pointer and plain loads with btf, as on_newtask()).
 */
static __always_inline void life_fill(struct ct_event *e, __u32 type,
				      struct task_struct *task, __u16 kind,
				      bool btf)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ugid = bpf_get_current_uid_gid();
	int i;

	e->ts_ns = bpf_ktime_get_ns();
	e->flags = 0;
	e->latency_ns = 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->cgroup1_id = cg1_current_id();
	e->type = type;
	e->cpu = bpf_get_smp_processor_id();
	e->ppid = e->pid = id >> 32;
	e->ptid = e->tid = (__u32)id;
	e->ns_pid = ns_nr(RD(btf, task, group_leader), btf);
	e->ns_tid = ns_nr(task, btf);
	e->err = 0;
	e->exit_signal = 0;
	e->uid = (__u32)ugid;
	e->gid = ugid >> 32;
	e->syscall = CT_SC_KERNEL;
	e->kind = kind;
	for (i = 0; i < CT_REF_NR; i++)
		e->refs[i] = CT_REF_ABSENT;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->pcomm, e->comm, sizeof(e->pcomm));
}

static __always_inline void life_header(struct ct_event *e, __u32 type,
					struct task_struct *task, __u16 kind)
{
	life_fill(e, type, task, kind, false);
}

/* An execve/execveat in flight: its file name, for a failure. */
struct exec_req {
	__u64 filename;		/* user pointer */
	__u16 call;		/* enum ct_exec_call */
	__u16 uring;		/* the task had io_uring: see script_file() */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);		/* TID */
	__type(value, struct exec_req);
} exec_reqs SEC(".maps");

static __always_inline void exec_begin(__u64 filename, __u16 call)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct exec_req req = { .filename = filename, .call = call };
	struct task_struct *task = (void *)bpf_get_current_task();
	__u32 tid = (__u32)id;

	if (!traced(id >> 32) || !comm_matches() || !cgroup_matches())
		return;
	if (bpf_core_field_exists(task->io_uring))
		req.uring = !!BPF_CORE_READ(task, io_uring);
	bpf_map_update_elem(&exec_reqs, &tid, &req, BPF_ANY);
}

/* The end of an exec that failed (a success ends at sched_process_exec). */
static __always_inline void exec_end(long ret)
{
	struct task_struct *task;
	struct ct_exec_event *x;
	struct exec_req *req;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 id;

	req = bpf_map_lookup_elem(&exec_reqs, &tid);
	if (!req)
		return;
	if (ret >= 0)
		goto out;
	id = bpf_get_current_pid_tgid();
	task = (struct task_struct *)bpf_get_current_task();
	x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
	if (!x) {
		__sync_fetch_and_add(&lost_events, 1);
		goto out;
	}
	life_header(&x->ev, CT_EV_EXEC, task, task_kind(task, id, false));
	x->ev.err = -ret;
	x->parent = BPF_CORE_READ(task, real_parent, tgid);
	x->old_tid = 0;
	x->args_size = 0;
	x->args_len = 0;
	/* nothing was resolved: no path, no interpreter */
	x->path_len = x->path_flags = x->interp_len = x->interp_flags = 0;
	x->call = req->call;
	if (bpf_probe_read_user_str(x->filename, sizeof(x->filename),
				    (void *)req->filename) < 0)
		x->filename[0] = '\0';
	bpf_ringbuf_submit(x, submit_flags());
out:
	bpf_map_delete_elem(&exec_reqs, &tid);
}

SEC("tracepoint/syscalls/sys_enter_execve")
int sys_enter_execve(struct syscall_enter_ctx *ctx)
{
	exec_begin(ctx->args[0], CT_EXEC_EXECVE);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int sys_enter_execveat(struct syscall_enter_ctx *ctx)
{
	exec_begin(ctx->args[1], CT_EXEC_EXECVEAT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int sys_exit_execve(struct syscall_exit_ctx *ctx)
{
	exec_end(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int sys_exit_execveat(struct syscall_exit_ctx *ctx)
{
	exec_end(ctx->ret);
	return 0;
}

/*
 * The resolved path of an exec'd file: its components, walked up from
 * the file to the task's root (fs->root, as /proc/PID/exe shows it to
 * the task itself) through dentry->d_parent, and across mounts from a
 * mount's root to its mountpoint in the parent mount (fs/d_path.c's
 * prepend_path() does the same under locks). The walk stops at the
 * task's root, or at the root of a mount that has no parent (the
 * namespace's root: a file outside the task's chroot), or at a dentry
 * without a parent (a pseudo file: a memfd); after CT_PATH_DEPTH steps,
 * or when the buffer is full, the path is marked truncated.
 *
 * bpf_d_path() is not allowed for tracepoints: the walk reads without
 * locks (a rename during it can give a mixed path). It writes into
 * path_buf, twice CT_PATH_LEN long so that any offset below CT_PATH_LEN
 * plus any name length below it is in bounds for the verifier. The
 * offset lives in the map value too: a register would be tracked exactly
 * and no two iterations' states would be alike (the verifier gives up
 * after a million instructions); read back from memory it is any
 * number, and its mask is what bounds it.
 */
struct path_buf {
	__u32 off;
	char buf[2 * CT_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_buf);
} path_bufs SEC(".maps");

/* FILE's path into pb->buf: (flags << 16) | length */
static __noinline __u32 walk_path(struct file *file, struct path_buf *pb)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct path fpath = {}, root = {};
	struct dentry *d, *mroot, *parent;
	__u32 flags = CT_PATH_KNOWN, off, len;
	struct mount *mnt, *up;
	struct qstr name;
	int i;

	/* whole structs: one read each (a read costs ~40 ns) */
	if (BPF_CORE_READ_INTO(&fpath, file, f_path) || !fpath.dentry ||
	    BPF_CORE_READ_INTO(&root, task, fs, root))
		return 0;
	d = fpath.dentry;
	mnt = container_of(fpath.mnt, struct mount, mnt);
	if (!BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d)
		flags |= CT_PATH_DELETED;	/* d_unlinked() */
	pb->off = 0;
	mroot = BPF_CORE_READ(fpath.mnt, mnt_root);
	for (i = 0; i < CT_PATH_DEPTH; i++) {
		if (d == root.dentry && &mnt->mnt == root.mnt)
			goto done;
		if (d == mroot) {
			/* a mount's root: on to its mountpoint, if mounted */
			up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt)
				goto done;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			mroot = BPF_CORE_READ(mnt, mnt.mnt_root);
			continue;
		}
		if (BPF_CORE_READ_INTO(&name, d, d_name))
			break;
		len = name.len;
		off = pb->off;
		if (off >= CT_PATH_LEN || len >= CT_PATH_LEN - off)
			break;		/* no room for it and its NUL */
		if (bpf_probe_read_kernel_str(pb->buf + (off & (CT_PATH_LEN - 1)),
					      (len & (CT_PATH_LEN - 1)) + 1,
					      name.name) < 0)
			break;
		pb->off = off + len + 1;
		parent = BPF_CORE_READ(d, d_parent);
		if (d == parent) {
			/* no parent: a pseudo file's (memfd), named as
			 * simple_dname() does: "/memfd:NAME (deleted)"
			 */
			flags |= CT_PATH_DELETED;
			goto done;
		}
		d = parent;
	}
	flags |= CT_PATH_TRUNCATED;
done:
	return flags << 16 | (pb->off & 0xffff);
}

/*
 * A #! script's own file, found where fput() left it. exec_binprm()
 * fput()s the script when its interpreter takes over, before this
 * tracepoint; bprm holds it no more, but the last reference of a user
 * task is released later, by ____fput() from the task's task_works,
 * run on the return to user space: the struct file is still whole,
 * its callback_head pushed onto current->task_works (newest first).
 *
 * Which entry is the script's: every ____fput entry in the list was
 * queued by current itself (fput() queues on current only) during this
 * execve (the list was run empty on its return to user space before
 * the syscall: the caller looks only when exec_begin() saw its entry).
 * Those opened by open_exec() carry __FMODE_EXEC in f_flags (open(2)
 * cannot set it): the scripts of this exec (nested ones too: script,
 * its interpreter script, ...), queued in that order before the point
 * of no return, then the old program and its ELF interpreter, released
 * with the old mm in begin_new_exec(). So the oldest such entry, the
 * list's last, is the file that bprm->filename named.
 *
 * Null, never another file, when that reasoning does not hold: the list
 * is longer than CT_TASK_WORKS (its end unseen), ____fput's address is
 * unknown (kallsyms unreadable: no ksym), the struct file's layout is
 * not one we know. The caller does not look when the task had io_uring
 * at the syscall's entry: io_uring's cancellation in begin_new_exec()
 * may run the task_works (requests in flight), the script's entry among
 * them, before the old program's are queued; it also clears
 * task->io_uring, hence the flag kept at the entry. If another reference
 * held the script (none does: the file exists for the exec alone),
 * nothing of it would be queued either.
 */
#define CT_TASK_WORKS	32	/* exec: task_works entries looked at */
#define CT_FMODE_EXEC	0x20	/* include/linux/fs.h: __FMODE_EXEC */
#define CT_S_IFMT	00170000
#define CT_S_IFREG	0100000

extern const void ____fput __ksym __weak;

/* struct file's callback_head: f_task_work, f_rcuhead, or (5.10) f_u */
struct file___rcuhead {
	struct callback_head f_rcuhead;
} __attribute__((preserve_access_index));

struct file___f_u {
	union {
		struct callback_head fu_rcuhead;
	} f_u;
} __attribute__((preserve_access_index));

static __always_inline long file_work_offset(void)
{
	if (bpf_core_field_exists(struct file, f_task_work))
		return bpf_core_field_offset(struct file, f_task_work);
	if (bpf_core_field_exists(struct file___rcuhead, f_rcuhead))
		return bpf_core_field_offset(struct file___rcuhead, f_rcuhead);
	if (bpf_core_field_exists(struct file___f_u, f_u))
		return bpf_core_field_offset(struct file___f_u, f_u);
	return -1;
}

static __noinline struct file *script_file(struct file *interp)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct file *file, *found = NULL;
	long off = file_work_offset();
	struct callback_head cb;
	void *work;
	int i;

	if (off < 0 || !&____fput)
		return NULL;
	work = BPF_CORE_READ(task, task_works);
	for (i = 0; i < CT_TASK_WORKS && work; i++) {
		if (bpf_probe_read_kernel(&cb, sizeof(cb), work))
			return NULL;
		if (cb.func == (void *)&____fput) {
			file = work - off;
			if (BPF_CORE_READ(file, f_flags) & CT_FMODE_EXEC &&
			    (BPF_CORE_READ(file, f_inode, i_mode) & CT_S_IFMT) ==
			    CT_S_IFREG && file != interp)
				found = file;
		}
		work = cb.next;
	}
	return work ? NULL : found;
}

/*
 * The program and its interpreter. At this tracepoint bprm->file is the
 * file the kernel loads last: the interpreter when a #! script or a
 * binfmt_misc entry named one (bprm->interp then differs from
 * bprm->filename: bprm_change_interp()). The script's own file was
 * released before (exec_binprm(): fput()) unless binfmt_misc's "O" flag
 * kept it as bprm->executable (5.8+); else script_file() finds it.
 */
static __always_inline void exec_paths(struct ct_exec_event *x,
				       struct linux_binprm *bprm, bool look)
{
	struct file *file = BPF_CORE_READ(bprm, file), *prog = file;
	struct path_buf *pb;
	__u32 zero = 0, r;

	x->path_len = x->path_flags = x->interp_len = x->interp_flags = 0;
	pb = bpf_map_lookup_elem(&path_bufs, &zero);
	if (!pb)
		return;
	if (BPF_CORE_READ(bprm, interp) != BPF_CORE_READ(bprm, filename)) {
		r = walk_path(file, pb);
		__builtin_memcpy(x->interp, pb->buf, CT_PATH_LEN);
		x->interp_len = r & 0xffff;
		x->interp_flags = r >> 16;
		prog = NULL;
		if (bpf_core_field_exists(bprm->executable))
			prog = BPF_CORE_READ(bprm, executable);
		if (!prog && look)
			prog = script_file(file);
		if (!prog)
			return;
	}
	r = walk_path(prog, pb);
	__builtin_memcpy(x->path, pb->buf, CT_PATH_LEN);
	x->path_len = r & 0xffff;
	x->path_flags = r >> 16;
}

/*
 * The file name argument of the current task's execve (arg 0) or execveat
 * (arg 1), from its saved user registers: the struct pt_regs the syscall
 * function is given. Not through that argument: 5.10's BTF gives
 * __x64_sys_execveat a pointer to a forward-declared struct pt_regs,
 * which its verifier refuses to let a program read.
 */
static __always_inline __u64 exec_file_arg(bool at)
{
	struct task_struct *task;
	struct pt_regs *regs;

	if (have_task_pt_regs) {
		task = bpf_get_current_task_btf();
		regs = (struct pt_regs *)bpf_task_pt_regs(task);
		/* a BTF pointer: plain loads */
		return at ? PT_REGS_PARM2_SYSCALL(regs) :
			    PT_REGS_PARM1_SYSCALL(regs);
	}
	task = (struct task_struct *)bpf_get_current_task();
	regs = (struct pt_regs *)(BPF_CORE_READ(task, stack) + thread_size -
				  bpf_core_type_size(struct pt_regs));
	return at ? PT_REGS_PARM2_CORE_SYSCALL(regs) :
		    PT_REGS_PARM1_CORE_SYSCALL(regs);
}

/*
 * long __x64_sys_execve(const struct pt_regs *regs), and execveat's: the
 * same begin and end in fentry mode, where the tracepoints above are left
 * off (they tax every syscall on the machine; these cost only the execs).
 * User space resolves the names in BTF (x86-64's wrappers; 32-bit
 * callers' execs enter through __ia32_compat_sys_execve, which the
 * syscall tracepoints do not see either).
 */
SEC("fentry/__x64_sys_execve")
int BPF_PROG(sys_execve_entry)
{
	exec_begin(exec_file_arg(false), CT_EXEC_EXECVE);
	return 0;
}

SEC("fentry/__x64_sys_execveat")
int BPF_PROG(sys_execveat_entry)
{
	exec_begin(exec_file_arg(true), CT_EXEC_EXECVEAT);
	return 0;
}

SEC("fexit/__x64_sys_execve")
int BPF_PROG(sys_execve_exit, const struct pt_regs *regs, long ret)
{
	exec_end(ret);
	return 0;
}

SEC("fexit/__x64_sys_execveat")
int BPF_PROG(sys_execveat_exit, const struct pt_regs *regs, long ret)
{
	exec_end(ret);
	return 0;
}

/*
 * TP_PROTO(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
 * A successful exec, past the point of no return: current runs the new
 * program (its comm, its argv on its new stack); old_pid is the TID it
 * had, a thread's when a non-leader thread exec'd.
 */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, old = old_pid;
	struct ct_exec_event *x;
	struct exec_req *req;
	struct mm_struct *mm;
	__u64 start, end;
	__u32 len;

	if (failed_only || !life_wanted(tgid, CT_KIND_PROCESS))
		return 0;
	x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
	if (!x) {
		__sync_fetch_and_add(&lost_events, 1);
		return 0;
	}
	life_header(&x->ev, CT_EV_EXEC, p, CT_KIND_PROCESS);
	x->parent = BPF_CORE_READ(p, real_parent, tgid);
	x->old_tid = old;
	req = bpf_map_lookup_elem(&exec_reqs, &old);
	x->call = req ? req->call : CT_EXEC_UNKNOWN;
	if (bpf_probe_read_kernel_str(x->filename, sizeof(x->filename),
				      BPF_CORE_READ(bprm, filename)) < 0)
		x->filename[0] = '\0';
	/* a script's file: only after a syscall entry, without io_uring */
	exec_paths(x, bprm, req && !req->uring);
	if (req)
		bpf_map_delete_elem(&exec_reqs, &old);
	mm = BPF_CORE_READ(p, mm);
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	x->args_size = end > start ? end - start : 0;
	/* at most CT_ARGS_LEN - 1 bytes: the mask bounds it for the verifier */
	len = x->args_size < CT_ARGS_LEN - 1 ? x->args_size : CT_ARGS_LEN - 1;
	len &= CT_ARGS_LEN - 1;
	if (len && bpf_probe_read_user(x->args, len, (void *)start))
		len = 0;
	x->args_len = len;
	bpf_ringbuf_submit(x, submit_flags());
	return 0;
}

/* The parent's TGID (real_parent: not a ptracer) */
static __always_inline __u32 parent_tgid(struct task_struct *task, bool btf)
{
	return btf ? task->real_parent->tgid :
		     BPF_CORE_READ(task, real_parent, tgid);
}

/* An exit of the current task: how, after how long, the last thread? */
static __always_inline void emit_exit(struct task_struct *task, __s32 live,
				      bool btf)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u16 kind = task_kind(task, id, btf);
	struct ct_exit_event *x;
	__u64 start;

	if (failed_only || !life_wanted(id >> 32, kind))
		return;
	x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
	if (!x) {
		__sync_fetch_and_add(&lost_events, 1);
		return;
	}
	life_fill(&x->ev, CT_EV_EXIT, task, kind, btf);
	start = RD(btf, task, start_time);
	x->lifetime_ns = x->ev.ts_ns > start ? x->ev.ts_ns - start : 0;
	x->parent = parent_tgid(task, btf);
	x->code = RD(btf, task, exit_code);
	x->group_dead = live == 0;
	x->pad = 0;
	bpf_ringbuf_submit(x, submit_flags());
}

/*
 * The group is dead when its last thread exits: signal->live reached 0.
 * Shared by the tp_btf and raw_tp programs, inlined into each with a
 * constant btf, as on_newtask(): with BTF, plain loads instead of a
 * probe read per field (-e exit on a fork storm: ~720 against ~990 ns
 * per exit, docs/PERFORMANCE.md).
 */
static __always_inline int on_exit(struct task_struct *task, bool btf)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct signal_struct *signal;
	__s32 live;

	if (trace_exits) {
		signal = RD(btf, task, signal);
		emit_exit(task, READ_COUNT(btf, signal, live), btf);
	}
	if (!maybe_target(tgid) || !bpf_map_lookup_elem(&targets, &tgid))
		return 0;
	signal = RD(btf, task, signal);
	live = READ_COUNT(btf, signal, live);
	if (live != 0)
		return 0;
	if (bpf_map_delete_elem(&targets, &tgid) == 0)
		__sync_fetch_and_add(&targets_alive, -1);
	return 0;
}

/* TP_PROTO(struct task_struct *p[, bool group_dead]); current is p. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_btf, struct task_struct *p)
{
	return on_exit(p, true);
}

/* Same hook for kernels without tp_btf. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(sched_process_exit)
{
	return on_exit((struct task_struct *)bpf_get_current_task(), false);
}

char LICENSE[] SEC("license") = "GPL";
