// SPDX-License-Identifier: GPL-2.0
/*
 * metrics.c - the metrics, their snapshots and their exposition
 * (metrics.h).
 *
 * Names follow Prometheus' conventions: a clonetrace_ prefix, counters
 * end in _total, units are base units (seconds), and every label has a
 * bounded set of values: kinds, syscalls, errno names (at most
 * CT_METRICS_ERRNO), causes, program names, and at most max_cgroups
 * cgroup paths plus "other". A cgroup path is hostile input: it is
 * written as clonetrace prints it on a terminal (escape.h: printable,
 * unambiguous), then escaped for the exposition (\\ and \").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "decode.h"
#include "diagnose.h"
#include "escape.h"
#include "metrics.h"
#include "proc.h"
#include "util.h"

/* CT_VERSION: the top-level file VERSION, passed by the Makefile */
#ifndef CT_VERSION
#error "CT_VERSION is not defined: build with the top-level Makefile (it reads VERSION)"
#endif

#define CAUSE_TTL_NS		1000000000ULL	/* one diagnosis a second */
#define BPF_STATS_SYSCTL	"/proc/sys/kernel/bpf_stats_enabled"

static const char *const cause_names[CT_CAUSE_NR] = {
	[CT_CAUSE_RLIMIT_NPROC]	= "rlimit_nproc",
	[CT_CAUSE_THREADS_MAX]	= "threads_max",
	[CT_CAUSE_PIDS_CGROUP]	= "pids_cgroup",
	[CT_CAUSE_PID_MAX]	= "pid_max",
	[CT_CAUSE_MEMORY]	= "memory",
	[CT_CAUSE_UNKNOWN]	= "unknown",
	[CT_CAUSE_UNDIAGNOSED]	= "undiagnosed",
};

struct snap_cgroup {
	uint64_t created, failed;
	char *path;		/* NULL: "(id N)" */
	uint64_t id;
};

struct ct_metrics_snap {
	int refs;		/* atomic */
	bool up, failures, per_cgroup, bpf_stats;
	const char *command, *mode;	/* static strings */
	double time;		/* CLOCK_REALTIME, seconds */
	uint64_t created[CT_METRICS_SC][CT_KIND_NR];
	uint64_t failed[CT_METRICS_ERRNO];
	uint64_t causes[CT_CAUSE_NR];
	uint64_t lost;
	uint64_t other_created, other_failed;
	size_t ncg, nprogs;
	struct {
		char name[32];
		uint64_t run_ns, runs;
	} prog[CT_METRICS_PROGS];
	struct snap_cgroup cg[];
};

void ct_metrics_init(struct ct_metrics *m, const char *command,
		     size_t max_cgroups)
{
	memset(m, 0, sizeof(*m));
	m->command = command;
	m->mode = "none";
	m->max_cgroups = max_cgroups ? max_cgroups : CT_METRICS_CGROUPS;
}

void ct_metrics_free(struct ct_metrics *m)
{
	size_t i;

	for (i = 0; i < m->ncg; i++)
		free(m->cg[i].path);
	for (i = 0; i < m->ncand; i++)
		free(m->cand[i].path);
	free(m->cg);
	free(m->cand);
	m->cg = m->cand = NULL;
	m->ncg = m->ncand = 0;
}

void ct_metrics_attached(struct ct_metrics *m, const char *mode,
			 bool failures, struct bpf_object *obj)
{
	struct bpf_program *p;

	m->mode = mode;
	m->failures = failures;
	if (!obj)
		return;
	bpf_object__for_each_program(p, obj) {
		int fd = bpf_program__fd(p);

		if (fd < 0 || !bpf_program__autoload(p) ||
		    m->nprogs == CT_METRICS_PROGS)
			continue;
		m->prog[m->nprogs].fd = fd;
		snprintf(m->prog[m->nprogs].name,
			 sizeof(m->prog[m->nprogs].name), "%s",
			 bpf_program__name(p));
		m->nprogs++;
	}
}

/* ---- failures and their causes ---- */

