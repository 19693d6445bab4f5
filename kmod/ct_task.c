// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: reading one task's shared resources, and finding tasks by
 * TID in the reader's PID namespace.
 *
 * Another task's mm, files, fs, nsproxy and io_context may be swapped or
 * dropped by that task at any time (exit, unshare, setns, execve), and each
 * of those writers does it under task_lock(). So, like kernel/kcmp.c, read
 * the pointers under task_lock() and take no reference: while the lock is
 * held the object cannot be freed, so its counter can be read, and after
 * unlocking only the pointer value is kept, to be hashed into an id.
 * Nothing here sleeps.
 */
#include <linux/atomic.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/iocontext.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "clonetrace.h"

/*
 * Read a counter that is atomic_t on one kernel and refcount_t on another:
 * nsproxy->count became a refcount_t after 6.1. Selecting on the field's
 * type instead of the kernel version keeps working on backports.
 */
#define ct_count(c)							\
	((long)_Generic((c),						\
		atomic_t * : atomic_read((atomic_t *)(c)),		\
		refcount_t * : refcount_read((refcount_t *)(c))))

/*
 * The object of type @res that @t holds now, and its counter in *@ref.
 * Called with task_lock(@t) held for the types whose writers take it (mm,
 * files, fs, nsproxy, io) and under rcu_read_lock() for the others.
 */
static const void *ct_task_obj(struct task_struct *t, enum ct_res res,
			       long *ref)
{
	struct sighand_struct *sighand;
	struct signal_struct *signal;
	struct mm_struct *mm;
	struct fs_struct *fs;

	*ref = 0;
	switch (res) {
	case CT_RES_MM:
		/*
		 * A kernel thread owns no mm. One that borrows a user mm with
		 * kthread_use_mm() holds mm_count, not mm_users, so listing
		 * it would make the mm group disagree with mm_users.
		 */
		mm = (t->flags & PF_KTHREAD) ? NULL : t->mm;
		if (mm)
			*ref = ct_count(&mm->mm_users);
		return mm;
	case CT_RES_FILES:
		if (t->files)
			*ref = ct_count(&t->files->count);
		return t->files;
	case CT_RES_FS:
		/*
		 * fs->users is an int whose writers hold fs->lock (fs->seq
		 * in newer kernels, where the spinlock is gone). task_lock
		 * keeps fs alive; one racy read of an int is a consistent
		 * snapshot, and the same code builds on every version.
		 */
		fs = t->fs;
		if (fs)
			*ref = READ_ONCE(fs->users);
		return fs;
	case CT_RES_SIGHAND:
		/*
		 * sighand is RCU-protected and its cache is
		 * SLAB_TYPESAFE_BY_RCU: the object may be freed and reused
		 * for another sighand at any time. Its count belongs to the
		 * task's sighand only if the pointer is the same after the
		 * read: @t's own reference then kept it alive meanwhile.
		 */
		do {
			sighand = rcu_dereference(t->sighand);
			if (!sighand)
				return NULL;
			*ref = ct_count(&sighand->count);
			/*
			 * The count must be read before the pointer is
			 * read again, or the re-check proves nothing;
			 * pairs with the ordering of the writer's
			 * rcu_assign_pointer() and refcount decrement.
			 */
			smp_rmb();
		} while (rcu_dereference(t->sighand) != sighand);
		return sighand;
	case CT_RES_SIGNAL:
		/*
		 * ->signal lives as long as the task_struct, but ->live (the
		 * count shown) stops counting a thread once it has begun to
		 * exit. do_exit() sets PF_EXITING (exit_signals()) and only
		 * then decrements live, with a fully ordered atomic. So read
		 * live first and the flag after it: a task whose flag is
		 * still clear was counted in the value read. A task that is
		 * exiting is shown without its signal state, so that every
		 * task listed with a signal is counted in live.
		 */
		signal = t->signal;
		if (!signal)
			return NULL;
		*ref = ct_count(&signal->live);
		/* Pairs with the full barrier of do_exit()'s decrement. */
		smp_rmb();
		if (READ_ONCE(t->flags) & PF_EXITING) {
			*ref = 0;
			return NULL;
		}
		return signal;
	case CT_RES_NSPROXY:
		if (t->nsproxy)
			*ref = ct_count(&t->nsproxy->count);
		return t->nsproxy;
	case CT_RES_IO:
		/*
		 * exit_io_context() clears ->io_context under task_lock()
		 * before it drops the task's active reference: active_ref
		 * counts the tasks sharing the context (CLONE_IO).
		 */
		if (t->io_context)
			*ref = ct_count(&t->io_context->active_ref);
		return t->io_context;
	case CT_RES_SYSVSEM:
#ifdef CONFIG_SYSVIPC
		/*
		 * struct sem_undo_list is private to ipc/sem.c: its count
		 * cannot be read from a module. The pointer is only hashed,
		 * never followed.
		 */
		*ref = CT_REF_UNKNOWN;
		return READ_ONCE(t->sysvsem.undo_list);
#else
		return NULL;
#endif
	default:
		return NULL;
	}
}

