// SPDX-License-Identifier: GPL-2.0
/*
 * ct-context: a process tree whose shape and sharing are known exactly,
 * as ground truth for clonetrace's attach context (-p, tests/
 * test_context.py).
 *
 * From the main thread, in this order:
 *   - THREADS pthreads (-t, default 3; thousands are fine),
 *   - "filechild": clone(CLONE_FILES) shares the fd table only,
 *   - "vmchild": clone(CLONE_VM|CLONE_FS|CLONE_SIGHAND) shares mm, fs
 *     and signal handlers, not the fd table,
 *   - "forkchild": fork(), shares nothing; it forks "grandchild", which
 *     forks "greatgrandchild" (fork, each),
 *   - "zombie": fork(), exits at once and is never reaped,
 *   - EXTRA more fork() children (-k, default 0), "extra" each,
 * then prints what it made and blocks until SIGTERM, SIGINT or SIGHUP, or
 * the timeout (-s, default 600 s). Its children die with it (PDEATHSIG).
 * With -x the main thread then exits alone (pthread_exit): the process
 * lives on in its threads, its leader a zombie; "leader-exited" is
 * printed by a thread when /proc says so.
 *
 * Output, one item a line:
 *   main PID / uid UID / gid GID / thread TID (THREADS lines) /
 *   filechild PID / vmchild PID / forkchild PID / grandchild PID /
 *   greatgrandchild PID / zombie PID / extra PID (EXTRA lines) / ready [/ leader-exited]
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
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK		(64 * 1024)

static pthread_barrier_t barrier;
static pid_t *tids;
static pid_t kids[4];

/* The workload could not do what it states: 99, and why. */
static void die(const char *what)
{
	perror(what);
	exit(99);
}

static void *thread_main(void *arg)
{
	long i = (long)arg;

	tids[i] = syscall(SYS_gettid);
	pthread_barrier_wait(&barrier);
	for (;;)
		pause();
	return NULL;
}

/*
 * Runs on the parent's memory (CLONE_VM): raw system calls only. arg:
 * the parent's PID, as each child's here (spawn(), fork_waiting()): a
 * parent killed before PR_SET_PDEATHSIG sends no signal, so a child
 * whose parent has changed by then leaves at once.
 */
static int vm_main(void *arg)
{
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (syscall(SYS_getppid) != (long)arg)
		syscall(SYS_exit, 0);
	for (;;)
		syscall(SYS_pause);
	return 0;
}

/* Its own copy of memory (no CLONE_VM): libc is fine. */
static int files_main(void *arg)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != (pid_t)(long)arg)
		_exit(0);
	for (;;)
		pause();
	return 0;
}

static pid_t spawn(int (*fn)(void *), int flags)
{
	char *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (stack == MAP_FAILED)
		return -1;
	return clone(fn, stack + STACK, flags | SIGCHLD,
		     (void *)(long)getpid());
}

/* A child that waits for its parent's end (PDEATHSIG), or returns. */
static pid_t fork_waiting(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	return 0;
}

/*
 * forkchild: forks grandchild, which forks greatgrandchild; grandchild
 * says both PIDs on fd in one write.
 */
static pid_t fork_three(int fd)
{
	pid_t pid = fork_waiting(), two[2];

	if (pid)
		return pid;
	if (!fork_waiting()) {
		two[0] = getpid();
		two[1] = fork_waiting();
		if (two[1] && write(fd, two, sizeof(two)) != sizeof(two))
			_exit(99);
	}
	for (;;)
		pause();
}

/* The leader has exited (-x): its /proc state says Z. */
static void *watch_leader(void *arg)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)(long)arg);
	for (;;) {
		f = fopen(path, "r");
		if (!f)
			break;
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p && p[2] == 'Z') {
			printf("leader-exited\n");
			fflush(stdout);
			break;
		}
		usleep(10000);
	}
	for (;;)
		pause();
	return NULL;
}

static void make_kids(void)
{
	pid_t below[2];
	int p[2];

	if (pipe(p))
		die("pipe");
	kids[0] = spawn(files_main, CLONE_FILES);
	kids[1] = spawn(vm_main, CLONE_VM | CLONE_FS | CLONE_SIGHAND);
	kids[2] = fork_three(p[1]);
	kids[3] = fork();
	if (!kids[3])
		_exit(0);
	if (kids[0] < 0 || kids[1] < 0 || kids[2] < 0 || kids[3] < 0 ||
	    read(p[0], below, sizeof(below)) != sizeof(below))
		die("clone, fork or its statement");
	/* the zombie is one once its exit is seen: waitid() without reaping */
	if (waitid(P_PID, kids[3], NULL, WEXITED | WNOWAIT))
		die("waitid");
	printf("filechild %d\nvmchild %d\nforkchild %d\ngrandchild %d\n"
	       "greatgrandchild %d\nzombie %d\n", kids[0], kids[1], kids[2],
	       below[0], below[1], kids[3]);
}

/* The signals that end it, blocked: sigwait() takes them. */
static void block_stops(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGALRM);
	sigprocmask(SIG_BLOCK, set, NULL);
}

int main(int argc, char **argv)
{
	long i, threads = 3, secs = 600, extra = 0;
	int opt, sig, leader_exits = 0;
	pthread_attr_t attr;
	pthread_t t;
	sigset_t set;

	while ((opt = getopt(argc, argv, "t:s:k:x")) != -1) {
		if (opt == 't')
			threads = atol(optarg);
		else if (opt == 'k')
			extra = atol(optarg);
		else if (opt == 's')
			secs = atol(optarg);
		else if (opt == 'x')
			leader_exits = 1;
		else
			return 2;
	}
	if (threads < 0 || threads > 100000 || secs <= 0 || extra < 0 ||
	    extra > 10000)
		return 2;
	block_stops(&set);		/* the threads inherit it */
	tids = calloc(threads + 1, sizeof(*tids));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, STACK);
	pthread_barrier_init(&barrier, NULL, threads + 1);
	for (i = 0; i < threads; i++) {
		errno = pthread_create(&t, &attr, thread_main, (void *)i);
		if (errno)
			die("pthread_create");
	}
	pthread_barrier_wait(&barrier);
	printf("main %d\nuid %d\ngid %d\n", getpid(), getuid(), getgid());
	for (i = 0; i < threads; i++)
		printf("thread %d\n", tids[i]);
	make_kids();
	for (i = 0; i < extra; i++) {
		pid_t parent = getpid(), pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			for (;;)
				pause();
		}
		printf("extra %d\n", pid);
	}
	printf("ready\n");
	fflush(stdout);
	alarm(secs);
	if (leader_exits) {
		pthread_create(&t, NULL, watch_leader, (void *)(long)getpid());
		pthread_exit(NULL);
	}
	sigwait(&set, &sig);
	/* every child dies with it (PDEATHSIG); the zombie goes to init */
	return 0;
}
