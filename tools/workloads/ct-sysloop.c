// SPDX-License-Identifier: GPL-2.0
/*
 * ct-sysloop [N [REPS]]: the cost of one cheap system call, getppid(2),
 * from REPS tight loops of N calls each (default 200000 and 5). Prints
 * one line, the fastest loop's mean in nanoseconds per call
 * ("ns_per_call 123.4"), each loop timed with CLOCK_MONOTONIC: the
 * fastest, because whatever else the machine does only ever adds time
 * to a loop, while a per-syscall cost is in every one.
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

static int count(const char *arg, long *n)
{
	char *end;

	*n = strtol(arg, &end, 10);
	return *n >= 1 && !*end;
}

int main(int argc, char **argv)
{
	long i, r, n = 200000, reps = 5;
	struct timespec a, b;
	double ns, best = 0;

	if (argc > 3 || (argc > 1 && !count(argv[1], &n)) ||
	    (argc > 2 && !count(argv[2], &reps))) {
		fprintf(stderr, "usage: ct-sysloop [N [REPS]]  (N, REPS >= 1)\n");
		return 2;
	}
	for (r = 0; r < reps; r++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (i = 0; i < n; i++)
			syscall(SYS_getppid);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		if (!r || ns < best)
			best = ns;
	}
	printf("ns_per_call %.1f\n", best / n);
	return 0;
}
