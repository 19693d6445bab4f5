// SPDX-License-Identifier: GPL-2.0
/*
 * ct-seccomp: creations refused by a seccomp filter, as container
 * runtimes refuse them (Docker's default profile answers clone3 with
 * ENOSYS so that glibc falls back to clone). SECCOMP_RET_ERRNO fails the
 * syscall before the kernel's sys_enter tracepoint runs, so a tracer that
 * only pairs enter with exit never sees these failures.
 *
 *   fork(2)                       -> EPERM
 *   clone(CLONE_NEWUSER|SIGCHLD)  -> EACCES
 *   clone3(flags 0, SIGCHLD)      -> ENOSYS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct-common.h"

#define CT_CLONE_NEWUSER	0x10000000ULL

#define DENY(nr, err)							\
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),		\
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err))

static void install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		DENY(__NR_fork, EPERM),
		DENY(__NR_clone, EACCES),
		DENY(__NR_clone3, ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(f) / sizeof(f[0]),
		.filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		ct_skip("cannot install a seccomp filter");
}

static void check_refused(pid_t pid, int err, const char *label)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		ct_reap(pid);
		ct_die("%s: the filter let it through", label);
	}
	if (errno != err)
		ct_die("%s: errno %d, not %d", label, errno, err);
}

static void state(const char *label, const char *syscall, uint64_t flags,
		  int err)
{
	struct ct_expect e;

	ct_expect_init(&e, label);
	e.syscall = syscall;
	e.kind = "process";
	e.flags = flags;
	e.exit_signal = SIGCHLD;
	e.err = err;
	ct_print_failed(&e);
}

int main(int argc, char **argv)
{
	ct_start(argc, argv, "");
#if !defined(__x86_64__)
	ct_skip("the filter is written for x86-64");
#endif
	install_filter();

	check_refused(ct_raw_fork(), EPERM, "fork");
	state("fork refused by seccomp", "fork", 0, EPERM);
	check_refused(ct_raw_clone(CT_CLONE_NEWUSER, SIGCHLD), EACCES,
		      "clone");
	state("clone NEWUSER refused by seccomp", "clone", CT_CLONE_NEWUSER,
	      EACCES);
	check_refused(ct_raw_clone3(0, SIGCHLD), ENOSYS, "clone3");
	state("clone3 refused by seccomp", "clone3", 0, ENOSYS);
	ct_print_total();
	return 0;
}
