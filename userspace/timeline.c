// SPDX-License-Identifier: GPL-2.0
/*
 * timeline.c - a recording as task lives and marks (timeline.h), the
 * model both exports are written from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "escape.h"
#include "timeline.h"

/* ---- a map of u32 keys (TIDs, PIDs) to u32 values ---- */

struct ct_tl_map {
	uint64_t *keys;		/* key + 1; 0: empty */
	uint32_t *vals;
	size_t cap, n;		/* cap: a power of two */
};

static size_t slot_of(const struct ct_tl_map *m, uint32_t key)
{
	size_t i = (key * 0x9e3779b1U) & (m->cap - 1);

	while (m->keys[i] && m->keys[i] != (uint64_t)key + 1)
		i = (i + 1) & (m->cap - 1);
	return i;
}

struct ct_tl_map *ct_tl_map_new(void)
{
	struct ct_tl_map *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cap = 64;
	m->keys = calloc(m->cap, sizeof(*m->keys));
	m->vals = calloc(m->cap, sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		free(m->keys);
		free(m->vals);
		free(m);
		return NULL;
	}
	return m;
}

void ct_tl_map_free(struct ct_tl_map *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	free(m);
}

bool ct_tl_map_get(const struct ct_tl_map *m, uint32_t key, uint32_t *val)
{
	size_t i = slot_of(m, key);

	if (!m->keys[i])
		return false;
	*val = m->vals[i];
	return true;
}

