/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task.bpf.h - reading a new task, shared by the BPF objects (BPF side
 * only: vmlinux.h): what it is (enum ct_kind, from its PF_* flags, else
 * from its clone flags: clone_flags.h) and its comm.
 */
#ifndef CT_TASK_BPF_H
#define CT_TASK_BPF_H

#include "clone_flags.h"

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
	return ct_kind_of_flags(flags);
}

/*
 * A BTF-typed task's comm as two 8-byte loads (the verifier allows loads
 * anywhere inside an array member): far cheaper than a string helper, and
 * every creation on the machine pays for it. The kernel keeps comm
 * NUL-terminated; user space stops at the first NUL.
 */
static __always_inline void copy_comm(char *dst, const char *src)
{
	((__u64 *)dst)[0] = ((const __u64 *)src)[0];
	((__u64 *)dst)[1] = ((const __u64 *)src)[1];
}

#endif /* CT_TASK_BPF_H */
