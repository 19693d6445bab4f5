// SPDX-License-Identifier: GPL-2.0
/*
 * attach.c - the attach ladder, for every BPF object (attach.h).
 *
 * Modes, best first:
 *   fentry  tp_btf task_newtask + fentry/fexit kernel_clone (latency and
 *           failures of every creation, kernel-internal ones too)
 *   tp_btf  tp_btf task_newtask
 *   raw_tp  raw_tp task_newtask (kernels before 5.5)
 * The objects add the clone-family syscall tracepoints when tracefs has
 * them (ct_autoload_syscalls()) and the mode needs them: the tracer
 * leaves them off in fentry mode unless asked (--syscalls), and takes
 * what they would give from fexit on the syscall functions instead
 * (clone3's, and execve's and execveat's with -e exec), resolved here.
 *
 * Each mode is probed with a minimal program first (fentry is refused with
 * EPERM on some kernels even where BTF says the function exists), then the
 * object loads and attaches its programs for the mode; a failure steps
 * down the ladder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/capability.h>

#include "attach.h"
#include "util.h"

#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"

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
static bool privileged(void)
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

int ct_attach_check(const char *command)
{
	if (!privileged())
		return ct_fail(CT_EXIT_FAILURE, "need root, or CAP_BPF and CAP_PERFMON: run as root (sudo %s ...)",
			       command);
	if (access(VMLINUX_BTF, R_OK))
		return ct_fail(CT_EXIT_FAILURE, "no kernel BTF at %s: boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.5 or later)",
			       VMLINUX_BTF);
	return 0;
}

/* libbpf's print callback takes no context: set once by the command */
static int libbpf_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (libbpf_verbose < 1 ||
	    (libbpf_verbose < 2 && level != LIBBPF_WARN))
		return 0;
	return vfprintf(stderr, fmt, args);
}

void ct_libbpf_verbosity(int verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
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

/*
 * The function behind the clone3 syscall: its architecture's wrapper, the
 * one that takes the user's registers (arch/x86/include/asm/
 * syscall_wrapper.h; arm64 names it __arm64_sys_clone3, s390
 * __s390x_sys_clone3). Only x86-64 for now: the BPF side reads the
 * creator's syscall number from x86-64 registers, which tells it that a
 * request came from clone3. NULL when this kernel's BTF lacks it (no
 * clone3 before 5.3).
 */
static const char *clone3_function(struct btf *vmlinux)
{
#if defined(__x86_64__)
	static const char name[] = "__x64_sys_clone3";

	if (btf__find_by_name_kind(vmlinux, name, BTF_KIND_FUNC) > 0)
		return name;
#endif
	return NULL;
}

/*
 * The functions behind execve and execveat, for -e exec's failures in
 * fentry mode (fentry/fexit instead of the syscall tracepoints): as for
 * clone3, the wrappers that take the caller's registers, x86-64's only
 * (the BPF side reads the file name from x86-64's registers). 32-bit
 * callers enter through __ia32_compat_sys_execve, which the syscall
 * tracepoints do not see either: left out. Both or neither: NULL when
 * this kernel's BTF lacks one (every kernel since 4.17 has them).
 */
static void exec_functions(struct btf *vmlinux, struct ct_probe *probe)
{
#if defined(__x86_64__)
	static const char execve[] = "__x64_sys_execve";
	static const char execveat[] = "__x64_sys_execveat";

	if (btf__find_by_name_kind(vmlinux, execve, BTF_KIND_FUNC) > 0 &&
	    btf__find_by_name_kind(vmlinux, execveat, BTF_KIND_FUNC) > 0) {
		probe->execve_fn = execve;
		probe->execveat_fn = execveat;
	}
#endif
}

/*
 * Does path exist for us? With the effective IDs and capabilities (a
 * service that is not root reads the 0700 tracefs with
 * CAP_DAC_READ_SEARCH; access() would ask for the real uid's rights).
 */
static bool exists(const char *path)
{
	return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
}

/*
 * Where tracefs is; NULL with *denied set when it is there but not for
 * us (EACCES: not root, no CAP_DAC_READ_SEARCH), 0 when it is not there.
 */
static const char *tracefs_root(int *denied)
{
	*denied = 0;
	if (exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing";
	if (errno == EACCES || errno == EPERM)
		*denied = errno;
	if (exists("/sys/kernel/debug/tracing/events"))
		return "/sys/kernel/debug/tracing";
	if (!*denied && (errno == EACCES || errno == EPERM))
		*denied = errno;
	/* not mounted: tracefs is where the syscall tracepoints live */
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 &&
	    exists("/sys/kernel/tracing/events")) {
		*denied = 0;
		return "/sys/kernel/tracing";
	}
	return NULL;
}

const char *ct_syscalls_denied(const struct ct_probe *probe)
{
	if (!probe->tracefs_denied)
		return NULL;
	return "cannot read the syscall tracepoints in tracefs (Permission denied): failed creations are not seen; run as root or grant CAP_DAC_READ_SEARCH";
}

static bool have_tracepoint(const char *root, const char *category,
			    const char *name)
{
	char path[256];

	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, category,
		 name);
	return faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0;
}

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

