// SPDX-License-Identifier: GPL-2.0
/*
 * lab.c - helpers shared by the clonetrace lab programs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"

static const char *lab_name = "lab";

void lab_init(const char *name)
{
	lab_name = name;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void vmsg(const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "lab-%s: %s", lab_name, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void lab_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(LAB_FAIL);
}

void lab_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("skip: ", fmt, ap);
	va_end(ap);
	exit(LAB_SKIP);
}

void lab_fact(const char *fact, const char *fmt, ...)
{
	char *buf;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&buf, fmt, ap) < 0)
		lab_die("out of memory");
	va_end(ap);
	printf("{\"lab\":\"%s\",\"fact\":\"%s\"%s%s}\n", lab_name, fact,
	       buf[0] ? "," : "", buf);
	fflush(stdout);
	free(buf);
}

pid_t lab_gettid(void)
{
	return syscall(SYS_gettid);
}

long lab_raw_clone(uint64_t flags, int exit_signal)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls */
	return syscall(SYS_clone, (unsigned long)(flags | exit_signal), 0,
		       NULL, NULL, 0);
}

void lab_pipe(int fds[2])
{
	if (pipe(fds))
		lab_die("pipe: %s", strerror(errno));
}

void lab_send(int fd, long v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		_exit(LAB_FAIL);
}

long lab_recv(int fd)
{
	long v;
	ssize_t n;

	do
		n = read(fd, &v, sizeof(v));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(v))
		lab_die("short read from a child (%zd)", n);
	return v;
}

void lab_reap(pid_t pid)
{
	int status;
	pid_t r;

	do
		r = waitpid(pid, &status, __WALL);
	while (r < 0 && errno == EINTR);
	if (r != pid)
		lab_die("waitpid %d: %s", pid, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		lab_die("child %d failed (status %#x)", pid, status);
}

uint64_t lab_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int lab_kcmp(pid_t a, pid_t b, int type)
{
	return syscall(SYS_kcmp, a, b, type, 0, 0);
}