static int map_grow(struct ct_tl_map *m)
{
	struct ct_tl_map bigger = { .cap = m->cap * 2 };
	size_t i, j;

	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
	if (!bigger.keys || !bigger.vals) {
		free(bigger.keys);
		free(bigger.vals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		j = slot_of(&bigger, m->keys[i] - 1);
		bigger.keys[j] = m->keys[i];
		bigger.vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = bigger.keys;
	m->vals = bigger.vals;
	m->cap = bigger.cap;
	return 0;
}

int ct_tl_map_put(struct ct_tl_map *m, uint32_t key, uint32_t val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return -ENOMEM;
	i = slot_of(m, key);
	if (!m->keys[i]) {
		m->keys[i] = (uint64_t)key + 1;
		m->n++;
	}
	m->vals[i] = val;
	return 0;
}

/* Backward-shift deletion: the probe runs stay unbroken. */
static void map_del(struct ct_tl_map *m, uint32_t key)
{
	size_t i = slot_of(m, key), j, home;

	if (!m->keys[i])
		return;
	m->n--;
	for (j = (i + 1) & (m->cap - 1); m->keys[j];
	     j = (j + 1) & (m->cap - 1)) {
		home = ((uint32_t)(m->keys[j] - 1) * 0x9e3779b1U) &
		       (m->cap - 1);
		/* j may move to i when home is not in (i, j] cyclically */
		if (((j - home) & (m->cap - 1)) >= ((j - i) & (m->cap - 1))) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
}

/* ---- growing arrays ---- */

static void *grow(void *arr, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *p;

	if (n < *cap)
		return arr;
	p = reallocarray(arr, c, size);
	if (p)
		*cap = c;
	return p;
}

#define PUSH(t, arr, n, cap) ({						\
	void *p_ = grow((t)->arr, &(t)->cap, (t)->n, sizeof(*(t)->arr)); \
	if (p_)								\
		(t)->arr = p_;						\
	else								\
		(t)->err = -ENOMEM;					\
	p_ ? memset(&(t)->arr[(t)->n++], 0, sizeof(*(t)->arr)) : NULL;	\
})

/* ---- identities ---- */

/* splitmix64's finalizer: a bijection of 64 bits, well mixed. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * A track's UUID from what makes a life unique: its ID, its begin and
 * how many lives of that ID came before (two lives of one ID cannot
 * share both); kind keeps processes and threads apart. Never 0 (the
 * trace's global track).
 */
static uint64_t uuid_of(uint32_t id, uint64_t begin, uint32_t nth, int kind)
{
	uint64_t u = mix(mix(((uint64_t)nth << 32 | id) ^
			     (uint64_t)kind << 62) ^ begin);

	return u ? u : 1;
}

const char *ct_tl_task_name(const struct ct_timeline *t,
			    const struct ct_tl_task *k)
{
	return k->renamed == CT_TL_NONE ? k->first : t->execs[k->renamed].name;
}

const char *ct_tl_proc_name(const struct ct_timeline *t,
			    const struct ct_tl_proc *p)
{
	return p->renamed == CT_TL_NONE ? p->first : t->execs[p->renamed].name;
}

const char *ct_tl_text(const char *s, size_t max, char *buf, size_t size)
{
	ct_escape_human(s, max, buf, size);
	return buf;
}

static uint32_t next_nth(struct ct_timeline *t, struct ct_tl_map *seen,
			 uint32_t id)
{
	uint32_t n = 0;

	ct_tl_map_get(seen, id, &n);
	if (ct_tl_map_put(seen, id, n + 1))
		t->err = -ENOMEM;
	return n;
}

/*
 * At one time: the tracks, the lives that were running already, the
 * creations (a flow's source comes before its end: readers take the
 * first event of a flow for its source), the lives they begin, the
 * other instants, the ends.
 */
static const uint8_t rank_of[] = {
	[CT_TL_PROC] = 0, [CT_TL_THREAD] = 1, [CT_TL_CREATE] = 3,
	[CT_TL_BEGIN] = 4, [CT_TL_EXEC] = 5, [CT_TL_EXEC_FAILED] = 5,
	[CT_TL_FAILED] = 5, [CT_TL_LOST] = 5, [CT_TL_END] = 6,
};
#define RANK_EXISTING	2	/* the begin of a life running at the start */

static struct ct_tl_mark *mark(struct ct_timeline *t, uint64_t ts, int type,
			       uint32_t task)
{
	struct ct_tl_mark *m = PUSH(t, marks, nmarks, marks_cap);

	if (m) {
		m->ts = ts;
		m->type = type;
		m->rank = rank_of[type];
		m->task = task;
		m->seq = t->nmarks;
	}
	return m;
}

/* ---- lives ---- */

/* A new life of process pid; begin 0: it existed at the start. */
static uint32_t proc_new(struct ct_timeline *t, uint32_t pid, uint64_t begin,
			 const char *comm)
{
	struct ct_tl_proc *p = PUSH(t, procs, nprocs, procs_cap);
	uint32_t i = t->nprocs - 1;

	if (!p)
		return CT_TL_NONE;
	p->pid = pid;
	p->nth = next_nth(t, t->seen_pid, pid);
	p->existing = !begin;
	p->begin = begin;
	memcpy(p->first, comm, CT_COMM_LEN);
	p->renamed = CT_TL_NONE;
	if (ct_tl_map_put(t->live_pid, pid, i))
		t->err = -ENOMEM;
	return i;
}

static uint32_t proc_get(struct ct_timeline *t, uint32_t pid,
			 const char *comm)
{
	uint32_t i;

	if (ct_tl_map_get(t->live_pid, pid, &i))
		return i;
	return proc_new(t, pid, 0, comm);
}

/* The open life of tid ends at ts. */
static void task_end(struct ct_timeline *t, uint32_t i, uint64_t ts)
{
	struct ct_tl_task *k = &t->tasks[i];

	k->end = ts;
	map_del(t->live_tid, k->tid);
}

/*
 * A new life of tid in process pid; begin 0: it existed at the start.
 * fresh: a created process leader, whose process is a new life too.
 */
static uint32_t task_new(struct ct_timeline *t, uint32_t pid, uint32_t tid,
			 uint64_t begin, bool fresh, const char *comm)
{
	struct ct_tl_task *k;
	uint32_t proc, i, old;

	if (ct_tl_map_get(t->live_tid, tid, &old)) {	/* its exit not recorded */
		t->tasks[old].replaced = true;
		task_end(t, old, begin);
	}
	if (fresh)
		proc = proc_new(t, pid, begin, comm);
	else
		proc = proc_get(t, pid, comm);
	k = PUSH(t, tasks, ntasks, tasks_cap);
	if (!k || proc == CT_TL_NONE)
		return CT_TL_NONE;
	i = t->ntasks - 1;
	k->pid = pid;
	k->tid = tid;
	k->proc = proc;
	k->nth = next_nth(t, t->seen_tid, tid);
	k->creator = CT_TL_NONE;
	k->existing = !begin;
	k->begin = begin;
	memcpy(k->first, comm, CT_COMM_LEN);
	k->renamed = CT_TL_NONE;
	if (ct_tl_map_put(t->live_tid, tid, i))
		t->err = -ENOMEM;
	return i;
}

/* The open life of tid, or one that existed at the start. */
static uint32_t task_get(struct ct_timeline *t, uint32_t pid, uint32_t tid,
			 const char *comm)
{
	uint32_t i;

	if (ct_tl_map_get(t->live_tid, tid, &i))
		return i;
	return task_new(t, pid, tid, 0, false, comm);
}

static void creation(struct ct_timeline *t, const struct ct_event *e)
{
	uint32_t creator = task_get(t, e->ppid, e->ptid, e->pcomm), i;
	struct ct_tl_task *k;
	struct ct_tl_mark *m;

	if (creator == CT_TL_NONE)
		return;
	if (e->type == CT_EV_CLONE_FAILED) {
		m = mark(t, e->ts_ns, CT_TL_FAILED, creator);
		if (m) {
			m->err = e->err;
			m->flags = e->flags;
			m->syscall = e->syscall;
			m->kind = e->kind;
		}
		return;
	}
	i = task_new(t, e->pid, e->tid, e->ts_ns ? e->ts_ns : 1,
		     e->pid == e->tid, e->comm);
	if (i == CT_TL_NONE)
		return;
	k = &t->tasks[i];
	k->creator = creator;
	k->flow = ++t->flows;
	k->flags = e->flags;
	k->exit_signal = e->exit_signal;
	k->syscall = e->syscall;
	k->kind = e->kind;
	m = mark(t, k->begin, CT_TL_CREATE, creator);
	if (m)
		m->x = i;
}

/* The words of argv (NULs between them) joined by spaces. */
static void join_argv(const struct ct_exec_event *x, char *buf, size_t size)
{
	size_t n = x->args_len < size - 1 ? x->args_len : size - 1, i;

	memcpy(buf, x->args, n);
	while (n && !buf[n - 1])
		n--;
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
}

static void exec_detail(struct ct_tl_exec *d, const struct ct_exec_event *x)
{
	const char *slash;

	d->err = x->ev.err;
	d->old_tid = x->old_tid;
	if (d->err) {
		snprintf(d->program, sizeof(d->program), "%.*s", CT_PATH_LEN,
			 x->filename);
		return;
	}
	ct_exec_program(x, d->program, sizeof(d->program));
	slash = strrchr(d->program, '/');
	snprintf(d->name, sizeof(d->name), "%s",
		 slash && slash[1] ? slash + 1 : d->program);
	join_argv(x, d->argv, sizeof(d->argv));
}

/* Task i goes on where thread from exec'd: a flow from one to the other. */
static void continued(struct ct_timeline *t, uint32_t from, uint32_t i)
{
	struct ct_tl_task *k = &t->tasks[i];
	struct ct_tl_mark *m;

	k->continued = true;
	k->creator = from;
	k->flow = ++t->flows;
	m = mark(t, k->begin, CT_TL_CREATE, from);
	if (m)
		m->x = i;
}

/*
 * An exec: the task (the leader's TID from now on) renamed, its process
 * too. From a thread, the thread's life ends there: the leader's TID
 * goes on, its old life when it is still open, else a new one.
 */
static void exec(struct ct_timeline *t, const struct ct_exec_event *x)
{
	const struct ct_event *e = &x->ev;
	struct ct_tl_exec *d = PUSH(t, execs, nexecs, execs_cap);
	uint32_t i, from = CT_TL_NONE;
	struct ct_tl_mark *m;

	if (!d)
		return;
	exec_detail(d, x);
	if (e->err) {
		i = task_get(t, e->pid, e->tid, e->comm);
		m = i == CT_TL_NONE ? NULL :
		    mark(t, e->ts_ns, CT_TL_EXEC_FAILED, i);
		if (m)
			m->x = t->nexecs - 1;
		return;
	}
	if (x->old_tid && x->old_tid != e->tid &&
	    ct_tl_map_get(t->live_tid, x->old_tid, &from)) {
		t->tasks[from].execd_away = true;
		task_end(t, from, e->ts_ns);
	}
	if (!ct_tl_map_get(t->live_tid, e->tid, &i)) {
		i = task_new(t, e->pid, e->tid, from == CT_TL_NONE ? 0 :
			     e->ts_ns, false, e->comm);
		if (i == CT_TL_NONE)
			return;
		if (from != CT_TL_NONE)
			continued(t, from, i);
	}
	m = mark(t, e->ts_ns, CT_TL_EXEC, i);
	if (!m)
		return;
	m->x = t->nexecs - 1;
	t->tasks[i].renamed = t->nexecs - 1;
	t->procs[t->tasks[i].proc].renamed = t->nexecs - 1;
}

static void exit_(struct ct_timeline *t, const struct ct_exit_event *x)
{
	const struct ct_event *e = &x->ev;
	uint32_t i = task_get(t, e->pid, e->tid, e->comm), p;
	struct ct_tl_task *k;

	if (i == CT_TL_NONE)
		return;
	k = &t->tasks[i];
	k->exited = true;
	k->code = x->code;
	k->group_dead = x->group_dead;
	task_end(t, i, e->ts_ns);
	if (x->group_dead && ct_tl_map_get(t->live_pid, e->pid, &p) && p == k->proc)
		map_del(t->live_pid, e->pid);
}

struct ct_timeline *ct_tl_new(const struct ct_rec_reader *r)
{
	struct ct_timeline *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->start = r->end.start_ns;
	t->end = r->end.start_ns + r->end.duration_ns;
	t->lost = r->end.lost;
	t->lost_follow = r->end.lost_follow;
	t->live_tid = ct_tl_map_new();
	t->live_pid = ct_tl_map_new();
	t->seen_tid = ct_tl_map_new();
	t->seen_pid = ct_tl_map_new();
	if (!t->live_tid || !t->live_pid || !t->seen_tid || !t->seen_pid) {
		ct_tl_free(t);
		return NULL;
	}
	return t;
}

int ct_tl_feed(struct ct_timeline *t, const struct ct_rec_item *it)
{
	if (it->type != CT_REC_EVENT || t->err)
		return t->err;
	if (it->ev.ts_ns && it->ev.ts_ns < t->start)
		t->start = it->ev.ts_ns;
	if (it->ev.ts_ns > t->end)
		t->end = it->ev.ts_ns;
	switch (it->ev.type) {
	case CT_EV_CLONE:
	case CT_EV_CLONE_FAILED:
		creation(t, &it->ev);
		break;
	case CT_EV_EXEC:
		exec(t, &it->exec);
		break;
	case CT_EV_EXIT:
		exit_(t, &it->exit);
		break;
	}
	return t->err;
}


static int by_time(const void *a, const void *b)
{
	const struct ct_tl_mark *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int ct_tl_finish(struct ct_timeline *t)
{
	struct ct_tl_mark *m;
	size_t i;

	if (t->err)
		return t->err;
	for (i = 0; i < t->nprocs; i++) {
		struct ct_tl_proc *p = &t->procs[i];

		if (p->existing)
			p->begin = t->start;
		p->uuid = uuid_of(p->pid, p->begin, p->nth, 1);
		mark(t, p->begin, CT_TL_PROC, i);
	}
	for (i = 0; i < t->ntasks; i++) {
		struct ct_tl_task *k = &t->tasks[i];

		if (k->existing)
			k->begin = t->start;
		if (!k->end)		/* alive at the end */
			k->end = t->end;
		if (k->end < k->begin)
			k->end = k->begin;
		k->uuid = uuid_of(k->tid, k->begin, k->nth, 2);
		mark(t, k->begin, CT_TL_THREAD, i);
		m = mark(t, k->begin, CT_TL_BEGIN, i);
		if (m && k->existing)
			m->rank = RANK_EXISTING;
		mark(t, k->end, CT_TL_END, i);
	}
	if (t->lost || t->lost_follow) {
		m = mark(t, t->end, CT_TL_LOST, CT_TL_NONE);
		if (m) {
			m->x = t->lost;
			m->y = t->lost_follow;
		}
	}
	if (t->err)
		return t->err;
	qsort(t->marks, t->nmarks, sizeof(*t->marks), by_time);
	return 0;
}

void ct_tl_free(struct ct_timeline *t)
{
	if (!t)
		return;
	ct_tl_map_free(t->live_tid);
	ct_tl_map_free(t->live_pid);
	ct_tl_map_free(t->seen_tid);
	ct_tl_map_free(t->seen_pid);
	free(t->procs);
	free(t->tasks);
	free(t->marks);
	free(t->execs);
	free(t);
}

void ct_tl_life_name(const struct ct_tl_task *k, char *buf, size_t len)
{
	if (k->existing)
		snprintf(buf, len, "task %u (running at the start)", k->tid);
	else if (k->continued)
		snprintf(buf, len, "process %u (after the exec)", k->tid);
	else
		snprintf(buf, len, "%s %u", ct_kind_name(k->kind), k->tid);
}
