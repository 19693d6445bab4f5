// SPDX-License-Identifier: GPL-2.0
/*
 * tracer_bpf.c - the tracer's BPF object (bpf/clonetrace.bpf.c): its
 * filters, set before load, and the programs each attach mode loads.
 * The ladder itself is attach.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clonetrace.skel.h"
#include "output.h"
#include "tracer_bpf.h"
#include "util.h"

struct load_ctx {
	const struct ct_bpf_config *cfg;
	struct ct_tracer_bpf *t;
};

static void configure(struct clonetrace_bpf *skel,
		      const struct ct_bpf_config *cfg,
		      const struct ct_probe *probe)
{
	struct clonetrace_bpf__rodata *ro = skel->rodata;

	ro->filter_targets = cfg->filter_targets;
	ro->follow = cfg->follow;
	ro->failed_only = cfg->failed_only;
	ro->kind_mask = cfg->kind_mask;
	ro->wakeup_bytes = cfg->wakeup_bytes;
	ro->have_task_pt_regs = probe->task_pt_regs;
	ro->thread_size = probe->thread_size;
	ro->have_current_task_btf = probe->current_task_btf;
	ro->use_task_storage = probe->task_storage;
	bpf_map__set_autocreate(skel->maps.inflight_task, probe->task_storage);
	bpf_map__set_autocreate(skel->maps.inflight_tid, !probe->task_storage);
	if (cfg->comm) {
		ro->filter_comm = true;
		strncpy((char *)ro->target_comm, cfg->comm,
			sizeof(ro->target_comm) - 1);
	}
	ro->filter_cgroup = cfg->cgroup_fd >= 0;
	ro->cg1_on = cfg->cg1.controller[0];
	ro->cg1_ctrl = cfg->cg1.ctrl;
	ro->filter_cgroup1 = cfg->cg1.filter_id != 0;
	ro->cg1_filter_id = cfg->cg1.filter_id;
	ro->cg1_filter_level = cfg->cg1.filter_level;
	ro->trace_execs = cfg->execs;
	ro->trace_exits = cfg->exits;
	bpf_map__set_max_entries(skel->maps.events, cfg->ringbuf_bytes);
	/* preallocated, it would cost memory even when nothing is traced */
	bpf_map__set_max_entries(skel->maps.targets,
				 cfg->filter_targets ? cfg->max_targets : 1);
	if (probe->prealloc_hash)
		bpf_map__set_map_flags(skel->maps.targets, 0);
}

/*
 * sched_process_exit's program (-p/-c's set of processes, -e exit): as
 * task_newtask's, tp_btf's BTF pointers where the mode loads tp_btf
 * programs, raw_tp's probe reads before.
 */
static struct bpf_program *exit_program(struct clonetrace_bpf *skel,
					enum ct_mode mode)
{
	if (mode == CT_MODE_FENTRY || mode == CT_MODE_TP_BTF)
		return skel->progs.sched_process_exit_btf;
	return skel->progs.sched_process_exit;
}

/*
 * -e exec, fentry mode without --syscalls: failed execs from fentry/fexit
 * on the execve and execveat syscall functions, which cost only the
 * execs (the tracepoints tax every syscall on the machine).
 */
static bool exec_fexit(struct clonetrace_bpf *skel,
		       const struct ct_probe *probe)
{
	__typeof__(skel->progs) *p = &skel->progs;
	const struct {
		struct bpf_program *prog;
		const char *fn;
	} progs[] = {
		{ p->sys_execve_entry, probe->execve_fn },
		{ p->sys_execve_exit, probe->execve_fn },
		{ p->sys_execveat_entry, probe->execveat_fn },
		{ p->sys_execveat_exit, probe->execveat_fn },
	};
	size_t i;

	if (!probe->execve_fn || !probe->execveat_fn)
		return false;
	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		bpf_program__set_autoload(progs[i].prog, true);
		bpf_program__set_attach_target(progs[i].prog, 0, progs[i].fn);
	}
	return true;
}

/*
 * -e exec: sched_process_exec, and for the failures the execve tracepoints
 * (all of them there) or, in fentry mode, fexit on the syscall functions;
 * -e exit: sched_process_exit. None of them without -e: the default
 * stream costs what it did. Returns how failed execs are seen.
 */
