/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracer_bpf.h - the tracer's BPF object (bpf/clonetrace.bpf.c): what
 * it is told before load, and its part of the attach ladder.
 */
#ifndef CT_TRACER_BPF_H
#define CT_TRACER_BPF_H

#include <stdbool.h>
#include <stdint.h>

#include "attach.h"
#include "identity.h"

/* What the BPF side is told before load (its .rodata and map sizes). */
struct ct_bpf_config {
	bool filter_targets;	/* -p / -c given */
	bool follow;		/* -f */
	bool failed_only;	/* --failed */
	bool no_syscalls;	/* --no-syscalls: no syscall tracepoints */
	bool syscalls;		/* --syscalls: the tracepoints in every mode */
	const char *comm;	/* --comm, or NULL */
	int cgroup_fd;		/* --cgroup: its directory, or -1 */
	/* the v1 hierarchy the events carry; --cgroup in it (filter_id) */
	struct ct_cgroup1 cg1;
	bool execs, exits;	/* -e exec, -e exit */
	uint32_t kind_mask;
	uint32_t ringbuf_bytes;
	uint32_t wakeup_bytes;
	uint32_t max_targets;
};

/* -e exec: how failed execs are seen. */
enum ct_exec_way {
	CT_EXEC_FAIL_UNSEEN,		/* not at all: successful execs only */
	CT_EXEC_FAIL_TRACEPOINTS,	/* execve/execveat syscall tracepoints */
	CT_EXEC_FAIL_FEXIT,		/* fentry mode: fexit on their functions */
};

struct clonetrace_bpf;

struct ct_tracer_bpf {
	struct clonetrace_bpf *skel;	/* NULL until attached */
	enum ct_mode mode;
	bool syscalls;		/* every syscall tracepoint attached */
	/* fexit on clone3's syscall function (fentry mode), or NULL */
	const char *clone3_exit;
	bool task_storage;	/* requests in flight in task local storage */
	bool execs;		/* -e exec */
	bool no_syscalls;	/* --no-syscalls */
	bool forced_syscalls;	/* --syscalls */
	/* wanted but tracefs not readable: why, said at start; else NULL */
	const char *syscalls_denied;
	enum ct_exec_way exec_failures;	/* -e exec */
	bool exec_fexit_refused;	/* fentry mode: their load failed */
	/* CT_EXEC_FAIL_FEXIT: __x64_sys_execve, __x64_sys_execveat */
	const char *execve_fn, *execveat_fn;
};

/*
 * Load and attach the programs for the requested mode (CT_MODE_AUTO: the
 * best one that works). 0, or a negative errno (said).
 */
int ct_tracer_attach(enum ct_mode want, const struct ct_bpf_config *cfg,
		     int verbose, struct ct_tracer_bpf *t);
/* -v: the mode, and what it leaves out. */
void ct_tracer_describe(const struct ct_tracer_bpf *t);
/*
 * Detach the programs: nothing more is traced, while the maps stay for
 * the last reads (the ring buffer, the counters).
 */
void ct_tracer_stop(struct ct_tracer_bpf *t);
/*
 * The creators whose creations were lost (the lost_by_parent map), most
 * first, and what of lost (every event type) they do not account for.
 * 0, or -errno (out->n 0).
 */
struct ct_lost_by;
int ct_tracer_lost_by(const struct ct_tracer_bpf *t, uint64_t lost,
		      struct ct_lost_by *out);
/* Everything closed: the programs, the maps. */
void ct_tracer_detach(struct ct_tracer_bpf *t);

#endif /* CT_TRACER_BPF_H */
