// SPDX-License-Identifier: GPL-2.0
/*
 * ct-threads N: the main thread creates N threads one after another; each
 * reports its TID and then blocks until all N exist. At the k-th creation
 * the process therefore has exactly k+1 threads: mm_users, files, fs,
 * sighand, signal->live and signal->nr_threads are all k+1.
 *
 * As root it first moves into a UTS namespace of its own, so that its
 * nsproxy is held by its own threads only: k+1 too. (Without the
 * privilege, nsproxy is the initial one, shared by every task, and is not
 * stated.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ct-common.h"

#define MAX_THREADS 1000

static int report_fds[2];
static int release_fds[2];

static void *thread_fn(void *arg)
{
	char c;

	(void)arg;
	ct_report(report_fds[1]);
	/* Stay alive until the main thread closes the release pipe. */
	while (read(release_fds[0], &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

int main(int argc, char **argv)
{
	struct ct_expect *e;
	pthread_t *th;
	long n = 8;
	char *end;
	long k;
	int i, err, own_ns;

	i = ct_start(argc, argv, "[N]");
	if (i < argc) {
		errno = 0;
		n = strtol(argv[i], &end, 10);
		if (errno || *end || end == argv[i] || n < 1 ||
		    n > MAX_THREADS) {
			ct_die("N must be 1..%d, got '%s'", MAX_THREADS,
			       argv[i]);
		}
	}
	e = calloc(n, sizeof(*e));
	th = calloc(n, sizeof(*th));
	if (!e || !th)
		ct_die("out of memory");
	ct_pipe(report_fds);
	ct_pipe(release_fds);
	own_ns = unshare(CLONE_NEWUTS) == 0;

	for (k = 0; k < n; k++) {
		ct_expect_init(&e[k], "pthread_create");
		err = pthread_create(&th[k], NULL, thread_fn, NULL);
		if (err)
			ct_die("pthread_create %ld: %s", k + 1, strerror(err));
		/* Wait for this thread's TID before creating the next. */
		ct_collect(report_fds[0], &e[k].child_ns);
	}
	close(release_fds[1]);
	for (k = 0; k < n; k++)
		pthread_join(th[k], NULL);

	for (k = 0; k < n; k++) {
		e[k].syscall = "clone3";
		e[k].kind = "thread";
		e[k].flags = CT_PTHREAD_FLAGS_MIN;
		e[k].flags_is_min = 1;
		e[k].child_pid = e[k].child_ns.pid;
		e[k].child_tid = e[k].child_ns.tid;
		e[k].refs.mm_users = k + 2;
		e[k].refs.files = k + 2;
		e[k].refs.fs = k + 2;
		e[k].refs.sighand = k + 2;
		e[k].refs.signal_live = k + 2;
		e[k].refs.nr_threads = k + 2;
		if (own_ns)
			e[k].refs.nsproxy = k + 2;
		e[k].ns_new = "[]";
		ct_print_clone(&e[k]);
	}
	ct_print_total();
	free(e);
	free(th);
	return 0;
}
