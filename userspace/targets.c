// SPDX-License-Identifier: GPL-2.0
/*
 * targets.c - the -p/-f/-c target protocol with the BPF side (targets.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clonetrace.skel.h"
#include "ct_event.h"
#include "proc.h"
#include "targets.h"

int ct_targets_resolve(struct ct_pids *pids, int verbose)
{
	int i;

	for (i = 0; i < pids->n; i++) {
		pid_t tgid = ct_tgid_of(pids->pid[i]);

		struct ct_proc_status st;

		if (tgid && !ct_process_alive(tgid) &&
		    !ct_proc_status(tgid, &st))
			return ct_fail(CT_EXIT_FAILURE, "process %d has exited: a zombie its parent %d has not reaped, nothing to trace (check the PID with ps)",
				       pids->pid[i], st.ppid);
		if (!tgid || !ct_process_alive(tgid))
			return ct_fail(CT_EXIT_FAILURE, "no such process: %d (check the PID with ps)",
				       pids->pid[i]);
		if (tgid != pids->pid[i] && verbose)
			ct_msg("%d is a thread of process %d: tracing the process",
			       pids->pid[i], tgid);
		pids->pid[i] = tgid;
	}
	return CT_EXIT_OK;
}

int ct_targets_add(struct clonetrace_bpf *skel, pid_t tgid)
{
	int fd = bpf_map__fd(skel->maps.targets);
	__u8 one = 1;

	/* the prefilter byte first: BPF tests it before the map */
	skel->bss->target_hint[(uint32_t)tgid & (CT_TARGET_HINTS - 1)] = 1;
	if (bpf_map_update_elem(fd, &tgid, &one, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;	/* listed twice */
	/*
	 * Exited meanwhile? If our delete wins, nobody counted it; if BPF's
	 * exit hook deleted it first, it has subtracted one already, so the
	 * add below balances that.
	 */
	if (!ct_process_alive(tgid) && bpf_map_delete_elem(fd, &tgid) == 0)
		return 0;
	__sync_fetch_and_add(&skel->bss->targets_alive, 1);
	return 0;
}

/* A list of PIDs that grows. */
struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int push(struct pid_list *l, pid_t pid)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		pid_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = pid;
	return 0;
}

/* The children of every thread of TGID (/proc/TGID/task/TID/children). */
static int children_listed(pid_t tgid, struct pid_list *out)
{
	struct dirent *d;
	char path[320];
	DIR *dir;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	dir = opendir(path);
	if (!dir)
		return 0;		/* gone: no children to add */
	while (!err && (d = readdir(dir))) {
		FILE *f;
		int c;

		if (atoi(d->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/children",
			 (int)tgid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (!err && fscanf(f, "%d", &c) == 1)
			err = push(out, c);
		fclose(f);
	}
	closedir(dir);
	return err;
}

/* Without CONFIG_PROC_CHILDREN: every process whose parent is TGID. */
static int children_scanned(pid_t tgid, struct pid_list *out)
{
	struct ct_proc_status st;
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int err = 0;

	if (!dir)
		return -errno;
	while (!err && (d = readdir(dir))) {
		pid_t pid = atoi(d->d_name);

		if (pid > 0 && !ct_proc_status(pid, &st) && st.ppid == tgid &&
		    st.tgid == pid)
			err = push(out, pid);
	}
	closedir(dir);
	return err;
}

int ct_targets_add_below(struct clonetrace_bpf *skel, pid_t root,
			 size_t max, struct ct_below *below)
{
	struct pid_list q = { 0 }, kids = { 0 };
	char self[64];
	bool listed;
	size_t i, j;
	int err;

	below->added = below->lost = 0;
	snprintf(self, sizeof(self), "/proc/self/task/%d/children", gettid());
	listed = access(self, R_OK) == 0;
	err = push(&q, root);
	for (i = 0; !err && i < q.n; i++) {
		kids.n = 0;
		err = listed ? children_listed(q.v[i], &kids) :
			       children_scanned(q.v[i], &kids);
		for (j = 0; !err && j < kids.n; j++) {
			int e;

			if (below->added + below->lost >= max) {
				below->lost++;
				continue;
			}
			e = ct_targets_add(skel, kids.v[j]);
			if (e == -E2BIG || e == -ENOMEM || e == -ENOSPC) {
				below->lost++;
				continue;
			}
			if (e)
				continue;	/* exited meanwhile */
			below->added++;
			err = push(&q, kids.v[j]);
		}
	}
	free(q.v);
	free(kids.v);
	return err;
}

void ct_targets_recheck(struct clonetrace_bpf *skel,
			const struct ct_pids *pids)
{
	int fd = bpf_map__fd(skel->maps.targets), i;

	/* whoever deletes the entry, BPF or us, uncounts it, once */
	for (i = 0; i < pids->n; i++)
		if (!ct_process_alive(pids->pid[i]) &&
		    bpf_map_delete_elem(fd, &pids->pid[i]) == 0)
			__sync_fetch_and_add(&skel->bss->targets_alive, -1);
}

int64_t ct_targets_alive(const struct clonetrace_bpf *skel)
{
	return skel->bss->targets_alive;
}

void ct_targets_say_gone(const struct ct_pids *pids, bool follow)
{
	char list[CT_MAX_PIDS * 12] = "";
	size_t off = 0;
	int i;

	for (i = 0; i < pids->n && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%d",
				i ? "," : "", pids->pid[i]);
	ct_msg("every traced process has exited (PID %s%s)", list,
	       follow ? " and descendants" : "");
}