static unsigned int cause_of_limit(unsigned int limit)
{
	switch (limit) {
	case CT_LIMIT_NPROC:		return CT_CAUSE_RLIMIT_NPROC;
	case CT_LIMIT_THREADS_MAX:	return CT_CAUSE_THREADS_MAX;
	case CT_LIMIT_PIDS_CGROUP:	return CT_CAUSE_PIDS_CGROUP;
	case CT_LIMIT_PID_MAX:		return CT_CAUSE_PID_MAX;
	}
	return CT_CAUSE_UNKNOWN;
}

/* The remembered cause of tgid's err, still fresh; else NULL. */
static unsigned int *cause_seen(struct ct_metrics *m, uint32_t tgid,
				int err, uint64_t now)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m->causes_seen); i++)
		if (m->causes_seen[i].tgid == tgid &&
		    m->causes_seen[i].err == err &&
		    now - m->causes_seen[i].ts_ns < CAUSE_TTL_NS)
			return &m->causes_seen[i].cause;
	return NULL;
}

/* Remember a cause, in the place of the oldest. */
static void remember(struct ct_metrics *m, uint32_t tgid, int err,
		     unsigned int cause, uint64_t now)
{
	size_t i, old = 0;

	for (i = 0; i < ARRAY_SIZE(m->causes_seen); i++) {
		if (m->causes_seen[i].tgid == tgid &&
		    m->causes_seen[i].err == err) {
			old = i;
			break;
		}
		if (m->causes_seen[i].ts_ns < m->causes_seen[old].ts_ns)
			old = i;
	}
	m->causes_seen[old].tgid = tgid;
	m->causes_seen[old].err = err;
	m->causes_seen[old].cause = cause;
	m->causes_seen[old].ts_ns = now;
}

void ct_metrics_diagnosed(struct ct_metrics *m, uint32_t tgid, int err,
			  unsigned int limit, uint64_t now_ns)
{
	if (err == EAGAIN)
		remember(m, tgid, err, cause_of_limit(limit), now_ns);
}

static unsigned int diagnose(struct ct_metrics *m, uint32_t tgid, int err,
			     uint64_t now)
{
	struct ct_event e = {
		.type = CT_EV_CLONE_FAILED, .ppid = tgid, .ptid = tgid,
		.err = err,
	};
	struct ct_diag d;
	unsigned int *seen = cause_seen(m, tgid, err, now);

	if (seen)
		return *seen;
	if (now - m->diag_window_ns >= 1000000000ULL) {
		m->diag_window_ns = now;
		m->diags_in_window = 0;
	}
	if (m->diags_in_window >= CT_METRICS_DIAGS_PER_SEC)
		return CT_CAUSE_UNDIAGNOSED;
	m->diags_in_window++;
	ct_diagnose(&e, &d);
	remember(m, tgid, err, cause_of_limit(d.limit), now);
	return cause_of_limit(d.limit);
}

void ct_metrics_failure(struct ct_metrics *m, uint32_t tgid, int err,
			uint64_t n, uint64_t now_ns)
{
	m->failed[err > 0 && err < CT_METRICS_ERRNO ? err : 0] += n;
	ct_metrics_cause(m, tgid, err, n, now_ns);
}

void ct_metrics_cause(struct ct_metrics *m, uint32_t tgid, int err,
		      uint64_t n, uint64_t now_ns)
{
	if (err == ENOMEM)
		m->causes[CT_CAUSE_MEMORY] += n;
	else if (err == EAGAIN)
		m->causes[diagnose(m, tgid, err, now_ns)] += n;
}

/* ---- cgroups: top-N series and "other" ---- */

void ct_metrics_cgroups_begin(struct ct_metrics *m)
{
	size_t i;

	for (i = 0; i < m->ncg; i++)
		m->cg[i].interval = 0;
}

