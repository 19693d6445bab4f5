// SPDX-License-Identifier: GPL-2.0
/*
 * ct-einval: flag combinations copy_process() refuses with EINVAL:
 * CLONE_SIGHAND without CLONE_VM, CLONE_THREAD without CLONE_SIGHAND (via
 * clone and clone3) and CLONE_NEWNS with CLONE_FS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "ct-common.h"

static void refused(int use_clone3, uint64_t flags, int exit_signal,
		    const char *kind, const char *label)
{
	struct ct_expect e;
	pid_t pid;

	ct_expect_init(&e, label);
	if (use_clone3)
		pid = ct_raw_clone3(flags, exit_signal);
	else
		pid = ct_raw_clone(flags, exit_signal);
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		ct_reap(pid);
		ct_die("%s: the kernel accepted it", label);
	}
	if (errno != EINVAL)
		ct_die("%s: errno %d, not EINVAL", label, errno);

	e.syscall = use_clone3 ? "clone3" : "clone";
	e.kind = kind;
	e.flags = flags;
	e.exit_signal = exit_signal;
	e.err = EINVAL;
	ct_print_failed(&e);
}

int main(int argc, char **argv)
{
	ct_start(argc, argv, "");
	refused(0, CT_CLONE_SIGHAND, SIGCHLD, "process",
		"clone SIGHAND without VM");
	refused(0, CT_CLONE_THREAD, 0, "thread",
		"clone THREAD without SIGHAND");
	refused(1, CT_CLONE_THREAD | CT_CLONE_VM, 0, "thread",
		"clone3 THREAD|VM without SIGHAND");
	refused(0, CT_CLONE_NEWNS | CT_CLONE_FS, SIGCHLD, "process",
		"clone NEWNS with FS");
	ct_print_total();
	return 0;
}
