// SPDX-License-Identifier: GPL-2.0
/*
 * lab-cost - lab 10: creation cost of a thread, a process and a vfork
 * child. N of each; the process first touches MB MiB so that fork has page
 * tables to copy. The costs themselves are read from clonetrace's
 * latency_ns (tools/labs/run-labs), not measured here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"

static void *thread_fn(void *arg)
{
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
	long mb = argc > 2 ? strtol(argv[2], NULL, 10) : 32;
	char *mem;
	long i;

	lab_init("cost");
	if (n < 1 || n > 100000 || mb < 0 || mb > 4096)
		lab_die("usage: lab-cost [N [MB]]");
	if (mb) {
		mem = mmap(NULL, mb << 20, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			lab_die("mmap: %s", strerror(errno));
		memset(mem, 1, mb << 20);
	}
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", getpid(), lab_gettid());
	for (i = 0; i < n; i++) {
		pthread_t th;

		if (pthread_create(&th, NULL, thread_fn, NULL))
			lab_die("pthread_create failed");
		pthread_join(th, NULL);
	}
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			lab_die("fork: %s", strerror(errno));
		lab_reap(pid);
	}
	for (i = 0; i < n; i++) {
		pid_t pid = vfork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			lab_die("vfork: %s", strerror(errno));
		lab_reap(pid);
	}
	lab_fact("counts", "\"thread\":%ld,\"process\":%ld,\"vfork\":%ld,\"touched_mb\":%ld",
		 n, n, n, mb);
	return 0;
}
