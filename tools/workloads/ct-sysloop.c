// SPDX-License-Identifier: GPL-2.0
/*
 * ct-sysloop [N]: the cost of one cheap system call, getppid(2), from a
 * tight loop of N calls (default 200000). Prints one line, the mean in
 * nanoseconds per call ("ns_per_call 123.4"), measured with
 * CLOCK_MONOTONIC around the whole loop.
 *
 * The syscall tracepoints put every system call of every task on the
 * kernel's slow path while any of them is attached: this loop, run with
 * and without a tracer, measures that tax (tests/vm/54-syscall-tax.sh).
 * getppid() has no side effect and is never cached by the C library.
 * Exit 0 done, 2 usage.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec a, b;
	long i, n = 200000;
	char *end;
	double ns;

	if (argc > 2 || (argc == 2 && ((n = strtol(argv[1], &end, 10)) < 1 ||
					*end))) {
		fprintf(stderr, "usage: ct-sysloop [N]  (N >= 1 calls)\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("ns_per_call %.1f\n", ns / n);
	return 0;
}
