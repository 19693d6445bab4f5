/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clonetrace: which kernel objects do tasks share, and how many references
 * do those objects hold.
 *
 * Shared declarations of the module's parts:
 *   ct_main.c   load/unload, debugfs directory, the id key, per-open state
 *   ct_task.c   reading one task's resources (under RCU and task_lock)
 *   ct_snap.c   a checked, sorted snapshot of (object, task) pairs
 *   ct_tasks.c  debugfs "tasks"
 *   ct_groups.c debugfs "groups"
 *   ct_pid.c    debugfs "pid"
 */
#ifndef CLONETRACE_H
#define CLONETRACE_H

#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/types.h>

struct mm_struct;
struct pid;
struct pid_namespace;

/*
 * Output format version of every debugfs file. Bump it whenever a column is
 * added, removed or changes meaning, and describe the change in
 * kmod/README.md.
 */
#define CT_FORMAT_VERSION 1

/* Resources in output column order. */
enum ct_res {
	CT_RES_MM,
	CT_RES_FILES,
	CT_RES_FS,
	CT_RES_SIGHAND,
	CT_RES_SIGNAL,
	CT_RES_NSPROXY,
	CT_RES_IO,
	CT_RES_SYSVSEM,
	CT_RES_NR,
};

enum ct_kind {
	CT_KIND_PROCESS,
	CT_KIND_THREAD,
	CT_KIND_KTHREAD,
};

/* Refcount value for an object whose count a module cannot read. */
#define CT_REF_UNKNOWN (-1L)

/* Reads of a task that keeps changing TIDs under us before giving up. */
#define CT_READ_TRIES 4

/*
 * One resource of one task. @ptr is only ever compared and hashed into an
 * id (ct_id()); it is never dereferenced after the task's locks are dropped
 * and never printed. NULL means the task has no such object.
 */
struct ct_obj {
	const void *ptr;
	long ref;
};

/* One task; TIDs and PIDs are numbers in the reader's PID namespace. */
struct ct_task_info {
	pid_t tid;
	pid_t tgid;
	pid_t ppid;
	enum ct_kind kind;
	char comm[TASK_COMM_LEN];
	struct ct_obj obj[CT_RES_NR];
};

/*
 * What every open file keeps: the PID namespace of the task that opened
 * it (every TID read or written on the file is a number there), and a lock
 * that a reader holds from ->start() to ->stop() and a writer while it
 * changes what the readers use. It comes first in each file's private
 * data (ct_seq_open()). @held says whether the reader now between
 * ->start() and ->stop() got the lock (ct_seq_lock()); seq_file runs the
 * readers of one file one at a time, and only they touch it.
 */
struct ct_seq {
	struct pid_namespace *ns;
	struct mutex lock;
	bool held;
};

/* One (object, task) pair of a snapshot. */
struct ct_ent {
	u64 id;		/* object pointer while building, then ct_id() */
	long ref;
	pid_t tid;
	u32 task;	/* while building: index of the task record */
	u16 res;	/* enum ct_res */
	u16 stale;	/* while building: failed its re-check */
};

struct ct_snap {
	size_t nr;
	struct ct_ent *ent;
};

/* ct_main.c */
u64 ct_id(const void *ptr, enum ct_res res);
extern const char *const ct_res_name[CT_RES_NR];
int ct_seq_open(struct file *file, const struct seq_operations *ops,
		size_t size);
int ct_seq_release(struct inode *inode, struct file *file);
bool ct_seq_lock(struct ct_seq *c);
void ct_seq_unlock(struct ct_seq *c);

/* ct_task.c */
void ct_task_read(struct task_struct *t, struct pid_namespace *ns,
		  struct ct_task_info *ti, struct mm_struct **pin_mm);
const void *ct_task_obj_now(struct task_struct *t, enum ct_res res,
			    long *ref);
struct task_struct *ct_task_of_pid(struct pid *pid);
struct pid *ct_find_ge_pid(int nr, struct pid_namespace *ns);
pid_t ct_task_read_ge(struct pid_namespace *ns, pid_t nr,
		      struct ct_task_info *ti);
struct pid *ct_get_task_pid(struct pid_namespace *ns, pid_t nr);
void ct_seq_comm(struct seq_file *m, const char *comm);
const char *ct_kind_name(enum ct_kind kind);
void ct_seq_ref(struct seq_file *m, long ref);
void ct_seq_obj(struct seq_file *m, const struct ct_obj *o, enum ct_res res);

/* ct_snap.c */
struct ct_snap *ct_snap_build(struct pid_namespace *ns, struct pid *want,
			      struct ct_task_info *wanted);
void ct_snap_free(struct ct_snap *s);
size_t ct_snap_lower_bound(const struct ct_snap *s, enum ct_res res, u64 id);

/* debugfs files */
extern const struct file_operations ct_tasks_fops;
extern const struct file_operations ct_groups_fops;
extern const struct file_operations ct_pid_fops;

#endif /* CLONETRACE_H */
