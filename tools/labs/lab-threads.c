// SPDX-License-Identifier: GPL-2.0
/*
 * lab-threads - lab 2: threads share. N pthreads, all alive at once: one
 * TGID, and mm, files, fs, sighand shared with the main thread (kcmp).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "lab.h"

#define MAX_THREADS 64

static pthread_barrier_t ready, done;
static pid_t tids[MAX_THREADS];

static void *thread_fn(void *arg)
{
	tids[(long)arg] = lab_gettid();
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&done);
	return NULL;
}

static int proc_threads(void)
{
	char line[256];
	int n = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "Threads: %d", &n);
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	static const struct { int type; const char *name; } res[] = {
		{ KCMP_VM, "mm" }, { KCMP_FILES, "files" }, { KCMP_FS, "fs" },
		{ KCMP_SIGHAND, "sighand" },
	};
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 4;
	pthread_t th[MAX_THREADS];
	pid_t me = getpid();
	long i;
	size_t r;

	lab_init("threads");
	if (n < 1 || n > MAX_THREADS)
		lab_die("usage: lab-threads [N]   (1..%d threads)", MAX_THREADS);
	pthread_barrier_init(&ready, NULL, n + 1);
	pthread_barrier_init(&done, NULL, n + 1);
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, thread_fn, (void *)i))
			lab_die("pthread_create failed");
	pthread_barrier_wait(&ready);

	lab_fact("parent", "\"pid\":%d,\"tid\":%d", me, lab_gettid());
	for (i = 0; i < n; i++)
		lab_fact("thread", "\"pid\":%d,\"tid\":%d,\"getpid\":%d", me,
			 tids[i], me);
	lab_fact("alive", "\"threads\":%d", proc_threads());
	for (r = 0; r < sizeof(res) / sizeof(res[0]); r++) {
		int shared = 0;

		for (i = 0; i < n; i++)
			shared += lab_kcmp(me, tids[i], res[r].type) == 0;
		lab_fact("kcmp", "\"resource\":\"%s\",\"shared_with_main\":%d,\"threads\":%ld",
			 res[r].name, shared, n);
	}
	pthread_barrier_wait(&done);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
