// SPDX-License-Identifier: GPL-2.0
/*
 * ct-an-storm [-w] [-t THREADS] [-f FORKS] [-v VFORKS] [-T SECONDS]
 *
 * A creation storm with known counts, for clonetrace's analysis tests:
 * THREADS pthreads (each joined before the next), FORKS fork()s and
 * VFORKS vfork()s (children exit at once and are reaped). With -T, keep
 * creating threads for SECONDS more (a sustained storm for alerts).
 * -w: wait for one byte on stdin first. States on stdout, one JSON line:
 *   {"pid":P,"threads":N,"processes":M,"vforks":V,"elapsed_ns":E}
 * Exit 0 done, 99 when a creation the statement counts on failed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *thread_fn(void *arg)
{
	return arg;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "ct-an-storm: %s failed\n", what);
	exit(99);
}

static void one_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, thread_fn, NULL))
		die("pthread_create");
	pthread_join(t, NULL);
}

/* Its own frame: vfork() shares the stack with the child. */
static void __attribute__((noinline)) do_vforks(long n)
{
	int status;
	pid_t pid;

	while (n-- > 0) {
		pid = vfork();
		if (pid < 0)
			die("vfork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
	}
}

int main(int argc, char **argv)
{
	long threads = 0, forks = 0, vforks = 0, i;
	unsigned long long start, end;
	double secs = 0;
	int c, wait_go = 0, status;
	pid_t pid;

	while ((c = getopt(argc, argv, "wt:f:v:T:")) != -1) {
		switch (c) {
		case 'w':
			wait_go = 1;
			break;
		case 't':
			threads = atol(optarg);
			break;
		case 'f':
			forks = atol(optarg);
			break;
		case 'v':
			vforks = atol(optarg);
			break;
		case 'T':
			secs = atof(optarg);
			break;
		default:
			fprintf(stderr, "usage: ct-an-storm [-w] [-t N] [-f N] [-v N] [-T SECONDS]\n");
			return 99;
		}
	}
	if (wait_go) {
		char b;

		if (read(0, &b, 1) != 1)
			return 99;
	}
	start = now_ns();
	for (i = 0; i < threads; i++)
		one_thread();
	for (i = 0; i < forks; i++) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
	}
	do_vforks(vforks);
	while (secs > 0 && now_ns() - start < secs * 1e9) {
		one_thread();
		threads++;
	}
	end = now_ns();
	printf("{\"pid\":%d,\"threads\":%ld,\"processes\":%ld,\"vforks\":%ld,\"elapsed_ns\":%llu}\n",
	       (int)getpid(), threads, forks, vforks, end - start);
	return 0;
}
