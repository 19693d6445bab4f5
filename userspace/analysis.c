// SPDX-License-Identifier: GPL-2.0
/*
 * analysis.c - dispatch of the event stream to the analysis features:
 * recording (record.c), failure diagnosis (diagnose.c), the sections
 * printed after the summary (sections.c: histograms, tree, spawners),
 * rate alerts (alert.c) and Prometheus metrics (prom.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "periodic.h"
#include "analysis.h"
#include "diagnose.h"
#include "output.h"
#include "prom.h"
#include "record.h"
#include "sections.h"
#include "spawn.h"
#include "util.h"

enum {
	OPT_HIST = 0x200,
	OPT_TREE,
	OPT_DOT,
	OPT_WHY,
	OPT_SPAWNERS,
};

static struct {
	const char *record;		/* -w */
	struct ct_sections sec;
	char options[1024];		/* command line, for the header */
} an;

static struct {
	struct ct_rec_writer rec;
	bool recording;
	struct ct_spawners *live;	/* per-creator counts for alerts */
	struct ct_prom prom;
	uint64_t start_ns, last_ns, interval_total;
} st;

static const struct argp_option options[] = {
	{ "write", 'w', "FILE", 0,
	  "Record the events to FILE (read it with: clonetrace report FILE)" },
	{ "why", OPT_WHY, NULL, 0,
	  "Explain failed creations (EAGAIN, ENOMEM): name the limit that "
	  "refused them, with its values" },
	{ "hist", OPT_HIST, NULL, 0,
	  "At exit: log2 histograms of creation latency per kind and per "
	  "syscall" },
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

static void save_options(struct argp_state *state)
{
	size_t off = 0;
	int i;

	for (i = 0; i < state->argc && off < sizeof(an.options) - 1; i++)
		off += snprintf(an.options + off, sizeof(an.options) - off,
				"%s%s", i ? " " : "", state->argv[i]);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	long n;

	switch (key) {
	case 'w':
		if (ct_opt_nonempty(state, arg, "recording file name"))
			return EINVAL;
		an.record = arg;
		break;
	case OPT_WHY:
		an.sec.diag = true;
		break;
	case OPT_HIST:
		an.sec.hist = true;
		break;
	case OPT_TREE:
		an.sec.tree = true;
		break;
	case OPT_DOT:
		if (ct_opt_nonempty(state, arg, "--dot file name"))
			return EINVAL;
		an.sec.dot = arg;
		break;
	case OPT_SPAWNERS:
		if (ct_opt_long(state, arg, "--spawners", 0, 1000000, &n))
			return EINVAL;
		an.sec.spawners = n;
		an.sec.all_spawners = !n;
		break;
	case ARGP_KEY_END:
		save_options(state);
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

const struct argp ct_analysis_argp = {
	.options = options,
	.parser = parse_opt,
	.children = children,
};

static int start_recording(const char *mode)
{
	struct ct_rec_header h = { .version = CT_REC_VERSION };
	struct utsname u;
	int err;

	if (uname(&u) == 0) {
		snprintf(h.release, sizeof(h.release), "%s", u.release);
		snprintf(h.hostname, sizeof(h.hostname), "%s", u.nodename);
	}
	/* CLOCK_REALTIME of boot: what CLOCK_MONOTONIC 0 was */
	h.boot_time_ns = ct_clock_ns(CLOCK_REALTIME) - ct_clock_ns(CLOCK_MONOTONIC);
	snprintf(h.mode, sizeof(h.mode), "%s", mode);
	snprintf(h.options, sizeof(h.options), "%s", an.options);
	err = ct_rec_create(&st.rec, an.record, &h);
	if (err) {
		ct_msg("cannot write recording '%s': %s",
			an.record, strerror(-err));
		return err;
	}
	st.recording = true;
	return 0;
}

int ct_analysis_start(const char *mode)
{
	int err;

	st.start_ns = st.last_ns = ct_clock_ns(CLOCK_MONOTONIC);
	st.prom.source = "trace";
	err = ct_sections_init(&an.sec);
	if (err) {
		ct_msg("%s", strerror(-err));
		return err;
	}
	if (ct_periodic.alert.rate) {
		ct_periodic.alert.f = stderr;
		ct_alert_setup(&ct_periodic.alert);
		st.live = ct_spawners_new();
		if (!st.live)
			return -ENOMEM;
	}
	if (ct_periodic.prometheus) {
		err = ct_prom_write(ct_periodic.prometheus, &st.prom);
		if (err) {
			ct_msg("cannot write '%s': %s",
				ct_periodic.prometheus, strerror(-err));
			return err;
		}
	}
	if (an.record)
		return start_recording(mode);
	return 0;
}

void ct_analysis_event(const struct ct_event *e)
{
	ct_sections_feed(e);
	if (st.recording)
		ct_rec_event(&st.rec, e);
	if ((an.sec.diag || st.recording) && ct_diag_account(e)) {
		struct ct_diag d;

		ct_diagnose(e, &d);
		ct_diag_add(&d);
		if (an.sec.diag)
			ct_diag_print(stderr, &d);
		if (st.recording)
			ct_rec_diag(&st.rec, &d);
	}
	if (e->type == CT_EV_CLONE) {
		if (e->kind < CT_KIND_NR)
			st.prom.by_kind[e->kind]++;
		st.interval_total++;
	} else {
		ct_prom_failure(&st.prom, e->err, 1);
	}
	if (st.live)
		ct_spawners_add(st.live, e);
}

static void interval_end(uint64_t now)
{
	double secs = (now - st.last_ns) / 1e9;
	size_t i;

	if (st.live) {
		ct_alert_begin();
		if (ct_alert_total()) {
			ct_alert_observe(0, NULL, st.interval_total, secs);
		} else {
			for (i = 0; i < ct_spawners_len(st.live); i++) {
				struct ct_spawner *r = ct_spawners_at(st.live,
								      i);

				if (r->interval)
					ct_alert_observe(r->pid, r->comm,
							 r->interval, secs);
			}
		}
		ct_alert_end();
		ct_spawners_reset_interval(st.live);
	}
	if (ct_periodic.prometheus) {
		int err = ct_prom_write(ct_periodic.prometheus, &st.prom);

		if (err)
			ct_msg("cannot write '%s': %s",
				ct_periodic.prometheus, strerror(-err));
	}
	st.interval_total = 0;
	st.last_ns = now;
}

void ct_analysis_tick(uint64_t now_ns, uint64_t lost)
{
	st.prom.lost = lost;
	if (st.recording && ct_rec_flush(&st.rec)) {
		ct_msg("writing recording '%s': %s",
			an.record, strerror(-st.rec.err));
		st.recording = false;
	}
	if (now_ns - st.last_ns >= (uint64_t)(ct_periodic.interval * 1e9))
		interval_end(now_ns);
	ct_alert_reap(false);
}

int ct_analysis_finish(struct ct_output *out, uint64_t duration)
{
	int err = 0;

	if (st.recording) {
		struct ct_rec_end end = {
			.lost = out->stats.lost,
			.lost_follow = out->stats.lost_follow,
			.duration_ns = duration,
			.start_ns = out->start_ns,
			.real_offset_ns = out->real_offset_ns,
		};

		err = ct_rec_close(&st.rec, &end);
		st.recording = false;
		if (err)
			ct_msg("writing recording '%s': %s",
				an.record, strerror(-err));
	}
	if (ct_periodic.prometheus) {
		st.prom.lost = out->stats.lost;
		interval_end(ct_clock_ns(CLOCK_MONOTONIC));
	}
	ct_alert_reap(false);
	if (!err)
		err = ct_sections_print(out->f, out->json, duration);
	return err;
}
