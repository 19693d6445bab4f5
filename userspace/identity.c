// SPDX-License-Identifier: GPL-2.0
/*
 * identity.c - cgroup IDs to paths and containers (identity.h).
 *
 * A cgroup v2 ID is the kernfs node ID of the cgroup's directory, which
 * is also a file handle of type FILEID_KERNFS on the cgroup2 mount:
 * open_by_handle_at() opens the directory in one call, and its
 * /proc/self/fd link names it. Each ID is looked up once; a cgroup that
 * is gone by then stays unknown (null in the output). A cgroup v1 ID is
 * the same thing on its hierarchy's mount (kernfs exports every cgroup
 * root), so a second cache, of the same kind, holds those.
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

#include "cgroup_v1.h"
#include "identity.h"
#include "proc.h"
#include "util.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC	0x27e0eb
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
	char mnt[512];		/* "" until looked for; set for v1 */
	struct ct_cgroups *v1;	/* the v1 hierarchy's IDs, or NULL */
	char controller[16];	/* of v1 */
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
	ct_cgroups_free(c->v1);
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
		if (c->mnt[0] || !ct_cgroup_mount(NULL, c->mnt, sizeof(c->mnt)))
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

/* ---- cgroup v1 ---- */

int ct_cgroups_set_v1(struct ct_cgroups *c, const char *controller,
		      const char *mnt)
{
	struct ct_cgroups *v1 = ct_cgroups_new(c->resolve && mnt);

	if (!v1)
		return -ENOMEM;
	if (mnt)
		snprintf(v1->mnt, sizeof(v1->mnt), "%s", mnt);
	ct_cgroups_free(c->v1);
	c->v1 = v1;
	snprintf(c->controller, sizeof(c->controller), "%s", controller);
	return 0;
}

const char *ct_cgroups_controller(const struct ct_cgroups *c)
{
	return c && c->v1 ? c->controller : NULL;
}

int ct_cgroups_add1(struct ct_cgroups *c, uint64_t id1, const char *path)
{
	return c->v1 ? ct_cgroups_add(c->v1, id1, path) : 0;
}

const char *ct_cgroups_path1(struct ct_cgroups *c, uint64_t id1,
			     bool *fresh)
{
	if (fresh)
		*fresh = false;
	return c ? ct_cgroups_path(c->v1, id1, fresh) : NULL;
}

const struct ct_container *ct_cgroups_container_of(struct ct_cgroups *c,
						   uint64_t id, uint64_t id1)
{
	const struct ct_container *k = ct_cgroups_container(c, id);

	if (k || !c)
		return k;
	return ct_cgroups_container(c->v1, id1);
}

/* The controllers a hierarchy can be read by, by enum ct_cgroup1_controller. */
static const char *const controllers[] = {
#define CT_CG1_NAME(stem, name) name,
	CT_CGROUP1_CONTROLLERS(CT_CG1_NAME)
#undef CT_CG1_NAME
};

/* controller's enum ct_cgroup1_controller, or -1 */
static int controller_index(const char *controller)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(controllers); i++)
		if (!strcmp(controllers[i], controller))
			return i;
	return -1;
}

int ct_cgroup1_choose(struct ct_cgroup1 *h)
{
	static const char *const pref[] = { CT_CGROUP1_PREFERENCE };
	size_t i;

	for (i = 0; !h->controller[0] && i < ARRAY_SIZE(pref); i++)
		if (!ct_cgroup_mount(pref[i], h->mnt, sizeof(h->mnt)))
			snprintf(h->controller, sizeof(h->controller), "%s",
				 pref[i]);
	if (h->controller[0] &&
	    !ct_cgroup_mount(h->controller, h->mnt, sizeof(h->mnt)) &&
	    controller_index(h->controller) >= 0) {
		h->ctrl = controller_index(h->controller);
		return 0;
	}
	h->controller[0] = '\0';
	return -1;
}

/* The v1 mount holding full (a real path): its dir and a controller. */
static int v1_mount_of(const char *full, char *mnt, size_t mlen,
		       char *ctrl, size_t clen)
{
	char line[1024], dir[512], type[64], opts[512];
	FILE *f = fopen("/proc/self/mounts", "r");
	size_t best = 0, i, n;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %511s %63s %511s", dir, type, opts) != 3 ||
		    strcmp(type, "cgroup"))
			continue;
		n = strlen(dir);
		if (n <= best || strncmp(full, dir, n) ||
		    (full[n] && full[n] != '/'))
			continue;
		best = n;
		snprintf(mnt, mlen, "%s", dir);
		ctrl[0] = '\0';
		for (i = 0; i < ARRAY_SIZE(controllers) && !ctrl[0]; i++)
			if (ct_has_opt(opts, controllers[i]))
				snprintf(ctrl, clen, "%s", controllers[i]);
	}
	fclose(f);
	return best ? 0 : -1;
}

/* "CONTROLLER:/PATH": the directory into full; 0, or -1 (why set) */
static int v1_named(const char *path, const char *colon, char *full,
		    size_t flen, struct ct_cgroup1 *h, char *why, size_t len)
{
	const char *rel = colon + 1;

	snprintf(h->controller, sizeof(h->controller), "%.*s",
		 (int)(colon - path), path);
	if (ct_cgroup_mount(h->controller, h->mnt, sizeof(h->mnt))) {
		snprintf(why, len, "--cgroup '%s': no cgroup v1 hierarchy of the %s controller is mounted: give a cgroup v2 path, or one of a mounted v1 hierarchy",
			 path, h->controller);
		return -1;
	}
	snprintf(full, flen, "%s/%s", h->mnt, rel + strspn(rel, "/"));
	return 0;
}

int ct_cgroup_filter1(const char *path, struct ct_cgroup1 *h, char *why,
		      size_t len)
{
	const char *colon = strchr(path, ':'), *p;
	char full[PATH_MAX];
	struct statfs sf;
	struct stat st;

	memset(h, 0, sizeof(*h));
	if (colon && path[0] != '/') {
		if (v1_named(path, colon, full, sizeof(full), h, why, len))
			return -1;
	} else {
		if (statfs(path, &sf) || sf.f_type != CGROUP_SUPER_MAGIC ||
		    !realpath(path, full))
			return 0;
		if (v1_mount_of(full, h->mnt, sizeof(h->mnt), h->controller,
				sizeof(h->controller)))
			return 0;
	}
	if (!h->controller[0]) {
		snprintf(why, len, "--cgroup '%s': the cgroup v1 hierarchy at %s has no controller this kernel names (a named hierarchy such as name=systemd): give a path in a controller's hierarchy (pids, memory, ...) or in cgroup v2",
			 path, h->mnt);
		return -1;
	}
	if (stat(full, &st) || !S_ISDIR(st.st_mode) || statfs(full, &sf) ||
	    sf.f_type != CGROUP_SUPER_MAGIC) {
		snprintf(why, len, "--cgroup '%s': %s is not a cgroup directory: check the path (ls %s)",
			 path, full, h->mnt);
		return -1;
	}
	h->filter_id = st.st_ino;	/* kernfs: the inode is the ID */
	for (p = full + strlen(h->mnt); *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			h->filter_level++;
	return 1;
}
