// SPDX-License-Identifier: GPL-2.0
/*
 * ct-clonevm: glibc clone() with CLONE_VM | CLONE_FILES | SIGCHLD, a process
 * (not a thread) sharing the parent's mm and file table: mm_users 2 and
 * files 2, while fs, sighand and signal stay private (1).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ct-common.h"

#define STACK_SIZE (256 * 1024)

static int child_fn(void *arg)
{
	ct_report(*(int *)arg);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct ct_expect e;
	int fds[2];
	char *stack;
	pid_t pid;

	ct_start(argc, argv, "");
	ct_expect_init(&e, "glibc clone VM|FILES");
	ct_pipe(fds);
	stack = malloc(STACK_SIZE);
	if (!stack)
		ct_die("out of memory");
	fflush(NULL);
	pid = clone(child_fn, stack + STACK_SIZE,
		    CLONE_VM | CLONE_FILES | SIGCHLD, &fds[1]);
	if (pid < 0)
		ct_die("clone failed");
	ct_collect(fds[0], &e.child_ns);
	ct_reap(pid);
	close(fds[0]);
	close(fds[1]);
	free(stack);
	if (e.child_ns.pid != pid || e.child_ns.tid != pid)
		ct_die("clone child says %d/%d, parent got %d",
		       e.child_ns.pid, e.child_ns.tid, (int)pid);

	e.syscall = "clone";
	e.kind = "vm_process";
	e.flags = CT_CLONE_VM | CT_CLONE_FILES;
	e.exit_signal = SIGCHLD;
	e.child_pid = pid;
	e.child_tid = pid;
	ct_refs_private(&e.refs);
	e.refs.mm_users = 2;
	e.refs.files = 2;
	/* the parent's mm has run: CPUs may hold it lazily (mm_count) */
	e.refs.mm_count = CT_UNSET;
	e.ns_new = "[]";
	ct_print_clone(&e);
	ct_print_total();
	return 0;
}
