// SPDX-License-Identifier: GPL-2.0
/*
 * ct-vfork: glibc vfork(), which on x86-64 is the vfork(2) syscall: the
 * kernel sees CLONE_VM | CLONE_VFORK with exit signal SIGCHLD. The child
 * borrows the parent's mm (mm_users 2) and copies everything else.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "ct-common.h"

int main(int argc, char **argv)
{
	struct ct_expect e;
	int fds[2];
	pid_t pid;

	ct_start(argc, argv, "");
	ct_expect_init(&e, "glibc vfork");
	ct_pipe(fds);
	fflush(NULL);
	pid = vfork();
	if (pid < 0)
		ct_die("vfork failed");
	if (pid == 0) {
		/* Only raw syscalls here: the parent's memory is shared. */
		ct_report(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	ct_collect(fds[0], &e.child_ns);
	close(fds[0]);
	ct_reap(pid);
	if (e.child_ns.tid != pid)
		ct_die("vfork child says tid %d, parent got %d",
		       e.child_ns.tid, (int)pid);

	e.syscall = "vfork";
	e.kind = "vfork";
	e.flags = CT_CLONE_VM | CT_CLONE_VFORK;
	e.exit_signal = SIGCHLD;
	e.child_pid = pid;
	e.child_tid = pid;
	ct_refs_private(&e.refs);
	e.refs.mm_users = 2;
	/* the parent's mm has run: CPUs may hold it lazily (mm_count) */
	e.refs.mm_count = CT_UNSET;
	e.ns_new = "[]";
	ct_print_clone(&e);
	ct_print_total();
	return 0;
}