static enum ct_exec_way choose_lifecycle(struct clonetrace_bpf *skel,
					 enum ct_mode mode,
					 const struct ct_bpf_config *cfg,
					 const struct ct_probe *probe,
					 bool fexit_ok)
{
	const struct ct_tracepoint_prog sys[] = {
		{ "sys_enter_execve", skel->progs.sys_enter_execve },
		{ "sys_exit_execve", skel->progs.sys_exit_execve },
		{ "sys_enter_execveat", skel->progs.sys_enter_execveat },
		{ "sys_exit_execveat", skel->progs.sys_exit_execveat },
	};

	if (cfg->exits)
		bpf_program__set_autoload(exit_program(skel, mode), true);
	if (!cfg->execs)
		return CT_EXEC_FAIL_UNSEEN;
	bpf_program__set_autoload(skel->progs.sched_process_exec, true);
	/* not syscall tracepoints: --no-syscalls keeps them */
	if (mode == CT_MODE_FENTRY && !cfg->syscalls)
		return fexit_ok && exec_fexit(skel, probe) ?
		       CT_EXEC_FAIL_FEXIT : CT_EXEC_FAIL_UNSEEN;
	/* --no-syscalls: none of them either (failed execs are not seen) */
	if (ct_autoload_syscalls(probe, sys, ARRAY_SIZE(sys),
				 cfg->no_syscalls) == ARRAY_SIZE(sys))
		return CT_EXEC_FAIL_TRACEPOINTS;
	return CT_EXEC_FAIL_UNSEEN;
}

/*
 * The syscall tracepoints put every syscall of every task on the kernel's
 * slow path (~60 ns each, docs/PERFORMANCE.md). Where fentry works,
 * kernel_clone()'s fexit sees every failure but seccomp's refusals, and
 * clone3's syscall function the argument checks before it, for nothing on
 * other syscalls: the tracepoints are then only attached when asked for.
 */
static bool want_tracepoints(enum ct_mode mode, const struct ct_bpf_config *cfg)
{
	if (cfg->no_syscalls)
		return false;
	return cfg->syscalls || mode != CT_MODE_FENTRY;
}

/* The programs of mode; returns how many syscall tracepoints are on. */
static size_t choose_programs(struct clonetrace_bpf *skel, enum ct_mode mode,
			      const struct ct_bpf_config *cfg,
			      const struct ct_probe *probe, size_t *nsys)
{
	const struct ct_tracepoint_prog sys[] = {
		{ "sys_enter_clone", skel->progs.sys_enter_clone },
		{ "sys_exit_clone", skel->progs.sys_exit_clone },
		{ "sys_enter_clone3", skel->progs.sys_enter_clone3 },
		{ "sys_exit_clone3", skel->progs.sys_exit_clone3 },
		{ "sys_enter_fork", skel->progs.sys_enter_fork },
		{ "sys_exit_fork", skel->progs.sys_exit_fork },
		{ "sys_enter_vfork", skel->progs.sys_enter_vfork },
		{ "sys_exit_vfork", skel->progs.sys_exit_vfork },
	};
	__typeof__(skel->progs) *p = &skel->progs;

	ct_autoload_none(skel->obj);
	*nsys = ARRAY_SIZE(sys);
	if (cfg->filter_targets)
		bpf_program__set_autoload(exit_program(skel, mode), true);
	switch (mode) {
	case CT_MODE_FENTRY:
		bpf_program__set_autoload(p->kernel_clone_entry, true);
		bpf_program__set_autoload(p->kernel_clone_exit, true);
		bpf_program__set_attach_target(p->kernel_clone_entry, 0,
					       probe->clone_fn);
		bpf_program__set_attach_target(p->kernel_clone_exit, 0,
					       probe->clone_fn);
		/* not a syscall tracepoint: --no-syscalls keeps it */
		if (probe->clone3_fn && !want_tracepoints(mode, cfg)) {
			bpf_program__set_autoload(p->sys_clone3_exit, true);
			bpf_program__set_attach_target(p->sys_clone3_exit, 0,
						       probe->clone3_fn);
			skel->rodata->clone3_exit = true;
		}
		/* fall through */
	case CT_MODE_TP_BTF:
		bpf_program__set_autoload(p->task_newtask_btf, true);
		break;
	default:
		bpf_program__set_autoload(p->task_newtask_raw, true);
		break;
	}
	return ct_autoload_syscalls(probe, sys, ARRAY_SIZE(sys),
				    !want_tracepoints(mode, cfg));
}

