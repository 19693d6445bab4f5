// SPDX-License-Identifier: GPL-2.0
/*
 * ct-share-workload: a process whose resource sharing is known exactly, as
 * ground truth for the clonetrace module (tests/vm/11-kmod-truth.sh).
 *
 * It creates, from the main thread:
 *   - a CLONE_VM|CLONE_FILES child ("vmchild": shares mm and the fd table,
 *     nothing else; exits with SIGCHLD),
 *   - a fork(2) child ("forkchild": shares nothing),
 *   - three pthreads (share mm, files, fs, sighand and signal with main),
 * prints what it created and then blocks until SIGTERM, SIGINT or SIGHUP,
 * until stdin reaches end of file (with -i) or until the timeout (-t,
 * default 600 s). On the way out it kills and reaps both children.
 *
 * Output, one item a line:
 *   main PID
 *   thread TID      (three lines)
 *   vmchild PID
 *   forkchild PID
 *   ready
 *
 * Build: gcc -O2 -static -pthread -o ct-share-workload ct-share-workload.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_THREADS 3
#define VMCHILD_STACK (64 * 1024)

static volatile sig_atomic_t stop;
static pid_t thread_tid[NR_THREADS];
static pthread_barrier_t barrier;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void *thread_main(void *arg)
{
	long i = (long)arg;

	thread_tid[i] = syscall(SYS_gettid);
	pthread_barrier_wait(&barrier);
	for (;;)
		pause();
	return NULL;
}

/*
 * The CLONE_VM child runs on the parent's memory and TLS: it must not touch
 * libc state, so it makes raw system calls only, and never returns.
 */
static int vmchild_main(void *arg)
{
	(void)arg;
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (;;)
		syscall(SYS_pause);
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-i] [-t SECONDS]\n"
		"  -i          also exit when stdin reaches end of file\n"
		"  -t SECONDS  exit after SECONDS (default 600)\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct timespec deadline, now, left;
	pthread_t threads[NR_THREADS];
	struct sigaction sa;
	pid_t vmchild, forkchild;
	sigset_t block, empty;
	struct pollfd pfd;
	long timeout = 600;
	int use_stdin = 0;
	char *stack, *end;
	int opt, err;
	long i;

	while ((opt = getopt(argc, argv, "it:")) != -1) {
		switch (opt) {
		case 'i':
			use_stdin = 1;
			break;
		case 't':
			errno = 0;
			timeout = strtol(optarg, &end, 10);
			if (errno || *end || timeout <= 0)
				usage(argv[0]);
			break;
		default:
			usage(argv[0]);
		}
	}

	/* Signals reach the main thread only, while it waits in ppoll(). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);

	stack = mmap(NULL, VMCHILD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	vmchild = clone(vmchild_main, stack + VMCHILD_STACK,
			CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	if (vmchild < 0) {
		perror("clone(CLONE_VM|CLONE_FILES)");
		return 1;
	}

	forkchild = fork();
	if (forkchild < 0) {
		perror("fork");
		kill(vmchild, SIGKILL);
		return 1;
	}
	if (forkchild == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}

	pthread_barrier_init(&barrier, NULL, NR_THREADS + 1);
	for (i = 0; i < NR_THREADS; i++) {
		err = pthread_create(&threads[i], NULL, thread_main, (void *)i);
		if (err) {
			fprintf(stderr, "pthread_create: %s\n", strerror(err));
			kill(vmchild, SIGKILL);
			kill(forkchild, SIGKILL);
			return 1;
		}
	}
	pthread_barrier_wait(&barrier);

	printf("main %d\n", (int)getpid());
	for (i = 0; i < NR_THREADS; i++)
		printf("thread %d\n", (int)thread_tid[i]);
	printf("vmchild %d\n", (int)vmchild);
	printf("forkchild %d\n", (int)forkchild);
	printf("ready\n");
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	pfd.fd = 0;
	pfd.events = POLLIN;
	while (!stop) {
		char buf[256];
		int n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec &&
		     now.tv_nsec >= deadline.tv_nsec))
			break;
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		n = ppoll(&pfd, use_stdin ? 1 : 0, &left, &empty);
		if (n > 0 && read(0, buf, sizeof(buf)) <= 0)
			break;
	}

	kill(vmchild, SIGKILL);
	kill(forkchild, SIGKILL);
	waitpid(vmchild, NULL, 0);
	waitpid(forkchild, NULL, 0);
	return 0;
}
