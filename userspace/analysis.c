// SPDX-License-Identifier: GPL-2.0
/*
 * analysis.c - the analyses of the whole stream, printed at the end
 * (analysis.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "decode.h"
#include "diagnose.h"
#include "escape.h"
#include "hist.h"
#include "json.h"
#include "output.h"
#include "analysis.h"
#include "spawners.h"
#include "tree.h"
#include "util.h"

#define CT_LIFE_PROGS	32	/* lifetime histograms by comm; then "other" */

struct ct_analysis {
	struct ct_analysis_opts opt;
	struct ct_diag_log *diags;
	bool diags_shown;		/* live, on the same terminal */
	struct ct_tree *tree;		/* --tree, --dot */
	struct ct_spawners *spawners;	/* --spawners */
	struct ct_hist by_kind[CT_KIND_NR];
	struct ct_hist by_syscall[CT_SC_NR];
	uint64_t no_latency;
	/* -e exit --hist: process lifetimes by the program's comm */
	struct {
		char comm[CT_COMM_LEN];
		struct ct_hist h;
	} life[CT_LIFE_PROGS];
	size_t nlife;
	struct ct_hist life_other;	/* programs past CT_LIFE_PROGS */
};

/* A process that ended (its last thread): its lifetime, by comm. */
static void life_add(struct ct_analysis *a, const struct ct_exit_event *x)
{
	struct ct_hist *h = &a->life_other;
	size_t i;

	if (!x->group_dead)
		return;
	for (i = 0; i < a->nlife; i++)
		if (!memcmp(a->life[i].comm, x->ev.comm, CT_COMM_LEN))
			break;
	if (i < a->nlife) {
		h = &a->life[i].h;
	} else if (a->nlife < CT_LIFE_PROGS) {
		memcpy(a->life[i].comm, x->ev.comm, CT_COMM_LEN);
		h = &a->life[a->nlife++].h;
	}
	ct_hist_add(h, x->lifetime_ns / 1000);
}

struct ct_analysis *ct_analysis_new(const struct ct_analysis_opts *o)
{
	struct ct_analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->opt = *o;
	a->diags = ct_diag_log_new();
	if (o->tree || o->dot)
		a->tree = ct_tree_new(CT_TREE_MAX_NODES);
	if (o->spawners || o->all_spawners)
		a->spawners = ct_spawners_new();
	if (!a->diags || ((o->tree || o->dot) && !a->tree) ||
	    ((o->spawners || o->all_spawners) && !a->spawners)) {
		ct_analysis_free(a);
		return NULL;
	}
	return a;
}

void ct_analysis_free(struct ct_analysis *a)
{
	if (!a)
		return;
	ct_diag_log_free(a->diags);
	ct_tree_free(a->tree);
	ct_spawners_free(a->spawners);
	free(a);
}

struct ct_diag_log *ct_analysis_diags(struct ct_analysis *a)
{
	return a->diags;
}

void ct_analysis_feed(struct ct_analysis *a, const struct ct_event *e)
{
	if (e->type == CT_EV_EXEC || e->type == CT_EV_EXIT) {
		if (a->spawners)	/* what the spawners' children became */
			ct_spawners_life(a->spawners, e);
		if (a->opt.hist && e->type == CT_EV_EXIT)
			life_add(a, (const void *)e);
		if (a->tree)	/* the nodes' programs and ends */
			ct_tree_add(a->tree, e);
		return;
	}
	if (a->tree)
		ct_tree_add(a->tree, e);
	if (a->spawners)
		ct_spawners_add(a->spawners, e);
	/* creation latency: successful creations that have one */
	if (a->opt.hist && e->type == CT_EV_CLONE) {
		if (!e->latency_ns) {
			a->no_latency++;
		} else {
			if (e->kind < CT_KIND_NR)
				ct_hist_add(&a->by_kind[e->kind],
					    e->latency_ns / 1000);
			if (e->syscall < CT_SC_NR)
				ct_hist_add(&a->by_syscall[e->syscall],
					    e->latency_ns / 1000);
		}
	}
}

static void hist_json(FILE *f, const char *by, const char *key,
		      const struct ct_hist *h)
{
	struct ct_json j;

	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "hist");
	ct_json_str(&j, "by", by);
	ct_json_str(&j, "key", key);
	ct_json_str(&j, "unit", "usecs");
	ct_hist_json(&j, h);
	ct_json_close(&j);
}

