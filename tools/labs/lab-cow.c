// SPDX-License-Identifier: GPL-2.0
/*
 * lab-cow - lab 11: copy-on-write after fork. The parent owns PAGES
 * private pages; each child writes to n of them and counts its own minor
 * faults (getrusage) around the writes: one fault per page it writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lab.h"

#define PAGES 2048

int main(void)
{
	static const long steps[] = { 0, 16, 64, 256, 1024, 2048 };
	long page = sysconf(_SC_PAGESIZE);
	char *mem;
	size_t s;

	lab_init("cow");
	mem = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		lab_die("mmap: %s", strerror(errno));
	/* 4 KiB pages, so one write = one page = one fault */
	madvise(mem, PAGES * page, MADV_NOHUGEPAGE);
	memset(mem, 1, PAGES * page);
	lab_fact("parent", "\"pid\":%d,\"tid\":%d,\"pages\":%d,\"page_size\":%ld",
		 getpid(), lab_gettid(), PAGES, page);

	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		int fds[2];
		pid_t pid;

		lab_pipe(fds);
		pid = fork();
		if (pid < 0)
			lab_die("fork: %s", strerror(errno));
		if (pid == 0) {
			struct rusage a, b;
			long i;

			getrusage(RUSAGE_SELF, &a);
			for (i = 0; i < steps[s]; i++)
				mem[i * page] = 2;
			getrusage(RUSAGE_SELF, &b);
			lab_send(fds[1], b.ru_minflt - a.ru_minflt);
			_exit(0);
		}
		lab_fact("cow", "\"child\":%d,\"pages_written\":%ld,\"minor_faults\":%ld",
			 pid, steps[s], lab_recv(fds[0]));
		lab_reap(pid);
		close(fds[0]);
		close(fds[1]);
	}
	return 0;
}
