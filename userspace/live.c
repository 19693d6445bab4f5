// SPDX-License-Identifier: GPL-2.0
/*
 * live.c - what the tracer does with each event besides printing it:
 * recording (-w, record.c), failure diagnosis as failures happen (--why,
 * diagnose.c), the analyses printed at the end (analysis.c), and every
 * interval the rate alerts (alert.c) and the metrics (exporter.c: the
 * textfile and the endpoint).
 * Their options are an argp child of the tracer's (tracer_opts.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "analysis.h"
#include "diagnose.h"
#include "identity.h"
#include "live.h"
#include "outbuf.h"
#include "output.h"
#include "exporter.h"
#include "record.h"
#include "spawners.h"
#include "util.h"

enum {
	OPT_HIST = 0x200,
	OPT_TREE,
	OPT_DOT,
	OPT_WHY,
	OPT_SPAWNERS,
};

struct ct_live {
	const struct ct_live_opts *opt;
	struct ct_analysis *analysis;
	struct ct_rec_writer rec;
	bool recording;
	struct ct_cgroups *cgroups;	/* the printer's: IDs to paths */
	struct ct_cgroups *recorded;	/* the IDs whose path is in -w */
	int dot;			/* --dot, until written; -1 */
	struct ct_alerts *alerts;	/* --alert */
	struct ct_spawners *rates;	/* per-creator counts for alerts */
	struct cg_count *cg;		/* --alert container:, cgroup: */
	uint32_t cg_slots, cg_used;
	uint64_t alert_unjudged;	/* names past the episodes kept */
	struct ct_exporter x;		/* --prometheus, --listen */
	int err;			/* the first failure of any of them */
	uint64_t last_ns, interval_total;
};

static const struct argp_option options[] = {
	{ "write", 'w', "FILE", 0,
	  "Record the events to FILE (read it with: clonetrace report FILE)" },
	{ "why", OPT_WHY, NULL, 0,
	  "Explain failed creations (EAGAIN, ENOMEM): name the limit that "
	  "refused them, with its values" },
	{ "hist", OPT_HIST, NULL, 0,
	  "At exit: log2 histograms of creation latency per kind and per "
	  "syscall; with -e exit, of process lifetimes per program" },
	{ "tree", OPT_TREE, NULL, 0,
	  "At exit: the tree of the creations seen" },
	{ "dot", OPT_DOT, "FILE", 0,
	  "At exit: write the creation tree to FILE for Graphviz" },
	{ "spawners", OPT_SPAWNERS, "N", 0,
	  "At exit: the N processes that created most (0: all)" },
	/* main() turns "clonetrace ... --top ..." into "clonetrace top ..." */
	{ "--top", 0, NULL, OPTION_DOC,
	  "Run 'clonetrace top' instead (the other options are top's)" },
	{},
};

/* The command line, for the recording's header. */
static void save_options(struct ct_live_opts *o, struct argp_state *state)
{
	size_t off = 0;
	int i;

	for (i = 0; i < state->argc && off < sizeof(o->options) - 1; i++)
		off += snprintf(o->options + off, sizeof(o->options) - off,
				"%s%s", i ? " " : "", state->argv[i]);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct ct_live_opts *o = state->input;
	long n;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->periodic;
		break;
	case 'w':
		if (ct_opt_nonempty(state, arg, "recording file name"))
			return EINVAL;
		o->record = arg;
		break;
	case OPT_WHY:
		o->analysis.diag = true;
		break;
	case OPT_HIST:
		o->analysis.hist = true;
		break;
	case OPT_TREE:
		o->analysis.tree = true;
		break;
	case OPT_DOT:
		if (ct_opt_nonempty(state, arg, "--dot file name"))
			return EINVAL;
		o->analysis.dot = arg;
		break;
	case OPT_SPAWNERS:
		if (ct_opt_long(state, arg, "--spawners", 0, 1000000, &n))
			return EINVAL;
		o->analysis.spawners = n;
		o->analysis.all_spawners = !n;
		break;
	case ARGP_KEY_END:
		save_options(o, state);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &ct_periodic_argp, 0, NULL, 0 },
	{},
};

const struct argp ct_live_argp = {
	.options = options,
	.parser = parse_opt,
	.children = children,
};

