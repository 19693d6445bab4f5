/* SPDX-License-Identifier: GPL-2.0 */
/*
 * metrics.h - the Prometheus metrics of the tracer and of top: what is
 * counted (struct ct_metrics, owned by the command and touched only by
 * its thread), the snapshot taken of it every interval (immutable,
 * reference-counted: the HTTP thread reads it while the command goes
 * on), and its exposition in the Prometheus text format (0.0.4) or in
 * OpenMetrics (1.0.0). One set of names for the textfile (prom.c) and
 * the endpoint (http.c); docs/FLEET.md lists them.
 *
 * A new series is a counter or a field here, a line in render(), a row
 * in docs/FLEET.md and a test of its value.
 */
#ifndef CT_METRICS_H
#define CT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"

#define CT_METRICS_ERRNO	1024	/* failures by errno; [0]: larger */
#define CT_METRICS_SC		CT_SC_NR	/* "unknown" the last */
#define CT_METRICS_SC_UNKNOWN	CT_SC_UNKNOWN
#define CT_METRICS_CGROUPS	20	/* default cgroup series */
#define CT_METRICS_CGROUPS_MAX	1000
#define CT_METRICS_PROGS	32

/*
 * Why a creation failed with EAGAIN or ENOMEM (diagnose.c, as --why);
 * the values of the cause label.
 */
enum ct_cause {
	CT_CAUSE_RLIMIT_NPROC,
	CT_CAUSE_THREADS_MAX,
	CT_CAUSE_PIDS_CGROUP,
	CT_CAUSE_PID_MAX,
	CT_CAUSE_MEMORY,	/* ENOMEM */
	CT_CAUSE_UNKNOWN,	/* no limit at its maximum when read */
	CT_CAUSE_UNDIAGNOSED,	/* beyond the diagnoses a second allows */
	CT_CAUSE_NR,
};

/* A cgroup with series of its own (top-N, see ct_metrics_cgroups_end()). */
struct ct_metrics_cgroup {
	uint64_t id;
	uint64_t created, failed;	/* since it got its series */
	uint64_t interval;		/* this interval's creations + failures */
	double score;			/* decayed activity */
	char *path;			/* raw: escaped when rendered */
};

struct ct_metrics_snap;
struct bpf_object;

struct ct_metrics {
	const char *command;		/* "trace" or "top" */
	const char *mode;		/* the attach mode */
	bool failures;			/* failures are counted */
	bool per_cgroup;		/* cgroup series exist (top) */
	uint64_t created[CT_METRICS_SC][CT_KIND_NR];
	uint64_t failed[CT_METRICS_ERRNO];
	uint64_t causes[CT_CAUSE_NR];
	uint64_t lost;

	/* per cgroup: at most max_cgroups series, the rest in "other" */
	size_t max_cgroups;
	struct ct_metrics_cgroup *cg;
	size_t ncg;
	struct ct_metrics_cgroup *cand;	/* this interval's others */
	size_t ncand, cand_cap;
	uint64_t other_created, other_failed;

	/* the cause of recent failures, by creator (see metrics.c) */
	struct {
		uint32_t tgid;
		int err;
		unsigned int cause;
		uint64_t ts_ns;
	} causes_seen[64];
	uint64_t diag_window_ns;
	unsigned int diags_in_window;

	/* the BPF programs, for their run time (kernel.bpf_stats_enabled) */
	struct {
		int fd;
		char name[32];
		uint64_t run_ns, runs;
	} prog[CT_METRICS_PROGS];
	size_t nprogs;
	bool bpf_stats;
};

/* command "trace" or "top"; max_cgroups 0: CT_METRICS_CGROUPS. */
void ct_metrics_init(struct ct_metrics *m, const char *command,
		     size_t max_cgroups);
void ct_metrics_free(struct ct_metrics *m);
/* After attaching: the mode, whether failures are counted, the programs. */
void ct_metrics_attached(struct ct_metrics *m, const char *mode,
			 bool failures, struct bpf_object *obj);

static inline void ct_metrics_creation(struct ct_metrics *m,
				       unsigned int syscall,
				       unsigned int kind, uint64_t n)
{
	if (syscall > CT_METRICS_SC_UNKNOWN)
		syscall = CT_METRICS_SC_UNKNOWN;
	if (kind < CT_KIND_NR)
		m->created[syscall][kind] += n;
}

/*
 * n failures of creator tgid with errno err (positive), now: by errno,
 * and for EAGAIN and ENOMEM by cause. The cause of a creator's EAGAIN
 * is diagnosed at most once a second (diagnose.c reads /proc and the
 * cgroup files), and at most CT_METRICS_DIAGS_PER_SEC creators a
 * second: beyond, "undiagnosed".
 */
#define CT_METRICS_DIAGS_PER_SEC	20
void ct_metrics_failure(struct ct_metrics *m, uint32_t tgid, int err,
			uint64_t n, uint64_t now_ns);
/* The same by cause only (top counts by errno in the kernel). */
void ct_metrics_cause(struct ct_metrics *m, uint32_t tgid, int err,
		      uint64_t n, uint64_t now_ns);
/* A diagnosis made elsewhere (--why) for creator tgid: no second one. */
void ct_metrics_diagnosed(struct ct_metrics *m, uint32_t tgid, int err,
			  unsigned int limit, uint64_t now_ns);

/*
 * One interval of per-cgroup counts (top): begin, every cgroup that
 * created or failed (path NULL when unknown), end. A cgroup keeps its
 * series once it has one; a new one gets a free series, or takes the
 * series of the least active cgroup when it is more than twice as
 * active (activity: creations and failures, halved every interval);
 * otherwise it counts to "other". So there are never more than
 * max_cgroups cgroup series, a storm gets its own at once, and series
 * do not flap between cgroups of like activity.
 */
void ct_metrics_cgroups_begin(struct ct_metrics *m);
int ct_metrics_cgroup(struct ct_metrics *m, uint64_t id, const char *path,
		      uint64_t created, uint64_t failed);
void ct_metrics_cgroups_end(struct ct_metrics *m);

/*
 * The counters as they stand, for the exposition: up says whether the
 * collector still counts (0 in the last one, at the end). NULL when
 * out of memory. Reference-counted: ct_metrics_snap_get() for another
 * owner (another thread too), ct_metrics_snap_put() when done.
 */
struct ct_metrics_snap *ct_metrics_snapshot(struct ct_metrics *m, bool up);
struct ct_metrics_snap *ct_metrics_snap_get(struct ct_metrics_snap *s);
void ct_metrics_snap_put(struct ct_metrics_snap *s);

enum ct_metrics_format {
	CT_METRICS_TEXT,	/* text/plain; version=0.0.4 */
	CT_METRICS_OPENMETRICS,	/* application/openmetrics-text 1.0.0 */
};

/* The exposition of a snapshot; 0, or -errno of the stream. */
int ct_metrics_render(const struct ct_metrics_snap *s,
		      enum ct_metrics_format fmt, FILE *f);
/* Its Content-Type. */
const char *ct_metrics_content_type(enum ct_metrics_format fmt);

#endif /* CT_METRICS_H */
