// SPDX-License-Identifier: GPL-2.0
/*
 * share.c - "clonetrace share": which tasks share which task_struct
 * resources (mm, files, fs, sighand, signal, io, sysvsem, nsproxy).
 *
 * Two sources, the same groups:
 *  - debugfs: the optional module's /sys/kernel/debug/clonetrace/tasks,
 *    with an opaque id and the refcount of every object, used only when
 *    the module lists our tasks as /proc does (an older module gives
 *    global TIDs, which differ from /proc's inside a PID namespace);
 *  - kcmp(2): the kernel orders two tasks' objects without revealing
 *    them, so sorting the tasks with kcmp() as the comparison puts the
 *    sharers next to each other. It has no refcounts. signal is shared
 *    exactly by a thread group (CLONE_THREAD needs it), so it is grouped
 *    by TGID. Namespaces come from /proc/TID/ns in both sources.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include <fcntl.h>

#include "ct_event.h"
#include "commands.h"
#include "decode.h"
#include "escape.h"
#include "json.h"
#include "proc.h"
#include "util.h"

#define DEBUGFS_TASKS	"/sys/kernel/debug/clonetrace/tasks"

enum source { SRC_AUTO, SRC_DEBUGFS, SRC_KCMP };

/* Resources compared between tasks, in output order. */
enum res { R_MM, R_FILES, R_FS, R_SIGHAND, R_SIGNAL, R_IO, R_SYSVSEM,
	   R_NSPROXY, R_NR };

static const char *const res_names[R_NR] = {
	"mm", "files", "fs", "sighand", "signal", "io", "sysvsem", "nsproxy",
};

static const int res_kcmp[R_NR] = {
	[R_MM] = KCMP_VM, [R_FILES] = KCMP_FILES, [R_FS] = KCMP_FS,
	[R_SIGHAND] = KCMP_SIGHAND, [R_IO] = KCMP_IO,
	[R_SYSVSEM] = KCMP_SYSVSEM, [R_SIGNAL] = -1, [R_NSPROXY] = -1,
};

/* The namespaces of the flag table, bit order: /proc/TID/ns/NAME. */
#define NS_MAX	16
static const char *ns_names[NS_MAX];
static size_t ns_nr;

static void list_namespaces(void)
{
	const struct ct_flag *f;
	size_t i;

	for (i = 0; (f = ct_flag_at(i)) && ns_nr < NS_MAX; i++)
		if (f->ns)
			ns_names[ns_nr++] = f->ns;
}

struct task {
	pid_t tid, pid, ppid;
	bool has_mm;
	char comm[CT_COMM_LEN];	/* /proc/TID/comm, as the kernel has it */
	/* the group key of each resource, valid when have[] is set */
	unsigned long long key[R_NR];
	bool have[R_NR];
	long ref[R_NR];			/* -1: unknown */
	unsigned long long ns[NS_MAX];	/* namespace inode, 0: none */
};

/* The options (share-only state, as are the tasks below). */
static struct share_opts {
	struct ct_pids roots;
	bool tree;
	bool json;
	enum source source;
} opt;

static struct task *tasks;
static size_t ntasks, cap;

static const struct argp_option options[] = {
	{ "pid", 'p', "PID[,PID...]", 0, "The processes to show (required)" },
	{ "tree", 't', NULL, 0, "Also every descendant of them" },
	{ "source", 's', "SRC", 0,
	  "auto (default: debugfs when the module is loaded), debugfs, kcmp" },
	{ "json", 'j', NULL, 0, "One JSON object" },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		return ct_opt_pids(state, arg, &opt.roots);
	case 't':
		opt.tree = true;
		break;
	case 's':
		if (!strcmp(arg, "auto"))
			opt.source = SRC_AUTO;
		else if (!strcmp(arg, "debugfs"))
			opt.source = SRC_DEBUGFS;
		else if (!strcmp(arg, "kcmp"))
			opt.source = SRC_KCMP;
		else
			return ct_usage_error(state, "unknown source '%s': expected auto, debugfs or kcmp",
					      arg);
		break;
	case 'j':
		opt.json = true;
		break;
	case ARGP_KEY_END:
		if (!opt.roots.n)
			return ct_usage_error(state, "need -p PID");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The task's comm as the kernel has it (status escapes and alters it). */
static void read_comm(pid_t tid, char *comm, size_t len)
{
	char path[64];
	ssize_t n = -1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, len - 1);
		close(fd);
	}
	if (n < 0)
		n = 0;
	if (n > 0 && comm[n - 1] == '\n')
		n--;
	memset(comm + n, 0, len - n);
}

