// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: a snapshot of every (object, task) pair of the reader's PID
 * namespace, sorted so that the tasks sharing one object are adjacent, and
 * checked so that a group it shows is a group that existed.
 *
 * Building one takes three steps.
 *
 * 1. The walk: the tasks are visited in TID order through the namespace's
 *    pid table (find_ge_pid()), under short RCU sections: every
 *    CT_WALK_BATCH tasks the walk leaves RCU, may reschedule and resumes
 *    at the next TID, so its latency does not grow with the number of
 *    tasks. Each task's object pointers and counters are copied, and the
 *    task is pinned (get_task_struct()) and so is its mm (mmgrab(), which
 *    holds mm_count, not the mm_users shown). The arrays are allocated
 *    outside RCU, charged to the reader's memory cgroup, sized from the
 *    namespace's count of allocated pids; if tasks were added meanwhile and
 *    they fill up, the walk pauses, they are reallocated from a new count,
 *    and the walk goes on where it stopped.
 *
 * 2. The check: the pairs are sorted by object, and every member of an
 *    object that more than one task holds is read again under the lock its
 *    writers take (task_lock(), or RCU for sighand): a pair stays only if
 *    the same task still holds the same pointer under the same TID. The
 *    refcount shown is read at the first member that passes, before the
 *    later members are checked.
 *
 * 3. The pins are dropped, pointers turned into ids, and the pairs sorted
 *    by (type, id, TID). Nothing but ids, counters and TIDs is kept.
 *
 * Why the check: a pointer copied in the walk may be freed (exit, execve,
 * unshare) and its memory reused for a new object that a task later in
 * the walk holds; the two would look like one group. Every member of a
 * checked group held the object when it was walked and again when it was
 * checked. An mm is pinned from the walk to the check, so its address
 * cannot be reused in between: members of an mm group share one mm. A
 * signal struct is freed only after every task_struct using it, and every
 * walked task is pinned: members of a signal group share one. The other
 * objects cannot be pinned without changing the counts shown (or, for
 * sysvsem, at all), and they are not RCU-freed (sighand's memory may be
 * reused for another sighand at once): for them a false group needs an
 * object to be freed and its address reused by a later member in the
 * moment between the re-reads of two members of one group. The RCU
 * section around the re-reads does not prevent that; nothing does.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "clonetrace.h"

/* Tasks (walk) or members (check) handled between two RCU sections. */
#define CT_WALK_BATCH 64

/*
 * Steps of the loops that run outside any RCU section or lock (sorting,
 * unpinning, hashing ids) between two cond_resched(): a snapshot has up to
 * CT_RES_NR entries per task, and with tens of thousands of tasks a loop
 * over them would otherwise hold the CPU for long on a kernel without
 * full preemption.
 */
#define CT_RESCHED_EVERY 1024

/* A task visited by the walk, pinned until the snapshot is built. */
struct ct_snap_task {
	struct task_struct *task;
	struct mm_struct *mm;	/* pinned with mmgrab(), or NULL */
	pid_t tid;		/* 0 if it changed TIDs while being read */
};

struct ct_build {
	struct pid_namespace *ns;
	struct ct_snap_task *task;
	size_t ntask, task_cap;
	struct ct_ent *ent;
	size_t nent, ent_cap;
	size_t visited;		/* TIDs recorded */
};

/* Pids allocated in @ns: an upper bound on its tasks, read in O(1). */
static size_t ct_ns_pids(struct pid_namespace *ns)
{
	return READ_ONCE(ns->pid_allocated) & ~PIDNS_ADDING;
}

/*
 * Make room for the rest of the walk: from a new count of the namespace's
 * pids, not by doubling, so that the arrays follow the number of tasks.
 * Called outside RCU; the allocations may sleep.
 */
static int ct_build_grow(struct ct_build *b)
{
	size_t n = ct_ns_pids(b->ns), left, tcap, ecap;
	struct ct_snap_task *task;
	struct ct_ent *ent;

	if (b->ntask + CT_READ_TRIES <= b->task_cap &&
	    b->nent + CT_RES_NR <= b->ent_cap)
		return 0;
	left = n > b->visited ? n - b->visited : 0;
	tcap = size_add(size_add(b->ntask, left), n / 8 + 64);
	ecap = size_add(b->nent, size_mul(tcap - b->ntask, CT_RES_NR));

	task = kvmalloc_array(tcap, sizeof(*task), GFP_KERNEL_ACCOUNT);
	ent = kvmalloc_array(ecap, sizeof(*ent), GFP_KERNEL_ACCOUNT);
	if (!task || !ent) {
		kvfree(task);
		kvfree(ent);
		return -ENOMEM;
	}
	if (b->ntask)
		memcpy(task, b->task, b->ntask * sizeof(*task));
	if (b->nent)
		memcpy(ent, b->ent, b->nent * sizeof(*ent));
	kvfree(b->task);
	kvfree(b->ent);
	b->task = task;
	b->task_cap = tcap;
	b->ent = ent;
	b->ent_cap = ecap;
	return 0;
}

