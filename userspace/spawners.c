// SPDX-License-Identifier: GPL-2.0
/*
 * spawners.c - creations counted per creating process, ranked
 * (spawners.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "escape.h"
#include "json.h"
#include "spawners.h"

struct ct_spawners {
	struct ct_spawner *rows;
	size_t n, cap;
	uint32_t *index;		/* pid hash -> row + 1, 0: free */
	size_t slots;
};

struct ct_spawners *ct_spawners_new(void)
{
	return calloc(1, sizeof(struct ct_spawners));
}

void ct_spawners_free(struct ct_spawners *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		if (s->rows[i].kids)
			free(s->rows[i].kids->life);
		free(s->rows[i].kids);
	}
	free(s->rows);
	free(s->index);
	free(s);
}

static size_t slot_of(const struct ct_spawners *s, uint32_t pid)
{
	size_t i = (pid * 0x9e3779b1U) & (s->slots - 1);

	while (s->index[i] && s->rows[s->index[i] - 1].pid != pid)
		i = (i + 1) & (s->slots - 1);
	return i;
}

static int grow(struct ct_spawners *s)
{
	size_t slots = s->slots ? s->slots * 2 : 256, i;
	uint32_t *index = calloc(slots, sizeof(*index)), *old = s->index;

	if (!index)
		return -ENOMEM;
	s->index = index;
	s->slots = slots;
	for (i = 0; i < s->n; i++)
		s->index[slot_of(s, s->rows[i].pid)] = i + 1;
	free(old);
	return 0;
}

static struct ct_spawner *row(struct ct_spawners *s, uint32_t pid)
{
	struct ct_spawner *r;
	size_t i;

	if ((s->n + 1) * 2 > s->slots && grow(s))
		return NULL;
	i = slot_of(s, pid);
	if (s->index[i])
		return &s->rows[s->index[i] - 1];
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		r = realloc(s->rows, cap * sizeof(*r));
		if (!r)
			return NULL;
		s->rows = r;
		s->cap = cap;
	}
	r = &s->rows[s->n];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	s->index[i] = ++s->n;
	return r;
}

int ct_spawners_add(struct ct_spawners *s, const struct ct_event *e)
{
	struct ct_spawner *r = row(s, e->ppid);

	if (!r)
		return -ENOMEM;
	memcpy(r->comm, e->pcomm, CT_COMM_LEN);
	if (e->type == CT_EV_CLONE_FAILED) {
		r->failed++;
		return 0;
	}
	if (e->kind < CT_KIND_NR)
		r->by_kind[e->kind]++;
	r->created++;
	r->interval++;
	return 0;
}

static int kid_exec(struct ct_kids *k, const struct ct_exec_event *x)
{
	char prog[CT_PATH_TEXT];
	size_t i;

	if (x->ev.err) {
		k->exec_failed++;
		return 0;
	}
	k->execs++;
	ct_exec_program(x, prog, sizeof(prog));
	for (i = 0; i < k->nprogs; i++)
		if (!strcmp(k->progs[i].filename, prog)) {
			k->progs[i].n++;
			return 0;
		}
	if (k->nprogs == CT_KIDS_PROGS) {
		k->other_progs++;
		return 0;
	}
	memcpy(k->progs[i].filename, prog, sizeof(prog));
	k->progs[i].n = 1;
	k->nprogs++;
	return 0;
}

static int kid_exit(struct ct_kids *k, const struct ct_exit_event *x)
{
	size_t i;

	k->exits++;
	if (k->nlife == k->caplife) {
		size_t cap = k->caplife ? k->caplife * 2 : 16;
		uint64_t *life = realloc(k->life, cap * sizeof(*life));

		if (!life)
			return -ENOMEM;
		k->life = life;
		k->caplife = cap;
	}
	k->life[k->nlife++] = x->lifetime_ns;
	for (i = 0; i < k->ncodes; i++)
		if (k->codes[i].code == x->code) {
			k->codes[i].n++;
			return 0;
		}
	if (k->ncodes == CT_KIDS_CODES) {
		k->other_codes++;
		return 0;
	}
	k->codes[i].code = x->code;
	k->codes[i].n = 1;
	k->ncodes++;
	return 0;
}

