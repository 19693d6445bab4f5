/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attach.h - choosing how to hook the kernel: probe what this kernel
 * allows, load the programs of the best mode, fall back when one fails.
 */
#ifndef CT_ATTACH_H
#define CT_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

enum ct_mode {
	CT_MODE_AUTO,
	CT_MODE_FENTRY,		/* fentry/fexit kernel_clone + tp_btf */
	CT_MODE_TP_BTF,		/* tp_btf task_newtask */
	CT_MODE_RAW_TP,		/* raw_tp task_newtask */
};

/* What the BPF side is told before load (its .rodata and map sizes). */
struct ct_bpf_config {
	bool filter_targets;	/* -p / -c given */
	bool follow;		/* -f */
	bool failed_only;	/* --failed */
	bool no_syscalls;	/* --no-syscalls */
	const char *comm;	/* --comm, or NULL */
	uint32_t kind_mask;
	uint32_t ringbuf_bytes;
	uint32_t wakeup_bytes;
	uint32_t max_targets;
};

struct clonetrace_bpf;

struct ct_attached {
	struct clonetrace_bpf *skel;
	enum ct_mode mode;
	bool syscalls;		/* syscall tracepoints attached */
	bool task_storage;	/* requests in flight in task local storage */
};

/* Root, or CAP_BPF and CAP_PERFMON, effective: enough to load and attach. */
bool ct_privileged(void);

const char *ct_mode_name(enum ct_mode mode);
int ct_mode_parse(const char *name);

/*
 * Load and attach the programs for the requested mode (CT_MODE_AUTO: the
 * best one that works). Returns 0 or a negative errno; *why is set to a
 * short explanation on failure.
 */
int ct_attach(enum ct_mode want, const struct ct_bpf_config *cfg,
	      int verbose, struct ct_attached *out, const char **why);

#endif /* CT_ATTACH_H */