/*
 * Visit the task attached to @pid (TID @nr): pin it, copy its objects.
 * Under rcu_read_lock(), with room for CT_READ_TRIES task records and
 * CT_RES_NR entries. A task seen under another TID than @nr (it changed
 * TIDs while being read) is read again; it stays pinned but adds nothing.
 */
static void ct_build_visit(struct ct_build *b, struct pid *pid, pid_t nr,
			   struct ct_task_info *ti)
{
	struct ct_snap_task *rec;
	struct task_struct *t;
	int tries, i;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "the snapshot walk needs rcu_read_lock()");
	for (tries = 0; tries < CT_READ_TRIES; tries++) {
		t = ct_task_of_pid(pid);
		if (!t)
			return;
		rec = &b->task[b->ntask];
		rec->task = get_task_struct(t);
		ct_task_read(t, b->ns, ti, &rec->mm);
		rec->tid = ti->tid == nr ? nr : 0;
		b->ntask++;
		if (rec->tid)
			break;
	}
	if (ti->tid != nr)
		return;

	b->visited++;
	for (i = 0; i < CT_RES_NR; i++) {
		struct ct_ent *e;

		if (!ti->obj[i].ptr)
			continue;
		e = &b->ent[b->nent++];
		e->id = (unsigned long)ti->obj[i].ptr;
		e->ref = ti->obj[i].ref;
		e->tid = nr;
		e->task = b->ntask - 1;
		e->res = i;
		e->stale = 0;
	}
}

static int ct_build_walk(struct ct_build *b)
{
	struct ct_task_info ti;
	struct pid *pid;
	pid_t nr = 1;
	int batch = 0;
	int ret;

	ret = ct_build_grow(b);
	if (ret)
		return ret;
	rcu_read_lock();
	while ((pid = ct_find_ge_pid(nr, b->ns))) {
		nr = pid_nr_ns(pid, b->ns);
		if (b->ntask + CT_READ_TRIES > b->task_cap ||
		    b->nent + CT_RES_NR > b->ent_cap || ++batch > CT_WALK_BATCH) {
			/* A lock break: the walk resumes at @nr. */
			rcu_read_unlock();
			batch = 0;
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
			ret = ct_build_grow(b);
			if (ret)
				return ret;
			rcu_read_lock();
			continue;
		}
		ct_build_visit(b, pid, nr, &ti);
		if (nr == INT_MAX)
			break;
		nr++;
	}
	rcu_read_unlock();
	return 0;
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
 * Move @e[@i] down the max-heap @e[0..@n) to its place (see ct_sort()).
 */
static void ct_sift_down(struct ct_ent *e, size_t i, size_t n)
{
	struct ct_ent x = e[i];
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && ct_ent_cmp(&e[c], &e[c + 1]) < 0)
			c++;
		if (ct_ent_cmp(&x, &e[c]) >= 0)
			break;
		e[i] = e[c];
		i = c;
	}
	e[i] = x;
}

/*
 * Sort @e[0..@n) by ct_ent_cmp(). sort() has no scheduling point: over
 * the hundreds of thousands of entries of a large namespace it would hold
 * the CPU for long, and sort_nonatomic(), which has them, is recent (not
 * in 6.12). This is a heapsort of the same kind, in place and O(n log n)
 * in every case, that calls cond_resched() every CT_RESCHED_EVERY steps.
 * Called outside RCU and any lock.
 */
static void ct_sort(struct ct_ent *e, size_t n)
{
	size_t i, steps = 0;

	if (n < 2)
		return;
	/* Make the heap... */
	for (i = n / 2; i-- > 0;) {
		ct_sift_down(e, i, n);
		if (!(++steps % CT_RESCHED_EVERY))
			cond_resched();
	}
	/* ...and take its largest element to the end, n - 1 times. */
	for (i = n - 1; i > 0; i--) {
		swap(e[0], e[i]);
		ct_sift_down(e, 0, i);
		if (!(++steps % CT_RESCHED_EVERY))
			cond_resched();
	}
}

static bool ct_same_obj(const struct ct_ent *a, const struct ct_ent *b)
{
	return a->res == b->res && a->id == b->id;
}

/*
 * Re-read every member of the run [i, end) of one object (sorted by TID)
 * and mark stale those that no longer hold it under the same TID. The
 * members still holding it held it continuously since they were walked
 * (a task never takes back an object it dropped), so the count read at
 * the first of them, after the walk and before the others are re-read,
 * counts every one of them: refcount >= members.
 */
static void ct_build_check_run(struct ct_build *b, size_t i, size_t end)
{
	const void *want = (const void *)(unsigned long)b->ent[i].id;
	bool have_ref = false;
	long ref = 0, r;
	size_t k;
	int batch = 0;

	rcu_read_lock();
	for (k = i; k < end; k++) {
		struct ct_ent *e = &b->ent[k];
		struct task_struct *t = b->task[e->task].task;

		if (++batch > CT_WALK_BATCH && need_resched()) {
			rcu_read_unlock();
			cond_resched();
			rcu_read_lock();
			batch = 0;
		}
		if (e->stale)
			continue;
		/* Never two pairs of one TID for one object. */
		if (k > i && e->tid == e[-1].tid) {
			e->stale = 1;
			continue;
		}
		if (ct_task_obj_now(t, e->res, &r) != want ||
		    task_pid_nr_ns(t, b->ns) != e->tid) {
			e->stale = 1;
			continue;
		}
		if (!have_ref) {
			ref = r;
			have_ref = true;
		}
	}
	rcu_read_unlock();
	for (k = i; k < end; k++)
		b->ent[k].ref = ref;
}