/* Open, configure, load and attach one mode (exec_fexit: may use them) */
static int load_once(enum ct_mode mode, const struct ct_probe *probe,
		     struct load_ctx *lc, bool exec_fexit, const char **why)
{
	struct clonetrace_bpf *skel;
	size_t nsys, on;
	__u32 zero = 0;
	int err;

	skel = clonetrace_bpf__open();
	if (!skel) {
		*why = "cannot open the BPF object";
		return -errno;
	}
	configure(skel, lc->cfg, probe);
	on = choose_programs(skel, mode, lc->cfg, probe, &nsys);
	lc->t->exec_failures = choose_lifecycle(skel, mode, lc->cfg, probe,
						exec_fexit);
	if (lc->cfg->syscalls && on < nsys) {
		clonetrace_bpf__destroy(skel);
		if (probe->tracefs_denied) {
			*why = "--syscalls: cannot read the syscall tracepoints in tracefs: run as root or grant CAP_DAC_READ_SEARCH";
			return -probe->tracefs_denied;
		}
		*why = "--syscalls: this kernel has no clone-family syscall tracepoints (CONFIG_FTRACE_SYSCALLS, tracefs)";
		return -ENOENT;
	}
	skel->rodata->track_requests = on > 0 || mode == CT_MODE_FENTRY;
	/* the syscall is read from the creator's registers then */
	skel->rodata->no_syscalls = on == 0;
	err = ct_load_skeleton(skel->skeleton, why);
	/* until it is set, the filter lets nothing through */
	if (!err && lc->cfg->cgroup_fd >= 0 &&
	    bpf_map__update_elem(skel->maps.cgroup_filter, &zero, sizeof(zero),
				 &lc->cfg->cgroup_fd, sizeof(int), BPF_ANY)) {
		err = -errno;
		*why = "cannot set the --cgroup filter";
	}
	if (err) {
		clonetrace_bpf__destroy(skel);
		return err;
	}
	lc->t->skel = skel;
	lc->t->syscalls = on == nsys;
	lc->t->clone3_exit = skel->rodata->clone3_exit ? probe->clone3_fn :
			     NULL;
	lc->t->task_storage = probe->task_storage;
	lc->t->execs = lc->cfg->execs;
	lc->t->no_syscalls = lc->cfg->no_syscalls;
	lc->t->forced_syscalls = lc->cfg->syscalls;
	lc->t->syscalls_denied = want_tracepoints(mode, lc->cfg) && on < nsys ?
				 ct_syscalls_denied(probe) : NULL;
	lc->t->execve_fn = probe->execve_fn;
	lc->t->execveat_fn = probe->execveat_fn;
	lc->t->exec_fexit_refused = !exec_fexit;
	return 0;
}

/*
 * ct_attach_ops.load. A kernel that refuses only the execve functions'
 * programs keeps the mode without them (failed execs unseen, -v says
 * so) rather than losing fentry mode for -e exec.
 */
static int load(enum ct_mode mode, const struct ct_probe *probe, void *ctx,
		const char **why)
{
	struct load_ctx *lc = ctx;
	int err = load_once(mode, probe, lc, true, why);

	if (err && lc->t->exec_failures == CT_EXEC_FAIL_FEXIT)
		err = load_once(mode, probe, lc, false, why);
	return err;
}

static const struct ct_attach_ops ops = {
	.modes = CT_MODE_BIT(CT_MODE_FENTRY) | CT_MODE_BIT(CT_MODE_TP_BTF) |
		 CT_MODE_BIT(CT_MODE_RAW_TP),
	.helpers = true,
	.fds = 46,		/* -c true, measured on 6.18 (docs/USAGE.md) */
	.load = load,
};

int ct_tracer_attach(enum ct_mode want, const struct ct_bpf_config *cfg,
		     int verbose, struct ct_tracer_bpf *t)
{
	struct load_ctx lc = { .cfg = cfg, .t = t };

	return ct_attach(&ops, want, verbose, &lc, &t->mode);
}

