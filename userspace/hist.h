/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hist.h - log2 histograms, printed as bcc's tools print them.
 *
 * Slot 0 holds 0 and 1, slot i (i >= 1) holds [2^i, 2^(i+1) - 1].
 */
#ifndef CT_HIST_H
#define CT_HIST_H

#include <stdint.h>
#include <stdio.h>

#define CT_HIST_SLOTS	64

struct ct_hist {
	uint64_t slots[CT_HIST_SLOTS];
	uint64_t count;
	uint64_t sum;
};

void ct_hist_add(struct ct_hist *h, uint64_t v);
/* The bounds of a slot, inclusive. */
void ct_hist_bounds(unsigned int slot, uint64_t *low, uint64_t *high);
/* Terminal: the unit column header ("usecs"), rows up to the last used. */
void ct_hist_print(FILE *f, const struct ct_hist *h, const char *unit);
struct ct_json;
/* JSON members: "count":N,"sum":S,"buckets":[{"low":L,"high":H,"count":C}] */
void ct_hist_json(struct ct_json *j, const struct ct_hist *h);

#endif /* CT_HIST_H */