/*
 * Check the runs of objects held by more than one task; with @wanted, only
 * the runs of @wanted's objects are kept (the rest is marked stale).
 */
static void ct_build_check(struct ct_build *b, pid_t want,
			   const struct ct_task_info *wanted)
{
	size_t i = 0, end;

	while (i < b->nent) {
		struct ct_ent *e = &b->ent[i];
		bool keep;

		end = i + 1;
		while (end < b->nent && ct_same_obj(&b->ent[end], e))
			end++;
		if (want)
			keep = (const void *)(unsigned long)e->id ==
			       wanted->obj[e->res].ptr;
		else
			keep = end - i > 1;
		if (keep && (want || end - i > 1))
			ct_build_check_run(b, i, end);
		else if (!keep)
			for (; i < end; i++)
				b->ent[i].stale = 1;
		cond_resched();
		i = end;
	}
}

/* Drop the pins of the walk; may sleep (put_task_struct(), mmdrop()). */
static void ct_build_unpin(struct ct_build *b)
{
	size_t i;

	for (i = 0; i < b->ntask; i++) {
		if (b->task[i].mm)
			mmdrop(b->task[i].mm);
		put_task_struct(b->task[i].task);
		if (!(i % CT_RESCHED_EVERY))
			cond_resched();
	}
	b->ntask = 0;
	kvfree(b->task);
	b->task = NULL;
}

/* The task the walk saw with TID @want, or NULL. */
static struct task_struct *ct_build_find(struct ct_build *b, pid_t want)
{
	size_t i;

	for (i = 0; i < b->ntask; i++) {
		if (b->task[i].tid == want)
			return b->task[i].task;
		if (!(i % CT_RESCHED_EVERY))
			cond_resched();
	}
	return NULL;
}

/*
 * Snapshot the tasks of @ns. If @want is not NULL, only the objects of the
 * task attached to that pid are kept, and that task is read once more
 * after the walk into @wanted (its lines in the "pid" file); -ESRCH if no
 * task is attached to @want any more (the task has gone, whoever holds its
 * number now). Returns an ERR_PTR on failure; free the result with
 * ct_snap_free().
 */
struct ct_snap *ct_snap_build(struct pid_namespace *ns, struct pid *want,
			      struct ct_task_info *wanted)
{
	struct ct_build b = { .ns = ns };
	struct task_struct *t = NULL;
	pid_t want_nr = 0;
	struct ct_snap *s;
	size_t i, n;
	int ret;

	if (want) {
		/* Its number in @ns stays readable after the task has gone. */
		want_nr = pid_nr_ns(want, ns);
		rcu_read_lock();
		if (want_nr)
			t = ct_task_of_pid(want);
		rcu_read_unlock();
		if (!t)
			return ERR_PTR(-ESRCH);
	}

	s = kmalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);

	ret = ct_build_walk(&b);
	if (ret)
		goto fail;

	ct_sort(b.ent, b.nent);
	if (want) {
		/*
		 * The wanted task's picture is read after the walk: each
		 * other member then held the object at that moment too (see
		 * ct_build_check_run()), and the count read now covers them.
		 * The task the walk saw under the number must still be the
		 * one attached to @want: if it has gone, the number may
		 * have been given to another task.
		 */
		ret = -ESRCH;
		t = ct_build_find(&b, want_nr);
		if (!t)
			goto fail;
		wanted->tid = 0;
		rcu_read_lock();
		if (ct_task_of_pid(want) == t)
			ct_task_read(t, ns, wanted, NULL);
		rcu_read_unlock();
		if (wanted->tid != want_nr)
			goto fail;
		for (i = 0; i < b.nent; i++)
			if (b.ent[i].tid == want_nr)
				b.ent[i].stale = 1;
	}
	ct_build_check(&b, want_nr, wanted);
	ct_build_unpin(&b);

	for (i = 0, n = 0; i < b.nent; i++) {
		struct ct_ent *e = &b.ent[i];

		if (!(i % CT_RESCHED_EVERY))
			cond_resched();
		if (e->stale)
			continue;
		e->id = ct_id((const void *)(unsigned long)e->id, e->res);
		b.ent[n++] = *e;
	}
	ct_sort(b.ent, n);
	s->nr = n;
	s->ent = b.ent;
	return s;

fail:
	ct_build_unpin(&b);
	kvfree(b.ent);
	kfree(s);
	return ERR_PTR(ret);
}

void ct_snap_free(struct ct_snap *s)
{
	if (IS_ERR_OR_NULL(s))
		return;
	kvfree(s->ent);
	kfree(s);
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