/* -v with -e exec: how failed execs are seen, and why that way. */
static void describe_execs(const struct ct_tracer_bpf *t)
{
	switch (t->exec_failures) {
	case CT_EXEC_FAIL_FEXIT:
		ct_msg("-e exec: failed execs from fentry/fexit on %s and %s (no syscall tracepoints: other syscalls pay nothing)",
		       t->execve_fn, t->execveat_fn);
		break;
	case CT_EXEC_FAIL_TRACEPOINTS:
		ct_msg("-e exec: failed execs from the execve/execveat syscall tracepoints (%s)",
		       t->mode == CT_MODE_FENTRY ? "--syscalls" :
		       "no fentry in this mode: every syscall on the slow path");
		break;
	default:
		if (t->mode == CT_MODE_FENTRY && t->exec_fexit_refused)
			ct_msg("-e exec: fentry/fexit on the execve/execveat syscall functions refused by this kernel: failed execs are not seen (--syscalls: from the tracepoints)");
		else if (t->mode == CT_MODE_FENTRY && !t->forced_syscalls)
			ct_msg("-e exec: no execve/execveat syscall function in this kernel's BTF: failed execs are not seen (--syscalls: from the tracepoints)");
		else
			ct_msg("-e exec: no execve syscall tracepoints%s: failed execs are not seen",
			       t->no_syscalls ? " (--no-syscalls)" :
			       t->syscalls_denied ? " (tracefs not readable)" :
			       "");
	}
}

void ct_tracer_describe(const struct ct_tracer_bpf *t)
{
	char gaps[256] = "";

	if (t->syscalls)
		snprintf(gaps, sizeof(gaps),
			 " (syscall tracepoints: every syscall on the slow path)");
	else if (t->mode != CT_MODE_FENTRY)
		snprintf(gaps, sizeof(gaps),
			 " (no syscall tracepoints%s: no failures, no latency)",
			 t->no_syscalls ? ": --no-syscalls" :
			 t->syscalls_denied ? ": tracefs not readable" : "");
	else if (t->clone3_exit)
		snprintf(gaps, sizeof(gaps),
			 " (no syscall tracepoints: failures and latency from kernel_clone and %s; not seccomp's refusals: --syscalls)",
			 t->clone3_exit);
	else
		snprintf(gaps, sizeof(gaps),
			 " (no syscall tracepoints: failures and latency from kernel_clone; not clone3's argument errors, not seccomp's refusals: --syscalls)");
	ct_msg("attach mode %s%s, requests in flight kept %s",
	       ct_mode_name(t->mode), gaps,
	       t->task_storage ? "in task storage" : "in a TID hash");
	if (t->execs)
		describe_execs(t);
}

void ct_tracer_stop(struct ct_tracer_bpf *t)
{
	if (t->skel)
		clonetrace_bpf__detach(t->skel);
}

static int most_lost_first(const void *a, const void *b)
{
	const struct ct_lost_creator *x = a, *y = b;

	if (x->lost != y->lost)
		return x->lost < y->lost ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int ct_tracer_lost_by(const struct ct_tracer_bpf *t, uint64_t lost,
		      struct ct_lost_by *out)
{
	int fd = bpf_map__fd(t->skel->maps.lost_by_parent);
	struct ct_lost_parent v;
	uint64_t sum = 0;
	__u32 key, next;
	void *prev = NULL;

	memset(out, 0, sizeof(*out));
	out->v = calloc(CT_LOST_PARENTS, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	while (out->n < CT_LOST_PARENTS &&
	       !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		out->v[out->n].pid = key;
		out->v[out->n].lost = v.lost;
		memcpy(out->v[out->n].comm, v.comm, CT_COMM_LEN);
		sum += v.lost;
		out->n++;
	}
	qsort(out->v, out->n, sizeof(*out->v), most_lost_first);
	out->other = lost > sum ? lost - sum : 0;
	return 0;
}

void ct_tracer_detach(struct ct_tracer_bpf *t)
{
	clonetrace_bpf__destroy(t->skel);
	t->skel = NULL;
}
