// SPDX-License-Identifier: GPL-2.0
/*
 * context.c - the attach context of -p targets (context.h), read from
 * /proc and compared with kcmp(2): a child shares an object with its
 * parent when kcmp() finds the two tasks' objects the same.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "context.h"
#include "ct_event.h"
#include "escape.h"
#include "identity.h"
#include "json.h"
#include "proc.h"

#define MAX_THREADS	256	/* listed; the count is always whole */
#define MAX_CHILDREN	64

static const struct {
	const char *name;
	int type;
} shared[] = {
	{ "vm", KCMP_VM },
	{ "files", KCMP_FILES },
	{ "fs", KCMP_FS },
	{ "sighand", KCMP_SIGHAND },
};

struct target {
	pid_t pid;
	char comm[CT_COMM_LEN];
	long uid, gid;			/* -1: unknown */
	pid_t threads[MAX_THREADS];
	size_t nthreads, all_threads;
	struct {
		pid_t pid;
		char comm[CT_COMM_LEN];
		unsigned int shares;	/* bit i: shared[i] */
	} kids[MAX_CHILDREN];
	size_t nkids, all_kids;
	char cgroup[1024];		/* "" unknown */
	uint64_t cgroup_id;		/* 0 unknown */
};

static void read_comm(pid_t pid, char *comm)
{
	char path[64];
	FILE *f;

	memset(comm, 0, CT_COMM_LEN);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(comm, CT_COMM_LEN, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

static void read_ids(struct target *t)
{
	char path[64], line[256];
	FILE *f;

	t->uid = t->gid = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", t->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {	/* real IDs first */
		if (!strncmp(line, "Uid:", 4))
			t->uid = strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "Gid:", 4))
			t->gid = strtol(line + 4, NULL, 10);
	}
	fclose(f);
}

static void read_cgroup(struct target *t)
{
	char path[64], line[1100], mnt[512], dir[1600];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", t->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			if (strlen(line + 3) < sizeof(t->cgroup))
				strcpy(t->cgroup, line + 3);
		}
	fclose(f);
	if (t->cgroup[0] && !ct_cgroup_mount(NULL, mnt, sizeof(mnt))) {
		snprintf(dir, sizeof(dir), "%s%s", mnt, t->cgroup);
		if (!stat(dir, &st))
			t->cgroup_id = st.st_ino;
	}
}

static void read_threads(struct target *t)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", t->pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);

		if (tid <= 0)
			continue;
		if (t->nthreads < MAX_THREADS)
			t->threads[t->nthreads++] = tid;
		t->all_threads++;
	}
	closedir(dir);
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* The children of every thread (/proc/PID/task/TID/children). */
static void read_children(struct target *t)
{
	char path[96];
	size_t i, k;

	for (i = 0; i < t->nthreads; i++) {
		FILE *f;
		int c;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
			 t->pid, t->threads[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fscanf(f, "%d", &c) == 1) {
			t->all_kids++;
			if (t->nkids == MAX_CHILDREN)
				continue;
			t->kids[t->nkids].pid = c;
			read_comm(c, t->kids[t->nkids].comm);
			for (k = 0; k < sizeof(shared) / sizeof(shared[0]); k++)
				if (syscall(SYS_kcmp, t->pid, c, shared[k].type,
					    0, 0) == 0)
					t->kids[t->nkids].shares |= 1U << k;
			t->nkids++;
		}
		fclose(f);
	}
}

