/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top.h - the map values shared by bpf/top.bpf.c and userspace/top.c.
 * Fixed-width types, 64-bit fields first.
 */
#ifndef CT_TOP_H
#define CT_TOP_H

#include "ct_event.h"

#define CT_TOP_ERRNO	1024	/* errnos counted; 0: others */
#define CT_TOP_PARENTS	16384
#define CT_TOP_CGROUPS	4096

struct ct_top_parent {
	__u64 created[CT_KIND_NR];
	__u64 failed;
	char comm[CT_COMM_LEN];
};

struct ct_top_cgroup {
	__u64 created;
	__u64 failed;
};

#endif /* CT_TOP_H */
