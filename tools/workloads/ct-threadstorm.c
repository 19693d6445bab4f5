// SPDX-License-Identifier: GPL-2.0
/*
 * ct-threadstorm: many tasks for the clonetrace module's stress and scale
 * tests (tests/vm/13-kmod-scale.sh, 15-kmod-churn.sh, 16-kmod-unload.sh).
 *
 *   ct-threadstorm hold N [-t SECONDS]
 *	Create N threads that block, print "ready PID N", then wait for
 *	SIGTERM/SIGINT/SIGHUP or SECONDS (default 600) and exit.
 *
 *   ct-threadstorm storm SECONDS [-j JOBS]
 *	For SECONDS, run JOBS (default 4) worker processes that keep
 *	creating and ending tasks: short-lived threads (joined and
 *	detached), forked children that start threads and exit without
 *	joining them, CLONE_VM|CLONE_FILES children and vfork children.
 *	Prints "storm iterations N" and exits 0 when done.
 *
 * Build: gcc -O2 -static -pthread -o ct-threadstorm ct-threadstorm.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOLD_STACK (64 * 1024)
#define CLONE_STACK (64 * 1024)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ct-threadstorm hold N [-t SECONDS]\n"
		"       ct-threadstorm storm SECONDS [-j JOBS]\n");
	exit(2);
}

static long parse_num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0)
		usage();
	return v;
}

static void *block_main(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int hold(long n, long timeout)
{
	struct sigaction sa;
	sigset_t block, old;
	pthread_attr_t attr;
	pthread_t th;
	long i;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	/* Only the main thread takes the signals. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, HOLD_STACK);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < n; i++) {
		err = pthread_create(&th, &attr, block_main, NULL);
		if (err) {
			fprintf(stderr, "ct-threadstorm: thread %ld of %ld: %s\n",
				i + 1, n, strerror(err));
			return 1;
		}
	}
	printf("ready %d %ld\n", (int)getpid(), n);
	fflush(stdout);

	alarm(timeout);
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (!stop)
		pause();
	return 0;
}

static void *quick_main(void *arg)
{
	return arg;
}

static int vm_child_main(void *arg)
{
	(void)arg;
	return 0;
}

/* Threads that exit while the process exits too, without being joined. */
static void forked_child(void)
{
	pthread_t th;
	int i;

	for (i = 0; i < 2; i++)
		pthread_create(&th, NULL, block_main, NULL);
	_exit(0);
}

static void storm_once(char *stack)
{
	pthread_attr_t attr;
	pthread_t th[4];
	pid_t pid;
	int i;

	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, quick_main, NULL))
			th[i] = 0;
	for (i = 0; i < 4; i++)
		if (th[i])
			pthread_join(th[i], NULL);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (i = 0; i < 2; i++)
		pthread_create(&th[0], &attr, quick_main, NULL);
	pthread_attr_destroy(&attr);

	pid = fork();
	if (pid == 0)
		forked_child();
	if (pid > 0)
		waitpid(pid, NULL, 0);

	pid = clone(vm_child_main, stack + CLONE_STACK,
		    CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	if (pid > 0)
		waitpid(pid, NULL, 0);

	pid = vfork();
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static int storm(long seconds, long jobs)
{
	long total = 0, i;
	int status, fd[2];

	if (pipe(fd)) {
		perror("pipe");
		return 1;
	}
	for (i = 0; i < jobs; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			struct timespec start, now;
			char *stack;
			long n = 0;

			close(fd[0]);
			stack = mmap(NULL, CLONE_STACK, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
				     -1, 0);
			if (stack == MAP_FAILED)
				_exit(1);
			clock_gettime(CLOCK_MONOTONIC, &start);
			do {
				storm_once(stack);
				n++;
				clock_gettime(CLOCK_MONOTONIC, &now);
			} while (now.tv_sec - start.tv_sec < seconds);
			if (write(fd[1], &n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(fd[1]);
	for (i = 0; i < jobs; i++) {
		long n;

		if (read(fd[0], &n, sizeof(n)) == sizeof(n))
			total += n;
	}
	while (wait(&status) > 0)
		;
	printf("storm iterations %ld\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	long timeout = 600, jobs = 4, n;
	int opt;

	if (argc < 3)
		usage();
	n = parse_num(argv[2]);
	optind = 3;
	while ((opt = getopt(argc, argv, "t:j:")) != -1) {
		switch (opt) {
		case 't':
			timeout = parse_num(optarg);
			break;
		case 'j':
			jobs = parse_num(optarg);
			break;
		default:
			usage();
		}
	}
	if (!strcmp(argv[1], "hold"))
		return hold(n, timeout);
	if (!strcmp(argv[1], "storm"))
		return storm(n, jobs);
	usage();
	return 2;
}
