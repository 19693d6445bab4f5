// SPDX-License-Identifier: GPL-2.0
/*
 * top.bpf.c - creations counted in the kernel for "clonetrace top".
 *
 * Nothing is streamed: each creation adds one to counters that user space
 * (userspace/top.c) reads every interval, so the view keeps up with the
 * machine's maximum creation rate.
 *
 *  - kinds:   per-CPU array, creations by syscall and enum ct_kind
 *             (cumulative; user space takes differences)
 *  - errnos:  per-CPU array, failed clone-family syscalls by errno
 *  - parents: LRU hash by creating TGID: counts by kind, failures, comm
 *             (read and deleted by user space each interval)
 *  - cgroups: LRU hash by the creator's cgroup v2 id and v1 id (in
 *             the hierarchy user space chose: cgroup.bpf.h)
 *  - users:   LRU hash by the creator's real uid, only with --users
 *             (count_users; otherwise untouched, the cost unchanged)
 *  - failing: LRU hash by creating TGID: its EAGAIN and ENOMEM failures,
 *             whose cause user space diagnoses (read and deleted within
 *             about 100 ms of a failure)
 *
 * Creations come from task:task_newtask (tp_btf, or raw_tp on kernels
 * without it); failures from the syscall exit tracepoints. User space
 * chooses which programs load (userspace/top.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "ct_event.h"
#include "top.h"
#include "task.bpf.h"
#include "cgroup.bpf.h"

/* include/uapi/asm-generic/errno-base.h */
#define EAGAIN	11
#define ENOMEM	12

/* have_task_pt_regs, thread_size, have_current_task_btf: task.bpf.h */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CT_TOP_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} kinds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CT_TOP_ERRNO);
	__type(key, __u32);
	__type(value, __u64);
} errnos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_TOP_PARENTS);
	__type(key, __u32);
	__type(value, struct ct_top_parent);
} parents SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_TOP_CGROUPS);
	__type(key, struct ct_top_cgroup_key);
	__type(value, struct ct_top_cgroup);
} cgroups SEC(".maps");

/* top --children: the exec and exit programs load only then */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_TOP_KIDS);
	__type(key, __u32);
	__type(value, struct ct_top_kids);
} kids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_TOP_KID_ROWS);
	__type(key, struct ct_top_kid_code);
	__type(value, __u64);
} kid_codes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_TOP_KID_ROWS);
	__type(key, struct ct_top_kid_prog);
	__type(value, __u64);
} kid_progs SEC(".maps");

/* top --users: count by creating uid */
const volatile bool count_users;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_TOP_USERS);
	__type(key, __u32);
	__type(value, struct ct_top_user);
} users SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, CT_TOP_FAILING);
	__type(key, __u32);
	__type(value, struct ct_top_failing);
} failing SEC(".maps");

static __always_inline struct ct_top_parent *parent_of(__u32 tgid)
{
	struct ct_top_parent *p, zero = {};

	p = bpf_map_lookup_elem(&parents, &tgid);
	if (p)
		return p;
	bpf_map_update_elem(&parents, &tgid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&parents, &tgid);
}

/* The current task's cgroups' counters. */
static __always_inline struct ct_top_cgroup *cgroup_of(void)
{
	struct ct_top_cgroup_key key = {
		.id = bpf_get_current_cgroup_id(),
		.id1 = cg1_current_id(),
	};
	struct ct_top_cgroup *c, zero = {};

	c = bpf_map_lookup_elem(&cgroups, &key);
	if (c)
		return c;
	bpf_map_update_elem(&cgroups, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&cgroups, &key);
}

/* The creator's real uid as the initial user namespace sees it. */
static __always_inline struct ct_top_user *user_of(void)
{
	__u32 uid = (__u32)bpf_get_current_uid_gid();
	struct ct_top_user *u, zero = {};

	u = bpf_map_lookup_elem(&users, &uid);
	if (u)
		return u;
	bpf_map_update_elem(&users, &uid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&users, &uid);
}

static __always_inline int on_newtask(struct task_struct *task, __u64 flags,
				      bool btf)
{
	__u32 kind = kind_of(flags, btf ? task->flags
					: BPF_CORE_READ(task, flags));
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 key = current_syscall(kind) *
		    CT_KIND_NR + kind;
	struct ct_top_parent *p;
	struct ct_top_cgroup *c;
	__u64 *n;

	n = bpf_map_lookup_elem(&kinds, &key);
	if (n)
		(*n)++;		/* per-CPU: no atomics needed */
	p = parent_of(tgid);
	if (p && kind < CT_KIND_NR) {
		__sync_fetch_and_add(&p->created[kind], 1);
		if (btf && have_current_task_btf)
			copy_comm(p->comm, bpf_get_current_task_btf()->comm);
		else
			bpf_get_current_comm(p->comm, sizeof(p->comm));
	}
	c = cgroup_of();
	if (c)
		__sync_fetch_and_add(&c->created, 1);
	if (count_users) {
		struct ct_top_user *u = user_of();

		if (u)
			__sync_fetch_and_add(&u->created, 1);
	}
	return 0;
}

/* TP_PROTO(struct task_struct *task, u64 clone_flags) */
SEC("tp_btf/task_newtask")
int BPF_PROG(top_newtask_btf, struct task_struct *task, __u64 clone_flags)
{
	return on_newtask(task, clone_flags, true);
}

