/* SPDX-License-Identifier: GPL-2.0 */
/*
 * analysis.h - consumers of the event stream beside the printer:
 * histograms, the creation tree, recording, alerts, metrics.
 *
 * The tracer's main loop (clonetrace.c) calls these; their options are an
 * argp child parser so that they appear in --help with the rest.
 */
#ifndef CT_ANALYSIS_H
#define CT_ANALYSIS_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"

struct ct_output;

extern const struct argp ct_analysis_argp;

/* After attach, before the first event; returns 0 or a negative errno. */
int ct_analysis_start(const char *mode);
/* Every event, after it was printed. */
void ct_analysis_event(const struct ct_event *e);
/* Every pass of the poll loop (about every 100 ms); lost so far. */
void ct_analysis_tick(uint64_t now_ns, uint64_t lost);
/*
 * At exit, before the summary (which stays the last line), with the
 * stats final and the run's duration; returns 0 or a negative errno.
 */
int ct_analysis_finish(struct ct_output *out, uint64_t duration_ns);

#endif /* CT_ANALYSIS_H */
