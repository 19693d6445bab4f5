/* SPDX-License-Identifier: GPL-2.0 */
/*
 * analysis.h - what is counted over the whole event stream and printed
 * at the end, after the events and before the summary: failure
 * diagnoses (--why), top spawners (--spawners), latency histograms
 * (--hist), the creation tree (--tree, --dot). The same code serves the
 * tracer (live.c) and a recording (report.c).
 */
#ifndef CT_ANALYSIS_H
#define CT_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"

struct ct_analysis_opts {
	bool diag;		/* failure diagnoses */
	bool hist;
	bool tree;
	size_t spawners;	/* rows of top spawners; 0: none */
	bool all_spawners;	/* every row */
	const char *dot;	/* Graphviz file (ct_analysis_dot()), or NULL */
};

struct ct_analysis;
struct ct_diag_log;

/* NULL when out of memory. */
struct ct_analysis *ct_analysis_new(const struct ct_analysis_opts *o);
void ct_analysis_free(struct ct_analysis *a);
/* Count an event in the analyses that are on. */
void ct_analysis_feed(struct ct_analysis *a, const struct ct_event *e);
/* The diagnoses, one per episode (diagnose.h). */
struct ct_diag_log *ct_analysis_diags(struct ct_analysis *a);
/*
 * The diagnoses were already shown where the analyses go (--why on a
 * terminal: live on stderr, the same screen): not again at the end.
 */
void ct_analysis_diags_shown(struct ct_analysis *a);
/* Print the analyses that are on, in this order. */
void ct_analysis_print(struct ct_analysis *a, FILE *f, bool json,
		       uint64_t duration_ns);
/*
 * --dot: the tree for Graphviz into fd, which is closed (the file was
 * opened by the command, before it started). 0, or -errno (said).
 */
/*
 * --tree, --dot: a -p target as it was at start (context.h), and the
 * processes listed below it, as nodes that existed before the first event.
 */
struct ct_target;
void ct_analysis_target(struct ct_analysis *a, const struct ct_target *t);
/* --tree, --dot: the creators whose creations were lost (output.h). */
struct ct_lost_by;
void ct_analysis_lost_by(struct ct_analysis *a, const struct ct_lost_by *l);
int ct_analysis_dot(struct ct_analysis *a, int fd);

#endif /* CT_ANALYSIS_H */