/* 0, or -ENOMEM; a task that is gone meanwhile is left out. */
static int add_task(pid_t tid)
{
	struct ct_proc_status st;
	struct task *t;
	size_t i;

	for (i = 0; i < ntasks; i++)
		if (tasks[i].tid == tid)
			return 0;
	if (ntasks == cap) {
		size_t n = cap ? cap * 2 : 64;

		t = realloc(tasks, n * sizeof(*tasks));
		if (!t)
			return -ENOMEM;
		tasks = t;
		cap = n;
	}
	if (ct_proc_status(tid, &st))
		return 0;
	t = &tasks[ntasks];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = st.tgid;
	t->ppid = st.ppid;
	t->has_mm = st.has_mm;
	read_comm(tid, t->comm, CT_COMM_LEN);
	for (i = 0; i < R_NR; i++)
		t->ref[i] = -1;
	ntasks++;
	return 0;
}

static int add_process(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int err = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while (!err && (d = readdir(dir)))
		if (d->d_name[0] != '.')
			err = add_task(atoi(d->d_name));
	closedir(dir);
	return err;
}

/* Every process whose parent is already in the set, until none is added. */
static int add_descendants(void)
{
	bool added = true;
	int err = 0;

	while (added && !err) {
		struct dirent *d;
		DIR *proc = opendir("/proc");

		added = false;
		if (!proc)
			return 0;
		while (!err && (d = readdir(proc))) {
			pid_t pid = atoi(d->d_name);
			struct ct_proc_status st;
			bool have = false, parent = false;
			size_t i;

			if (pid <= 0 || ct_proc_status(pid, &st))
				continue;
			for (i = 0; i < ntasks; i++) {
				have |= tasks[i].pid == pid;
				parent |= tasks[i].pid == st.ppid;
			}
			if (parent && !have) {
				err = add_process(pid);
				added = true;
			}
		}
		closedir(proc);
	}
	return err;
}

static void read_namespaces(struct task *t)
{
	size_t i;

	for (i = 0; i < ns_nr; i++) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", t->tid,
			 ns_names[i]);
		t->ns[i] = stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
	}
}

/* ---- source: the module's debugfs ---- */

/*
 * Does the module's line for TID @tid (pid @pid, ppid @ppid) match what
 * /proc says of that TID? A task gone from /proc meanwhile matches.
 */
static bool agrees(pid_t tid, pid_t pid, pid_t ppid, pid_t *mismatch)
{
	size_t k;

	if (tid == syscall(SYS_gettid)) {
		if (pid == getpid() && ppid == getppid())
			return true;
		*mismatch = tid;
		return false;
	}
	for (k = 0; k < ntasks && tasks[k].tid != tid; k++)
		;
	if (k == ntasks || (tasks[k].pid == pid && tasks[k].ppid == ppid))
		return true;
	*mismatch = tid;
	return false;
}

/*
 * Read the module's tasks file. Returns -EXDEV (the module's TIDs are not
 * /proc's) when a task of ours, or this very thread, is listed with
 * another PID or PPID than /proc gives, or one alive is missing.
 */
