// SPDX-License-Identifier: GPL-2.0
/*
 * diagnose.c - naming the limit that refused a creation.
 *
 * copy_process() refuses a new task with EAGAIN when, in this order:
 *   1. the real user has RLIMIT_NPROC tasks or more (ucounts), unless it
 *      is root or has CAP_SYS_RESOURCE or CAP_SYS_ADMIN;
 *   2. nr_threads >= max_threads (kernel.threads-max);
 *   3. a pids cgroup of the task, or an ancestor, is at pids.max
 *      (cgroup_can_fork);
 *   4. alloc_pid() finds no free PID below kernel.pid_max.
 * alloc_pid() returns ENOMEM when the PID namespace's init has exited;
 * other ENOMEM are allocation failures.
 *
 * The values are read from user space when the failure event arrives,
 * not in the kernel at the moment of the failure: the task may have
 * exited, moved to another cgroup, or other tasks may have come and gone
 * in between (the ring buffer delivers within about 100 ms). So the
 * verdict is "this limit was at its maximum when we looked"; the numbers
 * are printed so that the reader can judge. An event field filled in the
 * kernel (uid, pids cgroup id) would narrow the race; see the report.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "diagnose.h"
#include "escape.h"
#include "json.h"
#include "proc.h"

#define EPISODE_NS	1000000000ULL
#define MAX_DIAGS	10000
#define RESERVED_PIDS	300		/* kernel/pid.c */
#define CAP_SYS_ADMIN_BIT	21
#define CAP_SYS_RESOURCE_BIT	24

static const char *const limit_names[CT_LIMIT_NR] = {
	[CT_LIMIT_UNKNOWN]	= "unknown",
	[CT_LIMIT_NPROC]	= "rlimit_nproc",
	[CT_LIMIT_THREADS_MAX]	= "threads_max",
	[CT_LIMIT_PIDS_CGROUP]	= "pids_cgroup",
	[CT_LIMIT_PID_MAX]	= "pid_max",
};

static const char *limit_name(unsigned int limit)
{
	return limit < CT_LIMIT_NR ? limit_names[limit] : "unknown";
}

/* Does this failure get a diagnosis (EAGAIN, ENOMEM)? */
static bool diag_wanted(const struct ct_event *e)
{
	return e->type == CT_EV_CLONE_FAILED &&
	       (e->err == EAGAIN || e->err == ENOMEM);
}

/*
 * Tasks (threads) whose real uid is uid, as RLIMIT_NPROC counts them.
 * A walk of /proc: only done for the first failure of an episode.
 */
static uint64_t tasks_of_user(uint64_t uid)
{
	struct dirent *de;
	uint64_t n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return CT_DIAG_UNKNOWN;
	while ((de = readdir(d))) {
		struct ct_proc_status st;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (ct_proc_status(atoi(de->d_name), &st))
			continue;	/* exited meanwhile */
		if (st.uid == uid)
			n += st.threads;
	}
	closedir(d);
	return n;
}

/* ---- the pids cgroup ---- */

/*
 * From the task's cgroup up to the root: the first level at its
 * pids.max. Without one, the deepest level that has a limit, else the
 * task's own.
 */
static bool pids_cgroup(pid_t pid, struct ct_diag *d)
{
	char mnt[512], path[CT_DIAG_PATH_LEN], file[1024];
	bool have = false;
	char *slash;

	if (ct_cgroup_of(pid, "pids", mnt, sizeof(mnt), path, sizeof(path)))
		return false;
	for (;;) {
		uint64_t cur, max;
		bool limited;

		snprintf(file, sizeof(file), "%s%s/pids.max", mnt, path);
		max = ct_read_number(file);
		snprintf(file, sizeof(file), "%s%s/pids.current", mnt, path);
		cur = ct_read_number(file);
		limited = max != CT_DIAG_UNLIMITED && max != CT_DIAG_UNKNOWN;
		if (!have || (limited && (d->cg_max == CT_DIAG_UNLIMITED ||
					  d->cg_max == CT_DIAG_UNKNOWN)) ||
		    (limited && cur != CT_DIAG_UNKNOWN && cur >= max)) {
			snprintf(d->cg_path, sizeof(d->cg_path), "%s",
				 path[0] ? path : "/");
			d->cg_current = cur;
			d->cg_max = max;
			have = true;
			if (limited && cur != CT_DIAG_UNKNOWN && cur >= max)
				return true;
		}
		/* up one level: "/a/b" -> "/a" -> "" (the root) -> stop */
		slash = strrchr(path, '/');
		if (!slash || !path[1])
			break;
		*slash = '\0';
	}
	return false;
}

/*
 * System-wide counts move between the failure and our read (tasks of
 * anyone exit): a limit this close is taken as the one that was hit.
 */
static uint64_t slack(uint64_t max)
{
	return max / 64 > 4 ? max / 64 : 4;
}

