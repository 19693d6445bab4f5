// SPDX-License-Identifier: GPL-2.0
/*
 * lab-pstree - lab 12: the same tasks seen by ps -eLf, pstree -p,
 * /proc/PID/task/TID/stat and clonetrace. The process starts 2 threads
 * and a child process that starts 1 thread, then, with all of them alive,
 * records what the three /proc readers show.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"

static int hold[2];	/* every task blocks reading this until the end */

static void *sleeper(void *arg)
{
	char c;

	if (read(hold[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static void json_text(const char *fact, const char *key, const char *s)
{
	char *out = malloc(strlen(s) * 6 + 1), *o = out;

	if (!out)
		lab_die("out of memory");
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			o += sprintf(o, "\\%c", c);
		else if (c < 0x20)
			o += sprintf(o, "\\u%04x", c);
		else
			*o++ = c;
	}
	*o = '\0';
	lab_fact(fact, "\"%s\":\"%s\"", key, out);
	free(out);
}

/*
 * Everything FD yields until end of file, NUL-terminated. However long:
 * ps -eLf on a busy machine writes more than any fixed buffer, and a
 * reader that stops early leaves ps blocked on a full pipe while we wait
 * for it to exit.
 */
static char *read_all(int fd)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap), *more;
	ssize_t n;

	if (!buf)
		lab_die("out of memory");
	for (;;) {
		if (cap - len < 2) {
			more = realloc(buf, cap * 2);
			if (!more)
				lab_die("out of memory");
			buf = more;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			lab_die("read: %s", strerror(errno));
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

/* Run CMD (through sh) and state its output and its PID. */
static void run(const char *fact, const char *cmd)
{
	int out[2];
	char *text;
	pid_t pid;

	lab_pipe(out);
	pid = fork();
	if (pid < 0)
		lab_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(hold[1]);
		dup2(out[1], STDOUT_FILENO);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	text = read_all(out[0]);
	close(out[0]);
	lab_reap(pid);
	lab_fact("helper", "\"pid\":%d,\"command\":\"%s\"", pid, cmd);
	json_text(fact, "output", text);
	free(text);
}

/* One fact per /proc/PID/task/TID/stat: tid, comm, state, ppid. */
static void proc_tasks(pid_t pid)
{
	char path[320], line[512];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		lab_die("%s: %s", path, strerror(errno));
	while ((d = readdir(dir))) {
		char *rp, state;
		int tid, ppid;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f || !fgets(line, sizeof(line), f))
			lab_die("%s: %s", path, strerror(errno));
		fclose(f);
		/* "tid (comm) state ppid ...": comm may hold spaces */
		rp = strrchr(line, ')');
		if (!rp || sscanf(line, "%d", &tid) != 1 ||
		    sscanf(rp + 2, "%c %d", &state, &ppid) != 2)
			lab_die("cannot parse %s", path);
		lab_fact("proc_task", "\"pid\":%d,\"tid\":%d,\"state\":\"%c\",\"ppid\":%d",
			 pid, tid, state, ppid);
	}
	closedir(dir);
}

int main(void)
{
	pthread_t th[2];
	char cmd[128];
	int ready[2], i;
	pid_t me = getpid(), child;

	lab_init("pstree");
	if (pipe(hold) || pipe(ready))
		lab_die("pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, sleeper, NULL))
			lab_die("pthread_create failed");
	child = fork();
	if (child < 0)
		lab_die("fork: %s", strerror(errno));
	if (child == 0) {
		pthread_t t;

		close(hold[1]);	/* only the parent ends the wait */
		if (pthread_create(&t, NULL, sleeper, NULL))
			_exit(LAB_FAIL);
		lab_send(ready[1], 1);
		pthread_join(t, NULL);
		_exit(0);
	}
	lab_recv(ready[0]);

	lab_fact("parent", "\"pid\":%d,\"tid\":%d", me, lab_gettid());
	lab_fact("child", "\"pid\":%d,\"tid\":%d", child, child);
	proc_tasks(me);
	proc_tasks(child);
	snprintf(cmd, sizeof(cmd), "ps -eLf");
	run("ps", cmd);
	snprintf(cmd, sizeof(cmd), "pstree -p %d", me);
	run("pstree", cmd);

	close(hold[1]);		/* everybody wakes up and ends */
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	lab_reap(child);
	return 0;
}
