// SPDX-License-Identifier: GPL-2.0
/*
 * lab-fork - lab 1: fork copies. The child gets its own mm and its own
 * file table; the parent gets SIGCHLD when the child exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "lab.h"

#define CHILD_FD 200

static volatile sig_atomic_t chld_count, chld_pid;

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
	chld_count++;
	chld_pid = si->si_pid;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigchld,
				.sa_flags = SA_SIGINFO };
	sigset_t block, old;
	int up[2], down[2], in_parent;
	pid_t pid, me = getpid();

	lab_init("fork");
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	lab_pipe(up);
	lab_pipe(down);
	if (fcntl(CHILD_FD, F_GETFD) != -1)
		lab_die("fd %d is already open", CHILD_FD);

	pid = fork();
	if (pid < 0)
		lab_die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || dup2(fd, CHILD_FD) != CHILD_FD)
			_exit(LAB_FAIL);
		lab_send(up[1], getpid());
		lab_send(up[1], fcntl(CHILD_FD, F_GETFD) != -1);
		lab_recv(down[0]);	/* parent has looked */
		_exit(0);
	}
	if (lab_recv(up[0]) != pid)
		lab_die("the child's getpid() is not what fork() returned");
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", me, lab_gettid());
	lab_fact("child", "\"pid\":%d,\"tid\":%d", pid, pid);
	in_parent = fcntl(CHILD_FD, F_GETFD) != -1;
	lab_fact("own_files", "\"fd\":%d,\"open_in_child\":%s,\"open_in_parent\":%s",
		 CHILD_FD, lab_recv(up[0]) ? "true" : "false",
		 in_parent ? "true" : "false");
	lab_fact("kcmp", "\"mm_shared\":%s,\"files_shared\":%s",
		 lab_kcmp(me, pid, KCMP_VM) == 0 ? "true" : "false",
		 lab_kcmp(me, pid, KCMP_FILES) == 0 ? "true" : "false");
	lab_send(down[1], 1);
	/* wait for SIGCHLD, then reap */
	while (!chld_count)
		sigsuspend(&old);
	lab_reap(pid);
	lab_fact("sigchld", "\"count\":%d,\"si_pid\":%d", (int)chld_count,
		 (int)chld_pid);
	return 0;
}
