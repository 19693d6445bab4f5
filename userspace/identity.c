// SPDX-License-Identifier: GPL-2.0
/*
 * identity.c - cgroup IDs to paths and containers (identity.h).
 *
 * A cgroup v2 ID is the kernfs node ID of the cgroup's directory, which
 * is also a file handle of type FILEID_KERNFS on the cgroup2 mount:
 * open_by_handle_at() opens the directory in one call, and its
 * /proc/self/fd link names it. Each ID is looked up once; a cgroup that
 * is gone by then stays unknown (null in the output).
 *
 * ct_container_parse() reads untrusted names (any process may create
 * cgroups it is delegated): every access is bounded by the length given,
 * and tests/fuzz/fuzz_cgroup.c checks it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "identity.h"
#include "proc.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif
#define FILEID_KERNFS		0xfe	/* include/linux/exportfs.h */

/* ---- the parser ---- */

static bool is_hex(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

/* "PREFIX<64 hex>SUFFIX" exactly: the ID into id. */
static bool match_id(const char *p, size_t n, const char *prefix,
		     const char *suffix, char *id)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	if (n != pl + CT_CONTAINER_ID_LEN + sl || memcmp(p, prefix, pl) ||
	    memcmp(p + n - sl, suffix, sl) ||
	    !is_hex(p + pl, CT_CONTAINER_ID_LEN))
		return false;
	memcpy(id, p + pl, CT_CONTAINER_ID_LEN);
	id[CT_CONTAINER_ID_LEN] = '\0';
	return true;
}

/* A pod UID, 8-4-4-4-12 hex digits with sep for '-', into uid. */
static bool match_uid(const char *p, size_t n, char sep, char *uid)
{
	size_t i;

	if (n != CT_POD_UID_LEN)
		return false;
	for (i = 0; i < n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? p[i] != sep : !is_hex(p + i, 1))
			return false;
		uid[i] = dash ? '-' : p[i];
	}
	uid[n] = '\0';
	return true;
}

static bool starts(const char *p, size_t n, const char *s)
{
	size_t l = strlen(s);

	return n >= l && !memcmp(p, s, l);
}

static bool same(const char *p, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(p, s, n);
}

/* A pod's cgroup: kubepods[-QOS]-podUID.slice, or podUID under kubepods. */
static bool match_pod(const char *p, size_t n, bool in_kubepods, char *uid)
{
	const char *pod;

	if (starts(p, n, "kubepods") && n > 6 + CT_POD_UID_LEN &&
	    !memcmp(p + n - 6, ".slice", 6)) {
		pod = p + n - 6 - CT_POD_UID_LEN;
		if (pod - p >= 4 && !memcmp(pod - 4, "-pod", 4))
			return match_uid(pod, CT_POD_UID_LEN, '_', uid);
		return false;
	}
	return in_kubepods && n == 3 + CT_POD_UID_LEN &&
	       starts(p, n, "pod") && match_uid(p + 3, n - 3, '-', uid);
}

/* One component, with its parent's: a container of a known runtime? */
static const char *match_container(const char *p, size_t n, const char *par,
				   size_t pn, bool in_kubepods, char *id)
{
	if (match_id(p, n, "docker-", ".scope", id))
		return "docker";
	if (match_id(p, n, "cri-containerd-", ".scope", id))
		return "containerd";
	if (match_id(p, n, "crio-", ".scope", id) ||
	    match_id(p, n, "crio-", "", id))
		return "cri-o";
	if (match_id(p, n, "libpod-", ".scope", id) ||
	    match_id(p, n, "libpod-", "", id))
		return "podman";
	if (!match_id(p, n, "", "", id))
		return NULL;
	if (par && same(par, pn, "docker"))
		return "docker";
	if (in_kubepods)	/* cgroupfs driver: containerd names it bare */
		return "containerd";
	return NULL;
}

bool ct_container_parse(const char *path, size_t len, struct ct_container *c)
{
	const char *p = path, *end = path + strnlen(path, len);
	const char *par = NULL;
	size_t pn = 0;
	bool kube = false;

	memset(c, 0, sizeof(*c));
	while (p < end) {
		const char *slash = memchr(p, '/', end - p);
		size_t n = (slash ? slash : end) - p;
		char id[CT_CONTAINER_ID_LEN + 1], uid[CT_POD_UID_LEN + 1];
		const char *rt;

		if (n) {
			if (starts(p, n, "kubepods"))
				kube = true;
			if (match_pod(p, n, kube, uid))
				memcpy(c->pod_uid, uid, sizeof(uid));
			rt = match_container(p, n, par, pn, kube, id);
			if (rt) {	/* the innermost wins */
				c->runtime = rt;
				memcpy(c->id, id, sizeof(id));
			}
			par = p;
			pn = n;
		}
		p += n + 1;
	}
	return c->runtime || c->pod_uid[0];
}

/* ---- the cache ---- */

struct entry {
	uint64_t id;		/* 0: free slot */
	char *path;		/* NULL: unknown */
	bool looked;		/* path resolved (or failed) */
	bool parsed;
	bool is_container;
	struct ct_container cont;
};

