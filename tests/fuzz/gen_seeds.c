// SPDX-License-Identifier: GPL-2.0
/*
 * gen_seeds.c - seed recordings for the fuzzer, written with the real
 * writer: an empty one, one with events of every kind and a diagnosis,
 * and one with several chunks.
 *
 *   gen_seeds DIR
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "record.h"

static void header(struct ct_rec_header *h)
{
	memset(h, 0, sizeof(*h));
	strcpy(h->release, "6.1.0-seed");
	strcpy(h->hostname, "seedhost");
	strcpy(h->mode, "tp_btf");
	strcpy(h->options, "clonetrace -w seed");
	h->boot_time_ns = 1700000000000000000ULL;
}

static void event(struct ct_event *e, int i)
{
	memset(e, 0, sizeof(*e));
	e->ts_ns = 1000000 + i * 12345;
	e->type = i % 7 == 6 ? CT_EV_CLONE_FAILED : CT_EV_CLONE;
	e->kind = i % CT_KIND_NR;
	e->syscall = i % CT_SC_NR;
	e->flags = i % 2 ? 0x3d0f00 : 0;
	e->latency_ns = i * 1000;
	e->ppid = 100 + i / 3;
	e->ptid = e->ppid;
	e->err = e->type == CT_EV_CLONE_FAILED ? 11 : 0;
	if (e->type == CT_EV_CLONE) {
		e->pid = 200 + i;
		e->tid = e->pid;
		e->ns_pid = e->pid;
		e->ns_tid = e->tid;
	}
	for (int k = 0; k < CT_REF_NR; k++)
		e->refs[k] = e->type == CT_EV_CLONE ? k : CT_REF_ABSENT;
	strcpy(e->pcomm, "seed\xff");
	strcpy(e->comm, "child");
	e->uid = i % 5 ? 1000 : CT_ID_UNKNOWN;
	e->gid = 100;
	e->cgroup_id = i % 4;
	e->cgroup1_id = i % 3 ? 10000 + i % 3 : 0;
}

union life_ev {
	struct ct_exec_event x;
	struct ct_exit_event t;
};

/* Some events followed by an exec (some failed) or an exit (-e). */
static const struct ct_event *life(union life_ev *u,
				   const struct ct_event *e, int i)
{
	if (i % 5 == 1) {
		memset(&u->x, 0, sizeof(u->x));
		u->x.ev = *e;
		u->x.ev.type = CT_EV_EXEC;
		u->x.ev.err = i % 10 == 1 ? 2 : 0;
		u->x.parent = e->ppid;
		u->x.old_tid = e->tid;
		strcpy(u->x.filename, "/usr/bin/seed");
		memcpy(u->x.args, "seed\0-x\0\xff", 8);
		u->x.args_len = 8;
		u->x.args_size = i % 3 ? 8 : 4096;
		u->x.call = i % 3;
		/* resolved paths: components, the file's own name first */
		memcpy(u->x.path, "seed\0bin\0usr\0", 14);
		u->x.path_len = 14;
		u->x.path_flags = CT_PATH_KNOWN |
				  (i % 4 ? 0 : CT_PATH_TRUNCATED | CT_PATH_DELETED);
		if (i % 3 == 2) {
			memcpy(u->x.interp, "dash\0bin\0usr\0", 14);
			u->x.interp_len = 14;
			u->x.interp_flags = CT_PATH_KNOWN;
		}
		return &u->x.ev;
	}
	memset(&u->t, 0, sizeof(u->t));
	u->t.ev = *e;
	u->t.ev.type = CT_EV_EXIT;
	u->t.parent = e->ppid;
	u->t.lifetime_ns = i * 777;
	u->t.code = i % 2 ? 3 << 8 : 9;
	u->t.group_dead = i % 3 == 0;
	return &u->t.ev;
}

/* A -p target with children and, below one, a grandchild (-f). */
static void target(struct ct_rec_writer *w)
{
	static struct ct_target t = {
		.pid = 4215, .comm = "nginx", .state = 'S', .follow = true,
		.uid = 33, .gid = 33, .nthreads = 2, .all_threads = 300,
		.threads = { 4215, 4219 }, .all_kids = 2, .all_below = 3,
		.nkids = 3, .cgroup = "/system.slice/nginx.service",
		.cgroup_id = 8417, .cgroup1_ctrl = "pids",
		.cgroup1 = "/docker/0123456789abcdef0123456789abcdef"
			   "0123456789abcdef0123456789abcdef",
		.cgroup1_id = 4026,
		.kids = {
			{ 4217, 4215, "nginx", 'S', 1U << CT_SHARE_VM |
			  1U << CT_SHARE_FILES },
			{ 4218, 4215, "nginx", 'Z', 0 },
			{ 4300, 4217, "sh", 'R', 0 },
		},
	};

	ct_rec_target(w, &t);
}

static int write_seed(const char *dir, const char *name, int n)
{
	struct ct_rec_writer w;
	struct ct_rec_header h;
	struct ct_rec_end end = { .duration_ns = 5, .start_ns = 1000000 };
	union life_ev u;
	struct ct_event e;
	struct ct_diag d = {};
	char path[4096];
	int i, fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	header(&h);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ct_rec_create(&w, fd, &h))
		return 1;
	if (n)
		target(&w);
	for (i = 0; i < n; i++) {
		event(&e, i);
		if (e.cgroup_id && i < 8)
			ct_rec_cgroup(&w, e.cgroup_id,
				      "/kubepods/besteffort/pod1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
		if (e.cgroup1_id && i < 3)
			ct_rec_cgroup1(&w, e.cgroup1_id, "pids",
				       "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
		ct_rec_event(&w, &e);
		if (i % 5 == 1 || i % 5 == 3)
			ct_rec_event(&w, life(&u, &e, i));
		if (e.type == CT_EV_CLONE_FAILED && !d.ts_ns) {
			d.ts_ns = e.ts_ns;
			d.ppid = e.ppid;
			d.err = 11;
			d.limit = CT_LIMIT_PIDS_CGROUP;
			d.cg_max = 4;
			d.cg_current = 4;
			d.nproc_limit = CT_DIAG_UNLIMITED;
			strcpy(d.cg_path, "/seed");
			ct_rec_diag(&w, &d);
		}
		if (i % 500 == 499)
			ct_rec_flush(&w);
	}
	return ct_rec_close(&w, &end) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	return write_seed(argv[1], "empty.ctr", 0) |
	       write_seed(argv[1], "small.ctr", 20) |
	       write_seed(argv[1], "chunks.ctr", 1200);
}
