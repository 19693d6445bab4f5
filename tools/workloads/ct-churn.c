// SPDX-License-Identifier: GPL-2.0
/*
 * ct-churn: tasks that change what they share while the clonetrace module
 * is read (tests/vm/15-kmod-churn.sh, tests/vm/16-kmod-unload.sh).
 *
 *   ct-churn storm SECONDS [-j JOBS]
 *	For SECONDS, JOBS (default 4) workers each repeat: threads created
 *	and joined; a fork that exits; a fork that execs this program
 *	("ct-churn exit"); a fork whose non-leader thread execs while two
 *	other threads sleep (de_thread() gives the exec'ing thread the
 *	leader's TID); a fork whose thread unshares CLONE_FILES|CLONE_FS|
 *	CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC and then setns()es back to the
 *	original UTS namespace (a new nsproxy each time); a CLONE_VM|
 *	CLONE_FILES child. Prints "storm iterations N".
 *
 *   ct-churn exec-loop [-c CPU] [-t]
 *	Print "loop PID" and re-exec this program forever, pinned to CPU
 *	(default 0); with -t each exec is made by a new non-leader thread.
 *	Every exec frees the old mm and allocates a new one.
 *
 *   ct-churn exit
 *	Exit 0 at once (the target of the storm's execs).
 *
 * Build: gcc -O2 -static -pthread -o ct-churn ct-churn.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLONE_STACK (64 * 1024)

static char self[4096];

static void usage(void)
{
	fprintf(stderr,
		"usage: ct-churn storm SECONDS [-j JOBS]\n"
		"       ct-churn exec-loop [-c CPU] [-t]\n"
		"       ct-churn exit\n");
	exit(2);
}

static long parse_num(const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min)
		usage();
	return v;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *quick(void *arg)
{
	return arg;
}

/* execve() of this program in exec-loop or exit mode; returns on failure. */
static void exec_self(char *mode, char *a1, char *a2, char *a3)
{
	char *argv[] = { "ct-churn", mode, a1, a2, a3, NULL };

	execv(self, argv);
}

static void *exec_thread(void *arg)
{
	char **a = arg;

	exec_self(a[0], a[1], a[2], a[3]);
	_exit(99);
}

/* ---- exec-loop ---- */

static int exec_loop(int argc, char **argv)
{
	int thread = 0, quiet = 0, opt, cpu = 0;
	char cpu_s[16] = "0";
	cpu_set_t set;

	optind = 2;
	while ((opt = getopt(argc, argv, "c:tq")) != -1) {
		switch (opt) {
		case 'c':
			cpu = parse_num(optarg, 0);
			snprintf(cpu_s, sizeof(cpu_s), "%d", cpu);
			break;
		case 't':
			thread = 1;
			break;
		case 'q':	/* a re-exec: already pinned and announced */
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	if (!quiet) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("ct-churn: sched_setaffinity");
		printf("loop %d\n", (int)getpid());
		fflush(stdout);
	}
	if (thread) {
		char *a[] = { "exec-loop", "-c", cpu_s, "-tq" };
		pthread_t th;

		if (pthread_create(&th, NULL, exec_thread, a) == 0)
			for (;;)
				pause();
	}
	exec_self("exec-loop", "-c", cpu_s, "-q");
	perror("ct-churn: execv");
	return 99;
}

/* ---- storm ---- */

static int vm_child(void *arg)
{
	(void)arg;
	return 0;
}

static int uts_fd = -1;

static void *unshare_thread(void *arg)
{
	(void)arg;
	if (unshare(CLONE_FILES | CLONE_FS | CLONE_NEWNS | CLONE_NEWUTS |
		    CLONE_NEWIPC) == 0 && uts_fd >= 0)
		setns(uts_fd, CLONE_NEWUTS);
	return NULL;
}

static void reap(pid_t pid)
{
	if (pid > 0)
		waitpid(pid, NULL, __WALL);
}

static void storm_once(char *stack)
{
	char *exit_args[] = { "exit", NULL, NULL, NULL };
	pthread_t th[4];
	pid_t pid;
	int i;

	for (i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, quick, NULL))
			th[i] = 0;
	for (i = 0; i < 4; i++)
		if (th[i])
			pthread_join(th[i], NULL);

	pid = fork();
	if (pid == 0)
		_exit(0);
	reap(pid);

	pid = fork();
	if (pid == 0) {
		exec_self("exit", NULL, NULL, NULL);
		_exit(99);
	}
	reap(pid);

	/* exec from a non-leader thread while two other threads sleep */
	pid = fork();
	if (pid == 0) {
		pthread_create(&th[0], NULL, sleeper, NULL);
		pthread_create(&th[1], NULL, sleeper, NULL);
		pthread_create(&th[2], NULL, exec_thread, exit_args);
		for (;;)
			pause();
	}
	reap(pid);

	/* a thread unshares files, fs and namespaces, then setns() back */
	pid = fork();
	if (pid == 0) {
		pthread_create(&th[0], NULL, sleeper, NULL);
		if (pthread_create(&th[1], NULL, unshare_thread, NULL) == 0)
			pthread_join(th[1], NULL);
		_exit(0);
	}
	reap(pid);

	pid = clone(vm_child, stack + CLONE_STACK,
		    CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	reap(pid);
}

static int storm(long seconds, long jobs)
{
	long total = 0, i;
	int fd[2];

	uts_fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
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
	while (wait(NULL) > 0)
		;
	printf("storm iterations %ld\n", total);
	return 0;
}

int main(int argc, char **argv)
{
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		perror("ct-churn: /proc/self/exe");
		return 99;
	}
	self[n] = '\0';
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "exit"))
		return 0;
	if (!strcmp(argv[1], "exec-loop"))
		return exec_loop(argc, argv);
	if (!strcmp(argv[1], "storm")) {
		long secs, jobs = 4;
		int opt;

		if (argc < 3)
			usage();
		secs = parse_num(argv[2], 1);
		optind = 3;
		while ((opt = getopt(argc, argv, "j:")) != -1) {
			if (opt != 'j')
				usage();
			jobs = parse_num(optarg, 1);
		}
		return storm(secs, jobs);
	}
	usage();
	return 2;
}
