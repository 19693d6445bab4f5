// SPDX-License-Identifier: GPL-2.0
/*
 * context.c - the attach context of -p targets (context.h), read from
 * /proc and compared with kcmp(2): a process shares an object with its
 * parent when kcmp() finds the two tasks' objects the same.
 *
 * Bounded: at most CT_TARGET_THREADS threads and CT_TARGET_KIDS processes
 * are listed (their counts are whole), and -f counts at most
 * CT_TARGET_WALK processes below a target.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "context.h"
#include "escape.h"
#include "identity.h"
#include "json.h"
#include "proc.h"

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */
#define HUMAN_KIDS	8		/* a line a terminal can show */

const char *const ct_share_names[CT_SHARE_NR] = {
	[CT_SHARE_VM] = "vm",
	[CT_SHARE_FILES] = "files",
	[CT_SHARE_FS] = "fs",
	[CT_SHARE_SIGHAND] = "sighand",
};

static const int kcmp_type[CT_SHARE_NR] = {
	[CT_SHARE_VM] = KCMP_VM,
	[CT_SHARE_FILES] = KCMP_FILES,
	[CT_SHARE_FS] = KCMP_FS,
	[CT_SHARE_SIGHAND] = KCMP_SIGHAND,
};

/* A growing list of processes, each with its parent. */
struct nodes {
	struct {
		uint32_t pid, ppid;
	} *v;
	size_t n, cap;
};

/*
 * All of its comm, whatever bytes it holds (a newline too): the file is
 * the comm and one newline the kernel adds (fs/proc/base.c), or for a
 * kernel thread a longer name, cut as the comm is.
 */
static void read_comm(pid_t pid, char *comm)
{
	char path[64], buf[CT_COMM_LEN + 1];
	ssize_t n;
	int fd;

	memset(comm, 0, CT_COMM_LEN);
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n <= 0)
		return;
	if (n <= CT_COMM_LEN && buf[n - 1] == '\n')
		n--;		/* the kernel's, not the comm's */
	memcpy(comm, buf, n < CT_COMM_LEN - 1 ? n : CT_COMM_LEN - 1);
}

/* The state letter (0: gone) and whether pid is a kernel thread. */
static char read_state(pid_t pid, bool *kthread)
{
	char path[64], buf[512], state = 0, *p;
	unsigned int flags = 0;
	size_t n;
	FILE *f;

	*kthread = false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the comm may hold anything */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", &state,
			 &flags) != 2)
		return 0;
	*kthread = flags & PF_KTHREAD;
	return state;
}

static void read_ids(struct ct_target *t, bool *dying)
{
	char path[64], line[256];
	FILE *f;

	t->uid = t->gid = -1;
	snprintf(path, sizeof(path), "/proc/%u/status", t->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {	/* real IDs first */
		if (!strncmp(line, "Uid:", 4))
			t->uid = strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "Gid:", 4))
			t->gid = strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "ShdPnd:", 7))	/* being killed */
			*dying = strtoull(line + 7, NULL, 16) &
				 1ULL << (SIGKILL - 1);
	}
	fclose(f);
}

/* The path of line "N:CONTROLLERS:PATH" when ctrl is among CONTROLLERS. */
static const char *v1_line_path(char *line, const char *ctrl)
{
	char *ctrls = strchr(line, ':'), *path, *p, *comma;
	size_t n = strlen(ctrl);

	if (!ctrls || !n)
		return NULL;
	path = strchr(++ctrls, ':');
	if (!path)
		return NULL;
	*path++ = '\0';
	for (p = ctrls; ; p = comma + 1) {
		comma = strchr(p, ',');
		if ((comma ? (size_t)(comma - p) : strlen(p)) == n &&
		    !strncmp(p, ctrl, n))
			return path;
		if (!comma)
			return NULL;
	}
}

