// SPDX-License-Identifier: GPL-2.0
/*
 * ct-slowfork: raw fork(2) in a loop from a process with many mappings,
 * so that each fork spends milliseconds in copy_process() (copying the
 * mappings) between its syscall entry and the new task: a tracer that
 * attaches while it runs most likely attaches inside one, and sees that
 * creation without having seen its syscall begin.
 *
 *   ct-slowfork [MAPPINGS]   (default 30000)
 *
 * Forks until its stdin is closed (or a byte arrives). States on stdout,
 * one JSON line each: {"pid":P} once the mappings are made and the forks
 * begin, then {"forks":N,"children":[...]} at the end (every child's PID,
 * as fork returned it). Each child exits at once and is reaped before the
 * next fork. Exit 99 on a failure.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long maps = argc > 1 ? atol(argv[1]) : 30000;
	struct pollfd in = { .fd = 0, .events = POLLIN };
	long page = sysconf(_SC_PAGESIZE), i, n = 0, cap = 4096;
	pid_t *kids = malloc(cap * sizeof(*kids));
	int status;

	if (!kids || maps <= 0)
		return 99;
	/* alternate protections: neighbouring mappings never merge */
	for (i = 0; i < maps; i++)
		if (mmap(NULL, page, i % 2 ? PROT_READ : PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED)
			return 99;
	printf("{\"pid\":%d}\n", (int)getpid());
	fflush(stdout);
	while (poll(&in, 1, 0) == 0) {
		pid_t pid = syscall(SYS_fork);

		if (pid < 0)
			return 99;
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return 99;
		if (n == cap) {
			cap *= 2;
			kids = realloc(kids, cap * sizeof(*kids));
			if (!kids)
				return 99;
		}
		kids[n++] = pid;
	}
	printf("{\"forks\":%ld,\"children\":[", n);
	for (i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", (int)kids[i]);
	printf("]}\n");
	return 0;
}
