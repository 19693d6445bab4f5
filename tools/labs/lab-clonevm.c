// SPDX-License-Identifier: GPL-2.0
/*
 * lab-clonevm - lab 3: clone(CLONE_VM|CLONE_FILES|SIGCHLD), a "shared
 * memory process": one mm and one file table, but its own TGID, signal
 * and sighand. A write by the child is read by the parent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kcmp.h>

#include "lab.h"

#define STACK_SIZE (256 * 1024)
#define CHILD_FD 201

static volatile long shared_value;
static volatile pid_t child_getpid, child_gettid;
static int up[2], down[2];

static int child_fn(void *arg)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0 || dup2(fd, CHILD_FD) != CHILD_FD)
		return LAB_FAIL;
	child_getpid = getpid();
	child_gettid = lab_gettid();
	shared_value = 0x5eed0000L + child_getpid;
	lab_send(up[1], 1);
	lab_recv(down[0]);
	return 0;
}

static const char *yes(int v)
{
	return v ? "true" : "false";
}

int main(void)
{
	char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t me = getpid(), pid;
	long seen;

	lab_init("clonevm");
	if (stack == MAP_FAILED)
		lab_die("mmap: %s", strerror(errno));
	lab_pipe(up);
	lab_pipe(down);
	pid = clone(child_fn, stack + STACK_SIZE,
		    CLONE_VM | CLONE_FILES | SIGCHLD, NULL);
	if (pid < 0)
		lab_die("clone: %s", strerror(errno));
	lab_recv(up[0]);
	seen = shared_value;
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", me, lab_gettid());
	lab_fact("child", "\"pid\":%d,\"tid\":%d,\"getpid\":%d,\"gettid\":%d",
		 pid, pid, (int)child_getpid, (int)child_gettid);
	lab_fact("memory", "\"child_wrote\":%ld,\"parent_read\":%ld",
		 0x5eed0000L + child_getpid, seen);
	lab_fact("files", "\"fd\":%d,\"opened_by_child_open_in_parent\":%s",
		 CHILD_FD, yes(fcntl(CHILD_FD, F_GETFD) != -1));
	lab_fact("kcmp", "\"mm_shared\":%s,\"files_shared\":%s,\"fs_shared\":%s,\"sighand_shared\":%s",
		 yes(lab_kcmp(me, pid, KCMP_VM) == 0),
		 yes(lab_kcmp(me, pid, KCMP_FILES) == 0),
		 yes(lab_kcmp(me, pid, KCMP_FS) == 0),
		 yes(lab_kcmp(me, pid, KCMP_SIGHAND) == 0));
	lab_send(down[1], 1);
	lab_reap(pid);
	return 0;
}
