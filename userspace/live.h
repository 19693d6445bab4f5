/* SPDX-License-Identifier: GPL-2.0 */
/*
 * live.h - the consumers of the tracer's event stream beside the
 * printer: recording (-w), failure diagnosis (--why), the analyses at
 * the end (--hist, --tree, --dot, --spawners), rate alerts and metrics
 * every interval (-i, --alert, --alert-exec, --prometheus, --listen).
 *
 * The tracer's loop (tracer.c) calls these; their options are an argp
 * child parser so that they appear in --help with the rest.
 */
#ifndef CT_LIVE_H
#define CT_LIVE_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>

#include "analysis.h"
#include "ct_event.h"
#include "periodic.h"

struct ct_live_opts {
	const char *record;			/* -w FILE */
	struct ct_analysis_opts analysis;
	struct ct_periodic periodic;
	char options[1024];		/* the command line, for -w's header */
};

/* The options; the parser's input is a struct ct_live_opts. */
extern const struct argp ct_live_argp;

struct ct_live;
struct ct_output;
struct bpf_object;

/* How the tracer attached, for the recording's header and the metrics. */
struct ct_live_attach {
	const char *mode;
	bool failures;			/* failures are seen */
	struct bpf_object *obj;		/* its programs */
	int verbose;
};

/*
 * After attach, before the first event; record and dot are the -w and
 * --dot files, opened by the tracer and empty (or -1), which live.c now
 * owns. 0, or a negative errno (said). *out is set either way:
 * ct_live_free() it.
 */
int ct_live_start(const struct ct_live_opts *o, const struct ct_live_attach *a,
		  int record, int dot, struct ct_live **out);
struct ct_cgroups;
/* The cgroup paths the printer resolves, for the recording. */
void ct_live_cgroups(struct ct_live *l, struct ct_cgroups *c);
struct ct_target;
/* A -p target's attach context, before the first event: recorded. */
void ct_live_target(struct ct_live *l, const struct ct_target *t);
/* Every event, after it was printed. */
void ct_live_event(struct ct_live *l, const struct ct_event *e);
/*
 * Every pass of the poll loop (about every 100 ms); events lost so far.
 * 0, or the -errno of a failed recording (said): the run must end.
 */
int ct_live_tick(struct ct_live *l, uint64_t now_ns, uint64_t lost);
/* When asked to stop: the signal on to the alert commands, at once. */
void ct_live_signal(struct ct_live *l, int sig);
/*
 * At the end, before the summary (which stays the last line), with the
 * stats final: the recording's end frame, the last metrics, the
 * analyses printed, the --dot file written, the alert commands stopped
 * (sig, or SIGTERM) and reaped. 0, or the -errno of the first failure of
 * the recording, the metrics or --dot at any time of the run (each said
 * when it happened): the run's status is then a failure.
 */
int ct_live_finish(struct ct_live *l, struct ct_output *out,
		   uint64_t duration_ns, int sig);
void ct_live_free(struct ct_live *l);

#endif /* CT_LIVE_H */
