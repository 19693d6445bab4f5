// SPDX-License-Identifier: GPL-2.0
/*
 * ct-lifecycle: what children become and how they end, each stated with
 * the workload's own measurements, for clonetrace -e exec,exit:
 *
 *   - children that exec this program ("child STATUS MS FD") and exit
 *     with a known status after sleeping MS ms: the exec (file name,
 *     argv), the exit (status, lifetime between the child's own clock
 *     from its new main() to its exit and the parent's from before fork
 *     to after waitpid);
 *   - a child killed by SIGKILL (signal, no status);
 *   - an exec from a non-leader thread (old_tid: that thread's TID; the
 *     process keeps its PID) that exits 0;
 *   - failed execs: a missing file (ENOENT) and a file without execute
 *     permission (EACCES, root included), then _exit(5).
 *
 * One JSON line per fact on stdout:
 *   {"expect":"exec","pid":P,"tid":P,"old_tid":T,"filename":F,"argv":[...]}
 *   {"expect":"exec_failed","pid":P,"tid":T,"filename":F,"errno":E}
 *   {"expect":"exit","pid":P,"tid":T,"exit_status":S|null,
 *    "signal":"SIGKILL"|null,"last_thread":true,
 *    "lifetime_min_ns":A,"lifetime_max_ns":B}
 *   {"expect":"lifecycle_total","pid":P,"execs":N,"exec_failed":M,"exits":K}
 * -w: wait for a byte on stdin first. Exit 0, or 99 when a check failed.
 *
 * "ct-lifecycle lifetimes [--hold] MS...": only children of known,
 * distinct lifetimes, for a median (top --children): one child per MS,
 * all at once, each sleeping MS ms and exiting 0 (no exec); each end
 * stated as above ("exit"), its lifetime between the child's own clock
 * (from its first instruction to before _exit) and the parent's (from
 * before its fork to the wait that reaped it). Then
 *   {"expect":"lifetimes_total","pid":P,"exits":N,"holding":H|null}
 * --hold: one more child, H, alive until stdin ends (then it exits 0
 * and is reaped): a child that had not ended when the statements were
 * printed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char self[4096];
static int execs, exec_failed, exits;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "ct-lifecycle: %s: %s\n", what, strerror(errno));
	exit(99);
}

/* "child STATUS MS FD": sleep, report the own lifetime on FD, exit. */
static int child_main(char **argv)
{
	uint64_t t0 = now_ns(), t1;
	int status = atoi(argv[2]), ms = atoi(argv[3]), fd = atoi(argv[4]);
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&d, NULL);
	t1 = now_ns();
	if (write(fd, &(uint64_t){ t1 - t0 }, 8) != 8)
		return 99;
	return status;
}

static void print_exec(pid_t pid, pid_t old_tid, char **argv)
{
	int i;

	printf("{\"expect\":\"exec\",\"pid\":%d,\"tid\":%d,\"old_tid\":%d,"
	       "\"filename\":\"%s\",\"argv\":[", pid, pid, old_tid, self);
	for (i = 0; argv[i]; i++)
		printf("%s\"%s\"", i ? "," : "", argv[i]);
	printf("]}\n");
	execs++;
}

static void print_exit(pid_t pid, const char *status, const char *sig,
		       uint64_t min, uint64_t max)
{
	printf("{\"expect\":\"exit\",\"pid\":%d,\"tid\":%d,\"exit_status\":%s,"
	       "\"signal\":%s,\"last_thread\":true,\"lifetime_min_ns\":%llu,"
	       "\"lifetime_max_ns\":%llu}\n", pid, pid, status, sig,
	       (unsigned long long)min, (unsigned long long)max);
	exits++;
}

/* A child that execs "child STATUS MS FD" and exits STATUS. */
static void run_child(int status, int ms)
{
	char st[16], m[16], fdn[16], *argv[6];
	uint64_t t0, t1, own;
	int fds[2], ws;
	pid_t pid;

	if (pipe(fds))
		die("pipe");
	snprintf(st, sizeof(st), "%d", status);
	snprintf(m, sizeof(m), "%d", ms);
	snprintf(fdn, sizeof(fdn), "%d", fds[1]);
	argv[0] = "ct-lifecycle";
	argv[1] = "child";
	argv[2] = st;
	argv[3] = m;
	argv[4] = fdn;
	argv[5] = NULL;
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(fds[0]);
		execv(self, argv);
		_exit(98);
	}
	close(fds[1]);
	if (waitpid(pid, &ws, 0) != pid)
		die("waitpid");
	t1 = now_ns();
	if (read(fds[0], &own, 8) != 8 || !WIFEXITED(ws) ||
	    WEXITSTATUS(ws) != status) {
		fprintf(stderr, "ct-lifecycle: child %d did not run as told\n",
			pid);
		exit(99);
	}
	close(fds[0]);
	print_exec(pid, pid, argv);
	print_exit(pid, st, "null", own, t1 - t0);
}

static void run_killed(void)
{
	uint64_t t0, t1;
	int ws;
	pid_t pid;

	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		raise(SIGKILL);
		_exit(97);
	}
	if (waitpid(pid, &ws, 0) != pid || !WIFSIGNALED(ws) ||
	    WTERMSIG(ws) != SIGKILL)
		die("killed child");
	t1 = now_ns();
	print_exit(pid, "null", "\"SIGKILL\"", 0, t1 - t0);
}

/* exec from a second thread: the process keeps its PID, the TID goes. */
static int thread_tid_fd;

static void *exec_thread(void *arg)
{
	char **argv = arg;
	pid_t tid = syscall(SYS_gettid);

	if (write(thread_tid_fd, &tid, sizeof(tid)) != sizeof(tid))
		_exit(96);
	execv(self, argv);
	_exit(95);
}

