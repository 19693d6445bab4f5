/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kind.bpf.h - what a new task is (enum ct_kind), from its clone flags and
 * its PF_* flags. Shared by the BPF objects; BPF side only (vmlinux.h).
 */
#ifndef CT_KIND_BPF_H
#define CT_KIND_BPF_H

/* include/uapi/linux/sched.h */
#define CSIGNAL		0x000000ffULL
#define CLONE_VM	0x00000100ULL
#define CLONE_VFORK	0x00004000ULL
#define CLONE_THREAD	0x00010000ULL

/* include/linux/sched.h; stable values, not in BTF */
#define PF_IO_WORKER	0x00000010
#define PF_USER_WORKER	0x00004000	/* since 6.4; a hole before */
#define PF_KTHREAD	0x00200000

static __always_inline __u16 kind_of(__u64 flags, __u32 pf)
{
	if (pf & PF_KTHREAD)
		return CT_KIND_KTHREAD;
	if (pf & (PF_IO_WORKER | PF_USER_WORKER))
		return CT_KIND_USER_WORKER;
	if (flags & CLONE_THREAD)
		return CT_KIND_THREAD;
	if (flags & CLONE_VFORK)
		return CT_KIND_VFORK;
	if (flags & CLONE_VM)
		return CT_KIND_VM_PROCESS;
	return CT_KIND_PROCESS;
}

#endif /* CT_KIND_BPF_H */
