// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace: load/unload, the debugfs directory and the object id key.
 *
 * Object ids are SipHash-2-4 of the object's address under a key drawn at
 * load time: equal ids within one load mean the same object, and an id
 * reveals nothing about the address.
 *
 * Every file is opened with ct_seq_open(): it remembers the PID namespace
 * of the task that opens it, so a reader inside a container sees the TIDs
 * of its own /proc and no task outside its namespace, and a file handed to
 * another process keeps answering in the opener's terms, as /proc does
 * with the namespace of its mount.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/siphash.h>

#include "clonetrace.h"

static siphash_key_t ct_key __read_mostly;
static struct dentry *ct_dir;

const char *const ct_res_name[CT_RES_NR] = {
	[CT_RES_MM] = "mm",
	[CT_RES_FILES] = "files",
	[CT_RES_FS] = "fs",
	[CT_RES_SIGHAND] = "sighand",
	[CT_RES_SIGNAL] = "signal",
	[CT_RES_NSPROXY] = "nsproxy",
	[CT_RES_IO] = "io",
	[CT_RES_SYSVSEM] = "sysvsem",
};

/*
 * The resource type is hashed too, so ids of different types never collide
 * by construction and cannot be correlated with each other.
 */
u64 ct_id(const void *ptr, enum ct_res res)
{
	return siphash_2u64((u64)(unsigned long)ptr, res, &ct_key);
}

/*
 * seq_open() with @size bytes of private data, which start with a struct
 * ct_seq; a reference on the opener's PID namespace is held until
 * ct_seq_release().
 */
int ct_seq_open(struct file *file, const struct seq_operations *ops,
		size_t size)
{
	struct ct_seq *c;

	c = __seq_open_private(file, ops, size);
	if (!c)
		return -ENOMEM;
	c->ns = get_pid_ns(task_active_pid_ns(current));
	mutex_init(&c->lock);
	c->held = false;
	return 0;
}

int ct_seq_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;
	struct ct_seq *c = m->private;

	put_pid_ns(c->ns);
	mutex_destroy(&c->lock);
	return seq_release_private(inode, file);
}

/*
 * Take the file's lock in ->start(); false if a fatal signal came first,
 * so that a reader stuck behind another can be killed and never trips the
 * hung-task detector. ->stop() is called either way: ct_seq_unlock()
 * unlocks only what ct_seq_lock() took.
 */
bool ct_seq_lock(struct ct_seq *c)
{
	if (mutex_lock_killable(&c->lock))
		return false;
	c->held = true;
	return true;
}

void ct_seq_unlock(struct ct_seq *c)
{
	if (!c->held)
		return;
	c->held = false;
	mutex_unlock(&c->lock);
}

static int __init ct_init(void)
{
	int ret;

	/*
	 * A key drawn before the RNG is seeded (a module loaded early in
	 * boot) could be guessed: wait for it to be seeded. A signal ends
	 * the wait and fails the load.
	 */
	ret = get_random_bytes_wait(&ct_key, sizeof(ct_key));
	if (ret)
		return ret;

	ct_dir = debugfs_create_dir("clonetrace", NULL);
	if (IS_ERR(ct_dir))
		return PTR_ERR(ct_dir);

	/*
	 * debugfs_create_file() wraps our fops in its full proxy: each call
	 * into them is bracketed so that removal waits for callers, and
	 * opening pins this module (fops->owner), so an open file keeps
	 * rmmod from unloading the code its release would run.
	 */
	debugfs_create_file("tasks", 0400, ct_dir, NULL, &ct_tasks_fops);
	debugfs_create_file("groups", 0400, ct_dir, NULL, &ct_groups_fops);
	debugfs_create_file("pid", 0600, ct_dir, NULL, &ct_pid_fops);
	return 0;
}

static void __exit ct_exit(void)
{
	debugfs_remove_recursive(ct_dir);
}

module_init(ct_init);
module_exit(ct_exit);

MODULE_DESCRIPTION("clonetrace: show which kernel objects tasks share");
MODULE_AUTHOR("clonetrace developers");
MODULE_LICENSE("GPL");