static int from_debugfs(pid_t *mismatch)
{
	int col[R_NR], ncols = 0, i;
	bool *seen = calloc(ntasks + 1, sizeof(*seen));
	bool self = false, agree = true;
	char line[1024];
	FILE *f = fopen(DEBUGFS_TASKS, "r");
	size_t k;

	if (!f || !seen) {
		free(seen);
		if (f)
			fclose(f);
		return f ? -ENOMEM : -errno;
	}
	for (i = 0; i < R_NR; i++)
		col[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		char *tok[32], *save = NULL, *p;
		int n = 0, r;
		size_t k;
		pid_t tid;

		line[strcspn(line, "\n")] = '\0';
		for (p = strtok_r(line, " ", &save); p && n < 32;
		     p = strtok_r(NULL, " ", &save))
			tok[n++] = p;
		if (n && !strcmp(tok[0], "#")) {
			/* "# clonetrace tasks v1: tid pid ppid kind comm mm ..." */
			if (n < 9 || strcmp(tok[1], "clonetrace") ||
			    strcmp(tok[2], "tasks") || strcmp(tok[3], "v1:") ||
			    strcmp(tok[8], "comm"))
				break;	/* a format this version cannot read */
			for (i = 9; i < n; i++)
				for (r = 0; r < R_NR; r++)
					if (!strcmp(tok[i], res_names[r]))
						col[r] = i - 9;
			ncols = n - 9;
			continue;
		}
		if (n < 5 + ncols)
			continue;
		tid = atoi(tok[0]);
		if (agree && !agrees(tid, atoi(tok[1]), atoi(tok[2]), mismatch))
			agree = false;
		self |= tid == syscall(SYS_gettid);
		for (k = 0; k < ntasks && tasks[k].tid != tid; k++)
			;
		if (k == ntasks)
			continue;
		seen[k] = true;
		for (r = 0; r < R_NR; r++) {
			char *obj, *colon;

			if (col[r] < 0)
				continue;
			obj = tok[n - ncols + col[r]];
			if (!strcmp(obj, "-"))
				continue;	/* absent */
			colon = strchr(obj, ':');
			tasks[k].key[r] = strtoull(obj, NULL, 16);
			tasks[k].have[r] = true;
			if (colon && colon[1] != '?')
				tasks[k].ref[r] = strtol(colon + 1, NULL, 10);
		}
	}
	fclose(f);
	if (!ncols) {
		free(seen);
		return -EPROTO;
	}
	for (k = 0; k < ntasks && agree; k++) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d", tasks[k].tid);
		if (!seen[k] && access(path, F_OK) == 0) {
			*mismatch = tasks[k].tid;
			agree = false;
		}
	}
	if (agree && !self) {
		*mismatch = syscall(SYS_gettid);
		agree = false;
	}
	free(seen);
	return agree ? 0 : -EXDEV;
}

/* ---- source: kcmp(2) ---- */

static int kcmp_type;
static int kcmp_err;

static int kcmp(pid_t a, pid_t b, int type)
{
	return syscall(SYS_kcmp, a, b, type, 0, 0);
}

static int cmp_kcmp(const void *a, const void *b)
{
	const struct task *x = *(const struct task *const *)a;
	const struct task *y = *(const struct task *const *)b;
	int r = kcmp(x->tid, y->tid, kcmp_type);

	if (r < 0) {
		kcmp_err = errno;
		return 0;
	}
	return r == 0 ? 0 : r == 1 ? -1 : 1;
}

/*
 * kcmp() compares the pointers, and two tasks without an io_context (or
 * SysV undo list) compare equal: a fresh child of ours has neither, so
 * tasks equal to it have none. But fork() gives the child an io_context
 * of its own when ours carries an I/O priority (ionice; copy_io() in
 * kernel/fork.c): drop ours to "none" around the fork, then restore it.
 */
#define IOPRIO_WHO_PROCESS	1
#define IOPRIO_CLASS_SHIFT	13

