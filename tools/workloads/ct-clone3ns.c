// SPDX-License-Identifier: GPL-2.0
/*
 * ct-clone3ns: raw clone3(2) with CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET.
 * The child is PID 1 of its new PID namespace and gets a fresh nsproxy
 * (count 1). It then forks a grandchild, PID 2 in that namespace, which
 * shares the child's nsproxy (count 2). Then a raw clone3 with the other
 * namespace flags, CLONE_NEWUSER | CLONE_NEWUTS | CLONE_NEWIPC |
 * CLONE_NEWCGROUP | CLONE_NEWTIME (a fresh nsproxy again; a kernel without
 * one of them refuses it, which is stated as a failure). CLONE_NEWTIME is
 * 0x80, which clone() would take as part of the exit signal: only clone3
 * can pass it. Needs root (else exit 77).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ct-common.h"

/*
 * The grandchild's own ids and its ids seen from the initial namespace
 * (first field of NSpid in /proc/self/status: /proc is the parent's mount).
 */
static void grandchild(int fd)
{
	struct ct_id outer = { 0, 0 };
	char line[256];
	FILE *f;

	ct_report(fd);
	f = fopen("/proc/self/status", "r");
	if (!f)
		_exit(CT_EXIT_HARNESS);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "NSpid: %d", &outer.pid) == 1)
			break;
	}
	fclose(f);
	outer.tid = outer.pid;
	if (write(fd, &outer, sizeof(outer)) != (ssize_t)sizeof(outer))
		_exit(CT_EXIT_HARNESS);
	_exit(0);
}

static void child(int fd)
{
	pid_t pid;

	ct_report(fd);
	pid = ct_raw_fork();
	if (pid < 0)
		_exit(CT_EXIT_HARNESS);
	if (pid == 0)
		grandchild(fd);
	ct_reap(pid);
	_exit(0);
}

/* The namespaces the first clone3 does not create, in a second one. */
static void other_namespaces(void)
{
	const uint64_t flags = CT_CLONE_NEWUSER | CT_CLONE_NEWUTS |
			       CT_CLONE_NEWIPC | CT_CLONE_NEWCGROUP |
			       CT_CLONE_NEWTIME;
	struct ct_expect e;
	int fds[2];
	pid_t pid;

	ct_expect_init(&e, "raw clone3 NEWUSER|NEWUTS|NEWIPC|NEWCGROUP|NEWTIME");
	e.syscall = "clone3";
	e.kind = "process";
	e.flags = flags;
	e.exit_signal = SIGCHLD;
	ct_pipe(fds);
	pid = ct_raw_clone3(flags, SIGCHLD);
	if (pid == 0) {
		ct_report(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0) {
		e.err = errno;
		close(fds[0]);
		ct_print_failed(&e);
		return;
	}
	ct_collect(fds[0], &e.child_ns);
	close(fds[0]);
	ct_reap(pid);
	if (e.child_ns.pid != pid || e.child_ns.tid != pid)
		ct_die("clone3 child says %d/%d, parent got %d",
		       e.child_ns.pid, e.child_ns.tid, (int)pid);
	e.child_pid = pid;
	e.child_tid = pid;
	ct_refs_private(&e.refs);
	e.refs.nsproxy = 1;
	e.ns_new = "[\"cgroup\",\"uts\",\"ipc\",\"user\",\"time\"]";
	ct_print_clone(&e);
}

int main(int argc, char **argv)
{
	const uint64_t flags = CT_CLONE_NEWPID | CT_CLONE_NEWNS |
			       CT_CLONE_NEWNET;
	struct ct_expect e, g;
	struct ct_id outer;
	int fds[2];
	pid_t pid;

	ct_start(argc, argv, "");
	ct_expect_init(&e, "raw clone3 NEWPID|NEWNS|NEWNET");
	ct_expect_init(&g, "raw fork inside the new PID namespace");
	ct_pipe(fds);
	pid = ct_raw_clone3(flags, SIGCHLD);
	if (pid < 0 && (errno == EPERM || errno == ENOSYS))
		ct_skip("clone3 with new namespaces: %s", strerror(errno));
	if (pid < 0)
		ct_die("clone3: %s", strerror(errno));
	if (pid == 0)
		child(fds[1]);
	close(fds[1]);
	ct_collect(fds[0], &e.child_ns);
	ct_collect(fds[0], &g.child_ns);
	ct_collect(fds[0], &outer);
	close(fds[0]);
	ct_reap(pid);
	if (e.child_ns.pid != 1 || e.child_ns.tid != 1 ||
	    g.child_ns.pid != 2 || g.child_ns.tid != 2 || outer.pid <= 0)
		ct_die("unexpected namespace ids %d/%d %d/%d outer %d",
		       e.child_ns.pid, e.child_ns.tid, g.child_ns.pid,
		       g.child_ns.tid, outer.pid);

	e.syscall = "clone3";
	e.kind = "process";
	e.flags = flags;
	e.exit_signal = SIGCHLD;
	e.child_pid = pid;
	e.child_tid = pid;
	ct_refs_private(&e.refs);
	e.refs.nsproxy = 1;
	e.ns_new = "[\"pid\",\"mnt\",\"net\"]";
	ct_print_clone(&e);

	/* The creator of the grandchild is the child, not us. */
	g.parent_pid = pid;
	g.parent_tid = pid;
	g.syscall = "fork";
	g.kind = "process";
	g.exit_signal = SIGCHLD;
	g.child_pid = outer.pid;
	g.child_tid = outer.tid;
	ct_refs_private(&g.refs);
	g.refs.nsproxy = 2;
	g.ns_new = "[]";
	ct_print_clone(&g);
	other_namespaces();
	ct_print_total();
	return 0;
}