/* The inode of mnt/path (kernfs: the cgroup's ID) into *id. */
static void cgroup_ino(const char *mnt, const char *path, uint64_t *id)
{
	char dir[1600];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s%s", mnt, path);
	if (!stat(dir, &st))
		*id = st.st_ino;
}

/* Its cgroup v2 path, and in the v1 hierarchy v1 (its controller's). */
static void read_cgroup(struct ct_target *t, const struct ct_cgroup1 *v1)
{
	char path[64], line[1100], mnt[512];
	const char *p;
	FILE *f;

	if (v1 && v1->controller[0])
		snprintf(t->cgroup1_ctrl, sizeof(t->cgroup1_ctrl), "%s",
			 v1->controller);
	snprintf(path, sizeof(path), "/proc/%u/cgroup", t->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3)) {
			if (strlen(line + 3) < sizeof(t->cgroup))
				strcpy(t->cgroup, line + 3);
		} else if ((p = v1_line_path(line, t->cgroup1_ctrl)) &&
			   strlen(p) < sizeof(t->cgroup1)) {
			strcpy(t->cgroup1, p);
		}
	}
	fclose(f);
	if (t->cgroup[0] && !ct_cgroup_mount(NULL, mnt, sizeof(mnt)))
		cgroup_ino(mnt, t->cgroup, &t->cgroup_id);
	if (t->cgroup1[0])
		cgroup_ino(v1->mnt, t->cgroup1, &t->cgroup1_id);
}

static int add_node(struct nodes *l, uint32_t pid, uint32_t ppid)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].pid = pid;
	l->v[l->n++].ppid = ppid;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* The threads of pid: counted whole, the first CT_TARGET_THREADS kept. */
static void read_threads(struct ct_target *t)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/task", t->pid);
	dir = opendir(path);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		int tid = atoi(d->d_name);

		if (tid <= 0)
			continue;
		if (t->nthreads < CT_TARGET_THREADS)
			t->threads[t->nthreads++] = tid;
		t->all_threads++;
	}
	closedir(dir);
}

/*
 * Append the children of process pid (of each of its threads: a child's
 * parent is the thread that created it) to l in PID order, at most max
 * in all.
 */
static void children_of(uint32_t pid, struct nodes *l, size_t max)
{
	size_t first = l->n;
	char path[320];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while (l->n < max && (d = readdir(dir))) {
		unsigned int c;
		FILE *f;

		if (atoi(d->d_name) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/task/%s/children", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (l->n < max && fscanf(f, "%u", &c) == 1)
			if (add_node(l, c, pid))
				break;
		fclose(f);
	}
	closedir(dir);
	/* the pid is the first member */
	qsort(l->v + first, l->n - first, sizeof(*l->v), cmp_u32);
}

/* A listed process: its comm and what it shares with its parent. */
static void describe_kid(struct ct_target_kid *k)
{
	bool kthread, parent_kthread;
	int i;

	read_comm(k->pid, k->comm);
	k->state = read_state(k->pid, &kthread);
	read_state(k->ppid, &parent_kthread);
	/* exited: what it held is released (or will be, when reaped) */
	if (!k->state || k->state == 'Z' || k->state == 'X')
		return;
	for (i = 0; i < CT_SHARE_NR; i++) {
		/* kernel threads have no mm: kcmp() finds two NULLs equal */
		if (i == CT_SHARE_VM && (kthread || parent_kthread))
			continue;
		if (syscall(SYS_kcmp, k->ppid, k->pid, kcmp_type[i], 0, 0) == 0)
			k->shares |= 1U << i;
	}
}

/*
 * The children, then with follow every process below them, breadth
 * first; the first CT_TARGET_KIDS of them listed.
 */
static void read_below(struct ct_target *t, bool follow)
{
	struct nodes l = { 0 };
	char self[64];
	size_t i;

	/* a kernel without CONFIG_PROC_CHILDREN: unknown, not none */
	snprintf(self, sizeof(self), "/proc/self/task/%d/children", gettid());
	t->kids_unknown = access(self, R_OK) != 0;
	if (t->kids_unknown)
		return;

	children_of(t->pid, &l, CT_TARGET_WALK);
	t->all_kids = l.n;
	for (i = 0; follow && i < l.n; i++)
		children_of(l.v[i].pid, &l, CT_TARGET_WALK);
	if (follow) {
		t->all_below = l.n;
		t->below_cut = l.n == CT_TARGET_WALK;
	}
	for (i = 0; i < l.n && t->nkids < CT_TARGET_KIDS; i++) {
		struct ct_target_kid *k = &t->kids[t->nkids++];

		k->pid = l.v[i].pid;
		k->ppid = l.v[i].ppid;
		describe_kid(k);
	}
	free(l.v);
}

void ct_context_read(struct ct_target *t, pid_t pid, bool follow,
		     const struct ct_cgroup1 *v1)
{
	bool kthread, dying = false;
	char now;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->follow = follow;
	read_comm(pid, t->comm);
	t->state = read_state(pid, &t->kthread);
	read_ids(t, &dying);
	read_cgroup(t, v1);
	read_threads(t);
	qsort(t->threads, t->nthreads, sizeof(*t->threads), cmp_u32);
	read_below(t, follow);
	/*
	 * Being killed, or exited meanwhile (its leader at least): what was
	 * read may be half of it, say so.
	 */
	now = read_state(pid, &kthread);
	if (!now || (now == 'Z' && t->state != 'Z') || now == 'X' ||
	    dying || !ct_process_alive(pid))
		t->state = 0;
}

/* /proc's state letters (fs/proc/array.c), named. */
static const char *state_name(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk_sleep";
	case 'T': return "stopped";
	case 't': return "tracing_stop";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'P': return "parked";
	case 'I': return "idle";
	}
	return "unknown";
}

