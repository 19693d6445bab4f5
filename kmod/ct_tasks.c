// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: debugfs "tasks", one line per task (every thread) of the
 * reader's PID namespace.
 *
 * Real seq_file iteration in TID order with the TID as the position: the
 * record at position N is the task with the lowest TID >= N, read when the
 * position is reached, and ->next() moves the position past that TID. The
 * position is the TID looked up, not one read from the task afterwards, so
 * a task that changes TIDs meanwhile (execve() from a non-leader thread)
 * can neither make the listing skip nor repeat others. A read that stops
 * anywhere resumes exactly after the last task it returned, so the listing
 * is never truncated however many tasks there are, memory use does not
 * grow with them, and no lock or reference is held between records.
 * Position 0 is the header. Tasks created or reaped during a read may or
 * may not appear, as in /proc; every task that holds its TID through the
 * whole read appears once.
 */
#include <linux/sched/signal.h>
#include <linux/threads.h>

#include "clonetrace.h"

struct ct_tasks_priv {
	struct ct_seq c;
	struct ct_task_info ti;	/* the record at the current position */
};

static void *ct_tasks_find(struct seq_file *m, loff_t *pos)
{
	struct ct_tasks_priv *p = m->private;
	pid_t nr;

	if (*pos > PID_MAX_LIMIT)
		return NULL;
	nr = ct_task_read_ge(p->c.ns, *pos, &p->ti);
	if (!nr)
		return NULL;
	*pos = nr;
	return &p->ti;
}

static void *ct_tasks_start(struct seq_file *m, loff_t *pos)
{
	if (*pos == 0)
		return SEQ_START_TOKEN;
	return ct_tasks_find(m, pos);
}

static void *ct_tasks_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	/* A huge listing can be interrupted; no lock is held here. */
	if (fatal_signal_pending(current))
		return NULL;
	cond_resched();
	return ct_tasks_find(m, pos);
}

static void ct_tasks_stop(struct seq_file *m, void *v)
{
}

static int ct_tasks_show(struct seq_file *m, void *v)
{
	const struct ct_task_info *ti = v;
	int i;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "# clonetrace tasks v%d: tid pid ppid kind comm",
			   CT_FORMAT_VERSION);
		for (i = 0; i < CT_RES_NR; i++)
			seq_printf(m, " %s", ct_res_name[i]);
		seq_putc(m, '\n');
		return 0;
	}

	seq_printf(m, "%d %d %d %s ", ti->tid, ti->tgid, ti->ppid,
		   ct_kind_name(ti->kind));
	ct_seq_comm(m, ti->comm);
	for (i = 0; i < CT_RES_NR; i++) {
		seq_putc(m, ' ');
		ct_seq_obj(m, &ti->obj[i], i);
	}
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations ct_tasks_sops = {
	.start = ct_tasks_start,
	.next = ct_tasks_next,
	.stop = ct_tasks_stop,
	.show = ct_tasks_show,
};

static int ct_tasks_open(struct inode *inode, struct file *file)
{
	return ct_seq_open(file, &ct_tasks_sops, sizeof(struct ct_tasks_priv));
}

const struct file_operations ct_tasks_fops = {
	.owner = THIS_MODULE,
	.open = ct_tasks_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = ct_seq_release,
};
