// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: a snapshot of every (object, task) pair, sorted so that the
 * tasks sharing one object are adjacent.
 *
 * The array is allocated (it may be large: one entry per resource per
 * task) before entering the RCU section, sized from a first count of the
 * tasks plus slack; if more tasks appeared meanwhile the walk stops, the
 * array is reallocated larger and the walk redone. Inside the RCU section
 * only pointers and counters are copied; hashing and sorting happen after
 * it, where sleeping is allowed.
 */
#include <linux/overflow.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "clonetrace.h"

#define CT_SNAP_TRIES 8

static size_t ct_nr_tasks(void)
{
	struct task_struct *g, *t;
	size_t n = 0;

	rcu_read_lock();
	for_each_process_thread(g, t)
		n++;
	rcu_read_unlock();
	return n;
}

static int ct_snap_fill(struct ct_snap *s, pid_t want,
			struct ct_task_info *wanted, bool *found)
{
	struct task_struct *g, *t;
	struct ct_task_info ti;
	int ret = 0;
	int i;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (s->nr + CT_RES_NR > s->cap) {
			ret = -EOVERFLOW;
			goto out;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto out;
		}
		ct_task_read(t, &ti);
		if (want && ti.tid == want) {
			*wanted = ti;
			*found = true;
		}
		for (i = 0; i < CT_RES_NR; i++) {
			struct ct_ent *e;

			if (!ti.obj[i].ptr)
				continue;
			e = &s->ent[s->nr++];
			e->id = (unsigned long)ti.obj[i].ptr;
			e->ref = ti.obj[i].ref;
			e->tid = ti.tid;
			e->res = i;
		}
	}
out:
	rcu_read_unlock();
	return ret;
}

static int ct_ent_cmp(const void *a, const void *b)
{
	const struct ct_ent *x = a, *y = b;

	if (x->res != y->res)
		return x->res < y->res ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return 0;
}

/*
 * Snapshot all tasks. If @want is not 0, the task with that TID is also
 * copied to @wanted and *@found is set. Returns an ERR_PTR on failure;
 * free the result with kvfree().
 */
struct ct_snap *ct_snap_build(pid_t want, struct ct_task_info *wanted,
			      bool *found)
{
	size_t tasks = ct_nr_tasks();
	struct ct_snap *s;
	size_t cap, i;
	int tries;
	int ret;

	for (tries = 0; tries < CT_SNAP_TRIES; tries++) {
		cap = size_add(tasks, tasks / 8 + 64);
		cap = size_mul(cap, CT_RES_NR);
		s = kvmalloc(struct_size(s, ent, cap), GFP_KERNEL);
		if (!s)
			return ERR_PTR(-ENOMEM);
		s->cap = cap;
		s->nr = 0;
		if (found)
			*found = false;
		ret = ct_snap_fill(s, want, wanted, found);
		if (!ret)
			break;
		kvfree(s);
		if (ret != -EOVERFLOW)
			return ERR_PTR(ret);
		tasks = size_mul(tasks, 2);
	}
	if (tries == CT_SNAP_TRIES)
		return ERR_PTR(-EAGAIN);

	for (i = 0; i < s->nr; i++) {
		struct ct_ent *e = &s->ent[i];

		e->id = ct_id((const void *)(unsigned long)e->id, e->res);
	}
	sort(s->ent, s->nr, sizeof(s->ent[0]), ct_ent_cmp, NULL);
	return s;
}

/* Index of the first entry not below (@res, @id), or s->nr. */
size_t ct_snap_lower_bound(const struct ct_snap *s, enum ct_res res, u64 id)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ct_ent *e = &s->ent[mid];

		if (e->res < res || (e->res == res && e->id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
