/* SPDX-License-Identifier: GPL-2.0 */
/*
 * identity.h - who an event's task belongs to: its cgroup v2 path and its
 * path in one cgroup v1 hierarchy, resolved from the cgroup IDs the BPF
 * side read (and cached), and the container those paths name, for the
 * common runtimes' naming schemes.
 */
#ifndef CT_IDENTITY_H
#define CT_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_CONTAINER_ID_LEN	64	/* hex digits of a container ID */
#define CT_POD_UID_LEN		36	/* 8-4-4-4-12 */

/* What a cgroup path says about a container; empty strings: not said. */
struct ct_container {
	const char *runtime;	/* docker, containerd, cri-o, podman; or NULL */
	char id[CT_CONTAINER_ID_LEN + 1];
	char pod_uid[CT_POD_UID_LEN + 1];	/* Kubernetes */
};

/*
 * Parse a cgroup path (as in /proc/PID/cgroup, "/a/b/c"; at most len
 * bytes, up to a NUL): the innermost container of a known runtime and
 * the Kubernetes pod around it. Naming schemes (systemd and cgroupfs
 * drivers):
 *   docker      .../docker-ID.scope, /docker/ID
 *   containerd  .../cri-containerd-ID.scope, /kubepods/.../podUID/ID
 *   cri-o       .../crio-ID.scope (crio-conmon-ID.scope is not one)
 *   podman      .../libpod-ID.scope, /libpod_parent/libpod-ID
 *               (libpod-conmon-ID.scope is not one)
 *   pod UID     kubepods[-QOS]-podUID.slice (UID with '_' for '-'),
 *               /kubepods/[QOS/]podUID
 * ID is 64 hex digits. True when a container or a pod was found.
 */
bool ct_container_parse(const char *path, size_t len, struct ct_container *c);

/* cgroup IDs to paths, cached; the paths relative to the cgroup2 root. */
struct ct_cgroups;

/*
 * resolve: look up unknown IDs in the running system (the tracer);
 * false: only what ct_cgroups_add() gave (report). NULL: out of memory.
 */
struct ct_cgroups *ct_cgroups_new(bool resolve);
void ct_cgroups_free(struct ct_cgroups *c);
/* Record that id is path (report: from the recording). 0 or -ENOMEM. */
int ct_cgroups_add(struct ct_cgroups *c, uint64_t id, const char *path);
/*
 * The path of cgroup id, or NULL when it cannot be known (0, gone before
 * it was looked up, no cgroup2). *fresh (may be NULL) is set when this
 * call resolved it for the first time (the recording writes it then).
 */
const char *ct_cgroups_path(struct ct_cgroups *c, uint64_t id, bool *fresh);
/* The container of cgroup id, parsed once; NULL when none. */
const struct ct_container *ct_cgroups_container(struct ct_cgroups *c,
						uint64_t id);

/*
 * The v1 hierarchy of c's cgroup1 IDs (struct ct_event.cgroup1_id):
 * controller as mounted ("pids"), mnt its mount (NULL when c does not
 * resolve). 0 or -ENOMEM. Without it, cgroup1 IDs are unknown.
 */
int ct_cgroups_set_v1(struct ct_cgroups *c, const char *controller,
		      const char *mnt);
/* Its controller, or NULL: no v1 hierarchy. */
const char *ct_cgroups_controller(const struct ct_cgroups *c);
/* As ct_cgroups_add(), ct_cgroups_path(), for a cgroup1 ID. */
int ct_cgroups_add1(struct ct_cgroups *c, uint64_t id1, const char *path);
const char *ct_cgroups_path1(struct ct_cgroups *c, uint64_t id1,
			     bool *fresh);
/*
 * The container of a task in cgroup v2 id and cgroup1 id1: what the v2
 * path names, else what the v1 path names (hybrid hosts, and runtimes on
 * cgroup v1 hosts, put containers in the v1 hierarchies only).
 */
const struct ct_container *ct_cgroups_container_of(struct ct_cgroups *c,
						   uint64_t id, uint64_t id1);

/*
 * The cgroup v1 hierarchy whose cgroup every event carries
 * (bpf/cgroup.bpf.h). One: a task has a cgroup in each hierarchy, and
 * the runtimes create a container's cgroup in all of them, so one that
 * is mounted is enough to name the container. The rule, when --cgroup
 * does not name one: the first of CT_CGROUP1_PREFERENCE mounted as v1.
 * pids first: it is the controller of task counts (the one that stops a
 * fork storm), every runtime creates it for a container, and it is
 * cheap; then the controllers that are nearly always on.
 */
#define CT_CGROUP1_PREFERENCE \
	"pids", "memory", "cpu", "cpuacct", "blkio", "devices", "freezer", \
	"cpuset"

struct ct_cgroup1 {
	char controller[16];	/* "" none */
	char mnt[512];		/* its mount */
	uint32_t ctrl;		/* its enum ct_cgroup1_controller */
	uint64_t filter_id;	/* --cgroup in it: kernfs ID; 0 none */
	int32_t filter_level;	/* its depth below the root (0) */
};

/*
 * Choose the hierarchy: h->controller when set (by ct_cgroup_filter1()),
 * else by the rule above; its mount and its place in
 * CT_CGROUP1_CONTROLLERS (bpf/cgroup_v1.h). 0, or -1 when the kernel
 * gives none (pure cgroup v2 hosts) or it is not one of those:
 * h->controller is then "".
 */
int ct_cgroup1_choose(struct ct_cgroup1 *h);

/*
 * --cgroup PATH: an open directory of cgroup2 (PATH itself, or PATH below
 * the cgroup2 mount). The fd, or -1 with why set to a message.
 */
int ct_cgroup_open(const char *path, char *why, size_t len);
/*
 * --cgroup PATH in a cgroup v1 hierarchy: a directory on a v1 mount, or
 * "CONTROLLER:/PATH" as /proc/PID/cgroup shows it. 1: it is one, h has
 * its controller, filter_id and filter_level (then ct_cgroup1_choose());
 * 0: not v1 (try ct_cgroup_open()); -1: a v1 path that cannot be used,
 * why says why.
 */
int ct_cgroup_filter1(const char *path, struct ct_cgroup1 *h, char *why,
		      size_t len);

#endif /* CT_IDENTITY_H */
