// SPDX-License-Identifier: GPL-2.0
/*
 * ct-an-tree: a creation tree of known shape, for clonetrace --tree.
 *
 *   main: 5 threads, then 3 children one after the other;
 *   each child: 4 threads, then 1 grandchild;
 *   each grandchild: 2 threads.
 *
 * Threads are created and joined one at a time, children are waited for,
 * so every creation happens in this order. States on stdout, one JSON
 * line: {"pid":P,"children":[{"pid":C,"grandchild":G},...]} (the pids
 * come back from the children over a pipe). -w: wait for one byte on
 * stdin first. Exit 99 on a failure.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *thread_fn(void *arg)
{
	return arg;
}

static void threads(int n)
{
	pthread_t t;

	while (n--) {
		if (pthread_create(&t, NULL, thread_fn, NULL))
			_exit(99);
		pthread_join(t, NULL);
	}
}

static void reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		_exit(99);
}

int main(int argc, char **argv)
{
	int fds[2], i, grandchild[3];
	pid_t child[3];
	char go;

	if (argc > 1 && (strcmp(argv[1], "-w") || read(0, &go, 1) != 1))
		return 99;
	if (pipe(fds))
		return 99;
	threads(5);
	for (i = 0; i < 3; i++) {
		child[i] = fork();
		if (child[i] < 0)
			return 99;
		if (child[i] == 0) {
			pid_t g;
			int gp;

			threads(4);
			g = fork();
			if (g < 0)
				_exit(99);
			if (g == 0) {
				threads(2);
				_exit(0);
			}
			reap(g);
			gp = g;
			if (write(fds[1], &gp, sizeof(gp)) != sizeof(gp))
				_exit(99);
			_exit(0);
		}
		reap(child[i]);
		if (read(fds[0], &grandchild[i], sizeof(int)) != sizeof(int))
			return 99;
	}
	printf("{\"pid\":%d,\"children\":[", (int)getpid());
	for (i = 0; i < 3; i++)
		printf("%s{\"pid\":%d,\"grandchild\":%d}", i ? "," : "",
		       (int)child[i], grandchild[i]);
	printf("]}\n");
	return 0;
}
