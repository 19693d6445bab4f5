// SPDX-License-Identifier: GPL-2.0
/*
 * clone3-probe - ask the running kernel whether it accepts a clone3()
 * request: the ground truth for "clonetrace explain" (tests/test_labs.py).
 *
 * usage: clone3-probe [--as-init] [--cgroup DIR] FLAGS EXIT_SIGNAL ...
 *
 * For each FLAGS EXIT_SIGNAL pair (numbers) a sandbox process is forked
 * and makes the clone3() call; the new task exits at once, before it
 * touches memory, so any sharing flag is harmless. One JSON line per pair:
 *
 *	{"flags":65792,"exit_signal":0,"result":"EINVAL","errno":22}
 *	{"flags":256,"exit_signal":17,"result":"accept","errno":0}
 *
 * --as-init makes the call from PID 1 of a new PID namespace; --cgroup
 * gives the cgroup v2 directory for CLONE_INTO_CGROUP. Root only.
 * Exit status: 0 every pair probed, 77 not root, 99 a probe failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sched.h>

#include "lab.h"

#define STACK_SIZE	(64 * 1024)
#define PROBE_BROKEN	255

static int cgroup_fd = -1;

/*
 * clone3() whose child calls exit(0) straight from the syscall's return:
 * it never touches the stack or TLS, so CLONE_VM, CLONE_SETTLS or
 * CLONE_VFORK cannot disturb the caller.
 */
static long clone3_exit_child(struct clone_args *args, size_t size)
{
	long ret;

	asm volatile("syscall\n\t"
		     "test %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "mov %[nr_exit], %%eax\n\t"
		     "xor %%edi, %%edi\n\t"
		     "syscall\n\t"
		     "1:\n\t"
		     : "=a"(ret)
		     : "0"((long)SYS_clone3), "D"(args), "S"(size),
		       [nr_exit] "i"(SYS_exit)
		     : "rcx", "r11", "memory");
	return ret;
}

/* In the sandbox: make the call, exit 0 if it was accepted, else errno. */
static void probe(uint64_t flags, int exit_signal)
{
	static int pidfd = -1, parent_tid, child_tid;
	struct clone_args args = {};
	void *stack;
	long r;

	stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		_exit(PROBE_BROKEN);
	args.flags = flags;
	args.exit_signal = exit_signal;
	args.pidfd = (uintptr_t)&pidfd;
	args.parent_tid = (uintptr_t)&parent_tid;
	args.child_tid = (uintptr_t)&child_tid;
	args.stack = (uintptr_t)stack;
	args.stack_size = STACK_SIZE;
	args.cgroup = cgroup_fd < 0 ? 0 : cgroup_fd;
	r = clone3_exit_child(&args, sizeof(args));
	if (r > 0) {
		/* a thread or CLONE_PARENT child is not ours to wait for */
		if (!(flags & (L_CLONE_THREAD | L_CLONE_PARENT)))
			waitpid(r, NULL, __WALL);
		_exit(0);
	}
	_exit(r == 0 ? PROBE_BROKEN : (int)-r);
}

/* --as-init: the probe runs as PID 1 of a new PID namespace. */
static void probe_as_init(uint64_t flags, int exit_signal)
{
	int status;
	pid_t pid;

	if (unshare(CLONE_NEWPID))
		_exit(PROBE_BROKEN);
	pid = fork();
	if (pid < 0)
		_exit(PROBE_BROKEN);
	if (pid == 0) {
		if (getpid() != 1)
			_exit(PROBE_BROKEN);
		probe(flags, exit_signal);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		_exit(PROBE_BROKEN);
	_exit(WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	bool as_init = false;
	int i = 1, status, fails = 0;

	lab_init("clone3-probe");
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--as-init")) {
			as_init = true;
		} else if (!strcmp(argv[i], "--cgroup") && i + 1 < argc) {
			cgroup_fd = open(argv[++i], O_RDONLY | O_DIRECTORY);
			if (cgroup_fd < 0)
				lab_die("open %s: %s", argv[i], strerror(errno));
		} else {
			lab_die("usage: clone3-probe [--as-init] [--cgroup DIR] FLAGS EXIT_SIGNAL ...");
		}
	}
	if ((argc - i) % 2 || argc == i)
		lab_die("usage: clone3-probe [--as-init] [--cgroup DIR] FLAGS EXIT_SIGNAL ...");
	if (geteuid())
		lab_skip("clone3-probe needs root (namespaces, cgroups)");
	/* children of CLONE_PARENT calls and orphans come back to us */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	for (; i < argc; i += 2) {
		uint64_t flags = strtoull(argv[i], NULL, 0);
		int sig = strtol(argv[i + 1], NULL, 0), code;
		pid_t pid = fork();
		char name[32];

		if (pid < 0)
			lab_die("fork: %s", strerror(errno));
		if (pid == 0) {
			if (as_init)
				probe_as_init(flags, sig);
			probe(flags, sig);
		}
		if (waitpid(pid, &status, 0) != pid)
			lab_die("waitpid: %s", strerror(errno));
		/* reap whatever the probe left (CLONE_PARENT children) */
		while (waitpid(-1, NULL, __WALL) > 0)
			;
		code = WIFEXITED(status) ? WEXITSTATUS(status) : PROBE_BROKEN;
		if (code == PROBE_BROKEN) {
			fails++;
			printf("{\"flags\":%llu,\"exit_signal\":%d,\"result\":\"broken\",\"errno\":null}\n",
			       (unsigned long long)flags, sig);
			continue;
		}
		snprintf(name, sizeof(name), "%s",
			 code ? strerrorname_np(code) : "accept");
		printf("{\"flags\":%llu,\"exit_signal\":%d,\"result\":\"%s\",\"errno\":%d}\n",
		       (unsigned long long)flags, sig, name, code);
	}
	return fails ? LAB_FAIL : 0;
}
