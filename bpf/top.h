/* SPDX-License-Identifier: GPL-2.0 */
/*
 * top.h - the map values shared by bpf/top.bpf.c and userspace/top.c.
 * Fixed-width types, 64-bit fields first.
 */
#ifndef CT_TOP_H
#define CT_TOP_H

#include "ct_event.h"

#define CT_TOP_ERRNO	1024	/* errnos counted; 0: others */
/*
 * kinds[]: creations by syscall and kind, key syscall * CT_KIND_NR +
 * kind; the syscall CT_TOP_SC_UNKNOWN where the kernel cannot say
 * (no bpf_task_pt_regs(), before 5.15).
 */
#define CT_TOP_SC_UNKNOWN	CT_SC_NR
#define CT_TOP_KINDS		((CT_SC_NR + 1) * CT_KIND_NR)
#define CT_TOP_FAILING	1024	/* creators whose creations fail */
#define CT_TOP_PARENTS	16384
#define CT_TOP_CGROUPS	4096
#define CT_TOP_USERS	4096	/* --users: creating uids */

struct ct_top_parent {
	__u64 created[CT_KIND_NR];
	__u64 failed;
	char comm[CT_COMM_LEN];
};

struct ct_top_cgroup {
	__u64 created;
	__u64 failed;
};

/* users[] (top --users): by the creator's real uid */
struct ct_top_user {
	__u64 created;
	__u64 failed;
};

/* failing[]: EAGAIN and ENOMEM failures by creating TGID, for causes. */
struct ct_top_failing {
	__u64 again;
	__u64 nomem;
};

#endif /* CT_TOP_H */
