// SPDX-License-Identifier: GPL-2.0
/*
 * ct-pthread: pthread_create() from the main thread (T1), then from T1
 * (T2), so that the creator's TID differs from its PID. glibc makes the
 * clone3 call, so only the flags every pthread needs are stated (flags_min).
 * Every thread that exists stays alive across the next creation, so the
 * shared counts are exact: 2 at T1, 3 at T2.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ct-common.h"

static int fds[2];

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

static void state(struct ct_expect *e, pid_t ptid, const struct ct_id *c,
		  long count)
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

int main(int argc, char **argv)
{
	struct ct_id id1, id2;
	struct ct_expect e1, e2;
	pthread_t t1;
	int err;

	ct_start(argc, argv, "");
	ct_pipe(fds);
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

	state(&e1, getpid(), &id1, 2);
	state(&e2, id1.tid, &id2, 3);
	ct_print_total();
	return 0;
}