int ct_spawners_life(struct ct_spawners *s, const struct ct_event *e)
{
	const struct ct_exit_event *xt = (const void *)e;
	const struct ct_exec_event *xe = (const void *)e;
	struct ct_spawner *r;

	if (e->type == CT_EV_EXIT && !xt->group_dead)
		return 0;	/* a thread: its process has not ended */
	r = row(s, e->type == CT_EV_EXEC ? xe->parent : xt->parent);
	if (!r)
		return -ENOMEM;
	if (!r->kids) {
		r->kids = calloc(1, sizeof(*r->kids));
		if (!r->kids)
			return -ENOMEM;
	}
	if (e->type == CT_EV_EXEC)
		return kid_exec(r->kids, xe);
	return kid_exit(r->kids, xt);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median lifetime (sorts k->life); 0 when no exit. */
static uint64_t median_life(struct ct_kids *k)
{
	if (!k->nlife)
		return 0;
	qsort(k->life, k->nlife, sizeof(*k->life), cmp_u64);
	if (k->nlife & 1)
		return k->life[k->nlife / 2];
	return (k->life[k->nlife / 2 - 1] + k->life[k->nlife / 2]) / 2;
}

size_t ct_spawners_len(const struct ct_spawners *s)
{
	return s->n;
}

struct ct_spawner *ct_spawners_at(struct ct_spawners *s, size_t i)
{
	return i < s->n ? &s->rows[i] : NULL;
}

static int cmp(const void *a, const void *b)
{
	const struct ct_spawner *x = *(const struct ct_spawner **)a;
	const struct ct_spawner *y = *(const struct ct_spawner **)b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->failed != y->failed)
		return x->failed < y->failed ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

struct ct_spawner **ct_spawners_sorted(struct ct_spawners *s, size_t *n)
{
	struct ct_spawner **v = malloc((s->n + 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < s->n; i++)
		v[i] = &s->rows[i];
	qsort(v, s->n, sizeof(*v), cmp);
	*n = s->n;
	return v;
}

void ct_spawners_reset_interval(struct ct_spawners *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		s->rows[i].interval = 0;
}

static double rate(uint64_t n, uint64_t duration_ns)
{
	return duration_ns ? n * 1e9 / duration_ns : 0.0;
}

/* -e: one line per ranked spawner whose children exec'd or exited. */
static void print_kids(FILE *f, struct ct_spawner **v, size_t n, size_t rows)
{
	char comm[CT_COMM_LEN * 8], name[CT_PATH_TEXT * 4 + 1], code[40];
	bool head = false;
	size_t i, p;

	for (i = 0; i < n && (!rows || i < rows); i++) {
		struct ct_kids *k = v[i]->kids;

		if (!k)
			continue;
		if (!head)
			fprintf(f, "WHAT THEIR CHILDREN BECAME (-e exec,exit)\n");
		head = true;
		ct_escape_human(v[i]->comm, CT_COMM_LEN, comm, sizeof(comm));
		fprintf(f, "%7u %-16s execs %" PRIu64, v[i]->pid, comm,
			k->execs);
		for (p = 0; p < k->nprogs; p++) {
			ct_escape_human(k->progs[p].filename, CT_PATH_TEXT, name,
					sizeof(name));
			fprintf(f, "%s%s x%" PRIu64, p ? ", " : " (", name,
				k->progs[p].n);
		}
		if (k->other_progs)
			fprintf(f, ", other x%" PRIu64, k->other_progs);
		fprintf(f, "%s, failed execs %" PRIu64 ", exits %" PRIu64,
			k->nprogs ? ")" : "", k->exec_failed, k->exits);
		if (k->nlife)
			fprintf(f, ", median lifetime %.6f s",
				median_life(k) / 1e9);
		for (p = 0; p < k->ncodes; p++)
			fprintf(f, "%s%s x%" PRIu64, p ? ", " : ", status ",
				ct_wait_status_name(k->codes[p].code, code, sizeof(code)),
				k->codes[p].n);
		if (k->other_codes)
			fprintf(f, ", other x%" PRIu64, k->other_codes);
		fprintf(f, "\n");
	}
}

void ct_spawners_print(FILE *f, struct ct_spawners *s, size_t rows,
		       uint64_t duration_ns)
{
	struct ct_spawner **v;
	char comm[CT_COMM_LEN * 8];
	size_t n, i;

	v = ct_spawners_sorted(s, &n);
	if (!v)
		return;
	fprintf(f, "TOP SPAWNERS (by creations, %.3f s)\n", duration_ns / 1e9);
	fprintf(f, "%7s %-16s %9s %10s %8s %8s %7s %7s %7s\n", "PID", "COMM",
		"CREATED", "RATE/s", "PROCESS", "THREAD", "VFORK", "OTHER",
		"FAILED");
	for (i = 0; i < n && (!rows || i < rows); i++) {
		const struct ct_spawner *r = v[i];
		uint64_t other = r->created - r->by_kind[CT_KIND_PROCESS] -
				 r->by_kind[CT_KIND_THREAD] -
				 r->by_kind[CT_KIND_VFORK];

		/* a row only for what its children became (-e): noise here */
		if (!r->created && !r->failed)
			continue;
		ct_escape_human(r->comm, CT_COMM_LEN, comm, sizeof(comm));
		fprintf(f, "%7u %-16s %9" PRIu64 " %10.1f %8" PRIu64 " %8"
			PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64 "\n",
			r->pid, comm, r->created,
			rate(r->created, duration_ns),
			r->by_kind[CT_KIND_PROCESS],
			r->by_kind[CT_KIND_THREAD], r->by_kind[CT_KIND_VFORK],
			other, r->failed);
	}
	print_kids(f, v, n, rows);
	free(v);
}

/* "children": what the row's children became (-e), or null. */
static void json_kids(struct ct_json *j, struct ct_kids *k)
{
	char code[40];
	size_t p;

	if (!k) {
		ct_json_null(j, "children");
		return;
	}
	ct_json_open(j, "children", '{');
	ct_json_u64(j, "execs", k->execs);
	ct_json_u64(j, "exec_failed", k->exec_failed);
	ct_json_open(j, "programs", '[');
	for (p = 0; p < k->nprogs; p++) {
		ct_json_open(j, NULL, '{');
		ct_json_strn(j, "filename", k->progs[p].filename,
			     CT_PATH_TEXT);
		ct_json_u64(j, "count", k->progs[p].n);
		ct_json_close(j);
	}
	ct_json_close(j);
	ct_json_u64(j, "other_programs", k->other_progs);
	ct_json_u64(j, "exits", k->exits);
	if (k->nlife)
		ct_json_u64(j, "lifetime_median_ns", median_life(k));
	else
		ct_json_null(j, "lifetime_median_ns");
	ct_json_open(j, "exit_status", '{');
	for (p = 0; p < k->ncodes; p++)
		ct_json_u64(j, ct_wait_status_name(k->codes[p].code, code, sizeof(code)),
			    k->codes[p].n);
	ct_json_close(j);
	ct_json_u64(j, "other_exit_status", k->other_codes);
	ct_json_close(j);
}

void ct_spawners_json(FILE *f, struct ct_spawners *s, size_t rows,
		      uint64_t duration_ns)
{
	struct ct_spawner **v;
	struct ct_json j;
	size_t n, i;
	int k;

	v = ct_spawners_sorted(s, &n);
	if (!v)
		return;
	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "spawners");
	ct_json_u64(&j, "duration_ns", duration_ns);
	ct_json_u64(&j, "parents", n);
	ct_json_open(&j, "rows", '[');
	for (i = 0; i < n && (!rows || i < rows); i++) {
		const struct ct_spawner *r = v[i];

		ct_json_open(&j, NULL, '{');
		ct_json_u64(&j, "pid", r->pid);
		ct_json_strn(&j, "comm", r->comm, CT_COMM_LEN);
		ct_json_u64(&j, "created", r->created);
		ct_json_num(&j, "rate", rate(r->created, duration_ns), 3);
		ct_json_u64(&j, "failed", r->failed);
		ct_json_open(&j, "by_kind", '{');
		for (k = 0; k < CT_KIND_NR; k++)
			ct_json_u64(&j, ct_kind_name(k), r->by_kind[k]);
		ct_json_close(&j);
		json_kids(&j, r->kids);
		ct_json_close(&j);
	}
	ct_json_close(&j);
	ct_json_close(&j);
	free(v);
}
