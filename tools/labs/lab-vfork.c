// SPDX-License-Identifier: GPL-2.0
/*
 * lab-vfork - lab 9: vfork() suspends the parent until the child exits
 * or calls execve(). The child waits DELAY before either; the parent
 * measures how long vfork() kept it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

#define DELAY_NS	200000000ULL	/* 200 ms before exit / exec */
#define EXEC_SLEEP	"1"		/* the exec'd program runs 1 s */

static void child_delay(void)
{
	struct timespec ts = { 0, DELAY_NS };

	/* raw syscall: a vfork child must not disturb the parent's libc */
	syscall(SYS_nanosleep, &ts, NULL);
}

int main(void)
{
	uint64_t t0, t1, t2;
	pid_t pid;

	lab_init("vfork");
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", getpid(), lab_gettid());

	t0 = lab_now_ns();
	pid = vfork();
	if (pid == 0) {
		child_delay();
		_exit(0);
	}
	t1 = lab_now_ns();
	if (pid < 0)
		lab_die("vfork: %s", strerror(errno));
	lab_reap(pid);
	lab_fact("vfork_exit", "\"child\":%d,\"delay_ns\":%llu,\"blocked_ns\":%llu",
		 pid, DELAY_NS, (unsigned long long)(t1 - t0));

	t0 = lab_now_ns();
	pid = vfork();
	if (pid == 0) {
		child_delay();
		execl("/bin/sleep", "sleep", EXEC_SLEEP, (char *)NULL);
		_exit(127);
	}
	t1 = lab_now_ns();
	if (pid < 0)
		lab_die("vfork: %s", strerror(errno));
	lab_reap(pid);
	t2 = lab_now_ns();
	lab_fact("vfork_exec", "\"child\":%d,\"delay_ns\":%llu,\"blocked_ns\":%llu,\"child_lifetime_ns\":%llu,\"exec_runs_ns\":%llu",
		 pid, DELAY_NS, (unsigned long long)(t1 - t0),
		 (unsigned long long)(t2 - t0), 1000000000ULL);
	return 0;
}