static int start_recording(struct ct_live *l, const char *mode, int fd)
{
	struct ct_rec_header h = { .version = CT_REC_VERSION };
	struct utsname u;
	int err;

	if (uname(&u) == 0) {
		snprintf(h.release, sizeof(h.release), "%s", u.release);
		snprintf(h.hostname, sizeof(h.hostname), "%s", u.nodename);
	}
	/* CLOCK_REALTIME of boot: what CLOCK_MONOTONIC 0 was */
	h.boot_time_ns = ct_clock_ns(CLOCK_REALTIME) -
			 ct_clock_ns(CLOCK_MONOTONIC);
	snprintf(h.mode, sizeof(h.mode), "%s", mode);
	snprintf(h.options, sizeof(h.options), "%s", l->opt->options);
	l->recording = true;	/* the writer owns fd */
	err = ct_rec_create(&l->rec, fd, &h);
	if (err)
		ct_msg("cannot write recording '%s': %s", l->opt->record,
		       strerror(-err));
	return err;
}

/* The metrics; a failed file at any time makes the run's a failure. */
static int write_metrics(struct ct_live *l, bool up)
{
	int err = ct_exporter_publish(&l->x, up);

	if (err && !l->err)
		l->err = err;
	return err;
}

/* An interval's creations in one cgroup (--alert container:, cgroup:). */
struct cg_count {
	uint64_t id;		/* cgroup v2; 0: free slot */
	uint64_t id1;		/* cgroup v1 (the container, on hybrids) */
	uint64_t n;
};

/* The slot of id, id1 (a free one when absent); the table has room. */
static struct cg_count *cg_slot(struct ct_live *l, uint64_t id,
				uint64_t id1)
{
	uint64_t h = (id ^ id1 * 0xff51afd7ed558ccdULL) *
		     0x9e3779b97f4a7c15ULL;
	uint32_t i;

	for (i = h >> 40 & (l->cg_slots - 1);
	     l->cg[i].id && (l->cg[i].id != id || l->cg[i].id1 != id1);
	     i = (i + 1) & (l->cg_slots - 1))
		;
	return &l->cg[i];
}

static int cg_grow(struct ct_live *l)
{
	struct cg_count *old = l->cg, *c;
	uint32_t slots = l->cg_slots, i;

	l->cg_slots = slots ? slots * 2 : 256;
	l->cg = calloc(l->cg_slots, sizeof(*l->cg));
	if (!l->cg) {
		l->cg = old;
		l->cg_slots = slots;
		return -ENOMEM;
	}
	for (i = 0; i < slots; i++) {
		if (!old[i].id)
			continue;
		c = cg_slot(l, old[i].id, old[i].id1);
		*c = old[i];
	}
	free(old);
	return 0;
}

static int cg_add(struct ct_live *l, uint64_t id, uint64_t id1)
{
	struct cg_count *c;

	if (!id)
		return 0;	/* unknown: in no container or cgroup known */
	if ((l->cg_used + 1) * 2 > l->cg_slots && cg_grow(l))
		return -ENOMEM;
	c = cg_slot(l, id, id1);
	if (!c->id) {
		c->id = id;
		c->id1 = id1;
		l->cg_used++;
	}
	c->n++;
	return 0;
}

/* Every interval starts with the metrics as they stand. */
static int start_periodic(struct ct_live *l, const struct ct_live_attach *a)
{
	const struct ct_periodic *p = &l->opt->periodic;
	struct ct_alert_cfg cfg = p->alert;
	int err;

	if (cfg.rate) {
		cfg.f = stderr;
		l->alerts = ct_alerts_new(&cfg);
		l->rates = ct_spawners_new();
		if (!l->alerts || !l->rates)
			return -ENOMEM;
	}
	err = ct_exporter_start(&l->x, p, "trace", a->verbose);
	if (err)
		return err;
	ct_exporter_attached(&l->x, a->mode, a->failures, a->obj);
	return write_metrics(l, true);
}

int ct_live_start(const struct ct_live_opts *o, const struct ct_live_attach *a,
		  int record, int dot, struct ct_live **out)
{
	struct ct_live *l = calloc(1, sizeof(*l));
	int err = -ENOMEM;

	*out = l;
	if (!l) {
		if (record >= 0)
			close(record);
		if (dot >= 0)
			close(dot);
		return ct_fail(-ENOMEM, "out of memory");
	}
	l->opt = o;
	l->dot = dot;
	l->rec.fd = -1;
	if (record >= 0) {
		l->recording = true;	/* abandoned if anything fails */
		l->rec.fd = record;
	}
	l->last_ns = ct_now_ns();
	l->analysis = ct_analysis_new(&o->analysis);
	l->recorded = ct_cgroups_new(false);
	if (!l->analysis || !l->recorded)
		return ct_fail(-ENOMEM, "out of memory");
	err = start_periodic(l, a);
	if (err == -ENOMEM && !l->x.on)
		ct_msg("out of memory");
	if (!err && record >= 0)
		err = start_recording(l, a->mode, record);
	return err;
}

