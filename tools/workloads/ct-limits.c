// SPDX-License-Identifier: GPL-2.0
/*
 * ct-limits nproc|threads-max: a fork refused with EAGAIN by a limit
 * copy_process() checks, as root:
 *
 *   nproc        become uid/gid 65534 (nobody), set RLIMIT_NPROC to 0
 *                and fork: the user's count (this process) is over it
 *   threads-max  lower kernel.threads-max to its minimum, 20, fork, and
 *                put it back at once: meant for a VM, where fewer tasks
 *                than that never exist and nothing else is disturbed
 *                (every creation on the machine fails meanwhile)
 *
 * Exits 77 when that is not possible (not root, a machine with fewer
 * than 20 tasks).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ct-common.h"

#define NOBODY		65534
#define THREADS_MAX	"/proc/sys/kernel/threads-max"

static int write_threads_max(const char *value)
{
	int fd = open(THREADS_MAX, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -EIO;
}

static pid_t fork_over_nproc(void)
{
	struct rlimit rl = { 0, 0 };

	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		ct_skip("cannot become uid %d: %s", NOBODY, strerror(errno));
	if (setrlimit(RLIMIT_NPROC, &rl))
		ct_die("setrlimit(RLIMIT_NPROC, 0): %s", strerror(errno));
	return ct_raw_fork();
}

static pid_t fork_over_threads_max(void)
{
	char old[32];
	ssize_t n;
	pid_t pid;
	int fd, err, fork_errno;

	fd = open(THREADS_MAX, O_RDONLY);
	if (fd < 0)
		ct_skip("%s: %s", THREADS_MAX, strerror(errno));
	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	if (n <= 0)
		ct_die("cannot read %s", THREADS_MAX);
	old[n] = '\0';
	err = write_threads_max("20");
	if (err)
		ct_skip("cannot lower %s: %s", THREADS_MAX, strerror(-err));
	pid = ct_raw_fork();
	fork_errno = errno;
	if (pid == 0)
		_exit(0);
	err = write_threads_max(old);
	if (err)
		ct_die("cannot restore %s to %s: %s", THREADS_MAX, old,
		       strerror(-err));
	if (pid > 0) {
		ct_reap(pid);
		ct_skip("fewer than 20 tasks: threads-max refuses nothing");
	}
	errno = fork_errno;
	return pid;
}

int main(int argc, char **argv)
{
	struct ct_expect e;
	const char *what;
	pid_t pid;
	int i;

	i = ct_start(argc, argv, "nproc|threads-max");
	what = i < argc ? argv[i] : "";
	if (geteuid() != 0)
		ct_skip("needs root");
	ct_expect_init(&e, what);
	if (!strcmp(what, "nproc"))
		pid = fork_over_nproc();
	else if (!strcmp(what, "threads-max"))
		pid = fork_over_threads_max();
	else
		ct_die("usage: ct-limits [-w] nproc|threads-max");
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		ct_reap(pid);
		ct_die("%s: fork succeeded over the limit", what);
	}
	if (errno != EAGAIN)
		ct_die("%s: fork: errno %d, not EAGAIN", what, errno);

	e.syscall = "fork";
	e.kind = "process";
	e.flags = 0;
	e.exit_signal = SIGCHLD;
	e.err = EAGAIN;
	ct_print_failed(&e);
	ct_print_total();
	return 0;
}