int ct_metrics_cgroup(struct ct_metrics *m, uint64_t id, const char *path,
		      uint64_t created, uint64_t failed)
{
	struct ct_metrics_cgroup *c;
	size_t i;

	for (i = 0; i < m->ncg; i++) {
		if (m->cg[i].id != id)
			continue;
		m->cg[i].created += created;
		m->cg[i].failed += failed;
		m->cg[i].interval += created + failed;
		return 0;
	}
	if (m->ncand == m->cand_cap) {
		size_t cap = m->cand_cap ? m->cand_cap * 2 : 64;

		c = realloc(m->cand, cap * sizeof(*c));
		if (!c) {	/* counted all the same */
			m->other_created += created;
			m->other_failed += failed;
			return -ENOMEM;
		}
		m->cand = c;
		m->cand_cap = cap;
	}
	c = &m->cand[m->ncand++];
	*c = (struct ct_metrics_cgroup){
		.id = id, .created = created, .failed = failed,
		.interval = created + failed, .score = created + failed,
		.path = path ? strdup(path) : NULL,
	};
	return 0;
}

static int by_interval(const void *a, const void *b)
{
	const struct ct_metrics_cgroup *x = a, *y = b;

	if (x->interval != y->interval)
		return x->interval < y->interval ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The cgroup with a series that has been least active; -1: a free one. */
static ssize_t least_active(const struct ct_metrics *m)
{
	size_t i, min = 0;

	if (m->ncg < m->max_cgroups)
		return -1;
	for (i = 1; i < m->ncg; i++)
		if (m->cg[i].score < m->cg[min].score)
			min = i;
	return min;
}

void ct_metrics_cgroups_end(struct ct_metrics *m)
{
	size_t i;

	if (!m->cg) {
		m->cg = calloc(m->max_cgroups, sizeof(*m->cg));
		if (!m->cg)
			m->max_cgroups = 0;	/* every cgroup in "other" */
	}
	for (i = 0; i < m->ncg; i++)
		m->cg[i].score = m->cg[i].score / 2 + m->cg[i].interval;
	qsort(m->cand, m->ncand, sizeof(*m->cand), by_interval);
	for (i = 0; i < m->ncand; i++) {
		struct ct_metrics_cgroup *c = &m->cand[i];
		ssize_t slot = least_active(m);

		if (slot < 0 && m->max_cgroups) {
			m->cg[m->ncg++] = *c;
			continue;
		}
		if (m->max_cgroups && c->interval > 2 * m->cg[slot].score) {
			/* the old series ends; the new one starts here */
			free(m->cg[slot].path);
			m->cg[slot] = *c;
			continue;
		}
		m->other_created += c->created;
		m->other_failed += c->failed;
		free(c->path);
	}
	m->ncand = 0;
}

/* ---- snapshots ---- */

/* kernel.bpf_stats_enabled: the run time of each program, if on. */
static void read_bpf_stats(struct ct_metrics *m)
{
	size_t i;

	m->bpf_stats = m->nprogs && ct_read_number(BPF_STATS_SYSCTL) == 1;
	if (!m->bpf_stats)
		return;
	for (i = 0; i < m->nprogs; i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(m->prog[i].fd, &info, &len))
			continue;
		m->prog[i].run_ns = info.run_time_ns;
		m->prog[i].runs = info.run_cnt;
	}
}

struct ct_metrics_snap *ct_metrics_snapshot(struct ct_metrics *m, bool up)
{
	struct ct_metrics_snap *s;
	size_t i;

