// SPDX-License-Identifier: GPL-2.0
/*
 * ct-pidslimit [PIDS_ROOT]: a fork refused with EAGAIN by the pids cgroup
 * controller. As root: create a v1 pids cgroup under PIDS_ROOT (default
 * /sys/fs/cgroup/pids), set pids.max to 1, move ourselves in, fork, move
 * back and remove the cgroup. Exits 77 when that is not possible.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct-cgroup.h"
#include "ct-common.h"

int main(int argc, char **argv)
{
	const char *root = "/sys/fs/cgroup/pids";
	char home[PATH_MAX], cg[PATH_MAX], back[2 * PATH_MAX], self[32];
	struct ct_expect e;
	int i, err, fork_errno;
	pid_t pid;

	i = ct_start(argc, argv, "[PIDS_ROOT]");
	if (i < argc)
		root = argv[i];
	if (geteuid() != 0)
		ct_skip("needs root");
	if (access(root, W_OK) || ct_cg_own_pids(home, sizeof(home)))
		ct_skip("no writable v1 pids hierarchy at %s", root);

	snprintf(self, sizeof(self), "%d", (int)getpid());
	if (snprintf(back, sizeof(back), "%s%s", root, home) >=
	    (int)sizeof(back) ||
	    snprintf(cg, sizeof(cg), "%s/ct-pidslimit.%d", root,
		     (int)getpid()) >= (int)sizeof(cg))
		ct_skip("cgroup path too long");
	if (mkdir(cg, 0755))
		ct_skip("mkdir %s: %s", cg, strerror(errno));
	err = ct_cg_write(cg, "pids.max", "1");
	if (!err)
		err = ct_cg_write(cg, "cgroup.procs", self);
	if (err) {
		rmdir(cg);
		ct_skip("cannot set up %s: %s", cg, strerror(-err));
	}

	ct_expect_init(&e, "raw fork over pids.max");
	pid = ct_raw_fork();
	fork_errno = errno;
	if (pid == 0)
		_exit(0);

	err = ct_cg_write(back, "cgroup.procs", self);
	if (err)
		ct_die("cannot move back to %s: %s", back, strerror(-err));
	if (rmdir(cg))
		ct_die("rmdir %s: %s", cg, strerror(errno));
	if (pid > 0) {
		ct_reap(pid);
		ct_die("fork succeeded despite pids.max=1");
	}
	if (fork_errno != EAGAIN)
		ct_die("fork: errno %d, not EAGAIN", fork_errno);

	e.syscall = "fork";
	e.kind = "process";
	e.flags = 0;
	e.exit_signal = SIGCHLD;
	e.err = EAGAIN;
	ct_print_failed(&e);
	ct_print_total();
	return 0;
}
