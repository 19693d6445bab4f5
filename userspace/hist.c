// SPDX-License-Identifier: GPL-2.0
/*
 * hist.c - log2 histograms.
 */
#include <inttypes.h>

#include "hist.h"
#include "json.h"

#define STARS	40

/* Slot 0 holds 0 and 1, slot i (i >= 1) [2^i, 2^(i+1) - 1]. */
static unsigned int slot_of(uint64_t v)
{
	if (v < 2)
		return 0;
	return 63 - __builtin_clzll(v);
}

void ct_hist_add(struct ct_hist *h, uint64_t v)
{
	h->slots[slot_of(v)]++;
	h->count++;
	h->sum += v;
}

void ct_hist_bounds(unsigned int slot, uint64_t *low, uint64_t *high)
{
	*low = slot ? 1ULL << slot : 0;
	*high = slot >= 63 ? UINT64_MAX : (2ULL << slot) - 1;
}

static void stars(FILE *f, uint64_t val, uint64_t max)
{
	int n = max ? (int)(val * STARS / max) : 0, i;

	if (val && !n)
		n = 1;		/* show that the slot is not empty */
	for (i = 0; i < STARS; i++)
		fputc(i < n ? '*' : ' ', f);
}

void ct_hist_print(FILE *f, const struct ct_hist *h, const char *unit)
{
	uint64_t max = 0, low, high;
	int last = -1, width, i;

	for (i = 0; i < CT_HIST_SLOTS; i++) {
		if (h->slots[i])
			last = i;
		if (h->slots[i] > max)
			max = h->slots[i];
	}
	if (last < 0) {
		fprintf(f, "     (no samples)\n");
		return;
	}
	/* narrow columns while the values fit in 10 digits */
	width = last <= 32 ? 10 : 20;
	fprintf(f, "%*s%-*s : count     distribution\n", width - 5, "",
		width + 9, unit);
	for (i = 0; i <= last; i++) {
		ct_hist_bounds(i, &low, &high);
		fprintf(f, "%*" PRIu64 " -> %-*" PRIu64 " : %-9" PRIu64 " |",
			width, low, width, high, h->slots[i]);
		stars(f, h->slots[i], max);
		fputs("|\n", f);
	}
}

void ct_hist_json(struct ct_json *j, const struct ct_hist *h)
{
	uint64_t low, high;
	int i;

	ct_json_u64(j, "count", h->count);
	ct_json_u64(j, "sum", h->sum);
	ct_json_open(j, "buckets", '[');
	for (i = 0; i < CT_HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		ct_hist_bounds(i, &low, &high);
		ct_json_open(j, NULL, '{');
		ct_json_u64(j, "low", low);
		ct_json_u64(j, "high", high);
		ct_json_u64(j, "count", h->slots[i]);
		ct_json_close(j);
	}
	ct_json_close(j);
}
