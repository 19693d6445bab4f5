/* SPDX-License-Identifier: GPL-2.0 */
/*
 * identity.h - who an event's task belongs to: its cgroup v2 path,
 * resolved from the cgroup ID the BPF side read (and cached), and the
 * container that path names, for the common runtimes' naming schemes.
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
 * --cgroup PATH: an open directory of cgroup2 (PATH itself, or PATH below
 * the cgroup2 mount). The fd, or -1 with why set to a message.
 */
int ct_cgroup_open(const char *path, char *why, size_t len);

#endif /* CT_IDENTITY_H */
