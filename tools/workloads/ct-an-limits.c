// SPDX-License-Identifier: GPL-2.0
/*
 * ct-an-limits [-w] MODE [N]: a creation refused by one limit, held at
 * the limit for a while so that a tracer can read the values, for
 * clonetrace --why.
 *
 *   nproc N    as root: become uid/gid 65534 (nobody), set RLIMIT_NPROC
 *              to N, fork children (they wait) until fork fails
 *   pids N [NPROC]
 *              as root: create a v1 pids cgroup ct-an-pids.PID with
 *              pids.max N and, inside it, "inner" without a limit; join
 *              inner; fork children until fork fails. With NPROC, first
 *              lower RLIMIT_NPROC to NPROC, which root is exempt from
 *              (copy_process()): the pids cgroup still refuses first
 *   threads    create threads (they wait) until pthread_create fails
 *              (the test lowers kernel.threads-max first)
 *
 * -w: wait for one byte on stdin before starting. After the failure the
 * state is held for HOLD_MS, then everything is released and undone.
 * States on stdout, one JSON line, e.g.
 *   {"mode":"nproc","pid":P,"errno":11,"created":K,"uid":65534,"limit":N}
 *   {"mode":"pids","pid":P,"errno":11,"created":K,"path":"/ct-an-pids.P",
 *    "max":N,"uid":0,"nproc":NPROC or null}
 *   {"mode":"threads","pid":P,"errno":11,"created":K}
 * Exit 0 done, 77 skip (not root, no pids hierarchy), 99 harness failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct-cgroup.h"

#define HOLD_MS		1500
#define MAX_CHILDREN	100000
#define PIDS_ROOT	"/sys/fs/cgroup/pids"
#define NOBODY		65534

static int gate[2];		/* children and threads wait on gate[0] */
static pid_t children[MAX_CHILDREN];
static int nchildren;

static void __attribute__((noreturn)) fail(const char *what, int status)
{
	fprintf(stderr, "ct-an-limits: %s: %s\n", what, strerror(errno));
	exit(status);
}

static void *waiter(void *arg)
{
	char b;

	if (read(gate[0], &b, 1) < 0)
		return NULL;
	return arg;
}

/* Fork waiting children until fork fails; returns its errno. */
static int fork_until_failure(void)
{
	for (;;) {
		pid_t pid;

		if (nchildren == MAX_CHILDREN)
			return 0;
		pid = fork();
		if (pid < 0)
			return errno;
		if (pid == 0) {
			close(gate[1]);	/* EOF on gate[0] releases us */
			waiter(NULL);
			_exit(0);
		}
		children[nchildren++] = pid;
	}
}

static void release_children(void)
{
	int i;

	close(gate[1]);
	for (i = 0; i < nchildren; i++)
		waitpid(children[i], NULL, 0);
}

static void hold(void)
{
	fflush(stdout);
	usleep(HOLD_MS * 1000);
}

static int do_nproc(long limit)
{
	struct rlimit rl = { limit, limit };
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "ct-an-limits: nproc needs root (to become nobody)\n");
		return 77;
	}
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		fail("becoming nobody", 99);
	if (setrlimit(RLIMIT_NPROC, &rl))
		fail("setrlimit", 99);
	err = fork_until_failure();
	if (err != EAGAIN) {
		release_children();
		errno = err;
		fail("fork did not fail with EAGAIN", 99);
	}
	printf("{\"mode\":\"nproc\",\"pid\":%d,\"errno\":%d,\"created\":%d,\"uid\":%d,\"limit\":%ld}\n",
	       (int)getpid(), err, nchildren, NOBODY, limit);
	hold();
	release_children();
	return 0;
}

static int do_pids(long max, long nproc)
{
	char home[PATH_MAX], outer[PATH_MAX], inner[PATH_MAX + 8];
	char back[2 * PATH_MAX], num[32], limit[32] = "null";
	struct rlimit rl = { nproc, nproc };
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "ct-an-limits: pids needs root\n");
		return 77;
	}
	if (access(PIDS_ROOT, W_OK) || ct_cg_own_pids(home, sizeof(home))) {
		fprintf(stderr, "ct-an-limits: no writable v1 pids hierarchy at %s\n",
			PIDS_ROOT);
		return 77;
	}
	snprintf(back, sizeof(back), "%s%s", PIDS_ROOT, home);
	snprintf(outer, sizeof(outer), "%s/ct-an-pids.%d", PIDS_ROOT,
		 (int)getpid());
	snprintf(inner, sizeof(inner), "%s/inner", outer);
	if (mkdir(outer, 0755))
		fail("mkdir", 77);
	if (mkdir(inner, 0755)) {
		rmdir(outer);
		fail("mkdir inner", 77);
	}
	snprintf(num, sizeof(num), "%ld", max);
	if (ct_cg_write(outer, "pids.max", num))
		fail("pids.max", 99);
	snprintf(num, sizeof(num), "%d", (int)getpid());
	if (ct_cg_write(inner, "cgroup.procs", num))
		fail("joining the cgroup", 99);
	if (nproc > 0) {
		if (setrlimit(RLIMIT_NPROC, &rl))
			fail("setrlimit", 99);
		snprintf(limit, sizeof(limit), "%ld", nproc);
	}
	err = fork_until_failure();
	printf("{\"mode\":\"pids\",\"pid\":%d,\"errno\":%d,\"created\":%d,\"path\":\"/ct-an-pids.%d\",\"max\":%ld,\"uid\":%d,\"nproc\":%s}\n",
	       (int)getpid(), err, nchildren, (int)getpid(), max,
	       (int)getuid(), limit);
	hold();
	release_children();
	if (ct_cg_write(back, "cgroup.procs", num))
		fail("moving back", 99);
	if (rmdir(inner) || rmdir(outer))
		fail("rmdir", 99);
	return err == EAGAIN ? 0 : 99;
}

static int do_threads(void)
{
	static pthread_t threads[MAX_CHILDREN];
	int n = 0, err = 0, i;

	while (n < MAX_CHILDREN) {
		err = pthread_create(&threads[n], NULL, waiter, NULL);
		if (err)
			break;
		n++;
	}
	printf("{\"mode\":\"threads\",\"pid\":%d,\"errno\":%d,\"created\":%d}\n",
	       (int)getpid(), err, n);
	hold();
	close(gate[1]);
	for (i = 0; i < n; i++)
		pthread_join(threads[i], NULL);
	return err == EAGAIN ? 0 : 99;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (i < argc && !strcmp(argv[i], "-w")) {
		char b;

		if (read(0, &b, 1) != 1)
			return 99;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: ct-an-limits [-w] nproc N | pids N [NPROC] | threads\n");
		return 99;
	}
	if (pipe(gate))
		fail("pipe", 99);
	if (!strcmp(argv[i], "nproc") && i + 1 < argc)
		return do_nproc(atol(argv[i + 1]));
	if (!strcmp(argv[i], "pids") && i + 1 < argc)
		return do_pids(atol(argv[i + 1]),
			       i + 2 < argc ? atol(argv[i + 2]) : 0);
	if (!strcmp(argv[i], "threads"))
		return do_threads();
	fprintf(stderr, "usage: ct-an-limits [-w] nproc N | pids N [NPROC] | threads\n");
	return 99;
}
