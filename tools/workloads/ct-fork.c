// SPDX-License-Identifier: GPL-2.0
/*
 * ct-fork: process creations without sharing, through every entry point:
 * raw fork(2), glibc fork(), raw clone(2) with three exit signals and raw
 * clone3(2). The parent is single-threaded, so every child starts with
 * private mm, files, fs, sighand and signal (all counts 1).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ct-common.h"

enum entry { RAW_FORK, GLIBC_FORK, RAW_CLONE, RAW_CLONE3 };

static void one(enum entry how, int exit_signal, const char *label)
{
	struct ct_expect e;
	int fds[2];
	pid_t pid;

	ct_expect_init(&e, label);
	ct_pipe(fds);
	switch (how) {
	case RAW_FORK:
		pid = ct_raw_fork();
		e.syscall = "fork";
		break;
	case GLIBC_FORK:
		pid = fork();
		e.syscall = "clone";
		/* glibc asks the kernel to maintain the child's TID word. */
		e.flags = CT_CLONE_CHILD_SETTID | CT_CLONE_CHILD_CLEARTID;
		e.flags_is_min = 1;
		break;
	case RAW_CLONE:
		pid = ct_raw_clone(0, exit_signal);
		e.syscall = "clone";
		break;
	default:
		pid = ct_raw_clone3(0, exit_signal);
		e.syscall = "clone3";
		break;
	}
	if (pid < 0)
		ct_die("%s failed", label);
	if (pid == 0) {
		ct_report(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	ct_collect(fds[0], &e.child_ns);
	close(fds[0]);
	ct_reap(pid);
	if (e.child_ns.pid != pid || e.child_ns.tid != pid)
		ct_die("%s: child says %d/%d, parent got %d", label,
		       e.child_ns.pid, e.child_ns.tid, (int)pid);

	e.kind = "process";
	e.exit_signal = exit_signal;
	e.child_pid = pid;
	e.child_tid = pid;
	ct_refs_private(&e.refs);
	e.ns_new = "[]";
	ct_print_clone(&e);
}

int main(int argc, char **argv)
{
	ct_start(argc, argv, "");
	/* A child with exit signal SIGUSR2 must not kill us when it exits. */
	signal(SIGUSR2, SIG_IGN);

	one(RAW_FORK, SIGCHLD, "raw fork");
	one(GLIBC_FORK, SIGCHLD, "glibc fork");
	one(RAW_CLONE, SIGCHLD, "raw clone SIGCHLD");
	one(RAW_CLONE, SIGUSR2, "raw clone SIGUSR2");
	one(RAW_CLONE, 0, "raw clone no exit signal");
	one(RAW_CLONE3, SIGCHLD, "raw clone3 SIGCHLD");
	ct_print_total();
	return 0;
}