static void run_thread_exec(void)
{
	char fdn[16], *argv[] = { "ct-lifecycle", "child", "0", "0", fdn,
				  NULL };
	int tidp[2], own[2], ws;
	uint64_t t0, t1, life;
	pthread_t th;
	pid_t pid, tid;

	if (pipe(tidp) || pipe(own))
		die("pipe");
	snprintf(fdn, sizeof(fdn), "%d", own[1]);
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		thread_tid_fd = tidp[1];
		if (pthread_create(&th, NULL, exec_thread, argv))
			_exit(94);
		pause();	/* the exec ends this thread */
		_exit(93);
	}
	close(own[1]);
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) ||
	    WEXITSTATUS(ws) != 0 || read(tidp[0], &tid, sizeof(tid)) !=
	    sizeof(tid) || read(own[0], &life, 8) != 8 || tid == pid)
		die("thread exec");
	t1 = now_ns();
	print_exec(pid, tid, argv);
	/* the main thread died in the exec: it is no exit to report */
	print_exit(pid, "0", "null", life, t1 - t0);
}

static void run_exec_fail(const char *path, int err)
{
	char *argv[] = { "nothing", NULL };
	int ws;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		execv(path, argv);
		_exit(errno == err ? 5 : 6);
	}
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) ||
	    WEXITSTATUS(ws) != 5)
		die("exec failure");
	printf("{\"expect\":\"exec_failed\",\"pid\":%d,\"tid\":%d,"
	       "\"filename\":\"%s\",\"errno\":%d}\n", pid, pid, path, err);
	exec_failed++;
	print_exit(pid, "5", "null", 0, UINT64_MAX / 2);
}

/* A child of lifetimes(): sleep ms, its own clock to fd, exit 0. */
static void lifetime_child(int ms, int fd)
{
	uint64_t t0 = now_ns(), t1;
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&d, NULL);
	t1 = now_ns();
	if (write(fd, &(uint64_t){ t1 - t0 }, 8) != 8)
		_exit(99);
	_exit(0);
}

/* The held child: alive until the pipe's write end closes. */
static pid_t hold_child(int *wfd)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe(fds))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 0 ? 0 : 99);
	}
	close(fds[0]);
	*wfd = fds[1];
	return pid;
}

#define MAX_LIFETIMES	64

static int lifetimes(int argc, char **argv)
{
	uint64_t t0[MAX_LIFETIMES], own;
	int fds[MAX_LIFETIMES][2], n = 0, i, j, ws, hfd = -1;
	pid_t pids[MAX_LIFETIMES], pid, held = 0;

	if (argc > 0 && !strcmp(argv[0], "--hold")) {
		held = hold_child(&hfd);
		argc--;
		argv++;
	}
	for (n = 0; n < argc && n < MAX_LIFETIMES; n++) {
		if (pipe(fds[n]))
			die("pipe");
		t0[n] = now_ns();
		pids[n] = fork();
		if (pids[n] < 0)
			die("fork");
		if (!pids[n])
			lifetime_child(atoi(argv[n]), fds[n][1]);
		close(fds[n][1]);
	}
	for (i = 0; i < n; i++) {
		pid = waitpid(-1, &ws, 0);
		own = now_ns();
		for (j = 0; j < n; j++) {
			if (pids[j] != pid)
				continue;
			t0[j] = own - t0[j];	/* the parent's bound */
			if (read(fds[j][0], &own, 8) != 8 || !WIFEXITED(ws) ||
			    WEXITSTATUS(ws))
				die("lifetime child");
			print_exit(pid, "0", "null", own, t0[j]);
			pid = 0;
		}
		if (pid)
			die("waitpid: not a child of known lifetime");
	}
	if (held)
		printf("{\"expect\":\"lifetimes_total\",\"pid\":%d,"
		       "\"exits\":%d,\"holding\":%d}\n", getpid(), exits, held);
	else
		printf("{\"expect\":\"lifetimes_total\",\"pid\":%d,"
		       "\"exits\":%d,\"holding\":null}\n", getpid(), exits);
	if (held) {
		char buf[64];

		while (read(0, buf, sizeof(buf)) > 0)
			;
		close(hfd);
		if (waitpid(held, &ws, 0) != held || !WIFEXITED(ws) ||
		    WEXITSTATUS(ws))
			die("held child");
	}
	return 0;
}

int main(int argc, char **argv)
{
	char noexec[] = "/tmp/ct-lifecycle-noexec.XXXXXX";
	ssize_t n;
	int fd;

	if (argc == 5 && !strcmp(argv[1], "child"))
		return child_main(argv);
	if (argc > 1 && !strcmp(argv[1], "lifetimes")) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		return lifetimes(argc - 2, argv + 2);
	}
	if (argc > 1 && !strcmp(argv[1], "-w")) {
		char c;

		if (read(0, &c, 1) != 1)
			return 99;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink");
	self[n] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);

	run_child(0, 20);
	run_child(3, 50);
	run_child(7, 5);
	run_killed();
	run_thread_exec();
	run_exec_fail("/nonexistent/ct-lifecycle-missing", ENOENT);
	fd = mkstemp(noexec);
	if (fd < 0 || fchmod(fd, 0644))
		die("mkstemp");
	close(fd);
	run_exec_fail(noexec, EACCES);
	unlink(noexec);
	printf("{\"expect\":\"lifecycle_total\",\"pid\":%d,\"execs\":%d,"
	       "\"exec_failed\":%d,\"exits\":%d}\n", getpid(), execs,
	       exec_failed, exits);
	return 0;
}