/*
 * 6.1+: hash maps allocate from the BPF memory allocator, safe in any
 * context. Before it the verifier WARNs ("trace type BPF program uses
 * run-time allocation") when a tracepoint program uses a hash map created
 * with BPF_F_NO_PREALLOC (a panic under panic_on_warn).
 */
static bool have_bpf_mem_alloc(struct btf *vmlinux)
{
	return btf__find_by_name_kind(vmlinux, "bpf_mem_alloc",
				      BTF_KIND_STRUCT) > 0;
}

/*
 * Before bpf_task_pt_regs() (5.15), the BPF side finds the creator's
 * registers at the top of its kernel stack: x86-64's THREAD_SIZE is
 * 16 KiB, doubled by KASAN (arch/x86/include/asm/page_64_types.h). The
 * BPF side checks the syscall number it reads there.
 */
static unsigned int x86_64_thread_size(struct btf *vmlinux)
{
#if defined(__x86_64__)
	if (btf__find_by_name_kind(vmlinux, "kasan_report",
				   BTF_KIND_FUNC) > 0)
		return 32768;
	return 16384;
#else
	return 0;
#endif
}

static void probe_helpers(struct ct_probe *probe, struct btf *vmlinux)
{
	probe->task_pt_regs = libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
						      BPF_FUNC_task_pt_regs,
						      NULL) > 0;
	probe->task_storage = have_task_storage();
	probe->thread_size = probe->task_pt_regs ? 0 :
			     x86_64_thread_size(vmlinux);
}

/* Can this kernel load a program of mode at all? 0, or -errno and *why. */
static int probe_mode(struct btf *vmlinux, enum ct_mode mode,
		      const struct ct_probe *probe, const char **why)
{
	switch (mode) {
	case CT_MODE_FENTRY:
		*why = probe->clone_fn ? "fentry programs refused" :
					 "no kernel_clone in BTF";
		if (!probe->clone_fn)
			return -ENOENT;
		return probe_tracing(vmlinux, probe->clone_fn, BTF_KIND_FUNC,
				     BPF_TRACE_FENTRY);
	case CT_MODE_TP_BTF:
		*why = "tp_btf programs refused";
		return probe_tracing(vmlinux, "btf_trace_task_newtask",
				     BTF_KIND_TYPEDEF, BPF_TRACE_RAW_TP);
	default:
		*why = NULL;
		return 0;
	}
}

/*
 * Failed for want of descriptors: EMFILE or ENFILE, or a soft limit
 * below what a run needs (libbpf's feature probes fail on EMFILE and the
 * load then fails otherwise, "Invalid argument"). Said, and true.
 */
