/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task.bpf.h - reading a new task, shared by the BPF objects (BPF side
 * only: vmlinux.h): what it is (enum ct_kind, from its PF_* flags, else
 * from its clone flags: clone_flags.h), the syscall its creator is in,
 * and its comm.
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
 * Set by user space after probing (attach.c), in every object that
 * includes this header: bpf_task_pt_regs() exists (5.15+); without it
 * (5.10-5.14) the registers are where the helper finds them, x86-64's
 * task_pt_regs(): the last struct pt_regs below the top of the task's
 * kernel stack, task->stack + THREAD_SIZE (thread_size; 0: do not look);
 * bpf_get_current_task_btf() exists (5.11+: without it the verifier
 * refuses the whole program, so every call sits behind the flag).
 */
const volatile bool have_task_pt_regs;
const volatile __u32 thread_size;
const volatile bool have_current_task_btf = true;

/* x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl) */
#define NR_CLONE	56
#define NR_FORK		57
#define NR_VFORK	58
#define NR_CLONE3	435

/*
 * The current task's saved user registers: the syscall number and its
 * first argument. False when this kernel does not let us read them.
 */
static __always_inline bool user_regs(__u64 *nr, __u64 *arg0)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task;
	struct pt_regs *regs;

	if (have_task_pt_regs) {
		task = bpf_get_current_task_btf();
		regs = (struct pt_regs *)bpf_task_pt_regs(task);
		*nr = regs->orig_ax;	/* a BTF pointer: plain loads */
		*arg0 = regs->di;
		return true;
	}
	if (thread_size) {
		task = (struct task_struct *)bpf_get_current_task();
		regs = (struct pt_regs *)(BPF_CORE_READ(task, stack) +
					  thread_size -
					  bpf_core_type_size(struct pt_regs));
		*nr = BPF_CORE_READ(regs, orig_ax);
		*arg0 = BPF_CORE_READ(regs, di);
		return true;
	}
#endif
	return false;
}

static __always_inline __u32 current_flags(void)
{
	if (have_current_task_btf)
		return bpf_get_current_task_btf()->flags;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(),
			     flags);
}

/*
 * The syscall a creation of KIND by the current task came through, when
 * no request of it was recorded (--no-syscalls, a syscall entry before
 * clonetrace attached, a request lost): "kernel" only for kernel-internal
 * creations (a kernel thread creating, an io_uring or vhost worker
 * created; CT_KIND_NR: not known yet), else the clone-family syscall in
 * the creator's saved user registers, else unknown (registers unreadable,
 * a 32-bit caller's numbers). The register helpers sit behind .rodata
 * flags set after probing: the verifier never sees what this kernel lacks.
 */
static __always_inline __u16 current_syscall(__u16 kind)
{
	__u64 nr, arg0;

	if (kind == CT_KIND_KTHREAD || kind == CT_KIND_USER_WORKER ||
	    (current_flags() & PF_KTHREAD))
		return CT_SC_KERNEL;
	if (!user_regs(&nr, &arg0))
		return CT_SC_UNKNOWN;
	switch (nr) {
	case NR_CLONE:	return CT_SC_CLONE;
	case NR_FORK:	return CT_SC_FORK;
	case NR_VFORK:	return CT_SC_VFORK;
	case NR_CLONE3:	return CT_SC_CLONE3;
	}
	return CT_SC_UNKNOWN;
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