static pid_t spawn_reference(void)
{
	pid_t parent = getpid();
	int prio = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
	bool reset = prio > 0 && (prio >> IOPRIO_CLASS_SHIFT) != 0;
	pid_t pid;

	if (reset && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, 0))
		reset = false;
	pid = fork();
	if (pid == 0) {
		/* it dies with us, however we end (SIGTERM, SIGKILL...) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == parent)
			pause();
		_exit(0);
	}
	if (reset)
		syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio);
	return pid;
}

/*
 * One pass of every kcmp() type over the tasks: 0, or the errno of the
 * first kcmp() that failed (ESRCH: a task has exited meanwhile).
 */
static int kcmp_pass(struct task **order, pid_t ref)
{
	size_t i, g;
	int r;

	for (r = 0; r < R_NR; r++) {
		if (res_kcmp[r] < 0)
			continue;
		for (i = 0; i < ntasks; i++)
			order[i] = &tasks[i];
		kcmp_type = res_kcmp[r];
		kcmp_err = 0;
		qsort(order, ntasks, sizeof(*order), cmp_kcmp);
		for (i = 0, g = 0; i < ntasks; i++) {
			bool none = false;

			if (i && kcmp(order[i - 1]->tid, order[i]->tid,
				      kcmp_type) != 0)
				g++;
			if (r == R_IO || r == R_SYSVSEM)
				none = kcmp(order[i]->tid, ref, kcmp_type) == 0;
			if (r == R_MM)
				none = !order[i]->has_mm;
			order[i]->key[r] = g;
			order[i]->have[r] = !none;
		}
		if (kcmp_err)
			return kcmp_err;
	}
	return 0;
}

/* Tasks that have exited since they were listed, left out; how many. */
static size_t drop_exited(void)
{
	size_t i, n = 0;

	for (i = 0; i < ntasks; i++)
		if (!syscall(SYS_tgkill, tasks[i].pid, tasks[i].tid, 0) ||
		    errno != ESRCH)
			tasks[n++] = tasks[i];
	i = ntasks - n;
	ntasks = n;
	return i;
}

#define KCMP_TRIES	5

/*
 * kcmp() needs every task alive: a task that exits while the tasks are
 * compared is left out, and the comparison done again.
 */
static int from_kcmp(void)
{
	struct task **order = calloc(ntasks + 1, sizeof(*order));
	pid_t ref = spawn_reference();
	size_t i, gone = 0;
	int err = ESRCH, try;

	if (!order || ref < 0) {
		free(order);
		if (ref > 0) {
			kill(ref, SIGKILL);
			waitpid(ref, NULL, 0);
		}
		return -ENOMEM;
	}
	for (try = 0; try < KCMP_TRIES && err == ESRCH && ntasks; try++) {
		err = kcmp_pass(order, ref);
		if (err == ESRCH)
			gone += drop_exited();
	}
	if (!ntasks)
		err = ESRCH;
	kill(ref, SIGKILL);
	waitpid(ref, NULL, 0);
	free(order);
	if (gone)
		ct_msg("%zu tasks exited while they were compared: left out",
		       gone);
	for (i = 0; i < ntasks; i++) {
		tasks[i].key[R_SIGNAL] = tasks[i].pid;
		tasks[i].have[R_SIGNAL] = true;
	}
	return -err;
}

/* Why kcmp() failed, and what to do. */
static int kcmp_failed(int err)
{
	switch (err) {
	case ENOSYS:
		return ct_fail(CT_EXIT_FAILURE, "kcmp(2) is not available: the kernel lacks CONFIG_KCMP (load the module: -s debugfs)");
	case EPERM:
	case EACCES:
		return ct_fail(CT_EXIT_FAILURE, "kcmp refused: %s (it needs ptrace read access to every task; root may still be refused by Yama or a non-dumpable task)",
			       strerror(err));
	case ESRCH:
		return ct_fail(CT_EXIT_FAILURE, "the tasks kept exiting while they were compared: run again");
	default:
		return ct_fail(CT_EXIT_FAILURE, "kcmp failed: %s", strerror(err));
	}
}

/* ---- output ---- */

static int cmp_tid(const void *a, const void *b)
{
	const struct task *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

/* Does task t have resource idx (a namespace when is_ns), and which? */
static bool key_of(const struct task *t, bool is_ns, size_t idx,
		   unsigned long long *key)
{
	*key = is_ns ? t->ns[idx] : t->key[idx];
	return is_ns ? t->ns[idx] != 0 : t->have[idx];
}

/* One group: the tasks that have the same object of one type. */
struct group {
	char type[16];		/* "mm", "ns:pid" */
	long ref;		/* refcount, -1: unknown */
	pid_t *tids;
	size_t n;
};

typedef void group_fn(void *ctx, const struct group *g);

/* Every group of one resource (a namespace when is_ns), tids ascending. */
static void groups_of(struct group *g, bool is_ns, size_t idx, group_fn *emit,
		      void *ctx)
{
	bool *done = calloc(ntasks, sizeof(*done));
	unsigned long long k, kj;
	size_t i, j;

	if (!done)
		return;
	for (i = 0; i < ntasks; i++) {
		if (done[i] || !key_of(&tasks[i], is_ns, idx, &k))
			continue;
		g->ref = is_ns ? -1 : tasks[i].ref[idx];
		g->n = 0;
		for (j = i; j < ntasks; j++) {
			if (!done[j] && key_of(&tasks[j], is_ns, idx, &kj) &&
			    kj == k) {
				done[j] = true;
				g->tids[g->n++] = tasks[j].tid;
			}
		}
		emit(ctx, g);
	}
	free(done);
}

/* Every group of every resource, then of every namespace. */
static int all_groups(group_fn *emit, void *ctx)
{
	struct group g = { .tids = calloc(ntasks + 1, sizeof(pid_t)) };
	size_t r;

	if (!g.tids)
		return -ENOMEM;
	for (r = 0; r < R_NR; r++) {
		snprintf(g.type, sizeof(g.type), "%s", res_names[r]);
		groups_of(&g, false, r, emit, ctx);
	}
	for (r = 0; r < ns_nr; r++) {
		snprintf(g.type, sizeof(g.type), "ns:%s", ns_names[r]);
		groups_of(&g, true, r, emit, ctx);
	}
	free(g.tids);
	return 0;
}

static void human_group(void *ctx, const struct group *g)
{
	char refs[24] = "-";
	size_t i;

	if (g->ref >= 0)
		snprintf(refs, sizeof(refs), "%ld", g->ref);
	printf("%-10s %7zu %8s ", g->type, g->n, refs);
	for (i = 0; i < g->n; i++)
		printf("%s%d", i ? "," : "", g->tids[i]);
	putchar('\n');
}

/*
 * Why kcmp() shows no group of resource r for some tasks: nsproxy has no
 * kcmp type at all; an io context or SysV undo list is allocated only on
 * first use (block I/O or ioprio_set(); semop() with SEM_UNDO), and a
 * fork without CLONE_IO / CLONE_SYSVSEM starts without its parent's.
 */
static const char *const kcmp_absent[R_NR] = {
	[R_IO] = "no io context (allocated on first block I/O or ioprio_set(); shared only with CLONE_IO)",
	[R_SYSVSEM] = "no SysV undo list: not shared (allocated by semop() with SEM_UNDO; shared only with CLONE_SYSVSEM)",
	[R_NSPROXY] = "not available from kcmp(2), which has no type for it (the ns: rows compare each namespace; the module's debugfs source has it)",
};

/* The tasks kcmp() found without resource r, into tids; how many. */
static size_t absent_tids(size_t r, pid_t *tids)
{
	size_t i, n = 0;

	for (i = 0; i < ntasks; i++)
		if (!tasks[i].have[r])
			tids[n++] = tasks[i].tid;
	return n;
}

/* After the groups: each resource some tasks are missing from, and why. */
static int human_absent(void)
{
	pid_t *tids = calloc(ntasks + 1, sizeof(pid_t));
	size_t r, i, n;

	if (!tids)
		return -ENOMEM;
	for (r = 0; r < R_NR; r++) {
		if (!kcmp_absent[r] || !(n = absent_tids(r, tids)))
			continue;
		printf("%-10s %s: ", res_names[r], kcmp_absent[r]);
		for (i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", tids[i]);
		putchar('\n');
	}
	free(tids);
	return 0;
}

static int json_absent(struct ct_json *j)
{
	pid_t *tids = calloc(ntasks + 1, sizeof(pid_t));
	size_t r, i, n;

	if (!tids)
		return -ENOMEM;
	ct_json_open(j, "absent", '[');
	for (r = 0; r < R_NR; r++) {
		if (!kcmp_absent[r] || !(n = absent_tids(r, tids)))
			continue;
		ct_json_open(j, NULL, '{');
		ct_json_str(j, "type", res_names[r]);
		ct_json_str(j, "why", kcmp_absent[r]);
		ct_json_open(j, "tids", '[');
		for (i = 0; i < n; i++)
			ct_json_i64(j, NULL, tids[i]);
		ct_json_close(j);
		ct_json_close(j);
	}
	ct_json_close(j);
	free(tids);
	return 0;
}

static int print_human(const char *source)
{
	char comm[CT_COMM_LEN * 8];
	size_t r;

	printf("clonetrace share: %zu tasks (source: %s)\n", ntasks, source);
	printf("%-7s %7s %7s %-15s\n", "TID", "PID", "PPID", "COMM");
	for (r = 0; r < ntasks; r++) {
		ct_escape_human(tasks[r].comm, CT_COMM_LEN, comm, sizeof(comm));
		printf("%-7d %7d %7d %-15s\n", tasks[r].tid, tasks[r].pid,
		       tasks[r].ppid, comm);
	}
	printf("\n%-10s %7s %8s %s\n", "RESOURCE", "MEMBERS", "REFCOUNT",
	       "TIDS");
	if (all_groups(human_group, NULL))
		return -ENOMEM;
	if (strcmp(source, "kcmp"))
		return 0;
	printf("\n%-10s %s\n", "ABSENT", "WHY: TIDS");
	return human_absent();
}

static void json_group(void *ctx, const struct group *g)
{
	struct ct_json *j = ctx;
	size_t i;

	ct_json_open(j, NULL, '{');
	ct_json_str(j, "type", g->type);
	ct_json_u64(j, "members", g->n);
	if (g->ref >= 0)
		ct_json_i64(j, "refcount", g->ref);
	else
		ct_json_null(j, "refcount");
	ct_json_open(j, "tids", '[');
	for (i = 0; i < g->n; i++)
		ct_json_i64(j, NULL, g->tids[i]);
	ct_json_close(j);
	ct_json_close(j);
}

static int print_json(const char *source)
{
	struct ct_json j;
	size_t i;
	int err;

	ct_json_init(&j, stdout);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "source", source);
	ct_json_open(&j, "tasks", '[');
	for (i = 0; i < ntasks; i++) {
		ct_json_open(&j, NULL, '{');
		ct_json_i64(&j, "tid", tasks[i].tid);
		ct_json_i64(&j, "pid", tasks[i].pid);
		ct_json_i64(&j, "ppid", tasks[i].ppid);
		ct_json_strn(&j, "comm", tasks[i].comm, CT_COMM_LEN);
		ct_json_close(&j);
	}
	ct_json_close(&j);
	ct_json_open(&j, "groups", '[');
	err = all_groups(json_group, &j);
	ct_json_close(&j);
	if (!err && !strcmp(source, "kcmp"))
		err = json_absent(&j);
	ct_json_close(&j);
	return err;
}

static const struct argp share_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = NULL,
	.doc = "Show which tasks share which task_struct resources.\n\n"
	       "USAGE: clonetrace share -p PID[,PID...] [-t] [-s SOURCE] [-j]\n\n"
	       "Groups come from the clonetrace module's debugfs files (with "
	       "refcounts) when it is loaded, else from kcmp(2) and /proc.",
};

int ct_share_main(int argc, char **argv)
{
	const char *source;
	pid_t mismatch = 0;
	size_t i;
	int err, r;

	/* a fresh start: the state above is this file's, not the call's */
	opt = (struct share_opts){};
	free(tasks);
	tasks = NULL;
	ntasks = cap = 0;
	ns_nr = 0;
	if (ct_parse_args(&share_argp, argc, argv, "clonetrace share", NULL))
		return CT_EXIT_USAGE;

	for (r = 0, err = 0; r < opt.roots.n && !err; r++) {
		pid_t tgid = ct_tgid_of(opt.roots.pid[r]);

		if (!tgid)
			return ct_fail(CT_EXIT_FAILURE, "no such process: %d",
				       opt.roots.pid[r]);
		err = add_process(tgid);
	}
	if (opt.tree && !err)
		err = add_descendants();
	if (err)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	qsort(tasks, ntasks, sizeof(*tasks), cmp_tid);
	list_namespaces();
	for (i = 0; i < ntasks; i++)
		read_namespaces(&tasks[i]);

	err = -ENOENT;
	if (opt.source == SRC_DEBUGFS ||
	    (opt.source == SRC_AUTO && access(DEBUGFS_TASKS, R_OK) == 0)) {
		source = "debugfs";
		err = from_debugfs(&mismatch);
		if (err == -EXDEV && opt.source == SRC_AUTO)
			ct_msg("share: the module's %s does not match /proc (task %d: another PID namespace, or an older module): using kcmp",
			       DEBUGFS_TASKS, mismatch);
		else if (err == -EXDEV)
			return ct_fail(CT_EXIT_FAILURE, "share: the module's %s does not match /proc (task %d): it numbers tasks in another PID namespace (load a module that reads TIDs in the reader's namespace, or use -s kcmp)",
				       DEBUGFS_TASKS, mismatch);
		else if (err)
			return ct_fail(CT_EXIT_FAILURE, "cannot read %s: %s (load the module: insmod clonetrace.ko; mount debugfs)",
				       DEBUGFS_TASKS, strerror(-err));
	}
	if (err) {
		for (i = 0; i < ntasks; i++) {
			memset(tasks[i].key, 0, sizeof(tasks[i].key));
			memset(tasks[i].have, 0, sizeof(tasks[i].have));
			for (r = 0; r < R_NR; r++)
				tasks[i].ref[r] = -1;
		}
		source = "kcmp";
		err = from_kcmp();
		if (err == -ENOMEM)
			return ct_fail(CT_EXIT_FAILURE, "out of memory");
		if (err)
			return kcmp_failed(-err);
	}
	err = opt.json ? print_json(source) : print_human(source);
	free(tasks);
	tasks = NULL;
	ntasks = cap = 0;
	if (err)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	return CT_EXIT_OK;
}
