// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the clonetrace test workloads (see ct-common.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/sched.h>	/* struct clone_args; <sched.h> not included */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct-common.h"

static const char *prog = "ct-workload";
static unsigned int nr_clones;
static unsigned int nr_failed;

static void vmsg(const char *what, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", prog, what);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ct_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("harness failure: ", fmt, ap);
	va_end(ap);
	_exit(CT_EXIT_HARNESS);
}

void ct_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("skip: ", fmt, ap);
	va_end(ap);
	exit(CT_EXIT_SKIP);
}

int ct_start(int argc, char **argv, const char *usage)
{
	int wait_stdin = 0;
	int opt;
	char c;

	if (argc > 0 && argv[0]) {
		const char *slash = strrchr(argv[0], '/');

		prog = slash ? slash + 1 : argv[0];
	}
	while ((opt = getopt(argc, argv, "+wh")) != -1) {
		switch (opt) {
		case 'w':
			wait_stdin = 1;
			break;
		default:
			goto usage;
		}
	}
	/* A workload without arguments must not silently ignore some. */
	if (!*usage && optind < argc) {
		opt = '?';
		goto usage;
	}
	/*
	 * Line buffering: each expectation reaches the pipe whole, and no
	 * buffered text is left for a child to duplicate.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wait_stdin) {
		ssize_t n;

		do {
			n = read(STDIN_FILENO, &c, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			ct_die("-w: no release byte on stdin");
	}
	return optind;

usage:
	fprintf(stderr, "usage: %s [-w] %s\n"
		"  -w  wait for one byte on stdin before acting\n",
		prog, usage);
	exit(opt == 'h' ? 0 : 2);
}

pid_t ct_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void ct_pipe(int fds[2])
{
	if (pipe(fds))
		ct_die("pipe: %s", strerror(errno));
}

/* Async-signal-safe: usable in vfork and raw clone children. */
void ct_report(int fd)
{
	struct ct_id id;

	id.pid = (int32_t)syscall(SYS_getpid);
	id.tid = (int32_t)syscall(SYS_gettid);
	if (write(fd, &id, sizeof(id)) != (ssize_t)sizeof(id))
		_exit(CT_EXIT_HARNESS);
}

void ct_collect(int fd, struct ct_id *id)
{
	ssize_t n;

	do {
		n = read(fd, id, sizeof(*id));
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*id))
		ct_die("short report from child (%zd bytes)", n);
}

void ct_reap(pid_t pid)
{
	int status;
	pid_t r;

	do {
		r = waitpid(pid, &status, __WALL);
	} while (r < 0 && errno == EINTR);
	if (r != pid)
		ct_die("waitpid(%d): %s", (int)pid, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ct_die("child %d ended with status 0x%x", (int)pid, status);
}

void ct_refs_clear(struct ct_refs *refs)
{
	refs->mm_users = CT_UNSET;
	refs->mm_count = CT_UNSET;
	refs->files = CT_UNSET;
	refs->fs = CT_UNSET;
	refs->sighand = CT_UNSET;
	refs->signal_live = CT_UNSET;
	refs->nr_threads = CT_UNSET;
	refs->nsproxy = CT_UNSET;
}

int ct_mm_count_exact(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return 1;	/* no THP: nothing grabs a new mm */
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return buf[0] && !strstr(buf, "[always]");
}

void ct_refs_private(struct ct_refs *refs)
{
	refs->mm_users = 1;
	refs->mm_count = ct_mm_count_exact() ? 1 : CT_UNSET;
	refs->files = 1;
	refs->fs = 1;
	refs->sighand = 1;
	refs->signal_live = 1;
	refs->nr_threads = 1;
}

void ct_expect_init(struct ct_expect *e, const char *label)
{
	memset(e, 0, sizeof(*e));
	e->label = label;
	e->parent_pid = getpid();
	e->parent_tid = ct_gettid();
	ct_refs_clear(&e->refs);
}

pid_t ct_raw_fork(void)
{
	fflush(NULL);
	return (pid_t)syscall(SYS_fork);
}

/*
 * No new stack: without CLONE_VM the child runs on its own copy of the
 * caller's stack, so returning from syscall() is safe in both tasks.
 */
pid_t ct_raw_clone(uint64_t flags, int exit_signal)
{
	unsigned long arg = (unsigned long)flags | (unsigned long)exit_signal;

	fflush(NULL);
	return (pid_t)syscall(SYS_clone, arg, 0UL, NULL, NULL, 0UL);
}

pid_t ct_raw_clone3(uint64_t flags, int exit_signal)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = (uint64_t)exit_signal;
	fflush(NULL);
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

void ct_comm_hex(char out[33])
{
	char comm[17];
	size_t i;

	memset(comm, 0, sizeof(comm));
	if (prctl(PR_GET_NAME, comm, 0, 0, 0))
		ct_die("PR_GET_NAME: %s", strerror(errno));
	out[0] = '\0';
	for (i = 0; i < 16 && comm[i]; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)comm[i]);
}

static void print_head(const struct ct_expect *e, const char *expect)
{
	char own[33];
	const char *comm = e->comm_hex;

	if (!comm) {
		ct_comm_hex(own);
		comm = own;
	}
	printf("{\"expect\":\"%s\",\"label\":\"%s\",\"syscall\":\"%s\","
	       "\"kind\":\"%s\",\"%s\":%" PRIu64 ",\"exit_signal\":%d,"
	       "\"parent\":{\"pid\":%d,\"tid\":%d,\"comm_hex\":\"%s\"}",
	       expect, e->label, e->syscall, e->kind,
	       e->flags_is_min ? "flags_min" : "flags", e->flags,
	       e->exit_signal, (int)e->parent_pid, (int)e->parent_tid, comm);
}

static void print_ref(int *first, const char *name, long v)
{
	if (v == CT_UNSET)
		return;
	printf("%s\"%s\":%ld", *first ? "" : ",", name, v);
	*first = 0;
}

void ct_print_clone(const struct ct_expect *e)
{
	char own[33];
	const char *comm = e->comm_hex;
	int first = 1;

	if (!comm) {
		ct_comm_hex(own);
		comm = own;
	}
	print_head(e, "clone");
	printf(",\"child\":{\"pid\":%d,\"tid\":%d,\"ns_pid\":%d,"
	       "\"ns_tid\":%d,\"comm_hex\":\"%s\"}",
	       (int)e->child_pid, (int)e->child_tid, (int)e->child_ns.pid,
	       (int)e->child_ns.tid, comm);
	printf(",\"refs\":{");
	print_ref(&first, "mm_users", e->refs.mm_users);
	print_ref(&first, "mm_count", e->refs.mm_count);
	print_ref(&first, "files", e->refs.files);
	print_ref(&first, "fs", e->refs.fs);
	print_ref(&first, "sighand", e->refs.sighand);
	print_ref(&first, "signal_live", e->refs.signal_live);
	print_ref(&first, "nr_threads", e->refs.nr_threads);
	print_ref(&first, "nsproxy", e->refs.nsproxy);
	printf("}");
	if (e->ns_new)
		printf(",\"ns_new\":%s", e->ns_new);
	printf("}\n");
	nr_clones++;
}

void ct_print_failed(const struct ct_expect *e)
{
	print_head(e, "clone_failed");
	printf(",\"errno\":%d,\"error\":\"%s\"}\n", e->err,
	       strerrorname_np(e->err));
	nr_failed++;
}

void ct_print_total(void)
{
	printf("{\"expect\":\"total\",\"pid\":%d,\"clones\":%u,"
	       "\"failed\":%u}\n", (int)getpid(), nr_clones, nr_failed);
}
