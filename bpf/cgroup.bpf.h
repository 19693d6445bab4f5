/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup.bpf.h - a task's cgroup in one cgroup v1 hierarchy, shared by
 * the BPF objects (BPF side only: vmlinux.h, task.bpf.h before it).
 *
 * A task has one cgroup per v1 hierarchy; the one of controller C is
 * task->cgroups->subsys[C's enum cgroup_subsys_id]->cgroup. User space
 * chooses the hierarchy (userspace/identity.c: the rule is there) and
 * sets cg1_ctrl; the enum's value, which depends on the kernel's
 * configuration, is never assumed: libbpf resolves it at load (an enum
 * value relocation), from the vmlinux BTF it reads anyway. (User space
 * read it from BTF before: a second parse of the vmlinux BTF, 0.9 MiB
 * more peak RSS.) The ID is the
 * kernfs ID of the cgroup's directory (kernfs_node.id, a u64 since 5.5),
 * its inode number on that hierarchy's mount: unique within the
 * hierarchy only, so the v1 ID and the v2 ID are two namespaces.
 */
#ifndef CT_CGROUP_BPF_H
#define CT_CGROUP_BPF_H

#include "cgroup_v1.h"

/* Set by user space before load. */
const volatile bool cg1_on;		/* a v1 hierarchy was chosen */
const volatile __u32 cg1_ctrl;		/* its enum ct_cgroup1_controller */
/* --cgroup in that hierarchy: the cgroup's kernfs ID and depth (root 0) */
const volatile __u64 cg1_filter_id;
const volatile __s32 cg1_filter_level;

/* --cgroup: tasks deeper than this below the cgroup are not matched */
#define CT_CG1_MAX_DEPTH	32

#define CG_RD(btf, ptr, field) \
	((btf) ? (ptr)->field : BPF_CORE_READ(ptr, field))

/*
 * The kernel's enum cgroup_subsys_id, flavoured: libbpf matches it and
 * each enumerator by name without "___ct" and takes the kernel's value
 * (the values here are placeholders). An enumerator the kernel lacks is
 * only named in a branch cg1_ctrl rules out (the chosen controller is
 * mounted, so the kernel has it), which the verifier never walks.
 */
enum cgroup_subsys_id___ct {
#define CT_CG1_ID(stem, name) stem##_cgrp_id___ct,
	CT_CGROUP1_CONTROLLERS(CT_CG1_ID)
#undef CT_CG1_ID
};

/* The chosen controller's subsys ID on this kernel; -1: none. */
static __always_inline int cg1_subsys(void)
{
	switch (cg1_ctrl) {
#define CT_CG1_CASE(stem, name)						\
	case CT_CG1_##stem:						\
		if (!bpf_core_enum_value_exists(enum cgroup_subsys_id___ct, \
						stem##_cgrp_id___ct))	\
			return -1;					\
		return bpf_core_enum_value(enum cgroup_subsys_id___ct,	\
					   stem##_cgrp_id___ct);
	CT_CGROUP1_CONTROLLERS(CT_CG1_CASE)
#undef CT_CG1_CASE
	}
	return -1;
}

/* The task's css in the chosen hierarchy; NULL when none is chosen. */
static __always_inline struct cgroup_subsys_state *
cg1_css(struct task_struct *task, bool btf)
{
	struct cgroup_subsys_state *css = NULL;
	struct css_set *cs = NULL;
	int ssid = cg1_subsys();

	if (!cg1_on || ssid < 0 ||
	    ssid >= bpf_core_field_size(cs->subsys) / sizeof(css))
		return NULL;
	cs = CG_RD(btf, task, cgroups);
	if (btf)
		return cs->subsys[ssid];
	bpf_core_read(&css, sizeof(css), &cs->subsys[ssid]);
	return css;
}

static __always_inline __u64 cg1_css_id(struct cgroup_subsys_state *css,
					bool btf)
{
	struct cgroup *cgrp = CG_RD(btf, css, cgroup);
	struct kernfs_node *kn = CG_RD(btf, cgrp, kn);

	return CG_RD(btf, kn, id);
}

/* The task's cgroup v1 ID in the chosen hierarchy; 0: none chosen. */
static __always_inline __u64 cg1_id(struct task_struct *task, bool btf)
{
	struct cgroup_subsys_state *css = cg1_css(task, btf);

	return css ? cg1_css_id(css, btf) : 0;
}

/*
 * --cgroup in the chosen hierarchy: is the task's cgroup the filter's or
 * below it? Up the css parents as many levels as the task's cgroup is
 * below the filter's depth (at most CT_CG1_MAX_DEPTH), then one compare.
 */
static __always_inline bool cg1_under(struct task_struct *task, bool btf)
{
	struct cgroup_subsys_state *css = cg1_css(task, btf);
	struct cgroup *cgrp;
	int i, up;

	if (!css)
		return false;
	cgrp = CG_RD(btf, css, cgroup);
	up = CG_RD(btf, cgrp, level) - cg1_filter_level;
	if (up < 0 || up > CT_CG1_MAX_DEPTH)
		return false;
	for (i = 0; i < CT_CG1_MAX_DEPTH && i < up; i++) {
		css = CG_RD(btf, css, parent);
		if (!css)
			return false;
	}
	return cg1_css_id(css, btf) == cg1_filter_id;
}

/* The same for the current task (BTF-typed where the kernel can). */
static __always_inline __u64 cg1_current_id(void)
{
	if (!cg1_on)
		return 0;
	if (have_current_task_btf)
		return cg1_id(bpf_get_current_task_btf(), true);
	return cg1_id((struct task_struct *)bpf_get_current_task(), false);
}

static __always_inline bool cg1_current_under(void)
{
	if (have_current_task_btf)
		return cg1_under(bpf_get_current_task_btf(), true);
	return cg1_under((struct task_struct *)bpf_get_current_task(),
			 false);
}

#endif /* CT_CGROUP_BPF_H */
