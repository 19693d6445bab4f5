/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attach.h - the attach ladder: probe what this kernel allows, load the
 * programs of the best mode, step down when one fails. One ladder for
 * every BPF object; each object says which modes it has programs for
 * and how to load one (struct ct_attach_ops).
 */
#ifndef CT_ATTACH_H
#define CT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpf_object;
struct bpf_object_skeleton;
struct bpf_program;

enum ct_mode {
	CT_MODE_AUTO,
	CT_MODE_FENTRY,		/* fentry/fexit kernel_clone + tp_btf */
	CT_MODE_TP_BTF,		/* tp_btf task_newtask */
	CT_MODE_RAW_TP,		/* raw_tp task_newtask */
};

#define CT_MODE_BIT(mode)	(1U << (mode))

/* What probing found, once per run, for the object's load(). */
struct ct_probe {
	const char *clone_fn;	/* kernel_clone (_do_fork before 5.10); NULL */
	/* clone3's syscall function (__x64_sys_clone3) in BTF; NULL */
	const char *clone3_fn;
	/* execve's and execveat's (__x64_sys_execve...) in BTF; both NULL */
	const char *execve_fn, *execveat_fn;
	const char *tracefs;	/* where the tracepoints are; NULL: nowhere */
	/* tracefs is there but not readable for us: EACCES/EPERM, else 0 */
	int tracefs_denied;
	bool task_pt_regs;	/* bpf_task_pt_regs() (5.15+) */
	bool task_storage;	/* task local storage in tracing programs */
	/* before bpf_task_pt_regs(): x86-64's THREAD_SIZE, else 0 */
	unsigned int thread_size;
	bool current_task_btf;	/* bpf_get_current_task_btf() (5.11+) */
	/* tracepoint programs need preallocated hash maps (before 6.1) */
	bool prealloc_hash;
};

/* One BPF object's part of the ladder. */
struct ct_attach_ops {
	unsigned int modes;	/* CT_MODE_BIT()s it has programs for */
	bool helpers;		/* probe task_pt_regs, task_storage, thread_size */
	unsigned int fds;	/* descriptors a run needs, about (docs/USAGE.md) */
	/*
	 * Open the object, configure it, switch on the programs of mode,
	 * load and attach (ct_load_skeleton()). 0, or a negative errno with
	 * *why set; on failure nothing is left open.
	 */
	int (*load)(enum ct_mode mode, const struct ct_probe *probe,
		    void *ctx, const char **why);
};

/*
 * Before anything is loaded: root (or CAP_BPF and CAP_PERFMON) and the
 * kernel's BTF. 0, or CT_EXIT_FAILURE with the reason said for command
 * ("clonetrace top": "... run as root (sudo clonetrace top ...)").
 */
int ct_attach_check(const char *command);
/* libbpf's messages: warnings with -v, everything with -vv. */
void ct_libbpf_verbosity(int verbose);

/*
 * Climb down the ladder (fentry, tp_btf, raw_tp) from want (CT_MODE_AUTO:
 * the top) over the modes ops has, until one loads. 0 with *mode set,
 * or a negative errno, said (-v also says why each mode failed).
 */
int ct_attach(const struct ct_attach_ops *ops, enum ct_mode want,
	      int verbose, void *ctx, enum ct_mode *mode);

/* For load(): every program off, the tracepoints that exist on. */
void ct_autoload_none(struct bpf_object *obj);

struct ct_tracepoint_prog {
	const char *tp;			/* "sys_exit_clone" */
	struct bpf_program *prog;
};
/*
 * Switch on the programs of the syscall tracepoints that tracefs has
 * (none with off: --no-syscalls); returns how many.
 */
size_t ct_autoload_syscalls(const struct ct_probe *probe,
			    const struct ct_tracepoint_prog *progs, size_t n,
			    bool off);
/*
 * Why the syscall tracepoints cannot be used though the kernel has them
 * (tracefs not readable: not root, no CAP_DAC_READ_SEARCH), one line
 * naming the fix; NULL when that is not the reason.
 */
const char *ct_syscalls_denied(const struct ct_probe *probe);
/* Load and attach a configured skeleton: 0, or -errno and *why. */
int ct_load_skeleton(struct bpf_object_skeleton *s, const char **why);

const char *ct_mode_name(enum ct_mode mode);
/* A mode's name; -1 when unknown. */
int ct_mode_parse(const char *name);

#endif /* CT_ATTACH_H */