/* -e exit: how long the processes lived, per program (comm). */
static void life_section(struct ct_analysis *a, FILE *f, bool json)
{
	char comm[CT_COMM_LEN * 8];
	size_t i;

	if (!a->nlife)
		return;
	if (!json)
		fprintf(f, "\nPROCESS LIFETIME (creation to exit of the last thread, usecs, by comm at exit)\n");
	for (i = 0; i <= a->nlife; i++) {
		const struct ct_hist *h = i < a->nlife ? &a->life[i].h :
					  &a->life_other;

		if (!h->count)
			continue;
		if (i < a->nlife)
			ct_escape_buf(a->life[i].comm, CT_COMM_LEN,
				      CT_ESC_TERMINAL,
				      comm, sizeof(comm));
		if (json) {
			struct ct_json j;

			ct_json_init(&j, f);
			ct_json_open(&j, NULL, '{');
			ct_json_str(&j, "event", "hist");
			ct_json_str(&j, "by", "lifetime");
			if (i < a->nlife)
				ct_json_strn(&j, "key", a->life[i].comm,
					     CT_COMM_LEN);
			else
				ct_json_null(&j, "key");
			ct_json_str(&j, "unit", "usecs");
			ct_hist_json(&j, h);
			ct_json_close(&j);
		} else {
			fprintf(f, "\ncomm = %s (%" PRIu64 ")\n",
				i < a->nlife ? comm : "(other)", h->count);
			ct_hist_print(f, h, "usecs");
		}
	}
}

static void hist_section(struct ct_analysis *a, FILE *f, bool json)
{
	struct ct_json j;
	int i;

	if (!json)
		fprintf(f, "CREATION LATENCY (request to end of copy_process, usecs; %" PRIu64 " creations without a latency)\n",
			a->no_latency);
	for (i = 0; i < CT_KIND_NR + CT_SC_NR; i++) {
		bool kind = i < CT_KIND_NR;
		const struct ct_hist *h = kind ? &a->by_kind[i] :
					  &a->by_syscall[i - CT_KIND_NR];
		const char *by = kind ? "kind" : "syscall";
		const char *key = kind ? ct_kind_name(i) :
				  ct_syscall_name(i - CT_KIND_NR);

		if (!h->count)
			continue;
		if (json) {
			hist_json(f, by, key, h);
		} else {
			fprintf(f, "\n%s = %s (%" PRIu64 ")\n", by, key,
				h->count);
			ct_hist_print(f, h, "usecs");
		}
	}
	life_section(a, f, json);
	if (!json) {
		fputc('\n', f);
		return;
	}
	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "hist_summary");
	ct_json_u64(&j, "without_latency", a->no_latency);
	ct_json_close(&j);
}

void ct_analysis_diags_shown(struct ct_analysis *a)
{
	a->diags_shown = true;
}

static void diag_section(struct ct_analysis *a, FILE *f, bool json)
{
	size_t i, n = ct_diag_count(a->diags);

	if (!n || (a->diags_shown && !json))
		return;
	if (!json)
		fprintf(f, "FAILURE DIAGNOSES (%zu)\n", n);
	for (i = 0; i < n; i++) {
		if (json)
			ct_diag_json(f, ct_diag_at(a->diags, i));
		else
			ct_diag_print(f, ct_diag_at(a->diags, i));
	}
	if (!json)
		fputc('\n', f);
}

void ct_analysis_target(struct ct_analysis *a, const struct ct_target *t)
{
	uint32_t i;

	if (!a->tree)
		return;
	ct_tree_existing(a->tree, t->pid, 0, t->comm);
	/* children first, then (-f) below them: each after its parent */
	for (i = 0; i < t->nkids; i++)
		ct_tree_existing(a->tree, t->kids[i].pid, t->kids[i].ppid,
				 t->kids[i].comm);
}

void ct_analysis_lost_by(struct ct_analysis *a, const struct ct_lost_by *l)
{
	size_t i;

	for (i = 0; a->tree && i < l->n; i++)
		ct_tree_lost(a->tree, l->v[i].pid, l->v[i].comm, l->v[i].lost);
}

int ct_analysis_dot(struct ct_analysis *a, int fd)
{
	FILE *d = fdopen(fd, "w");
	int err = 0;

	if (!d) {
		err = -errno;
		close(fd);
	} else {
		ct_tree_dot(a->tree, d);
		if (fflush(d) == EOF || ferror(d))
			err = errno ? -errno : -EIO;
		if (fclose(d) == EOF && !err)
			err = -errno;
	}
	if (err)
		ct_msg("writing '%s': %s", a->opt.dot, strerror(-err));
	return err;
}

void ct_analysis_print(struct ct_analysis *a, FILE *f, bool json,
		       uint64_t duration_ns)
{
	size_t rows = a->opt.all_spawners ? 0 : a->opt.spawners;

	if (a->opt.diag)
		diag_section(a, f, json);
	if (a->spawners && json)
		ct_spawners_json(f, a->spawners, rows, duration_ns);
	if (a->spawners && !json) {
		ct_spawners_print(f, a->spawners, rows, duration_ns);
		fputc('\n', f);
	}
	if (a->opt.hist)
		hist_section(a, f, json);
	if (a->opt.tree && json)
		ct_tree_json(a->tree, f);
	if (a->opt.tree && !json)
		ct_tree_print(a->tree, f);
}
