// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: debugfs "pid", one task's full picture.
 *
 * Write a TID (or a PID, which is its leader's TID) of the opener's PID
 * namespace, then read on the same open file: a task line and one line per
 * resource with its id, refcount and the other tasks that share it. The
 * selection belongs to that open file only, so two users of the file never
 * see each other's task:
 *
 *	exec 3<>pid; echo 1234 >&3; cat <&3
 *
 * The selection is the struct pid the number named when it was written,
 * held with get_pid(), not the number: once that task is gone a read fails
 * with ESRCH, even if another task has been given the same number since.
 * A write rewinds the file, so the next read starts over. Position 0 is
 * the header and takes the snapshot, 1 the task line, 2 and on the
 * resource lines; the snapshot is freed after the last line. The seq_file
 * record pointer is position + 1.
 */
#include <linux/kernel.h>
#include <linux/pid.h>
#include <linux/uaccess.h>

#include "clonetrace.h"

#define CT_PID_NR_LINES (1 + CT_RES_NR)
#define CT_PID_MAX_INPUT 32

struct ct_pid_priv {
	struct ct_seq c;
	struct pid *pid;	/* written on this file; NULL when none yet */
	struct ct_snap *snap;	/* of the read in progress */
	struct ct_task_info ti;
};

static void *ct_pid_pos(loff_t pos)
{
	return (void *)(unsigned long)(pos + 1);
}

static void *ct_pid_start(struct seq_file *m, loff_t *pos)
{
	struct ct_pid_priv *p = m->private;
	struct ct_snap *s;

	if (!ct_seq_lock(&p->c))
		return ERR_PTR(-EINTR);
	if (*pos == 0) {
		ct_snap_free(p->snap);
		p->snap = NULL;
		if (!p->pid)
			return SEQ_START_TOKEN;
		s = ct_snap_build(p->c.ns, p->pid, &p->ti);
		if (IS_ERR(s))
			return s;
		p->snap = s;
		return SEQ_START_TOKEN;
	}
	if (!p->snap || *pos > CT_PID_NR_LINES)
		return NULL;
	return ct_pid_pos(*pos);
}

static void *ct_pid_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct ct_pid_priv *p = m->private;

	++*pos;
	if (p->snap && *pos <= CT_PID_NR_LINES)
		return ct_pid_pos(*pos);
	/* The last line is formatted: the snapshot is not needed any more. */
	ct_snap_free(p->snap);
	p->snap = NULL;
	return NULL;
}

static void ct_pid_stop(struct seq_file *m, void *v)
{
	struct ct_pid_priv *p = m->private;

	ct_seq_unlock(&p->c);
}

static void ct_pid_show_res(struct seq_file *m, struct ct_pid_priv *p,
			    enum ct_res res)
{
	const struct ct_obj *o = &p->ti.obj[res];
	const struct ct_snap *s = p->snap;
	bool any = false;
	size_t i;
	u64 id;

	seq_printf(m, "%s ", ct_res_name[res]);
	if (!o->ptr) {
		seq_puts(m, "- - -\n");
		return;
	}
	id = ct_id(o->ptr, res);
	seq_printf(m, "%016llx ", id);
	ct_seq_ref(m, o->ref);
	seq_putc(m, ' ');

	for (i = ct_snap_lower_bound(s, res, id);
	     i < s->nr && s->ent[i].res == res && s->ent[i].id == id; i++) {
		if (s->ent[i].tid == p->ti.tid)
			continue;
		seq_printf(m, "%s%d", any ? "," : "", s->ent[i].tid);
		any = true;
	}
	seq_puts(m, any ? "\n" : "-\n");
}

static int ct_pid_show(struct seq_file *m, void *v)
{
	struct ct_pid_priv *p = m->private;
	unsigned long line;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "# clonetrace pid v%d: task tid pid ppid kind comm; then per resource: type id refcount other_tids\n",
			   CT_FORMAT_VERSION);
		return 0;
	}

	line = (unsigned long)v - 1;
	if (line == 1) {
		seq_printf(m, "task %d %d %d %s ", p->ti.tid, p->ti.tgid,
			   p->ti.ppid, ct_kind_name(p->ti.kind));
		ct_seq_comm(m, p->ti.comm);
		seq_putc(m, '\n');
		return 0;
	}
	ct_pid_show_res(m, p, line - 2);
	return 0;
}

static const struct seq_operations ct_pid_sops = {
	.start = ct_pid_start,
	.next = ct_pid_next,
	.stop = ct_pid_stop,
	.show = ct_pid_show,
};

static int ct_pid_open(struct inode *inode, struct file *file)
{
	return ct_seq_open(file, &ct_pid_sops, sizeof(struct ct_pid_priv));
}

static ssize_t ct_pid_write(struct file *file, const char __user *buf,
			    size_t count, loff_t *ppos)
{
	struct seq_file *m = file->private_data;
	struct ct_pid_priv *p = m->private;
	struct pid *pid, *old;
	int nr;

	if (!count || count > CT_PID_MAX_INPUT)
		return -EINVAL;
	if (kstrtoint_from_user(buf, count, 10, &nr) || nr <= 0)
		return -EINVAL;
	pid = ct_get_task_pid(p->c.ns, nr);
	if (!pid)
		return -ESRCH;

	/*
	 * A reader of this file holds the lock from ->start() to ->stop();
	 * a writer stuck behind a slow reader can still be killed.
	 */
	if (mutex_lock_killable(&p->c.lock)) {
		put_pid(pid);
		return -EINTR;
	}
	old = p->pid;
	p->pid = pid;
	ct_snap_free(p->snap);
	p->snap = NULL;
	mutex_unlock(&p->c.lock);
	put_pid(old);

	/* Rewind: the next read on this file shows the new task from the top. */
	*ppos = 0;
	return count;
}

static int ct_pid_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct ct_pid_priv *p = m->private;

	ct_snap_free(p->snap);
	put_pid(p->pid);
	return ct_seq_release(inode, file);
}

const struct file_operations ct_pid_fops = {
	.owner = THIS_MODULE,
	.open = ct_pid_open,
	.read = seq_read,
	.write = ct_pid_write,
	.llseek = seq_lseek,
	.release = ct_pid_release,
};
