// SPDX-License-Identifier: GPL-2.0
/*
 * attach.c - the attach ladder.
 *
 * Modes, best first:
 *   fentry  tp_btf task_newtask + fentry/fexit kernel_clone (latency and
 *           failures of kernel-internal creations too)
 *   tp_btf  tp_btf task_newtask
 *   raw_tp  raw_tp task_newtask (kernels before 5.5)
 * Every mode adds the clone-family syscall tracepoints when tracefs has
 * them, and sched_process_exit when processes are targeted.
 *
 * Each mode is probed with a minimal program first (fentry is refused with
 * EPERM on some kernels even where BTF says the function exists), then the
 * real programs are loaded and attached; a failure steps down the ladder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>

#include "attach.h"
#include "clonetrace.skel.h"
#include "util.h"

static const char *const mode_names[] = {
	[CT_MODE_AUTO]		= "auto",
	[CT_MODE_FENTRY]	= "fentry",
	[CT_MODE_TP_BTF]	= "tp_btf",
	[CT_MODE_RAW_TP]	= "raw_tp",
};

const char *ct_mode_name(enum ct_mode mode)
{
	return mode_names[mode];
}

int ct_mode_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(name, mode_names[i]))
			return i;
	return -1;
}

/* Root, or CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), effective. */
bool ct_privileged(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = data[0].effective | (uint64_t)data[1].effective << 32;
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ULL << 39)) && (eff & (1ULL << 38)); /* BPF, PERFMON */
}

/* Load "r0 = 0; exit" as a tracing program of the given attach type. */
static int probe_tracing(struct btf *vmlinux, const char *name, int btf_kind,
			 enum bpf_attach_type type)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = type);
	int id, fd;

	id = btf__find_by_name_kind(vmlinux, name, btf_kind);
	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns,
			   ARRAY_SIZE(insns), &opts);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* The function behind fork(): kernel_clone since 5.10, _do_fork before. */
static const char *clone_function(struct btf *vmlinux)
{
	if (btf__find_by_name_kind(vmlinux, "kernel_clone", BTF_KIND_FUNC) > 0)
		return "kernel_clone";
	if (btf__find_by_name_kind(vmlinux, "_do_fork", BTF_KIND_FUNC) > 0)
		return "_do_fork";
	return NULL;
}

static const char *tracefs_root(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0)
		return "/sys/kernel/tracing";
	if (access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return "/sys/kernel/debug/tracing";
	/* not mounted: tracefs is where the syscall tracepoints live */
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    access("/sys/kernel/tracing/events", F_OK) == 0)
		return "/sys/kernel/tracing";
	return NULL;
}

static bool have_tracepoint(const char *root, const char *category,
			    const char *name)
{
	char path[256];

	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, category,
		 name);
	return access(path, R_OK) == 0;
}

/* 5.15+: the creator's registers, for syscalls no tracepoint saw */
static bool have_task_pt_regs;

/*
 * 5.12+: task local storage usable from tracing programs, where requests
 * in flight are cheapest to keep. CLONETRACE_NO_TASK_STORAGE=1 forces the
 * hash kept for older kernels (the tests use it to cover that path).
 */
static bool have_task_storage(void)
{
	const char *off = getenv("CLONETRACE_NO_TASK_STORAGE");

	if (off && *off && strcmp(off, "0"))
		return false;
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE,
					 NULL) > 0 &&
	       libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
				       BPF_FUNC_task_storage_get, NULL) > 0 &&
	       libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
				       BPF_FUNC_get_current_task_btf,
				       NULL) > 0;
}

static bool use_task_storage;

static void configure(struct clonetrace_bpf *skel,
		      const struct ct_bpf_config *cfg)
{
	struct clonetrace_bpf__rodata *ro = skel->rodata;

	ro->filter_targets = cfg->filter_targets;
	ro->follow = cfg->follow;
	ro->failed_only = cfg->failed_only;
	ro->kind_mask = cfg->kind_mask;
	ro->wakeup_bytes = cfg->wakeup_bytes;
	ro->no_syscalls = cfg->no_syscalls;
	ro->have_task_pt_regs = have_task_pt_regs;
	ro->use_task_storage = use_task_storage;
	bpf_map__set_autocreate(skel->maps.inflight_task, use_task_storage);
	bpf_map__set_autocreate(skel->maps.inflight_tid, !use_task_storage);
	if (cfg->comm) {
		ro->filter_comm = true;
		strncpy((char *)ro->target_comm, cfg->comm,
			sizeof(ro->target_comm) - 1);
	}
	bpf_map__set_max_entries(skel->maps.events, cfg->ringbuf_bytes);
	bpf_map__set_max_entries(skel->maps.targets, cfg->max_targets);
}

struct syscall_prog {
	const char *tp;
	struct bpf_program *prog;
};

