// SPDX-License-Identifier: GPL-2.0
/*
 * lab-einval - labs 5 and 6: combinations the kernel refuses.
 *   lab-einval sighand   clone(CLONE_SIGHAND|SIGCHLD): SIGHAND needs VM
 *   lab-einval thread    clone(CLONE_THREAD|CLONE_VM): THREAD needs SIGHAND
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"

int main(int argc, char **argv)
{
	uint64_t flags;
	int sig;
	long r;

	if (argc == 2 && !strcmp(argv[1], "sighand")) {
		lab_init("einval-sighand");
		flags = L_CLONE_SIGHAND;
		sig = SIGCHLD;
	} else if (argc == 2 && !strcmp(argv[1], "thread")) {
		lab_init("einval-thread");
		flags = L_CLONE_THREAD | L_CLONE_VM;
		sig = 0;
	} else {
		lab_init("einval");
		lab_die("usage: lab-einval sighand|thread");
	}
	lab_fact("parent", "\"pid\":%d,\"tid\":%d", getpid(), lab_gettid());
	r = lab_raw_clone(flags, sig);
	if (r == 0)
		_exit(0);	/* a child: the kernel accepted it after all */
	if (r > 0) {
		lab_fact("created", "\"flags\":%llu,\"child\":%ld",
			 (unsigned long long)flags, r);
		lab_reap(r);
		return 0;
	}
	lab_fact("refused", "\"syscall\":\"clone\",\"flags\":%llu,\"exit_signal\":%d,\"errno\":%d,\"error\":\"%s\"",
		 (unsigned long long)flags, sig, errno, strerrorname_np(errno));
	return 0;
}