/* The metrics of an event; a failure's cause as diagnosed (metrics.h). */
static void count(struct ct_live *l, const struct ct_event *e)
{
	if (e->type == CT_EV_CLONE)
		ct_metrics_creation(&l->x.m, e->syscall, e->kind, 1);
	else
		ct_metrics_failure(&l->x.m, e->ppid, e->err, 1, ct_now_ns());
}

void ct_live_cgroups(struct ct_live *l, struct ct_cgroups *c)
{
	l->cgroups = c;
}

/* A cgroup's path into the recording, once, before its first event. */
static void record_cgroup(struct ct_live *l, uint64_t id)
{
	const char *path;

	if (!id || !l->cgroups || ct_cgroups_path(l->recorded, id, NULL))
		return;
	path = ct_cgroups_path(l->cgroups, id, NULL);
	if (path && !ct_cgroups_add(l->recorded, id, path))
		ct_rec_cgroup(&l->rec, id, path);
}

void ct_live_target(struct ct_live *l, const struct ct_target *t)
{
	if (!l)
		return;
	if (l->recording)
		ct_rec_target(&l->rec, t);
	ct_analysis_target(l->analysis, t);
}

/* The same for a cgroup1 ID, with its hierarchy's controller. */
static void record_cgroup1(struct ct_live *l, uint64_t id1)
{
	const char *ctrl = ct_cgroups_controller(l->cgroups);
	const char *path;

	if (!id1 || !ctrl)
		return;
	if (!ct_cgroups_controller(l->recorded) &&
	    ct_cgroups_set_v1(l->recorded, ctrl, NULL))
		return;
	if (ct_cgroups_path1(l->recorded, id1, NULL))
		return;
	path = ct_cgroups_path1(l->cgroups, id1, NULL);
	if (path && !ct_cgroups_add1(l->recorded, id1, path))
		ct_rec_cgroup1(&l->rec, id1, ctrl, path);
}

void ct_live_event(struct ct_live *l, const struct ct_event *e)
{
	struct ct_diag_log *log = ct_analysis_diags(l->analysis);

	if (l->recording) {
		record_cgroup(l, e->cgroup_id);
		record_cgroup1(l, e->cgroup1_id);
		ct_rec_event(&l->rec, e);
	}
	ct_analysis_feed(l->analysis, e);
	if (!ct_is_creation(e))
		return;		/* exec, exit: no failure, rate or alert */
	if ((l->opt->analysis.diag || l->recording) &&
	    ct_diag_account(log, e)) {
		struct ct_diag d;

		ct_diagnose(e, &d);
		ct_diag_add(log, &d);
		if (l->opt->analysis.diag)
			ct_diag_print(stderr, &d);
		if (l->recording)
			ct_rec_diag(&l->rec, &d);
		if (l->x.on)	/* the metrics need not diagnose it again */
			ct_metrics_diagnosed(&l->x.m, e->ppid, e->err,
					     d.limit, ct_now_ns());
	}
	if (e->type == CT_EV_CLONE)
		l->interval_total++;
	if (l->x.on)
		count(l, e);
	if (l->rates)
		ct_spawners_add(l->rates, e);
	if (e->type == CT_EV_CLONE && l->alerts &&
	    ct_alerts_scope(l->alerts) >= CT_ALERT_CONTAINER &&
	    cg_add(l, e->cgroup_id, e->cgroup1_id))
		l->alert_unjudged++;
}

/* container:, cgroup: each cgroup's creations to the alert of its name */
static void observe_cgroups(struct ct_live *l, double secs)
{
	bool container = ct_alerts_scope(l->alerts) == CT_ALERT_CONTAINER;
	char unknown[32];
	uint32_t i;

	for (i = 0; i < l->cg_slots; i++) {
		const struct ct_container *c;
		const char *name, *runtime = NULL;

		if (!l->cg[i].id)
			continue;
		if (container) {
			c = ct_cgroups_container_of(l->cgroups, l->cg[i].id,
						    l->cg[i].id1);
			if (!c || !c->id[0])
				continue;	/* in no container */
			name = c->id;
			runtime = c->runtime;
		} else {
			name = l->cgroups ? ct_cgroups_path(l->cgroups,
							    l->cg[i].id, NULL) :
				NULL;
			if (!name) {	/* gone before it was looked up */
				snprintf(unknown, sizeof(unknown),
					 "(id %llu)",
					 (unsigned long long)l->cg[i].id);
				name = unknown;
			}
		}
		if (ct_alerts_observe_named(l->alerts, name, runtime,
					    l->cg[i].n, secs))
			l->alert_unjudged += l->cg[i].n;
	}
	memset(l->cg, 0, l->cg_slots * sizeof(*l->cg));
	l->cg_used = 0;
}