void ct_diagnose(const struct ct_event *e, struct ct_diag *d)
{
	struct ct_proc_status st;
	bool exempt = false, cg_full;

	memset(d, 0, sizeof(*d));
	d->ts_ns = e->ts_ns;
	d->ppid = e->ppid;
	d->ptid = e->ptid;
	d->err = e->err;
	d->syscall = e->syscall;
	d->kind = e->kind;
	memcpy(d->pcomm, e->pcomm, CT_COMM_LEN);
	d->uid = d->nproc_count = d->nproc_limit = CT_DIAG_UNKNOWN;

	/* the creator may be gone already: then only the system limits */
	if (!ct_proc_status(e->ppid, &st)) {
		d->uid = st.uid;
		exempt = st.uid == 0 ||
			 st.cap_eff & (1ULL << CAP_SYS_ADMIN_BIT |
				       1ULL << CAP_SYS_RESOURCE_BIT);
		d->nproc_limit = ct_nproc_limit(e->ppid);
		if (d->nproc_limit != CT_DIAG_UNLIMITED &&
		    d->nproc_limit != CT_DIAG_UNKNOWN)
			d->nproc_count = tasks_of_user(st.uid);
	}
	d->threads = ct_nr_threads();
	d->threads_max = ct_read_number("/proc/sys/kernel/threads-max");
	d->pid_max = ct_read_number("/proc/sys/kernel/pid_max");
	d->cg_current = d->cg_max = CT_DIAG_UNKNOWN;
	cg_full = pids_cgroup(e->ppid, d);

	if (e->err != EAGAIN) {
		d->limit = CT_LIMIT_UNKNOWN;
		return;
	}
	if (!exempt && d->nproc_count != CT_DIAG_UNKNOWN &&
	    d->nproc_count >= d->nproc_limit)
		d->limit = CT_LIMIT_NPROC;
	else if (d->threads != CT_DIAG_UNKNOWN &&
		 d->threads_max != CT_DIAG_UNKNOWN &&
		 d->threads + slack(d->threads_max) >= d->threads_max)
		d->limit = CT_LIMIT_THREADS_MAX;
	else if (cg_full)
		d->limit = CT_LIMIT_PIDS_CGROUP;
	else if (d->threads != CT_DIAG_UNKNOWN &&
		 d->pid_max != CT_DIAG_UNKNOWN &&
		 d->threads + RESERVED_PIDS >= d->pid_max)
		d->limit = CT_LIMIT_PID_MAX;
	else
		d->limit = CT_LIMIT_UNKNOWN;
}

/* ---- episodes ---- */

struct ct_diag_log {
	struct ct_diag *diags;
	size_t n, cap;
};

struct ct_diag_log *ct_diag_log_new(void)
{
	return calloc(1, sizeof(struct ct_diag_log));
}

void ct_diag_log_free(struct ct_diag_log *log)
{
	if (!log)
		return;
	free(log->diags);
	free(log);
}

bool ct_diag_account(struct ct_diag_log *log, const struct ct_event *e)
{
	size_t i;

	if (!diag_wanted(e))
		return false;
	/* events of different CPUs arrive slightly out of order */
	for (i = log->n; i > 0; i--) {
		struct ct_diag *d = &log->diags[i - 1];
		int64_t age = (int64_t)(e->ts_ns - d->ts_ns);

		if (age > (int64_t)(2 * EPISODE_NS))
			break;
		if (d->ppid == e->ppid && d->err == e->err &&
		    age < (int64_t)EPISODE_NS) {
			d->repeats++;
			return false;
		}
	}
	if (log->n >= MAX_DIAGS) {
		log->diags[log->n - 1].repeats++;	/* keep the count */
		return false;
	}
	return true;
}

