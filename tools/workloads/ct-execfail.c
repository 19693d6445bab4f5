// SPDX-License-Identifier: GPL-2.0
/*
 * ct-execfail: execs that fail, through each exec syscall, for
 * clonetrace -e exec: each child tries one exec, checks that it failed
 * with the errno the kernel must give, and _exit()s 5:
 *
 *   execve   a missing file                      ENOENT
 *   execveat a missing file (AT_FDCWD)           ENOENT
 *   execve   this program, one 160 KiB argument  E2BIG (MAX_ARG_STRLEN)
 *   execveat a file without execute permission   EACCES (root included)
 *
 * and one child execveat()s this program ("child": exits 0 at once), so
 * that a successful exec's syscall is execveat too.
 *
 * One JSON line per fact on stdout:
 *   {"expect":"exec_failed","pid":P,"tid":P,"syscall":S,"filename":F,
 *    "errno":E}
 *   {"expect":"exec","pid":P,"tid":P,"syscall":"execveat","filename":F}
 *   {"expect":"execfail_total","pid":P,"execs":1,"exec_failed":4}
 * Exit 0, or 99 when a check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* include/uapi/linux/binfmts.h: one argument's limit, 32 pages */
#define BIG_ARG		(160 * 1024)

static char self[4096];
static char *envp[] = { NULL };

static void die(const char *what)
{
	fprintf(stderr, "ct-execfail: %s: %s\n", what, strerror(errno));
	exit(99);
}

static int do_exec(int at, const char *path, char **argv)
{
	if (at)
		return syscall(SYS_execveat, AT_FDCWD, path, argv, envp, 0);
	return syscall(SYS_execve, path, argv, envp);
}

/* A child runs one exec; status 5: failed with err, 0: the exec ran. */
static pid_t run(int at, const char *path, char **argv, int err)
{
	int ws;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (!pid) {
		do_exec(at, path, argv);
		_exit(errno == err ? 5 : 6);
	}
	if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) ||
	    WEXITSTATUS(ws) != (err ? 5 : 0)) {
		fprintf(stderr, "ct-execfail: %s of %s: status 0x%x, not %s\n",
			at ? "execveat" : "execve", path, ws,
			err ? strerror(err) : "success");
		exit(99);
	}
	return pid;
}

static void fail(int at, const char *path, char **argv, int err)
{
	pid_t pid = run(at, path, argv, err);

	printf("{\"expect\":\"exec_failed\",\"pid\":%d,\"tid\":%d,"
	       "\"syscall\":\"%s\",\"filename\":\"%s\",\"errno\":%d}\n", pid,
	       pid, at ? "execveat" : "execve", path, err);
}

int main(int argc, char **argv)
{
	char noexec[] = "/tmp/ct-execfail-noexec.XXXXXX";
	char *plain[] = { "ct-execfail", NULL };
	char *child[] = { "ct-execfail", "child", NULL };
	char *big[] = { "ct-execfail", NULL, NULL };
	ssize_t n;
	pid_t pid;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "child"))
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		die("readlink");
	self[n] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);

	fail(0, "/nonexistent/ct-execfail-missing", plain, ENOENT);
	fail(1, "/nonexistent/ct-execfail-missing-at", plain, ENOENT);
	big[1] = malloc(BIG_ARG);
	if (!big[1])
		die("malloc");
	memset(big[1], 'x', BIG_ARG - 1);
	big[1][BIG_ARG - 1] = '\0';
	fail(0, self, big, E2BIG);
	free(big[1]);
	fd = mkstemp(noexec);
	if (fd < 0 || fchmod(fd, 0644))
		die("mkstemp");
	close(fd);
	fail(1, noexec, plain, EACCES);
	unlink(noexec);
	pid = run(1, self, child, 0);
	printf("{\"expect\":\"exec\",\"pid\":%d,\"tid\":%d,"
	       "\"syscall\":\"execveat\",\"filename\":\"%s\"}\n", pid, pid,
	       self);
	printf("{\"expect\":\"execfail_total\",\"pid\":%d,\"execs\":1,"
	       "\"exec_failed\":4}\n", getpid());
	return 0;
}