static void json_kid(struct ct_json *j, const struct ct_target_kid *k,
		     bool ppid)
{
	int i;

	ct_json_open(j, NULL, '{');
	ct_json_u64(j, "pid", k->pid);
	if (ppid)
		ct_json_u64(j, "ppid", k->ppid);
	ct_json_strn(j, "comm", k->comm, CT_COMM_LEN);
	if (k->state)
		ct_json_str(j, "state", state_name(k->state));
	else
		ct_json_null(j, "state");
	ct_json_open(j, "shares", '[');
	for (i = 0; i < CT_SHARE_NR; i++)
		if (k->shares & (1U << i))
			ct_json_str(j, NULL, ct_share_names[i]);
	ct_json_close(j);
	ct_json_close(j);
}

/* "children", then with -f "nr_descendants" and "descendants". */
static void json_below(struct ct_json *j, const struct ct_target *t)
{
	uint32_t i;

	if (t->kids_unknown) {
		ct_json_null(j, "nr_children");
		ct_json_null(j, "children");
		ct_json_null(j, "nr_descendants");
		ct_json_null(j, "descendants");
		return;
	}
	ct_json_u64(j, "nr_children", t->all_kids);
	ct_json_open(j, "children", '[');
	for (i = 0; i < t->nkids && t->kids[i].ppid == t->pid &&
		    i < t->all_kids; i++)
		json_kid(j, &t->kids[i], false);
	ct_json_close(j);
	if (!t->follow) {
		ct_json_null(j, "nr_descendants");
		ct_json_null(j, "descendants");
		return;
	}
	ct_json_u64(j, "nr_descendants", t->all_below);
	ct_json_open(j, "descendants", '[');
	for (i = t->all_kids; i < t->nkids; i++)
		json_kid(j, &t->kids[i], true);
	ct_json_close(j);
}

/*
 * The container of t, as an event's: ct_cgroups_container_of() on its v2
 * path, then its v1 path (keyed 1 in a cache of their own). False: none.
 */