int ct_diag_add(struct ct_diag_log *log, const struct ct_diag *d)
{
	if (log->n == log->cap) {
		size_t cap = log->cap ? log->cap * 2 : 16;
		struct ct_diag *n = realloc(log->diags, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		log->diags = n;
		log->cap = cap;
	}
	log->diags[log->n] = *d;
	log->diags[log->n].repeats = 0;
	log->n++;
	return 0;
}

size_t ct_diag_count(const struct ct_diag_log *log)
{
	return log->n;
}

const struct ct_diag *ct_diag_at(const struct ct_diag_log *log, size_t i)
{
	return i < log->n ? &log->diags[i] : NULL;
}

/* ---- output ---- */

static void num(char *buf, size_t len, uint64_t v)
{
	if (v == CT_DIAG_UNKNOWN)
		snprintf(buf, len, "?");
	else if (v == CT_DIAG_UNLIMITED)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%" PRIu64, v);
}

/* A limit's number: null when unknown, "unlimited", or the number. */
static void jnum(struct ct_json *j, const char *key, uint64_t v)
{
	if (v == CT_DIAG_UNKNOWN)
		ct_json_null(j, key);
	else if (v == CT_DIAG_UNLIMITED)
		ct_json_str(j, key, "unlimited");
	else
		ct_json_u64(j, key, v);
}

/* "key":{"count":COUNT,"max":MAX} */
static void jpair(struct ct_json *j, const char *key, uint64_t count,
		  uint64_t max)
{
	ct_json_open(j, key, '{');
	jnum(j, "count", count);
	jnum(j, "max", max);
	ct_json_close(j);
}

void ct_diag_print(FILE *f, const struct ct_diag *d)
{
	char comm[CT_COMM_LEN * 8], err[32], a[32], b[32], c[32];
	char cg[CT_DIAG_PATH_LEN * 4];

	ct_escape_human(d->pcomm, CT_COMM_LEN, comm, sizeof(comm));
	ct_escape_human(d->cg_path[0] ? d->cg_path : "?", CT_DIAG_PATH_LEN,
			cg, sizeof(cg));
	fprintf(f, "clonetrace: why: %s by %s(%u) failed with %s: ",
		ct_syscall_name(d->syscall), comm, d->ptid,
		ct_errno_name(d->err, err, sizeof(err)));
	switch (d->limit) {
	case CT_LIMIT_NPROC:
		num(a, sizeof(a), d->nproc_count);
		num(b, sizeof(b), d->nproc_limit);
		fprintf(f, "RLIMIT_NPROC of uid %" PRIu64 " reached (%s tasks, limit %s)\n",
			d->uid, a, b);
		break;
	case CT_LIMIT_THREADS_MAX:
		num(a, sizeof(a), d->threads);
		num(b, sizeof(b), d->threads_max);
		fprintf(f, "kernel.threads-max reached (%s threads, threads-max %s)\n",
			a, b);
		break;
	case CT_LIMIT_PIDS_CGROUP:
		num(a, sizeof(a), d->cg_current);
		num(b, sizeof(b), d->cg_max);
		fprintf(f, "pids cgroup %s at its limit (pids.current %s, pids.max %s)\n",
			cg, a, b);
		break;
	case CT_LIMIT_PID_MAX:
		num(a, sizeof(a), d->threads);
		num(b, sizeof(b), d->pid_max);
		fprintf(f, "no free PID (%s tasks, kernel.pid_max %s)\n", a, b);
		break;
	default:
		if (d->err == ENOMEM)
			fputs("out of memory, or the PID namespace's init has exited\n",
			      f);
		else
			fputs("no limit was at its maximum when read (it changed since)\n",
			      f);
		break;
	}
	num(a, sizeof(a), d->nproc_count);
	num(b, sizeof(b), d->nproc_limit);
	num(c, sizeof(c), d->uid);
	fprintf(f, "    RLIMIT_NPROC: uid %s, %s tasks, limit %s;", c, a, b);
	num(a, sizeof(a), d->threads);
	num(b, sizeof(b), d->threads_max);
	fprintf(f, " threads %s, threads-max %s;", a, b);
	num(b, sizeof(b), d->pid_max);
	fprintf(f, " pid_max %s;", b);
	num(a, sizeof(a), d->cg_current);
	num(b, sizeof(b), d->cg_max);
	fprintf(f, " pids cgroup %s: %s of %s\n", cg, a, b);
	if (d->repeats)
		fprintf(f, "    and %" PRIu64 " more such failures within 1 s\n",
			d->repeats);
}

void ct_diag_json(FILE *f, const struct ct_diag *d)
{
	char err[32];
	struct ct_json j;

	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "diagnosis");
	ct_json_u64(&j, "ts_ns", d->ts_ns);
	ct_json_open(&j, "parent", '{');
	ct_json_u64(&j, "pid", d->ppid);
	ct_json_u64(&j, "tid", d->ptid);
	ct_json_strn(&j, "comm", d->pcomm, CT_COMM_LEN);
	ct_json_close(&j);
	ct_json_str(&j, "syscall", ct_syscall_name(d->syscall));
	ct_json_str(&j, "kind", ct_kind_name(d->kind));
	ct_json_i64(&j, "errno", d->err);
	ct_json_str(&j, "error", ct_errno_name(d->err, err, sizeof(err)));
	ct_json_str(&j, "limit", limit_name(d->limit));
	ct_json_u64(&j, "repeats", d->repeats);
	ct_json_open(&j, "nproc", '{');
	jnum(&j, "uid", d->uid);
	jnum(&j, "count", d->nproc_count);
	jnum(&j, "limit", d->nproc_limit);
	ct_json_close(&j);
	jpair(&j, "threads", d->threads, d->threads_max);
	jpair(&j, "pid_max", d->threads, d->pid_max);
	if (d->cg_path[0]) {
		ct_json_open(&j, "pids_cgroup", '{');
		ct_json_strn(&j, "path", d->cg_path, sizeof(d->cg_path));
		jnum(&j, "current", d->cg_current);
		jnum(&j, "max", d->cg_max);
		ct_json_close(&j);
	} else {
		ct_json_null(&j, "pids_cgroup");
	}
	ct_json_close(&j);
}