/* Open, configure, load and attach one mode. */
static int try_mode(enum ct_mode mode, const struct ct_bpf_config *cfg,
		    const char *clone_fn, struct ct_attached *out,
		    const char **why)
{
	const char *root = tracefs_root();
	struct clonetrace_bpf *skel;
	struct bpf_program *prog;
	int err, i, nsys = 0;

	skel = clonetrace_bpf__open();
	if (!skel) {
		*why = "cannot open the BPF object";
		return -errno;
	}
	configure(skel, cfg);

	struct syscall_prog sys[] = {
		{ "sys_enter_clone", skel->progs.sys_enter_clone },
		{ "sys_exit_clone", skel->progs.sys_exit_clone },
		{ "sys_enter_clone3", skel->progs.sys_enter_clone3 },
		{ "sys_exit_clone3", skel->progs.sys_exit_clone3 },
		{ "sys_enter_fork", skel->progs.sys_enter_fork },
		{ "sys_exit_fork", skel->progs.sys_exit_fork },
		{ "sys_enter_vfork", skel->progs.sys_enter_vfork },
		{ "sys_exit_vfork", skel->progs.sys_exit_vfork },
	};

	/* Switch off everything, then on what this mode uses. */
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	for (i = 0; i < (int)ARRAY_SIZE(sys); i++) {
		if (!cfg->no_syscalls &&
		    have_tracepoint(root, "syscalls", sys[i].tp)) {
			bpf_program__set_autoload(sys[i].prog, true);
			nsys++;
		}
	}
	if (cfg->filter_targets)
		bpf_program__set_autoload(skel->progs.sched_process_exit, true);
	switch (mode) {
	case CT_MODE_FENTRY:
		bpf_program__set_autoload(skel->progs.kernel_clone_entry, true);
		bpf_program__set_autoload(skel->progs.kernel_clone_exit, true);
		bpf_program__set_attach_target(skel->progs.kernel_clone_entry,
					       0, clone_fn);
		bpf_program__set_attach_target(skel->progs.kernel_clone_exit,
					       0, clone_fn);
		/* fall through */
	case CT_MODE_TP_BTF:
		bpf_program__set_autoload(skel->progs.task_newtask_btf, true);
		break;
	default:
		bpf_program__set_autoload(skel->progs.task_newtask_raw, true);
		break;
	}

	skel->rodata->track_requests = nsys > 0 || mode == CT_MODE_FENTRY;
	err = clonetrace_bpf__load(skel);
	if (err) {
		*why = "the kernel refused to load the programs";
		goto fail;
	}
	err = clonetrace_bpf__attach(skel);
	if (err) {
		*why = "the kernel refused to attach the programs";
		goto fail;
	}
	out->skel = skel;
	out->mode = mode;
	out->syscalls = nsys == (int)ARRAY_SIZE(sys);
	out->task_storage = use_task_storage;
	return 0;
fail:
	clonetrace_bpf__destroy(skel);
	return err;
}

int ct_attach(enum ct_mode want, const struct ct_bpf_config *cfg,
	      int verbose, struct ct_attached *out, const char **why)
{
	static const enum ct_mode ladder[] = {
		CT_MODE_FENTRY, CT_MODE_TP_BTF, CT_MODE_RAW_TP,
	};
	int probe[ARRAY_SIZE(ladder)];
	const char *reason[ARRAY_SIZE(ladder)];
	struct btf *vmlinux = btf__load_vmlinux_btf();
	const char *clone_fn = NULL;
	int err = -ENOENT;
	unsigned int i;

	if (!vmlinux) {
		*why = "cannot read the kernel BTF";
		return -errno;
	}
	/*
	 * Probe every mode first, then free the BTF: libbpf parses its own
	 * copy while loading, and two copies at once are most of the peak
	 * memory of the collector.
	 */
	clone_fn = clone_function(vmlinux);
	have_task_pt_regs = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
						    BPF_FUNC_task_pt_regs,
						    NULL) > 0;
	use_task_storage = have_task_storage();
	for (i = 0; i < ARRAY_SIZE(ladder); i++) {
		probe[i] = -ENOENT;
		reason[i] = NULL;
		if (want != CT_MODE_AUTO && want != ladder[i])
			continue;
		if (ladder[i] == CT_MODE_FENTRY) {
			probe[i] = clone_fn ? probe_tracing(vmlinux, clone_fn,
							    BTF_KIND_FUNC,
							    BPF_TRACE_FENTRY)
					    : -ENOENT;
			reason[i] = clone_fn ? "fentry programs refused"
					     : "no kernel_clone in BTF";
		} else if (ladder[i] == CT_MODE_TP_BTF) {
			probe[i] = probe_tracing(vmlinux,
						 "btf_trace_task_newtask",
						 BTF_KIND_TYPEDEF,
						 BPF_TRACE_RAW_TP);
			reason[i] = "tp_btf programs refused";
		} else {
			probe[i] = 0;
		}
	}
	btf__free(vmlinux);

	for (i = 0; i < ARRAY_SIZE(ladder); i++) {
		enum ct_mode mode = ladder[i];

		if (want != CT_MODE_AUTO && want != mode)
			continue;
		err = probe[i];
		if (!err)
			err = try_mode(mode, cfg, clone_fn, out, &reason[i]);
		if (!err)
			break;
		if (verbose)
			ct_msg("mode %s unavailable: %s: %s",
				ct_mode_name(mode), reason[i], strerror(-err));
		*why = reason[i];
	}
	return err;
}
