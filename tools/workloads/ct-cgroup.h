/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ct-cgroup.h - the v1 pids cgroup helpers of the workloads that make a
 * fork fail on purpose (ct-pidslimit, ct-an-limits).
 */
#ifndef CT_CGROUP_H
#define CT_CGROUP_H

#include <stddef.h>

/* Write val to dir/file; 0 or -errno. */
int ct_cg_write(const char *dir, const char *file, const char *val);
/* Our pids cgroup path, from the "N:pids:/path" line; 0 or -1. */
int ct_cg_own_pids(char *buf, size_t size);

#endif /* CT_CGROUP_H */
