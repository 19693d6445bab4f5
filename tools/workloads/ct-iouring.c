// SPDX-License-Identifier: GPL-2.0
/*
 * ct-iouring: a creation no clone-family syscall asked for. io_uring_setup
 * with IORING_SETUP_SQPOLL makes the kernel start a submission-queue
 * polling thread, "iou-sqp-PID", through create_io_thread() ->
 * copy_process(): a thread of this process (CLONE_VM|CLONE_FS|CLONE_FILES|
 * CLONE_SIGHAND|CLONE_THREAD) marked PF_IO_WORKER, created in this
 * thread's context during io_uring_setup(2).
 *
 * The kernel names the thread, so the workload finds its TID in
 * /proc/self/task by that name, created after the call returned.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ct-common.h"

#define IORING_SETUP_SQPOLL	(1U << 1)

/* include/uapi/linux/io_uring.h: struct io_uring_params, 120 bytes */
struct uring_params {
	uint32_t sq_entries, cq_entries, flags, sq_thread_cpu;
	uint32_t sq_thread_idle, features, wq_fd, resv[3];
	uint8_t offsets[80];
};

/* The TID of this process's thread named name, or 0. */
static pid_t find_thread(const char *name)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/task");
	pid_t found = 0;

	if (!dir)
		ct_die("opendir /proc/self/task: %s", strerror(errno));
	while ((d = readdir(dir))) {
		char path[300], comm[64] = "";
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		if (!strcmp(comm, name))
			found = atoi(d->d_name);
	}
	closedir(dir);
	return found;
}

int main(int argc, char **argv)
{
	struct uring_params p = { .flags = IORING_SETUP_SQPOLL,
				  .sq_thread_idle = 60000 };
	char name[32];
	struct ct_expect e;
	pid_t sqp;
	int fd, i;

	ct_start(argc, argv, "");
	snprintf(name, sizeof(name), "iou-sqp-%d", (int)getpid());
	if (find_thread(name))
		ct_die("%s exists before io_uring_setup", name);
	fd = syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0)
		ct_skip("io_uring_setup(SQPOLL): %s", strerror(errno));
	for (i = 0, sqp = 0; i < 200 && !sqp; i++) {
		sqp = find_thread(name);
		if (!sqp)
			usleep(5000);
	}
	if (!sqp)
		ct_die("no %s thread after io_uring_setup", name);

	ct_expect_init(&e, "io_uring SQPOLL thread");
	e.syscall = "kernel";
	e.kind = "user_worker";
	e.flags = CT_CLONE_VM | CT_CLONE_FS | CT_CLONE_FILES |
		  CT_CLONE_SIGHAND | CT_CLONE_THREAD;
	e.flags_is_min = 1;
	e.exit_signal = 0;
	e.child_pid = getpid();
	e.child_tid = sqp;
	/* in our PID namespace: the same numbers */
	e.child_ns.pid = getpid();
	e.child_ns.tid = sqp;
	e.ns_new = "[]";
	ct_print_clone(&e);
	ct_print_total();
	close(fd);
	return 0;
}
