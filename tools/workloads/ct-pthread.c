// SPDX-License-Identifier: GPL-2.0
/*
 * ct-pthread: creations by a multithreaded process.
 *
 * The main thread first starts a holder thread H that stays alive to the
 * end, so that the process has two threads from then on. With H alive:
 *  - a raw fork(2): the child gets its own mm, files, fs, sighand and
 *    signal, so every count is 1, while the parent's files (and mm) are
 *    shared by two threads: a count read from the wrong task shows 2;
 *  - a glibc clone(CLONE_VM | SIGCHLD): the child shares the mm (2
 *    threads + 1) but not the files (1);
 *  - pthread_create() from the main thread (T1), then from T1 (T2), so
 *    that the creator's TID differs from its PID.
 * glibc makes the pthread clone3 call, so only the flags every pthread
 * needs are stated (flags_min). Every thread that exists stays alive
 * across the next creation and every child is reaped before it, so the
 * shared counts are exact: 2 at H, 3 at T1, 4 at T2.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct-common.h"

#define STACK_SIZE	(256 * 1024)

static int fds[2];
static int release[2];		/* H waits on release[0] */

static void *holder_fn(void *arg)
{
	char c;

	(void)arg;
	ct_report(fds[1]);
	if (read(release[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static void *t2_fn(void *arg)
{
	(void)arg;
	ct_report(fds[1]);
	return NULL;
}

static void *t1_fn(void *arg)
{
	pthread_t t2;
	int err;

	(void)arg;
	ct_report(fds[1]);
	err = pthread_create(&t2, NULL, t2_fn, NULL);
	if (err)
		ct_die("pthread_create T2: %s", strerror(err));
	pthread_join(t2, NULL);
	return NULL;
}

static void state_thread(struct ct_expect *e, pid_t ptid,
			 const struct ct_id *c, long count)
{
	e->parent_tid = ptid;
	e->syscall = "clone3";
	e->kind = "thread";
	e->flags = CT_PTHREAD_FLAGS_MIN;
	e->flags_is_min = 1;
	e->exit_signal = 0;
	e->child_pid = c->pid;
	e->child_tid = c->tid;
	e->child_ns = *c;
	e->refs.mm_users = count;
	e->refs.files = count;
	e->refs.fs = count;
	e->refs.sighand = count;
	e->refs.signal_live = count;
	e->refs.nr_threads = count;
	e->ns_new = "[]";
	ct_print_clone(e);
}

/* A raw fork(2) by the two-thread process: the child shares nothing. */
static void fork_child(void)
{
	struct ct_expect e;
	int p[2];
	pid_t pid;

	ct_expect_init(&e, "raw fork from a two-thread process");
	ct_pipe(p);
	pid = ct_raw_fork();
	if (pid < 0)
		ct_die("fork failed");
	if (pid == 0) {
		ct_report(p[1]);
		_exit(0);
	}
	close(p[1]);
	ct_collect(p[0], &e.child_ns);
	close(p[0]);
	ct_reap(pid);
	if (e.child_ns.pid != pid || e.child_ns.tid != pid)
		ct_die("fork child says %d/%d, parent got %d",
		       e.child_ns.pid, e.child_ns.tid, (int)pid);
	e.syscall = "fork";
	e.kind = "process";
	e.flags = 0;
	e.exit_signal = SIGCHLD;
	e.child_pid = pid;
	e.child_tid = pid;
	ct_refs_private(&e.refs);
	e.ns_new = "[]";
	ct_print_clone(&e);
}

static int vm_child_fn(void *arg)
{
	ct_report(*(int *)arg);
	return 0;
}

/* clone(CLONE_VM): the mm of the two threads, files of its own. */
static void vm_child(void)
{
	struct ct_expect e;
	char *stack = malloc(STACK_SIZE);
	int p[2];
	pid_t pid;

	if (!stack)
		ct_die("out of memory");
	ct_expect_init(&e, "glibc clone VM from a two-thread process");
	ct_pipe(p);
	fflush(NULL);
	pid = clone(vm_child_fn, stack + STACK_SIZE, CLONE_VM | SIGCHLD,
		    &p[1]);
	if (pid < 0)
		ct_die("clone failed");
	ct_collect(p[0], &e.child_ns);
	ct_reap(pid);
	close(p[0]);
	close(p[1]);
	free(stack);
	if (e.child_ns.pid != pid || e.child_ns.tid != pid)
		ct_die("clone child says %d/%d, parent got %d",
		       e.child_ns.pid, e.child_ns.tid, (int)pid);
	e.syscall = "clone";
	e.kind = "vm_process";
	e.flags = CT_CLONE_VM;
	e.exit_signal = SIGCHLD;
	e.child_pid = pid;
	e.child_tid = pid;
	ct_refs_private(&e.refs);
	e.refs.mm_users = 3;
	e.refs.mm_count = CT_UNSET;	/* the shared mm has run */
	e.ns_new = "[]";
	ct_print_clone(&e);
}

int main(int argc, char **argv)
{
	struct ct_id idh, id1, id2;
	struct ct_expect eh, e1, e2;
	pthread_t h, t1;
	int err;

	ct_start(argc, argv, "");
	ct_pipe(fds);
	ct_pipe(release);
	ct_expect_init(&eh, "pthread_create holder");
	err = pthread_create(&h, NULL, holder_fn, NULL);
	if (err)
		ct_die("pthread_create H: %s", strerror(err));
	ct_collect(fds[0], &idh);
	state_thread(&eh, getpid(), &idh, 2);

	fork_child();
	vm_child();

	ct_expect_init(&e1, "pthread_create from main");
	ct_expect_init(&e2, "pthread_create from thread");
	err = pthread_create(&t1, NULL, t1_fn, NULL);
	if (err)
		ct_die("pthread_create T1: %s", strerror(err));
	ct_collect(fds[0], &id1);
	ct_collect(fds[0], &id2);
	pthread_join(t1, NULL);
	if (id1.pid != getpid() || id2.pid != getpid() ||
	    id1.tid == id2.tid || id1.tid == getpid())
		ct_die("implausible thread ids %d/%d %d/%d", id1.pid, id1.tid,
		       id2.pid, id2.tid);
	state_thread(&e1, getpid(), &id1, 3);
	state_thread(&e2, id1.tid, &id2, 4);

	close(release[1]);
	pthread_join(h, NULL);
	ct_print_total();
	return 0;
}
