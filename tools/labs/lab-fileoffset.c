// SPDX-License-Identifier: GPL-2.0
/*
 * lab-fileoffset - lab 7: the file offset lives in the open file
 * description, which a child shares whether it was forked or cloned with
 * CLONE_FILES; what CLONE_FILES adds is the shared descriptor table, so a
 * close() in the child closes the parent's descriptor too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"

#define CHUNK 4

static void experiment(const char *fact, uint64_t flags, int fd)
{
	int victim = open("/dev/null", O_RDONLY);
	off_t before = lseek(fd, 0, SEEK_CUR), after;
	char buf[CHUNK];
	long pid;

	if (victim < 0)
		lab_die("open /dev/null: %s", strerror(errno));
	pid = lab_raw_clone(flags, SIGCHLD);
	if (pid < 0)
		lab_die("clone: %s", strerror(errno));
	if (pid == 0) {
		if (read(fd, buf, CHUNK) != CHUNK || close(victim))
			_exit(LAB_FAIL);
		_exit(0);
	}
	lab_reap(pid);
	after = lseek(fd, 0, SEEK_CUR);
	lab_fact(fact, "\"child\":%ld,\"flags\":%llu,\"child_read\":%d,\"offset_before\":%lld,\"offset_after\":%lld,\"fd_closed_by_child_open_in_parent\":%s",
		 pid, (unsigned long long)flags, CHUNK, (long long)before,
		 (long long)after,
		 fcntl(victim, F_GETFD) != -1 ? "true" : "false");
	close(victim);
}

int main(void)
{
	char path[] = "/tmp/lab-fileoffset.XXXXXX";
	int fd = mkstemp(path);

	lab_init("fileoffset");
	if (fd < 0 || write(fd, "0123456789abcdef", 16) != 16)
		lab_die("temporary file: %s", strerror(errno));
	unlink(path);
	lseek(fd, 0, SEEK_SET);
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", getpid(), lab_gettid());
	experiment("fork", 0, fd);
	experiment("clone_files", L_CLONE_FILES, fd);
	return 0;
}
