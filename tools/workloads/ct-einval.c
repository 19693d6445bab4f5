// SPDX-License-Identifier: GPL-2.0
/*
 * ct-einval: flag combinations copy_process() refuses with EINVAL:
 * CLONE_SIGHAND without CLONE_VM, CLONE_THREAD without CLONE_SIGHAND (via
 * clone and clone3) and CLONE_NEWNS with CLONE_FS. Then what clone3(2)
 * refuses before kernel_clone() is called, checking its arguments
 * (kernel/fork.c copy_clone_args_from_user(), clone3_args_valid()): a
 * size below the first version of struct clone_args (EINVAL), a size over
 * a page (E2BIG), a flag clone3 does not know (EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct-common.h"

/* a bit above every clone flag (CLONE_INTO_CGROUP is 1 << 33) */
#define UNKNOWN_FLAG	(1ULL << 40)

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

/* clone3 with a struct of SIZE bytes: refused with ERR. */
static void bad_args(size_t size, uint64_t flags, int err, const char *label)
{
	struct clone_args args;
	struct ct_expect e;
	pid_t pid;

	ct_expect_init(&e, label);
	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	fflush(NULL);
	pid = (pid_t)syscall(SYS_clone3, &args, size);
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		ct_reap(pid);
		ct_die("%s: the kernel accepted it", label);
	}
	if (errno != err)
		ct_die("%s: errno %d, not %d", label, errno, err);

	e.syscall = "clone3";
	e.kind = "process";
	e.flags = flags;
	e.exit_signal = SIGCHLD;
	e.err = err;
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
	bad_args(8, 0, EINVAL, "clone3 size 8");
	bad_args(4096 + 8, 0, E2BIG, "clone3 size over a page");
	bad_args(sizeof(struct clone_args), UNKNOWN_FLAG, EINVAL,
		 "clone3 unknown flag");
	ct_print_total();
	return 0;
}
