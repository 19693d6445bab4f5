/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup_v1.h - the cgroup v1 controllers whose hierarchy clonetrace can
 * read a task's cgroup in, for user space (their v1 names: mount options,
 * /proc/PID/cgroup) and the BPF objects (the kernel's enum
 * cgroup_subsys_id, resolved by libbpf at load: bpf/cgroup.bpf.h).
 *
 * X(STEM, NAME): the kernel's enumerator is STEM_cgrp_id; NAME is the v1
 * name (blkio is the v1 name of io). The first eight are the preference
 * order of userspace/identity.h.
 */
#ifndef CT_CGROUP_V1_H
#define CT_CGROUP_V1_H

#define CT_CGROUP1_CONTROLLERS(X)					\
	X(pids, "pids") X(memory, "memory") X(cpu, "cpu")		\
	X(cpuacct, "cpuacct") X(io, "blkio") X(devices, "devices")	\
	X(freezer, "freezer") X(cpuset, "cpuset") X(hugetlb, "hugetlb")	\
	X(net_cls, "net_cls") X(net_prio, "net_prio")			\
	X(perf_event, "perf_event")

enum ct_cgroup1_controller {
#define CT_CG1_ENUM(stem, name) CT_CG1_##stem,
	CT_CGROUP1_CONTROLLERS(CT_CG1_ENUM)
#undef CT_CG1_ENUM
	CT_CG1_NR
};

#endif /* CT_CGROUP_V1_H */
