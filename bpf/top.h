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
#define CT_TOP_SC_UNKNOWN	CT_SC_UNKNOWN
#define CT_TOP_KINDS		(CT_SC_NR * CT_KIND_NR)
#define CT_TOP_FAILING	1024	/* creators whose creations fail */
#define CT_TOP_PARENTS	16384
#define CT_TOP_CGROUPS	4096
#define CT_TOP_USERS	4096	/* --users: creating uids */

struct ct_top_parent {
	__u64 created[CT_KIND_NR];
	__u64 failed;
	char comm[CT_COMM_LEN];
};

/*
 * cgroups[] key: the creator's cgroup v2 ID and its cgroup in the v1
 * hierarchy user space chose (0: none; bpf/cgroup.bpf.h)
 */
struct ct_top_cgroup_key {
	__u64 id;
	__u64 id1;
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

/*
 * top --children: what each spawner's children became. kids[] by the
 * spawner's TGID (the real parent at the child's exec or exit):
 * successful execs, ends of processes (last thread) and their lifetimes
 * in a log-linear histogram of microseconds; kid_codes[] by spawner and
 * wait status, kid_progs[] by spawner and the comm the exec gave.
 *
 * The histogram: below 2 * CT_TOP_LIFE_SUB usecs one bucket per usec;
 * from there each power of two [2^k, 2^(k+1)) is cut in CT_TOP_LIFE_SUB
 * equal buckets, each 2^k / CT_TOP_LIFE_SUB wide: a value's bucket is
 * at most 1/CT_TOP_LIFE_SUB of the value wide, so its middle is within
 * 1/(2 * CT_TOP_LIFE_SUB) of it (userspace/top.c: the median). Counts
 * are 32-bit: the map is emptied every interval.
 */
#define CT_TOP_KIDS		4096
#define CT_TOP_KID_ROWS		16384
#define CT_TOP_LIFE_SHIFT	3
#define CT_TOP_LIFE_SUB		(1U << CT_TOP_LIFE_SHIFT)
#define CT_TOP_LIFE_LOG2	40	/* up to 2^40 usecs: ~12 days */
#define CT_TOP_LIFE_BUCKETS	\
	(CT_TOP_LIFE_SUB * (CT_TOP_LIFE_LOG2 - CT_TOP_LIFE_SHIFT + 1))

struct ct_top_kids {
	__u64 execs;
	__u64 exits;
	__u32 life[CT_TOP_LIFE_BUCKETS];
};

struct ct_top_kid_code {
	__u32 spawner;
	__s32 code;		/* wait status: status << 8, signal | 0x80 */
};

struct ct_top_kid_prog {
	__u32 spawner;
	char comm[CT_COMM_LEN];
};

/* failing[]: EAGAIN and ENOMEM failures by creating TGID, for causes. */
struct ct_top_failing {
	__u64 again;
	__u64 nomem;
};

#endif /* CT_TOP_H */
