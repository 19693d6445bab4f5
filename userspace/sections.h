/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sections.h - what is printed after the summary, live (analysis.c) and
 * from a recording (report.c), by the same code: failure diagnoses, top
 * spawners, latency histograms, the creation tree.
 */
#ifndef CT_SECTIONS_H
#define CT_SECTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"

struct ct_sections {
	bool diag;		/* failure diagnoses */
	bool hist;
	bool tree;
	size_t spawners;	/* rows of top spawners; 0: none */
	bool all_spawners;	/* every row */
	const char *dot;	/* Graphviz file, or NULL */
};

int ct_sections_init(const struct ct_sections *s);
/* Count an event in the sections that are on. */
void ct_sections_feed(const struct ct_event *e);
/* Print the sections that are on, in this order. */
int ct_sections_print(FILE *f, bool json, uint64_t duration_ns);

#endif /* CT_SECTIONS_H */
