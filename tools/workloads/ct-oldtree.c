// SPDX-License-Identifier: GPL-2.0
/*
 * ct-oldtree: a process tree that exists before clonetrace attaches, and
 * creations by its deepest members after (tests/test_oldtree.py: -p ROOT
 * -f must follow descendants that were already there).
 *
 *   ct-oldtree [-c CHILDREN] [-g GRANDCHILDREN] [-f FORKS]
 *
 * The root forks CHILDREN children (default 2), each of which forks
 * GRANDCHILDREN grandchildren (default 2); then the root prints
 *   {"tree": {"root": R, "children": [...], "grandchildren": [...]}}
 * and waits for one byte on stdin (the test sends it once clonetrace
 * traces). Then every grandchild forks FORKS children (default 3; each
 * exits at once and is reaped) and starts one thread, and states each:
 *   {"expect": "process"|"thread", "parent": GC, "pid": P, "tid": T}
 * When all are done the root prints {"done": N} (N creations stated),
 * ends the tree (SIGKILL to every member, reaped) and exits 0. Every
 * member dies with its parent (PR_SET_PDEATHSIG, checked after the
 * prctl). Lines are written whole with write(2) on a shared stdout.
 * Exit status: 0, or 99 if it could not do what it states.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXN	64

static void die(const char *what)
{
	perror(what);
	exit(99);
}

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) || write(1, line, n) != n)
		die("write");
}

/* In a new child: die with the parent, even if it died before the prctl. */
static void with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(99);
}

static void *thread_main(void *arg)
{
	*(pid_t *)arg = syscall(SYS_gettid);
	return NULL;
}

/* A grandchild: wait for the go byte on GO, create, report on DONE. */
static void grandchild(int go, int done, int forks)
{
	pid_t me = getpid(), kid, tid = 0;
	pthread_t th;
	char c;
	int i;

	if (read(go, &c, 1) != 1)
		_exit(99);
	for (i = 0; i < forks; i++) {
		kid = fork();
		if (kid < 0)
			die("fork");
		if (!kid)
			_exit(0);
		say("{\"expect\": \"process\", \"parent\": %d, \"pid\": %d, \"tid\": %d}\n",
		    me, kid, kid);
		if (waitpid(kid, NULL, 0) != kid)
			die("waitpid");
	}
	if (pthread_create(&th, NULL, thread_main, &tid) ||
	    pthread_join(th, NULL))
		die("pthread_create");
	say("{\"expect\": \"thread\", \"parent\": %d, \"pid\": %d, \"tid\": %d}\n",
	    me, me, tid);
	if (write(done, "x", 1) != 1)
		_exit(99);
	for (;;)
		pause();
}

static int number(const char *s, int max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < 1 || v > max) {
		fprintf(stderr, "ct-oldtree: '%s' is not a number from 1 to %d\n",
			s, max);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	int nkids = 2, ngkids = 2, forks = 3, opt, i, j, n = 0;
	pid_t root = getpid(), kids[MAXN], gkids[MAXN * MAXN];
	int go[2], done[2], info[2];
	char c;

	while ((opt = getopt(argc, argv, "c:g:f:")) != -1) {
		switch (opt) {
		case 'c': nkids = number(optarg, MAXN); break;
		case 'g': ngkids = number(optarg, MAXN); break;
		case 'f': forks = number(optarg, 1000); break;
		default:
			fprintf(stderr, "usage: ct-oldtree [-c CHILDREN] [-g GRANDCHILDREN] [-f FORKS]\n");
			return 2;
		}
	}
	/* go: one byte per grandchild; done: one byte back from each;
	 * info: each child reports its grandchildren's PIDs */
	if (pipe(go) || pipe(done) || pipe(info))
		die("pipe");
	for (i = 0; i < nkids; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die("fork");
		if (kids[i])
			continue;
		with_parent(root);
		for (j = 0; j < ngkids; j++) {
			pid_t me = getpid(), g = fork();

			if (g < 0)
				die("fork");
			if (!g) {
				with_parent(me);
				grandchild(go[0], done[1], forks);
			}
			if (write(info[1], &g, sizeof(g)) != sizeof(g))
				_exit(99);
		}
		for (;;)
			pause();
	}
	for (i = 0; i < nkids * ngkids; i++)
		if (read(info[0], &gkids[i], sizeof(gkids[i])) != sizeof(gkids[i]))
			die("read");
	say("{\"tree\": {\"root\": %d, \"children\": [", root);
	for (i = 0; i < nkids; i++)
		say("%s%d", i ? ", " : "", kids[i]);
	say("], \"grandchildren\": [");
	for (i = 0; i < nkids * ngkids; i++)
		say("%s%d", i ? ", " : "", gkids[i]);
	say("]}}\n");

	if (read(0, &c, 1) != 1)
		die("read stdin");
	for (i = 0; i < nkids * ngkids; i++)
		if (write(go[1], "g", 1) != 1)
			die("write");
	for (i = 0; i < nkids * ngkids; i++) {
		if (read(done[0], &c, 1) != 1)
			die("read");
		n += forks + 1;
	}
	say("{\"done\": %d}\n", n);
	for (i = 0; i < nkids * ngkids; i++)
		kill(gkids[i], SIGKILL);
	for (i = 0; i < nkids; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return 0;
}
