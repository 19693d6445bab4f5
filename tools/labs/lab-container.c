// SPDX-License-Identifier: GPL-2.0
/*
 * lab-container - lab 4: clone3(CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWNET).
 * The child is PID 1 in its new PID namespace and has new mount and
 * network namespaces. Root only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched.h>

#include "lab.h"

static const char *const ns[] = { "pid", "mnt", "net" };

static unsigned long long ns_ino(const char *name)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	return stat(path, &st) ? 0 : (unsigned long long)st.st_ino;
}

int main(void)
{
	struct clone_args args = {
		.flags = L_CLONE_NEWPID | L_CLONE_NEWNS | L_CLONE_NEWNET,
		.exit_signal = SIGCHLD,
	};
	int up[2], down[2];
	unsigned long long mine[3], child[3];
	pid_t me = getpid();
	long pid, child_pid;
	int i;

	lab_init("container");
	if (geteuid())
		lab_skip("needs root (CAP_SYS_ADMIN) for new namespaces");
	for (i = 0; i < 3; i++)
		mine[i] = ns_ino(ns[i]);
	lab_pipe(up);
	lab_pipe(down);
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		if (errno == ENOSYS || errno == EPERM)
			lab_skip("clone3 namespaces: %s", strerror(errno));
		lab_die("clone3: %s", strerror(errno));
	}
	if (pid == 0) {
		lab_send(up[1], getpid());
		for (i = 0; i < 3; i++)
			lab_send(up[1], (long)ns_ino(ns[i]));
		lab_recv(down[0]);
		_exit(0);
	}
	child_pid = lab_recv(up[0]);
	for (i = 0; i < 3; i++)
		child[i] = lab_recv(up[0]);
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", me, lab_gettid());
	lab_fact("child", "\"pid\":%ld,\"tid\":%ld,\"getpid\":%ld", pid, pid,
		 child_pid);
	for (i = 0; i < 3; i++)
		lab_fact("ns", "\"name\":\"%s\",\"parent_inode\":%llu,\"child_inode\":%llu",
			 ns[i], mine[i], child[i]);
	lab_send(down[1], 1);
	lab_reap(pid);
	return 0;
}
