// SPDX-License-Identifier: GPL-2.0
/*
 * command.c - the -c command's lifecycle (command.h).
 *
 * The child is forked at once and waits for one byte on a pipe before
 * exec: the tracer puts its PID into the traced set first, so that no
 * creation of the command escapes. An exec error comes back through a
 * second, close-on-exec pipe (a successful exec closes it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "util.h"

#define GRACE_STEPS	50	/* of 100 ms: SIGKILL after five seconds */

int ct_command_words(struct ct_command *c, const char *line, char ***argv)
{
	if (wordexp(line, &c->words, WRDE_NOCMD | WRDE_UNDEF))
		return -EINVAL;
	c->have_words = true;
	if (!c->words.we_wordc)
		return -EINVAL;
	*argv = c->words.we_wordv;
	return 0;
}

/* What execve() would say of path: 0, or the errno. */
static int runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return errno == ENOTDIR ? ENOENT : errno;
	if (S_ISDIR(st.st_mode))
		return EISDIR;
	return access(path, X_OK) ? errno : 0;
}

int ct_command_find(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	char *copy, *dir, *save = NULL;
	int err = ENOENT, e;

	if (strchr(name, '/'))
		return runnable(name);
	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!copy)
		return ENOMEM;
	for (dir = strtok_r(copy, ":", &save); dir && err;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", *dir ? dir : ".", name);
		e = runnable(buf);
		/* as execvp(): EACCES if a file was found but none ran */
		if (!e || (e != ENOENT && e != EISDIR))
			err = e;
	}
	free(copy);
	return err;
}

/* In the child: wait to be released, then exec; never returns. */
static void __attribute__((noreturn)) child(char **argv, int go, int err)
{
	char c;
	int e;

	ct_default_signals();
	if (read(go, &c, 1) != 1)
		_exit(CT_EXIT_FAILURE);		/* the tracer gave up */
	execvp(argv[0], argv);
	e = errno;
	if (write(err, &e, sizeof(e)) < 0)
		_exit(CT_EXIT_NOT_FOUND);
	_exit(CT_EXIT_NOT_FOUND);
}

int ct_command_start(struct ct_command *c, char **argv)
{
	int go[2], err[2] = { -1, -1 }, e;

	if (pipe2(go, O_CLOEXEC))
		return -errno;
	if (pipe2(err, O_CLOEXEC))
		goto fail;
	c->pid = fork();
	if (c->pid < 0) {
		c->pid = 0;
		goto fail;
	}
	if (c->pid == 0) {
		close(go[1]);
		close(err[0]);
		child(argv, go[0], err[1]);
	}
	close(go[0]);
	close(err[1]);
	c->go = go[1];
	c->err = err[0];
	c->status = -1;
	return 0;
fail:
	e = errno;
	close(go[0]);
	close(go[1]);
	if (err[0] >= 0) {
		close(err[0]);
		close(err[1]);
	}
	return -e;
}

int ct_command_release(struct ct_command *c)
{
	ssize_t n;
	int e = 0;

	while ((n = write(c->go, "g", 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		e = errno;
	close(c->go);
	c->go = -1;
	/* EOF: the exec worked (the pipe is close-on-exec) */
	while (!e && (n = read(c->err, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (n != sizeof(e))
		e = 0;
	close(c->err);
	c->err = -1;
	if (e)
		ct_command_wait(c);	/* it exits at once */
	return e;
}

/* A wait status as a shell reports it. */
static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return CT_EXIT_FAILURE;
}

bool ct_command_poll(struct ct_command *c)
{
	int ws;

	if (c->status < 0 && waitpid(c->pid, &ws, WNOHANG) == c->pid)
		c->status = exit_status(ws);
	return c->status >= 0;
}

int ct_command_wait(struct ct_command *c)
{
	pid_t r;
	int ws;

	if (c->status >= 0)
		return c->status;
	while ((r = waitpid(c->pid, &ws, 0)) < 0 && errno == EINTR)
		;	/* a stop signal, or the alarm */
	c->status = r == c->pid ? exit_status(ws) : CT_EXIT_FAILURE;
	return c->status;
}

void ct_command_signal(struct ct_command *c, int sig)
{
	if (c->pid > 0 && !ct_command_poll(c))
		kill(c->pid, sig);
}

int ct_command_stop(struct ct_command *c, int sig)
{
	int i;

	if (ct_command_poll(c))
		return c->status;
	kill(c->pid, sig);
	for (i = 0; i < GRACE_STEPS; i++) {
		if (ct_command_poll(c))
			return c->status;
		usleep(100000);
	}
	kill(c->pid, SIGKILL);
	return ct_command_wait(c);
}

void ct_command_free(struct ct_command *c)
{
	if (c->pid > 0 && c->go >= 0) {
		close(c->go);	/* never released: it exits without exec */
		c->go = -1;
		ct_command_wait(c);
	}
	if (c->pid > 0 && c->err >= 0)
		close(c->err);
	if (c->have_words)
		wordfree(&c->words);
	c->have_words = false;
}