static bool ct_res_needs_task_lock(enum ct_res res)
{
	return res != CT_RES_SIGHAND && res != CT_RES_SIGNAL &&
	       res != CT_RES_SYSVSEM;
}

/*
 * Read the object of type @res of @t, as in ct_task_read(). Returns the
 * pointer; the counter goes to *@ref. Must be called under
 * rcu_read_lock() with @t pinned or found on an RCU-protected list.
 */
const void *ct_task_obj_now(struct task_struct *t, enum ct_res res,
			    long *ref)
{
	const void *p;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "reading a task's objects needs rcu_read_lock()");
	if (!ct_res_needs_task_lock(res))
		return ct_task_obj(t, res, ref);
	task_lock(t);
	p = ct_task_obj(t, res, ref);
	task_unlock(t);
	return p;
}

/*
 * Fill @ti from @t, with TIDs and PIDs as seen in @ns (0 for a task, or a
 * parent, that has no number there). Must be called under rcu_read_lock()
 * with @t found on an RCU-protected task list or pid hash, or pinned; @t
 * may be exiting, in which case the objects it has already released read
 * as absent (NULL).
 */
void ct_task_read(struct task_struct *t, struct pid_namespace *ns,
		  struct ct_task_info *ti, struct mm_struct **pin_mm)
{
	int i;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "reading a task needs rcu_read_lock()");
	memset(ti, 0, sizeof(*ti));
	ti->tid = task_pid_nr_ns(t, ns);
	ti->tgid = task_tgid_nr_ns(t, ns);
	/* Follows ->real_parent only while @t is hashed, as /proc does. */
	ti->ppid = task_ppid_nr_ns(t, ns);
	if (t->flags & PF_KTHREAD)
		ti->kind = CT_KIND_KTHREAD;
	else if (thread_group_leader(t))
		ti->kind = CT_KIND_PROCESS;
	else
		ti->kind = CT_KIND_THREAD;

	task_lock(t);
	/* comm is written under task_lock() by __set_task_comm(). */
	strscpy_pad(ti->comm, t->comm, sizeof(ti->comm));
	for (i = 0; i < CT_RES_NR; i++)
		if (ct_res_needs_task_lock(i))
			ti->obj[i].ptr = ct_task_obj(t, i, &ti->obj[i].ref);
	/*
	 * Pinning the mm (mm_count, not the mm_users shown) keeps its memory
	 * from being reused for another mm until the caller's mmdrop(): two
	 * tasks seen with one mm address meanwhile really share that mm.
	 * It must be taken before task_unlock(): right after, the task may
	 * drop the mm and the mm be freed.
	 */
	if (pin_mm) {
		*pin_mm = (struct mm_struct *)ti->obj[CT_RES_MM].ptr;
		if (*pin_mm)
			mmgrab(*pin_mm);
	}
	task_unlock(t);
	for (i = 0; i < CT_RES_NR; i++)
		if (!ct_res_needs_task_lock(i))
			ti->obj[i].ptr = ct_task_obj(t, i, &ti->obj[i].ref);
}