/* The interval's rates to the alerts. */
static void observe_rates(struct ct_live *l, double secs)
{
	size_t i;

	ct_alerts_begin(l->alerts);
	if (ct_alerts_total(l->alerts)) {
		ct_alerts_observe(l->alerts, 0, NULL, l->interval_total, secs);
	} else if (ct_alerts_scope(l->alerts) >= CT_ALERT_CONTAINER) {
		observe_cgroups(l, secs);
	} else {
		for (i = 0; i < ct_spawners_len(l->rates); i++) {
			struct ct_spawner *r = ct_spawners_at(l->rates, i);

			if (r->interval)
				ct_alerts_observe(l->alerts, r->pid, r->comm,
						  r->interval, secs);
		}
	}
	ct_alerts_end(l->alerts);
	ct_spawners_reset_interval(l->rates);
}

/* up: still counting; false for the last values, at the end */
static void interval_end(struct ct_live *l, uint64_t now, bool up)
{
	if (l->alerts)
		observe_rates(l, (now - l->last_ns) / 1e9);
	write_metrics(l, up);
	l->interval_total = 0;
	l->last_ns = now;
}

/* The recording failed: said, abandoned (it reads as cut off). */
static int recording_failed(struct ct_live *l, int err)
{
	if (err == -ETIMEDOUT)
		ct_msg("recording '%s' not read for %d s after the stop request: it ends without its end frame (report --partial reads it)",
		       l->opt->record, CT_STALL_SECS);
	else
		ct_msg("writing recording '%s': %s", l->opt->record,
		       strerror(-err));
	ct_rec_abandon(&l->rec);
	l->recording = false;
	if (!l->err)
		l->err = err;
	return err;
}

int ct_live_tick(struct ct_live *l, uint64_t now_ns, uint64_t lost)
{
	int err;

	l->x.m.lost = lost;
	if (l->recording) {
		err = ct_rec_flush(&l->rec);
		if (err)
			return recording_failed(l, err);
	}
	if (now_ns - l->last_ns >=
	    (uint64_t)(l->opt->periodic.interval * 1e9))
		interval_end(l, now_ns, true);
	if (l->alerts)
		ct_alerts_reap(l->alerts);
	return 0;
}

void ct_live_signal(struct ct_live *l, int sig)
{
	if (l)
		ct_alerts_signal(l->alerts, sig);
}

int ct_live_finish(struct ct_live *l, struct ct_output *out,
		   uint64_t duration, int sig)
{
	int err;

	if (l->recording) {
		struct ct_rec_end end = {
			.lost = out->stats.lost,
			.lost_follow = out->stats.lost_follow,
			.duration_ns = duration,
			.start_ns = out->start_ns,
			.real_offset_ns = out->real_offset_ns,
		};

		l->recording = false;
		err = ct_rec_close(&l->rec, &end);
		if (err)
			recording_failed(l, err);
	}
	if (l->x.on) {		/* the last values: up 0 */
		l->x.m.lost = out->stats.lost;
		interval_end(l, ct_now_ns(), false);
	}
	ct_alerts_stop(l->alerts, sig ? sig : SIGTERM);
	if (l->alert_unjudged)
		ct_msg("--alert: %llu creations not judged (more containers or cgroups at once than %d, or out of memory)",
		       (unsigned long long)l->alert_unjudged, CT_ALERT_EPISODES);
	/* --why's lines went to stderr as they came: once on a terminal */
	if (l->opt->analysis.diag && out->ob->tty && isatty(STDERR_FILENO))
		ct_analysis_diags_shown(l->analysis);
	if (out->lost_by)	/* the tree names the holes */
		ct_analysis_lost_by(l->analysis, out->lost_by);
	ct_analysis_print(l->analysis, out->f, out->json, duration);
	if (l->dot >= 0) {
		err = ct_analysis_dot(l->analysis, l->dot);
		l->dot = -1;
		if (err && !l->err)
			l->err = err;
	}
	return l->err;
}

void ct_live_free(struct ct_live *l)
{
	if (!l)
		return;
	if (l->dot >= 0)
		close(l->dot);
	if (l->recording)		/* not finished: an error */
		ct_rec_abandon(&l->rec);
	ct_analysis_free(l->analysis);
	ct_exporter_free(&l->x);
	ct_alerts_free(l->alerts);
	free(l->cg);
	ct_spawners_free(l->rates);
	ct_cgroups_free(l->recorded);
	free(l);
}