struct ct_cgroups {
	bool resolve;
	int mnt_fd;		/* the cgroup2 mount; -1: none, -2: not yet */
	char mnt[512];
	size_t cap, n;
	struct entry *e;
};

struct ct_cgroups *ct_cgroups_new(bool resolve)
{
	struct ct_cgroups *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->resolve = resolve;
	c->mnt_fd = -2;
	c->cap = 64;
	c->e = calloc(c->cap, sizeof(*c->e));
	if (!c->e) {
		free(c);
		return NULL;
	}
	return c;
}

void ct_cgroups_free(struct ct_cgroups *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->cap; i++)
		free(c->e[i].path);
	free(c->e);
	if (c->mnt_fd >= 0)
		close(c->mnt_fd);
	free(c);
}

static size_t slot_of(uint64_t id, size_t cap)
{
	return (id * 0x9e3779b97f4a7c15ULL) >> 32 & (cap - 1);
}

static struct entry *find(struct ct_cgroups *c, uint64_t id, bool create)
{
	size_t i;

	if (create && (c->n + 1) * 2 > c->cap) {
		struct entry *old = c->e;
		size_t oc = c->cap, j;

		c->e = calloc(oc * 2, sizeof(*c->e));
		if (!c->e) {
			c->e = old;
			return NULL;
		}
		c->cap = oc * 2;
		for (j = 0; j < oc; j++) {
			if (!old[j].id)
				continue;
			for (i = slot_of(old[j].id, c->cap); c->e[i].id;
			     i = (i + 1) & (c->cap - 1))
				;
			c->e[i] = old[j];
		}
		free(old);
	}
	for (i = slot_of(id, c->cap); c->e[i].id; i = (i + 1) & (c->cap - 1))
		if (c->e[i].id == id)
			return &c->e[i];
	if (!create)
		return NULL;
	c->e[i].id = id;
	c->n++;
	return &c->e[i];
}

int ct_cgroups_add(struct ct_cgroups *c, uint64_t id, const char *path)
{
	struct entry *e = id ? find(c, id, true) : NULL;

	if (!e)
		return id ? -ENOMEM : 0;
	free(e->path);
	e->path = strdup(path);
	e->looked = true;
	e->parsed = false;
	return e->path ? 0 : -ENOMEM;
}

static char *lookup(struct ct_cgroups *c, uint64_t id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t),
			.handle_type = FILEID_KERNFS } };
	char link[64], buf[PATH_MAX];
	size_t ml;
	ssize_t n;
	int fd;

	if (c->mnt_fd == -2) {
		c->mnt_fd = -1;
		if (!ct_cgroup_mount(NULL, c->mnt, sizeof(c->mnt)))
			c->mnt_fd = open(c->mnt, O_RDONLY | O_DIRECTORY |
					 O_CLOEXEC);
	}
	if (c->mnt_fd < 0)
		return NULL;
	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(c->mnt_fd, &h.fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	ml = strlen(c->mnt);
	if (strncmp(buf, c->mnt, ml) || (buf[ml] && buf[ml] != '/'))
		return NULL;	/* outside the mount we know: not trusted */
	return strdup(buf[ml] ? buf + ml : "/");
}

const char *ct_cgroups_path(struct ct_cgroups *c, uint64_t id, bool *fresh)
{
	struct entry *e;

	if (fresh)
		*fresh = false;
	if (!id || !c)
		return NULL;
	e = find(c, id, c->resolve);
	if (!e)
		return NULL;
	if (!e->looked) {
		e->looked = true;
		e->path = lookup(c, id);
		if (fresh)
			*fresh = e->path != NULL;
	}
	return e->path;
}

const struct ct_container *ct_cgroups_container(struct ct_cgroups *c,
						uint64_t id)
{
	const char *path = ct_cgroups_path(c, id, NULL);
	struct entry *e;

	if (!path)
		return NULL;
	e = find(c, id, false);
	if (!e->parsed) {
		e->is_container = ct_container_parse(path, strlen(path),
						     &e->cont);
		e->parsed = true;
	}
	return e->is_container ? &e->cont : NULL;
}

int ct_cgroup_open(const char *path, char *why, size_t len)
{
	char mnt[512], full[PATH_MAX];
	struct statfs sf;
	int fd;

	if (ct_cgroup_mount(NULL, mnt, sizeof(mnt))) {
		snprintf(why, len, "no cgroup2 file system is mounted: --cgroup needs cgroup v2");
		return -1;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && !fstatfs(fd, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC)
		return fd;
	if (fd >= 0)
		close(fd);
	/* a cgroup path as /proc/PID/cgroup writes it */
	snprintf(full, sizeof(full), "%s/%s", mnt,
		 path + strspn(path, "/"));
	fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && !fstatfs(fd, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC)
		return fd;
	if (fd >= 0)
		close(fd);
	snprintf(why, len, "--cgroup '%s' is not a cgroup v2 directory: give a path under %s, or one as /proc/PID/cgroup shows it",
		 path, mnt);
	return -1;
}