	read_bpf_stats(m);
	s = calloc(1, sizeof(*s) + m->ncg * sizeof(s->cg[0]));
	if (!s)
		return NULL;
	s->refs = 1;
	s->up = up;
	s->failures = m->failures;
	s->per_cgroup = m->per_cgroup;
	s->bpf_stats = m->bpf_stats;
	s->command = m->command;
	s->mode = m->mode;
	s->time = ct_clock_ns(CLOCK_REALTIME) / 1e9;
	memcpy(s->created, m->created, sizeof(s->created));
	memcpy(s->failed, m->failed, sizeof(s->failed));
	memcpy(s->causes, m->causes, sizeof(s->causes));
	s->lost = m->lost;
	s->other_created = m->other_created;
	s->other_failed = m->other_failed;
	for (i = 0; i < m->ncg; i++) {
		s->cg[i].created = m->cg[i].created;
		s->cg[i].failed = m->cg[i].failed;
		s->cg[i].id = m->cg[i].id;
		if (m->cg[i].path) {
			s->cg[i].path = strdup(m->cg[i].path);
			if (!s->cg[i].path)
				break;
		}
	}
	s->ncg = i;
	s->nprogs = m->nprogs;
	for (i = 0; i < m->nprogs; i++) {
		memcpy(s->prog[i].name, m->prog[i].name,
		       sizeof(s->prog[i].name));
		s->prog[i].run_ns = m->prog[i].run_ns;
		s->prog[i].runs = m->prog[i].runs;
	}
	return s;
}