static bool target_container(const struct ct_target *t, struct ct_container *c)
{
	struct ct_cgroups *cg = ct_cgroups_new(false);
	const struct ct_container *k = NULL;
	int err = !cg;

	if (!err && t->cgroup[0])
		err = ct_cgroups_add(cg, 1, t->cgroup);
	if (!err && t->cgroup1_ctrl[0])
		err = ct_cgroups_set_v1(cg, t->cgroup1_ctrl, NULL);
	if (!err && t->cgroup1_ctrl[0] && t->cgroup1[0])
		err = ct_cgroups_add1(cg, 1, t->cgroup1);
	if (!err)
		k = ct_cgroups_container_of(cg, 1, 1);
	if (k)
		*c = *k;
	ct_cgroups_free(cg);
	return k;
}

/* "cgroup_v1":{"controller","id","path"} as an event's; null: none */
static void json_cgroup1(struct ct_json *j, const struct ct_target *t)
{
	if (!t->cgroup1_ctrl[0] || !t->cgroup1[0]) {
		ct_json_null(j, "cgroup_v1");
		return;
	}
	ct_json_cgroup(j, "cgroup_v1", t->cgroup1_ctrl, t->cgroup1_id,
		       t->cgroup1, sizeof(t->cgroup1));
}

static void json_identity(struct ct_json *j, const struct ct_target *t)
{
	struct ct_container c;

	if (t->cgroup[0])
		ct_json_cgroup(j, "cgroup", NULL, t->cgroup_id, t->cgroup,
			       sizeof(t->cgroup));
	else
		ct_json_null(j, "cgroup");
	json_cgroup1(j, t);
	if (!target_container(t, &c)) {
		ct_json_null(j, "container");
		return;
	}
	ct_json_open(j, "container", '{');
	if (c.runtime) {
		ct_json_str(j, "runtime", c.runtime);
		ct_json_str(j, "id", c.id);
	} else {
		ct_json_null(j, "runtime");
		ct_json_null(j, "id");
	}
	if (c.pod_uid[0])
		ct_json_str(j, "pod_uid", c.pod_uid);
	else
		ct_json_null(j, "pod_uid");
	ct_json_close(j);
}

void ct_context_json(const struct ct_target *t, FILE *f)
{
	struct ct_json j;
	uint32_t i;

	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "target");
	ct_json_u64(&j, "pid", t->pid);
	ct_json_strn(&j, "comm", t->comm, CT_COMM_LEN);
	if (t->state)
		ct_json_str(&j, "state", state_name(t->state));
	else
		ct_json_null(&j, "state");
	ct_json_bool(&j, "kernel_thread", t->kthread);
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
	json_below(&j, t);
	json_identity(&j, t);
	ct_json_close(&j);
}

/* "4217 nginx shares vm,files" (with its parent, when not the target) */
static void human_kid(FILE *f, const struct ct_target_kid *k, bool ppid)
{
	char comm[CT_COMM_LEN * 8];
	const char *sep = "";
	int i;

	ct_escape_human(k->comm, CT_COMM_LEN, comm, sizeof(comm));
	fprintf(f, "%u %s", k->pid, comm);
	if (ppid)
		fprintf(f, " (child of %u)", k->ppid);
	if (!k->state || k->state == 'Z' || k->state == 'X') {
		fprintf(f, " %s", k->state ? "zombie" : "gone");
		return;
	}
	if (k->state == 'T' || k->state == 't')
		fprintf(f, " stopped,");
	fprintf(f, " shares ");
	for (i = 0; i < CT_SHARE_NR; i++)
		if (k->shares & (1U << i)) {
			fprintf(f, "%s%s", sep, ct_share_names[i]);
			sep = ",";
		}
	if (!*sep)
		fprintf(f, "nothing");
}

/*
 * " (K1; K2; and N more not listed)": listed kids [from, to), the first
 * HUMAN_KIDS of them, of all.
 */
