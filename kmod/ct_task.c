// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: reading one task's shared resources.
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

static void ct_obj_set(struct ct_obj *o, const void *ptr, long ref)
{
	o->ptr = ptr;
	o->ref = ptr ? ref : 0;
}

/*
 * Fill @ti from @t. Must be called under rcu_read_lock() with @t found on
 * an RCU-protected task list or pid hash; @t may be exiting, in which case
 * the objects it has already released read as absent (NULL).
 */
void ct_task_read(struct task_struct *t, struct ct_task_info *ti)
{
	struct sighand_struct *sighand;
	struct signal_struct *sig;
	struct fs_struct *fs;
	struct mm_struct *mm;
	long ref;

	memset(ti, 0, sizeof(*ti));
	ti->tid = task_pid_nr(t);
	ti->tgid = task_tgid_nr(t);
	/*
	 * ->real_parent may only be followed while @t is hashed: a reaped
	 * task's parent can be gone (see task_ppid_nr_ns()).
	 */
	if (pid_alive(t))
		ti->ppid = task_tgid_nr(rcu_dereference(t->real_parent));
	if (t->flags & PF_KTHREAD)
		ti->kind = CT_KIND_KTHREAD;
	else if (thread_group_leader(t))
		ti->kind = CT_KIND_PROCESS;
	else
		ti->kind = CT_KIND_THREAD;

	task_lock(t);
	/* comm is written under task_lock() by __set_task_comm(). */
	strscpy_pad(ti->comm, t->comm, sizeof(ti->comm));

	/*
	 * A kernel thread owns no mm. One that borrows a user mm with
	 * kthread_use_mm() holds mm_count, not mm_users, so listing it would
	 * make the mm group disagree with mm_users: show it without an mm.
	 */
	mm = (t->flags & PF_KTHREAD) ? NULL : t->mm;
	ct_obj_set(&ti->obj[CT_RES_MM], mm, mm ? ct_count(&mm->mm_users) : 0);

	if (t->files)
		ct_obj_set(&ti->obj[CT_RES_FILES], t->files,
			   ct_count(&t->files->count));

	fs = t->fs;
	if (fs) {
		/*
		 * fs->users is an int whose writers hold fs->lock (fs->seq
		 * in newer kernels, where the spinlock is gone). task_lock
		 * keeps fs alive; one racy read of an int is a consistent
		 * snapshot, and the same code builds on every version.
		 */
		ref = READ_ONCE(fs->users);
		ct_obj_set(&ti->obj[CT_RES_FS], fs, ref);
	}

	if (t->nsproxy)
		ct_obj_set(&ti->obj[CT_RES_NSPROXY], t->nsproxy,
			   ct_count(&t->nsproxy->count));

	/*
	 * exit_io_context() clears ->io_context under task_lock() before it
	 * drops the task's active reference: active_ref counts the tasks
	 * sharing the context (CLONE_IO).
	 */
	if (t->io_context)
		ct_obj_set(&ti->obj[CT_RES_IO], t->io_context,
			   ct_count(&t->io_context->active_ref));
	task_unlock(t);

	/*
	 * sighand is RCU-protected and its cache is SLAB_TYPESAFE_BY_RCU:
	 * reading the count of an object freed and reused meanwhile is
	 * memory-safe and only as stale as any other value in a snapshot.
	 */
	sighand = rcu_dereference(t->sighand);
	if (sighand)
		ct_obj_set(&ti->obj[CT_RES_SIGHAND], sighand,
			   ct_count(&sighand->count));

	/*
	 * ->signal lives as long as the task_struct, which RCU keeps. Report
	 * ->live (threads that have not yet exited) rather than ->sigcnt,
	 * which also counts task_structs that are only waiting to be freed.
	 */
	sig = t->signal;
	if (sig)
		ct_obj_set(&ti->obj[CT_RES_SIGNAL], sig, ct_count(&sig->live));

#ifdef CONFIG_SYSVIPC
	/*
	 * struct sem_undo_list is private to ipc/sem.c: its count cannot be
	 * read from a module. The pointer is only hashed, never followed.
	 */
	ct_obj_set(&ti->obj[CT_RES_SYSVSEM], READ_ONCE(t->sysvsem.undo_list),
		   CT_REF_UNKNOWN);
#endif
}

/*
 * Find the task with the lowest TID >= @nr (global pid namespace) and take a
 * reference on it, or return NULL. The pid hash is walked under RCU; the
 * reference lets the caller use the task after leaving the RCU section.
 */
struct task_struct *ct_task_get_ge(pid_t nr)
{
	struct task_struct *t = NULL;
	struct pid *pid;

	if (nr < 1)
		nr = 1;
	rcu_read_lock();
	while ((pid = find_ge_pid(nr, &init_pid_ns))) {
		t = pid_task(pid, PIDTYPE_PID);
		if (t) {
			get_task_struct(t);
			break;
		}
		/* A pid kept alive only as a pgid or sid: no such task. */
		nr = pid_nr(pid) + 1;
		if (nr <= 0)
			break;
	}
	rcu_read_unlock();
	return t;
}

bool ct_task_exists(pid_t nr)
{
	bool ret;

	rcu_read_lock();
	ret = pid_task(find_pid_ns(nr, &init_pid_ns), PIDTYPE_PID) != NULL;
	rcu_read_unlock();
	return ret;
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

/* One resource column: "ID:REF", "ID:?" or "-" when absent. */
void ct_seq_obj(struct seq_file *m, const struct ct_obj *o, enum ct_res res)
{
	if (!o->ptr) {
		seq_puts(m, "-");
		return;
	}
	seq_printf(m, "%016llx:", ct_id(o->ptr, res));
	if (o->ref == CT_REF_UNKNOWN)
		seq_puts(m, "?");
	else
		seq_printf(m, "%ld", o->ref);
}