struct ct_metrics_snap *ct_metrics_snap_get(struct ct_metrics_snap *s)
{
	if (s)
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void ct_metrics_snap_put(struct ct_metrics_snap *s)
{
	size_t i;

	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (i = 0; i < s->ncg; i++)
		free(s->cg[i].path);
	free(s);
}

/* ---- the exposition ---- */

const char *ct_metrics_content_type(enum ct_metrics_format fmt)
{
	return fmt == CT_METRICS_OPENMETRICS ?
	       "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	       "text/plain; version=0.0.4; charset=utf-8";
}

struct out {
	FILE *f;
	bool om;	/* OpenMetrics */
};

/*
 * A metric family: name is the family's (without _total for a
 * counter); unit, when given, ends the name (OpenMetrics says it).
 */
static void family(struct out *o, const char *name, const char *type,
		   const char *unit, const char *help)
{
	const char *suffix = !o->om && !strcmp(type, "counter") ?
			     "_total" : "";

	if (o->om && !strcmp(type, "info"))
		name = "clonetrace";	/* the sample is clonetrace_info */
	fprintf(o->f, "# HELP %s%s %s\n", name, suffix, help);
	fprintf(o->f, "# TYPE %s%s %s\n", name, suffix,
		!o->om && !strcmp(type, "info") ? "gauge" : type);
	if (o->om && unit)
		fprintf(o->f, "# UNIT %s %s\n", name, unit);
}

static void to_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

/* A cgroup's label value. */
static void cgroup_label(struct out *o, const struct snap_cgroup *c)
{
	if (!c->path) {
		fprintf(o->f, "(id %" PRIu64 ")", c->id);
		return;
	}
	ct_escape(c->path, SIZE_MAX, CT_ESC_LABEL, to_file, o->f);
}

static void render_creations(struct out *o, const struct ct_metrics_snap *s)
{
	unsigned int sc, k;

	family(o, "clonetrace_creations", "counter", NULL,
	       "Tasks created, by kind and by the syscall that asked.");
	for (sc = 0; sc < CT_METRICS_SC; sc++)
		for (k = 0; k < CT_KIND_NR; k++)
			fprintf(o->f, "clonetrace_creations_total{kind=\"%s\",syscall=\"%s\"} %" PRIu64 "\n",
				ct_kind_name(k), sc == CT_METRICS_SC_UNKNOWN ?
				"unknown" : ct_syscall_name(sc),
				s->created[sc][k]);
}

static void render_failures(struct out *o, const struct ct_metrics_snap *s)
{
	char name[32];
	unsigned int i;

	if (!s->failures)
		return;		/* not counted: no series, not zeros */
	family(o, "clonetrace_failures", "counter", NULL,
	       "Failed creations, by errno.");
	for (i = 0; i < CT_METRICS_ERRNO; i++) {
		if (!s->failed[i] && i != EAGAIN && i != ENOMEM)
			continue;
		fprintf(o->f, "clonetrace_failures_total{errno=\"%s\"} %" PRIu64 "\n",
			i ? ct_errno_name(i, name, sizeof(name)) : "other",
			s->failed[i]);
	}
	family(o, "clonetrace_failure_causes", "counter", NULL,
	       "Creations failed with EAGAIN or ENOMEM, by the limit that refused them (as --why).");
	for (i = 0; i < CT_CAUSE_NR; i++)
		fprintf(o->f, "clonetrace_failure_causes_total{cause=\"%s\"} %" PRIu64 "\n",
			cause_names[i], s->causes[i]);
}

static void render_cgroups(struct out *o, const struct ct_metrics_snap *s)
{
	size_t i;
	int pass;

	if (!s->per_cgroup)
		return;
	for (pass = 0; pass < 1 + s->failures; pass++) {
		const char *what = pass ? "failures" : "creations";

		if (pass)
			family(o, "clonetrace_cgroup_failures", "counter", NULL,
			       "Failed creations by the cgroup (v2) of the creator: the most active cgroups, the others as \"other\".");
		else
			family(o, "clonetrace_cgroup_creations", "counter", NULL,
			       "Tasks created by the cgroup (v2) of the creator: the most active cgroups, the others as \"other\".");
		for (i = 0; i < s->ncg; i++) {
			fprintf(o->f, "clonetrace_cgroup_%s_total{cgroup=\"",
				what);
			cgroup_label(o, &s->cg[i]);
			fprintf(o->f, "\"} %" PRIu64 "\n",
				pass ? s->cg[i].failed : s->cg[i].created);
		}
		fprintf(o->f, "clonetrace_cgroup_%s_total{cgroup=\"other\"} %" PRIu64 "\n",
			what, pass ? s->other_failed : s->other_created);
	}
}

static void render_bpf(struct out *o, const struct ct_metrics_snap *s)
{
	size_t i;

	if (!s->bpf_stats)
		return;		/* kernel.bpf_stats_enabled is 0 */
	family(o, "clonetrace_bpf_run_time_seconds", "counter", "seconds",
	       "Time spent in each BPF program (kernel.bpf_stats_enabled).");
	for (i = 0; i < s->nprogs; i++)
		fprintf(o->f, "clonetrace_bpf_run_time_seconds_total{program=\"%s\"} %.9f\n",
			s->prog[i].name, s->prog[i].run_ns / 1e9);
	family(o, "clonetrace_bpf_runs", "counter", NULL,
	       "Runs of each BPF program (kernel.bpf_stats_enabled).");
	for (i = 0; i < s->nprogs; i++)
		fprintf(o->f, "clonetrace_bpf_runs_total{program=\"%s\"} %" PRIu64 "\n",
			s->prog[i].name, s->prog[i].runs);
}

int ct_metrics_render(const struct ct_metrics_snap *s,
		      enum ct_metrics_format fmt, FILE *f)
{
	struct out o = { .f = f, .om = fmt == CT_METRICS_OPENMETRICS };

	family(&o, "clonetrace_info", "info", NULL,
	       "The collector: command (trace or top), attach mode, version.");
	fprintf(f, "clonetrace_info{command=\"%s\",mode=\"%s\",version=\"%s\"} 1\n",
		s->command, s->mode, CT_VERSION);
	family(&o, "clonetrace_up", "gauge", NULL,
	       "1 while the collector is attached and counting, 0 once it has stopped.");
	fprintf(f, "clonetrace_up %d\n", s->up);
	render_creations(&o, s);
	render_failures(&o, s);
	family(&o, "clonetrace_lost_events", "counter", NULL,
	       "Events lost because the ring buffer was full (top counts in the kernel: none).");
	fprintf(f, "clonetrace_lost_events_total %" PRIu64 "\n", s->lost);
	render_cgroups(&o, s);
	render_bpf(&o, s);
	family(&o, "clonetrace_last_update_timestamp_seconds", "gauge",
	       "seconds", "When these values were taken (Unix time).");
	fprintf(f, "clonetrace_last_update_timestamp_seconds %.3f\n", s->time);
	if (o.om)
		fputs("# EOF\n", f);
	return ferror(f) ? -EIO : 0;
}
