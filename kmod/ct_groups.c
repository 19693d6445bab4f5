// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: debugfs "groups", every object referenced by more than one
 * task of the reader's PID namespace, with its members.
 *
 * A read starting at offset 0 takes a new snapshot (ct_snap.c); the rest of
 * that read, however many read() calls it takes, iterates over the same
 * snapshot, which is freed as soon as the last group has been formatted.
 * The seq_file position of a group is the index of its first snapshot
 * entry plus one, so no second index array is needed; position 0 is the
 * header.
 */
#include <linux/sched/signal.h>

#include "clonetrace.h"

struct ct_groups_priv {
	struct ct_seq c;
	struct ct_snap *snap;
};

static bool ct_same_obj(const struct ct_ent *a, const struct ct_ent *b)
{
	return a->res == b->res && a->id == b->id;
}

/* First entry after the run of entries for the object at @i. */
static size_t ct_run_end(const struct ct_snap *s, size_t i)
{
	size_t j = i + 1;

	while (j < s->nr && ct_same_obj(&s->ent[j], &s->ent[i]))
		j++;
	return j;
}

/*
 * The first group (run of two or more entries) starting at or after @i.
 * At the end, the snapshot is freed: nothing of it is needed any more.
 */
static struct ct_ent *ct_group_from(struct ct_groups_priv *p, size_t i,
				    loff_t *pos)
{
	struct ct_snap *s = p->snap;
	size_t end;

	while (i < s->nr) {
		end = ct_run_end(s, i);
		if (end - i > 1) {
			*pos = i + 1;
			return &s->ent[i];
		}
		i = end;
	}
	*pos = s->nr + 1;
	ct_snap_free(s);
	p->snap = NULL;
	return NULL;
}

static void *ct_groups_start(struct seq_file *m, loff_t *pos)
{
	struct ct_groups_priv *p = m->private;
	struct ct_snap *s;

	if (!ct_seq_lock(&p->c))
		return ERR_PTR(-EINTR);
	if (*pos == 0) {
		ct_snap_free(p->snap);
		p->snap = NULL;
		s = ct_snap_build(p->c.ns, NULL, NULL);
		if (IS_ERR(s))
			return s;
		p->snap = s;
		return SEQ_START_TOKEN;
	}
	s = p->snap;
	if (!s || *pos > s->nr)
		return NULL;
	/* Positions past 0 are only ever set to group starts by ->next(). */
	return &s->ent[*pos - 1];
}

static void *ct_groups_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct ct_groups_priv *p = m->private;
	struct ct_snap *s = p->snap;
	size_t i;

	if (v == SEQ_START_TOKEN)
		i = 0;
	else
		i = ct_run_end(s, (struct ct_ent *)v - s->ent);
	if (fatal_signal_pending(current))
		i = s->nr;
	return ct_group_from(p, i, pos);
}

static void ct_groups_stop(struct seq_file *m, void *v)
{
	struct ct_groups_priv *p = m->private;

	ct_seq_unlock(&p->c);
}

static int ct_groups_show(struct seq_file *m, void *v)
{
	struct ct_groups_priv *p = m->private;
	struct ct_snap *s = p->snap;
	struct ct_ent *e = v;
	size_t i, end;

	if (v == SEQ_START_TOKEN) {
		seq_printf(m, "# clonetrace groups v%d: type id refcount members tids\n",
			   CT_FORMAT_VERSION);
		return 0;
	}

	i = e - s->ent;
	end = ct_run_end(s, i);
	seq_printf(m, "%s %016llx ", ct_res_name[e->res], e->id);
	ct_seq_ref(m, e->ref);
	seq_printf(m, " %zu ", end - i);
	for (; i < end; i++)
		seq_printf(m, "%s%d", e == &s->ent[i] ? "" : ",", s->ent[i].tid);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations ct_groups_sops = {
	.start = ct_groups_start,
	.next = ct_groups_next,
	.stop = ct_groups_stop,
	.show = ct_groups_show,
};

static int ct_groups_open(struct inode *inode, struct file *file)
{
	return ct_seq_open(file, &ct_groups_sops,
			   sizeof(struct ct_groups_priv));
}

static int ct_groups_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct ct_groups_priv *p = m->private;

	ct_snap_free(p->snap);
	return ct_seq_release(inode, file);
}

const struct file_operations ct_groups_fops = {
	.owner = THIS_MODULE,
	.open = ct_groups_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = ct_groups_release,
};