static void json_target(const struct target *t, FILE *f)
{
	const struct ct_container *c = NULL;
	struct ct_container cont;
	struct ct_json j;
	size_t i, k;

	if (t->cgroup[0] &&
	    ct_container_parse(t->cgroup, sizeof(t->cgroup), &cont))
		c = &cont;
	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "target");
	ct_json_u64(&j, "pid", t->pid);
	ct_json_strn(&j, "comm", t->comm, CT_COMM_LEN);
	if (t->uid < 0) {
		ct_json_null(&j, "uid");
		ct_json_null(&j, "gid");
	} else {
		ct_json_u64(&j, "uid", t->uid);
		ct_json_u64(&j, "gid", t->gid);
	}
	ct_json_u64(&j, "nr_threads", t->all_threads);
	ct_json_open(&j, "threads", '[');
	for (i = 0; i < t->nthreads; i++)
		ct_json_u64(&j, NULL, t->threads[i]);
	ct_json_close(&j);
	ct_json_u64(&j, "nr_children", t->all_kids);
	ct_json_open(&j, "children", '[');
	for (i = 0; i < t->nkids; i++) {
		ct_json_open(&j, NULL, '{');
		ct_json_u64(&j, "pid", t->kids[i].pid);
		ct_json_strn(&j, "comm", t->kids[i].comm, CT_COMM_LEN);
		ct_json_open(&j, "shares", '[');
		for (k = 0; k < sizeof(shared) / sizeof(shared[0]); k++)
			if (t->kids[i].shares & (1U << k))
				ct_json_str(&j, NULL, shared[k].name);
		ct_json_close(&j);
		ct_json_close(&j);
	}
	ct_json_close(&j);
	if (t->cgroup[0]) {
		ct_json_open(&j, "cgroup", '{');
		if (t->cgroup_id)
			ct_json_u64(&j, "id", t->cgroup_id);
		else
			ct_json_null(&j, "id");
		ct_json_strn(&j, "path", t->cgroup, sizeof(t->cgroup));
		ct_json_close(&j);
	} else {
		ct_json_null(&j, "cgroup");
	}
	if (!c) {
		ct_json_null(&j, "container");
	} else {
		ct_json_open(&j, "container", '{');
		if (c->runtime) {
			ct_json_str(&j, "runtime", c->runtime);
			ct_json_str(&j, "id", c->id);
		} else {
			ct_json_null(&j, "runtime");
			ct_json_null(&j, "id");
		}
		if (c->pod_uid[0])
			ct_json_str(&j, "pod_uid", c->pod_uid);
		else
			ct_json_null(&j, "pod_uid");
		ct_json_close(&j);
	}
	ct_json_close(&j);
}

/* clonetrace: target P (comm): N threads, M children (C comm: vm,files;
 * ...), uid U gid G, cgroup PATH[, container RUNTIME:ID][, pod UID]
 */
static void human_target(const struct target *t)
{
	char comm[CT_COMM_LEN * 8], path[4096], line[8192];
	struct ct_container c;
	size_t i, k, n;

	ct_escape_human(t->comm, CT_COMM_LEN, comm, sizeof(comm));
	n = snprintf(line, sizeof(line), "clonetrace: target %d (%s): %zu thread%s, %zu child%s",
		     t->pid, comm, t->all_threads,
		     t->all_threads == 1 ? "" : "s", t->all_kids,
		     t->all_kids == 1 ? "" : "ren");
	for (i = 0; i < t->nkids && n < sizeof(line); i++) {
		const char *sep = "";

		ct_escape_human(t->kids[i].comm, CT_COMM_LEN, comm,
				sizeof(comm));
		n += snprintf(line + n, sizeof(line) - n, "%s%d %s shares ",
			      i ? "; " : " (", t->kids[i].pid, comm);
		for (k = 0; k < sizeof(shared) / sizeof(shared[0]) &&
			    n < sizeof(line); k++)
			if (t->kids[i].shares & (1U << k)) {
				n += snprintf(line + n, sizeof(line) - n,
					      "%s%s", sep, shared[k].name);
				sep = ",";
			}
		if (!*sep && n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - n, "nothing");
	}
	if (t->nkids && n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ")");
	if (t->uid >= 0 && n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ", uid %ld gid %ld",
			      t->uid, t->gid);
	if (t->cgroup[0] && n < sizeof(line)) {
		ct_escape_human(t->cgroup, sizeof(t->cgroup), path,
				sizeof(path));
		n += snprintf(line + n, sizeof(line) - n, ", cgroup %s", path);
		if (ct_container_parse(t->cgroup, sizeof(t->cgroup), &c)) {
			if (c.runtime && n < sizeof(line))
				n += snprintf(line + n, sizeof(line) - n,
					      ", container %s:%.12s",
					      c.runtime, c.id);
			if (c.pod_uid[0] && n < sizeof(line))
				n += snprintf(line + n, sizeof(line) - n,
					      ", pod %s", c.pod_uid);
		}
	}
	fprintf(stderr, "%s\n", line);
}

void ct_context_print(pid_t pid, FILE *f, bool json)
{
	struct target *t = calloc(1, sizeof(*t));

	if (!t)
		return;
	t->pid = pid;
	read_comm(pid, t->comm);
	read_ids(t);
	read_cgroup(t);
	read_threads(t);
	qsort(t->threads, t->nthreads, sizeof(*t->threads), cmp_pid);
	read_children(t);
	if (json)
		json_target(t, f);
	else
		human_target(t);
	free(t);
}