/*
 * The task that is attached to @pid now, or NULL. Under rcu_read_lock().
 * A pid kept alive only as a process group or session ID has no task.
 */
struct task_struct *ct_task_of_pid(struct pid *pid)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(),
			 "looking up a pid's task needs rcu_read_lock()");
	return pid ? pid_task(pid, PIDTYPE_PID) : NULL;
}

/*
 * The pid with the lowest number >= @nr in @ns, or NULL; under
 * rcu_read_lock(). Every walk in TID order goes through here.
 * find_ge_pid() is not exported to modules on 5.10 (Debian 11): built
 * with CT_NO_FIND_GE_PID, do what it does, look the number up in the
 * namespace's IDR (kernel/pid.c).
 */
struct pid *ct_find_ge_pid(int nr, struct pid_namespace *ns)
{
#ifdef CT_NO_FIND_GE_PID
	return idr_get_next(&ns->idr, &nr);
#else
	return find_ge_pid(nr, ns);
#endif
}

/*
 * Read the task with the lowest TID >= @nr in @ns into @ti; returns that
 * TID, or 0 if there is none. The TID in @ti is the one the task has when
 * it is read: a task that changed TIDs meanwhile (a non-leader thread's
 * execve() takes over its leader's TID, exchange_tids()) is read again, so
 * the record returned always belongs to the task holding the TID returned.
 */
pid_t ct_task_read_ge(struct pid_namespace *ns, pid_t nr,
		      struct ct_task_info *ti)
{
	struct task_struct *t;
	struct pid *pid;
	int tries;

	if (nr < 1)
		nr = 1;
	rcu_read_lock();
	while ((pid = ct_find_ge_pid(nr, ns))) {
		nr = pid_nr_ns(pid, ns);
		for (tries = 0; tries < CT_READ_TRIES; tries++) {
			t = ct_task_of_pid(pid);
			if (!t)
				break;
			ct_task_read(t, ns, ti, NULL);
			if (ti->tid == nr)
				goto out;
		}
		if (nr == INT_MAX)
			break;
		nr++;
	}
	nr = 0;
out:
	rcu_read_unlock();
	return nr;
}

/*
 * The pid of the task with TID @nr in @ns now, with a reference the caller
 * drops with put_pid(); NULL if no task has that TID. The pid stays that
 * task's TID: pid_task() on it finds no task once the task has gone, even
 * if the number has been given to another task since.
 */
struct pid *ct_get_task_pid(struct pid_namespace *ns, pid_t nr)
{
	struct pid *pid;

	rcu_read_lock();
	pid = find_pid_ns(nr, ns);
	if (ct_task_of_pid(pid))
		get_pid(pid);
	else
		pid = NULL;
	rcu_read_unlock();
	return pid;
}

const char *ct_kind_name(enum ct_kind kind)
{
	switch (kind) {
	case CT_KIND_THREAD:
		return "thread";
	case CT_KIND_KTHREAD:
		return "kthread";
	default:
		return "process";
	}
}

/*
 * comm is chosen by user space: escape whitespace and backslash in octal,
 * as /proc/PID/mountinfo does, so that it stays one column. An empty comm
 * (prctl(PR_SET_NAME, "")) prints as \000 for the same reason.
 */
void ct_seq_comm(struct seq_file *m, const char *comm)
{
	if (!*comm) {
		seq_puts(m, "\\000");
		return;
	}
	seq_escape(m, comm, " \t\n\\");
}

/* A refcount column: a number, or "?" where it cannot be read. */
void ct_seq_ref(struct seq_file *m, long ref)
{
	if (ref == CT_REF_UNKNOWN)
		seq_puts(m, "?");
	else
		seq_printf(m, "%ld", ref);
}

/* One resource column: "ID:REF", "ID:?" or "-" when absent. */
void ct_seq_obj(struct seq_file *m, const struct ct_obj *o, enum ct_res res)
{
	if (!o->ptr) {
		seq_puts(m, "-");
		return;
	}
	seq_printf(m, "%016llx:", ct_id(o->ptr, res));
	ct_seq_ref(m, o->ref);
}