static bool say_fd_limit(const struct ct_attach_ops *ops, int err)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return false;
	if (err != -EMFILE && err != -ENFILE &&
	    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= ops->fds))
		return false;
	ct_msg("too many open files (ulimit -n %llu): clonetrace needs about %u descriptors in this mode: raise it with ulimit -n",
	       (unsigned long long)rl.rlim_cur, ops->fds);
	return true;
}

static void say_failure(enum ct_mode want, int err, const char *why)
{
	if (want != CT_MODE_AUTO)
		ct_msg("mode %s is not available on this kernel: %s (%s); try --mode auto",
		       ct_mode_name(want), why, strerror(-err));
	else
		ct_msg("cannot attach to the kernel: %s (%s)", why,
		       strerror(-err));
}

int ct_attach(const struct ct_attach_ops *ops, enum ct_mode want,
	      int verbose, void *ctx, enum ct_mode *mode)
{
	static const enum ct_mode ladder[] = {
		CT_MODE_FENTRY, CT_MODE_TP_BTF, CT_MODE_RAW_TP,
	};
	int probed[ARRAY_SIZE(ladder)];
	const char *reason[ARRAY_SIZE(ladder)], *why = "no attach mode";
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct ct_probe probe = { 0 };
	int err = -ENOENT;
	unsigned int i;

	probe.tracefs = tracefs_root(&probe.tracefs_denied);

	if (!vmlinux) {
		err = -errno;
		if (!say_fd_limit(ops, err))
			say_failure(want, err, "cannot read the kernel BTF");
		return err;
	}
	/*
	 * Probe every mode first, then free the BTF: libbpf parses its own
	 * copy while loading, and two copies at once are most of the peak
	 * memory of the collector.
	 */
	probe.clone_fn = clone_function(vmlinux);
	probe.clone3_fn = clone3_function(vmlinux);
	exec_functions(vmlinux, &probe);
	probe.current_task_btf =
		libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT,
					BPF_FUNC_get_current_task_btf,
					NULL) > 0;
	probe.prealloc_hash = !have_bpf_mem_alloc(vmlinux);
	if (ops->helpers)
		probe_helpers(&probe, vmlinux);
	for (i = 0; i < ARRAY_SIZE(ladder); i++) {
		probed[i] = -ENOENT;
		reason[i] = "not a mode of this command";
		if (!(ops->modes & CT_MODE_BIT(ladder[i])) ||
		    (want != CT_MODE_AUTO && want != ladder[i]))
			continue;
		probed[i] = probe_mode(vmlinux, ladder[i], &probe, &reason[i]);
	}
	btf__free(vmlinux);

	for (i = 0; i < ARRAY_SIZE(ladder); i++) {
		if (!(ops->modes & CT_MODE_BIT(ladder[i])) ||
		    (want != CT_MODE_AUTO && want != ladder[i]))
			continue;
		err = probed[i];
		if (!err)
			err = ops->load(ladder[i], &probe, ctx, &reason[i]);
		if (!err) {
			*mode = ladder[i];
			return 0;
		}
		if (verbose)
			ct_msg("mode %s unavailable: %s: %s",
			       ct_mode_name(ladder[i]), reason[i],
			       strerror(-err));
		why = reason[i];
	}
	if (!say_fd_limit(ops, err))
		say_failure(want, err, why);
	return err;
}

void ct_autoload_none(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, false);
}

size_t ct_autoload_syscalls(const struct ct_probe *probe,
			    const struct ct_tracepoint_prog *progs, size_t n,
			    bool off)
{
	size_t i, on = 0;

	for (i = 0; i < n && !off; i++) {
		if (have_tracepoint(probe->tracefs, "syscalls", progs[i].tp)) {
			bpf_program__set_autoload(progs[i].prog, true);
			on++;
		}
	}
	return on;
}

int ct_load_skeleton(struct bpf_object_skeleton *s, const char **why)
{
	int err = bpf_object__load_skeleton(s);

	if (err) {
		*why = "the kernel refused to load the programs";
		return err;
	}
	err = bpf_object__attach_skeleton(s);
	if (err)
		*why = "the kernel refused to attach the programs";
	return err;
}
