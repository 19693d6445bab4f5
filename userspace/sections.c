// SPDX-License-Identifier: GPL-2.0
/*
 * sections.c - the sections after the summary.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "decode.h"
#include "diagnose.h"
#include "hist.h"
#include "json.h"
#include "sections.h"
#include "spawn.h"
#include "tree.h"
#include "util.h"

static struct ct_sections sec;
static struct ct_tree *tree;
static struct ct_spawners *spawners;
static struct ct_hist by_kind[CT_KIND_NR];
static struct ct_hist by_syscall[CT_SC_NR];
static uint64_t no_latency;

int ct_sections_init(const struct ct_sections *s)
{
	sec = *s;
	if (sec.tree || sec.dot) {
		tree = ct_tree_new(CT_TREE_MAX_NODES);
		if (!tree)
			return -ENOMEM;
	}
	if (sec.spawners || sec.all_spawners) {
		spawners = ct_spawners_new();
		if (!spawners)
			return -ENOMEM;
	}
	return 0;
}

void ct_sections_feed(const struct ct_event *e)
{
	if (tree)
		ct_tree_add(tree, e);
	if (spawners)
		ct_spawners_add(spawners, e);
	/* creation latency: successful creations that have one */
	if (sec.hist && e->type == CT_EV_CLONE) {
		if (!e->latency_ns) {
			no_latency++;
		} else {
			if (e->kind < CT_KIND_NR)
				ct_hist_add(&by_kind[e->kind],
					    e->latency_ns / 1000);
			if (e->syscall < CT_SC_NR)
				ct_hist_add(&by_syscall[e->syscall],
					    e->latency_ns / 1000);
		}
	}
}

static void hist_section(FILE *f, bool json)
{
	int i;

	if (!json)
		fprintf(f, "CREATION LATENCY (request to end of copy_process, usecs; %" PRIu64 " creations without a latency)\n",
			no_latency);
	for (i = 0; i < CT_KIND_NR + CT_SC_NR; i++) {
		bool kind = i < CT_KIND_NR;
		const struct ct_hist *h = kind ? &by_kind[i] :
					  &by_syscall[i - CT_KIND_NR];
		const char *key = kind ? ct_kind_name(i) :
				  ct_syscall_name(i - CT_KIND_NR);

		if (!h->count)
			continue;
		if (json) {
			struct ct_json j;

			ct_json_init(&j, f);
			ct_json_open(&j, NULL, '{');
			ct_json_str(&j, "event", "hist");
			ct_json_str(&j, "by", kind ? "kind" : "syscall");
			ct_json_str(&j, "key", key);
			ct_json_str(&j, "unit", "usecs");
			ct_hist_json(&j, h);
			ct_json_close(&j);
		} else {
			fprintf(f, "\n%s = %s (%" PRIu64 ")\n",
				kind ? "kind" : "syscall", key, h->count);
			ct_hist_print(f, h, "usecs");
		}
	}
	if (json) {
		struct ct_json j;

		ct_json_init(&j, f);
		ct_json_open(&j, NULL, '{');
		ct_json_str(&j, "event", "hist_summary");
		ct_json_u64(&j, "without_latency", no_latency);
		ct_json_close(&j);
	}
}

int ct_sections_print(FILE *f, bool json, uint64_t duration_ns)
{
	size_t i, n = ct_diag_count();

	if (sec.diag && n) {
		if (!json)
			fprintf(f, "FAILURE DIAGNOSES (%zu)\n", n);
		for (i = 0; i < n; i++) {
			if (json)
				ct_diag_json(f, ct_diag_at(i));
			else
				ct_diag_print(f, ct_diag_at(i));
		}
		if (!json)
			fputc('\n', f);
	}
	if (spawners) {
		size_t rows = sec.all_spawners ? 0 : sec.spawners;

		if (json) {
			ct_spawners_json(f, spawners, rows, duration_ns);
		} else {
			ct_spawners_print(f, spawners, rows, duration_ns);
			fputc('\n', f);
		}
	}
	if (sec.hist) {
		hist_section(f, json);
		if (!json)
			fputc('\n', f);
	}
	if (sec.tree) {
		if (json)
			ct_tree_json(tree, f);
		else
			ct_tree_print(tree, f);
	}
	if (sec.dot) {
		FILE *d = fopen(sec.dot, "w");

		if (!d) {
			ct_msg("cannot write '%s': %s",
				sec.dot, strerror(errno));
			return -errno;
		}
		ct_tree_dot(tree, d);
		if (fclose(d) == EOF) {
			ct_msg("writing '%s': %s",
				sec.dot, strerror(errno));
			return -EIO;
		}
	}
	if (fflush(f) == EOF)
		return -errno;
	return 0;
}
