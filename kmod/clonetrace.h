/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clonetrace: which kernel objects do tasks share, and how many references
 * do those objects hold.
 *
 * Shared declarations of the module's parts:
 *   ct_main.c   load/unload, debugfs directory, the id key
 *   ct_task.c   reading one task's resources (under RCU and task_lock)
 *   ct_snap.c   a sorted snapshot of (object, task) pairs for all tasks
 *   ct_tasks.c  debugfs "tasks"
 *   ct_groups.c debugfs "groups"
 *   ct_pid.c    debugfs "pid"
 */
#ifndef CLONETRACE_H
#define CLONETRACE_H

#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/types.h>

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

/*
 * One resource of one task. @ptr is only ever compared and hashed into an
 * id (ct_id()); it is never dereferenced after the task's locks are dropped
 * and never printed. NULL means the task has no such object.
 */
struct ct_obj {
	const void *ptr;
	long ref;
};

struct ct_task_info {
	pid_t tid;
	pid_t tgid;
	pid_t ppid;
	enum ct_kind kind;
	char comm[TASK_COMM_LEN];
	struct ct_obj obj[CT_RES_NR];
};

/* One (object, task) pair of a snapshot. */
struct ct_ent {
	u64 id;		/* object pointer while walking, then ct_id() */
	long ref;
	pid_t tid;
	u32 res;	/* enum ct_res */
};

struct ct_snap {
	size_t nr;
	size_t cap;
	struct ct_ent ent[];
};

/* ct_main.c */
u64 ct_id(const void *ptr, enum ct_res res);
extern const char *const ct_res_name[CT_RES_NR];

/* ct_task.c */
void ct_task_read(struct task_struct *t, struct ct_task_info *ti);
struct task_struct *ct_task_get_ge(pid_t nr);
bool ct_task_exists(pid_t nr);
void ct_seq_comm(struct seq_file *m, const char *comm);
const char *ct_kind_name(enum ct_kind kind);
void ct_seq_obj(struct seq_file *m, const struct ct_obj *o, enum ct_res res);

/* ct_snap.c */
struct ct_snap *ct_snap_build(pid_t want, struct ct_task_info *wanted,
			      bool *found);
size_t ct_snap_lower_bound(const struct ct_snap *s, enum ct_res res, u64 id);

/* debugfs files */
extern const struct file_operations ct_tasks_fops;
extern const struct file_operations ct_groups_fops;
extern const struct file_operations ct_pid_fops;

#endif /* CLONETRACE_H */