SEC("raw_tp/task_newtask")
int BPF_PROG(top_newtask_raw, struct task_struct *task, __u64 clone_flags)
{
	return on_newtask(task, clone_flags, false);
}

struct syscall_exit_ctx {
	__u64 common;
	long nr;
	long ret;
};

static __always_inline int on_exit(long ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 err = ret < 0 ? -ret : 0;
	struct ct_top_parent *p;
	struct ct_top_cgroup *c;
	__u64 *n;

	if (ret >= 0)
		return 0;
	if (err >= CT_TOP_ERRNO)
		err = 0;	/* "other" */
	n = bpf_map_lookup_elem(&errnos, &err);
	if (n)
		(*n)++;
	p = parent_of(tgid);
	if (p) {
		__sync_fetch_and_add(&p->failed, 1);
		bpf_get_current_comm(p->comm, sizeof(p->comm));
	}
	c = cgroup_of();
	if (c)
		__sync_fetch_and_add(&c->failed, 1);
	if (count_users) {
		struct ct_top_user *u = user_of();

		if (u)
			__sync_fetch_and_add(&u->failed, 1);
	}
	if (err == EAGAIN || err == ENOMEM) {
		struct ct_top_failing *f, zero = {};

		f = bpf_map_lookup_elem(&failing, &tgid);
		if (!f) {
			bpf_map_update_elem(&failing, &tgid, &zero,
					    BPF_NOEXIST);
			f = bpf_map_lookup_elem(&failing, &tgid);
		}
		if (f && err == EAGAIN)
			__sync_fetch_and_add(&f->again, 1);
		else if (f)
			__sync_fetch_and_add(&f->nomem, 1);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_clone")
int top_exit_clone(struct syscall_exit_ctx *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_clone3")
int top_exit_clone3(struct syscall_exit_ctx *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_fork")
int top_exit_fork(struct syscall_exit_ctx *ctx)
{
	return on_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_vfork")
int top_exit_vfork(struct syscall_exit_ctx *ctx)
{
	return on_exit(ctx->ret);
}

/* a new kids[] row: too large for the BPF stack, so a global */
static const struct ct_top_kids kids_zero;

static __always_inline struct ct_top_kids *kids_of(__u32 spawner)
{
	struct ct_top_kids *k;

	k = bpf_map_lookup_elem(&kids, &spawner);
	if (k)
		return k;
	bpf_map_update_elem(&kids, &spawner, &kids_zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&kids, &spawner);
}

static __always_inline void add_one(void *map, const void *key)
{
	__u64 zero = 0, *n = bpf_map_lookup_elem(map, key);

	if (!n) {
		bpf_map_update_elem(map, key, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(map, key);
	}
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* TP_PROTO(struct task_struct *p, pid_t old_pid, struct linux_binprm *) */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(top_exec, struct task_struct *p)
{
	struct ct_top_kid_prog key = {};
	struct ct_top_kids *k;

	key.spawner = BPF_CORE_READ(p, real_parent, tgid);
	k = kids_of(key.spawner);
	if (k)
		__sync_fetch_and_add(&k->execs, 1);
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	add_one(&kid_progs, &key);
	return 0;
}

/* floor(log2(v)) of v > 0, without a loop */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) {
		v >>= 32;
		r += 32;
	}
	if (v >> 16) {
		v >>= 16;
		r += 16;
	}
	if (v >> 8) {
		v >>= 8;
		r += 8;
	}
	if (v >> 4) {
		v >>= 4;
		r += 4;
	}
	if (v >> 2) {
		v >>= 2;
		r += 2;
	}
	return r + (v >> 1);
}

/* The log-linear bucket of a lifetime of us microseconds (top.h). */
static __always_inline __u32 life_bucket(__u64 us)
{
	__u32 k;

	if (us < 2 * CT_TOP_LIFE_SUB)
		return us;
	if (us >> CT_TOP_LIFE_LOG2)
		return CT_TOP_LIFE_BUCKETS - 1;
	k = log2_u64(us);
	return CT_TOP_LIFE_SUB * (k - CT_TOP_LIFE_SHIFT + 1) +
	       ((us >> (k - CT_TOP_LIFE_SHIFT)) & (CT_TOP_LIFE_SUB - 1));
}

/* TP_PROTO(struct task_struct *p[, bool group_dead]); current is p. */
SEC("raw_tp/sched_process_exit")
int BPF_PROG(top_exit)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct signal_struct *signal = BPF_CORE_READ(task, signal);
	struct ct_top_kid_code key = {};
	struct ct_top_kids *k;
	__u64 now = bpf_ktime_get_ns(), start;
	__s32 live = 1;
	__u32 b;

	bpf_core_read(&live, sizeof(live), &signal->live);
	if (live != 0)
		return 0;	/* not the last thread: the process goes on */
	start = BPF_CORE_READ(task, start_time);
	b = life_bucket(now > start ? (now - start) / 1000 : 0);
	key.spawner = BPF_CORE_READ(task, real_parent, tgid);
	key.code = BPF_CORE_READ(task, exit_code);
	k = kids_of(key.spawner);
	if (k) {
		__sync_fetch_and_add(&k->exits, 1);
		if (b < CT_TOP_LIFE_BUCKETS)
			__sync_fetch_and_add(&k->life[b], 1);
	}
	add_one(&kid_codes, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