static void human_kids(FILE *f, const struct ct_target *t, uint32_t from,
		       uint32_t to, uint32_t all)
{
	uint32_t i;

	if (!all)
		return;
	if (to - from > HUMAN_KIDS)
		to = from + HUMAN_KIDS;
	for (i = from; i < to; i++) {
		fprintf(f, "%s", i > from ? "; " : " (");
		human_kid(f, &t->kids[i], from > 0);
	}
	if (all > to - from)
		fprintf(f, "%s%u more not listed", to > from ? "; and " : " (",
			all - (to - from));
	fprintf(f, ")");
}

static void human_identity(FILE *f, const struct ct_target *t)
{
	char path[sizeof(t->cgroup) * 4];
	struct ct_container c;

	if (t->uid >= 0)
		fprintf(f, ", uid %" PRId64 " gid %" PRId64, t->uid, t->gid);
	if (t->cgroup[0]) {
		ct_escape_human(t->cgroup, sizeof(t->cgroup), path,
				sizeof(path));
		fprintf(f, ", cgroup %s", path);
	}
	if (t->cgroup1_ctrl[0] && t->cgroup1[0]) {	/* as -x's */
		ct_escape_human(t->cgroup1, sizeof(t->cgroup1), path,
				sizeof(path));
		fprintf(f, ", cgroup_v1 %s:%s", t->cgroup1_ctrl, path);
	}
	if (!target_container(t, &c))
		return;
	if (c.runtime)
		fprintf(f, ", container %s:%.12s", c.runtime, c.id);
	if (c.pod_uid[0])
		fprintf(f, ", pod %s", c.pod_uid);
}

static const char *human_state(const struct ct_target *t)
{
	if (!t->state)
		return ", exiting";
	if (t->kthread)
		return ", kernel thread";
	switch (t->state) {
	case 'T': return ", stopped";
	case 't': return ", stopped by a tracer";
	case 'Z': return ", zombie leader: only its other threads run";
	case 'X': return ", dead";
	}
	return "";
}

/* With -f: "PREFIXtarget P: -f follows N processes below it: ..." */
static void human_below(FILE *f, const struct ct_target *t, uint32_t listed,
			const char *prefix)
{
	fprintf(f, "%starget %u: -f follows %s%u process%s below it: its %u child%s and %u below them",
		prefix, t->pid, t->below_cut ? "at least " : "",
		t->all_below, t->all_below == 1 ? "" : "es",
		t->all_kids, t->all_kids == 1 ? "" : "ren",
		t->all_below - t->all_kids);
	human_kids(f, t, listed, t->nkids, t->all_below - t->all_kids);
	fprintf(f, "\n");
}

/*
 * PREFIXtarget P (comm[, state]): N threads, M children (C comm shares
 * vm,files; ...), uid U gid G, cgroup PATH[, cgroup_v1 CONTROLLER:PATH][,
 * container RUNTIME:ID][, pod UID]; with -f a second line (human_below()).
 * Written in one piece.
 */
void ct_context_human(const struct ct_target *t, FILE *out,
		      const char *prefix)
{
	char comm[CT_COMM_LEN * 8], *buf = NULL;
	uint32_t listed = t->nkids < t->all_kids ? t->nkids : t->all_kids;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return;
	ct_escape_human(t->comm, CT_COMM_LEN, comm, sizeof(comm));
	fprintf(f, "%starget %u (%s%s): %u thread%s, ", prefix, t->pid, comm,
		human_state(t), t->all_threads,
		t->all_threads == 1 ? "" : "s");
	if (t->kids_unknown)
		fprintf(f, "children unknown (no /proc/PID/task/TID/children in this kernel)");
	else
		fprintf(f, "%u child%s", t->all_kids,
			t->all_kids == 1 ? "" : "ren");
	human_kids(f, t, 0, listed, t->all_kids);
	human_identity(f, t);
	fprintf(f, "\n");
	if (t->follow && !t->kids_unknown)
		human_below(f, t, listed, prefix);
	if (!fclose(f))
		fputs(buf, out);
	free(buf);
}
