// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - the Prometheus textfile (prom.h).
 *
 * The textfile's directory is often writable by others (node_exporter's
 * group, or a shared spool), and clonetrace runs as root: no name another
 * user can guess or plant may redirect what is written. The temporary
 * file gets a random name, is created with O_CREAT | O_EXCL | O_NOFOLLOW
 * relative to the directory opened once per write (so neither a symlink
 * nor an existing file at that name is ever opened), and is renamed over
 * the target: rename() replaces a symlink planted at the target's name
 * instead of following it. The temporary name does not depend on the
 * target's length, so every valid file name works, and does not end in
 * ".prom", so node_exporter never reads a half-written file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"
#include "prom.h"
#include "util.h"

#define TMP_TRIES	16

/* ".clonetrace-prom.XXXXXXXXXXXXXXXX": 16 random hex digits. */
static int tmp_create(int dfd, char *name, size_t len)
{
	unsigned long long r;
	int i, fd;

	for (i = 0; i < TMP_TRIES; i++) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			return -EIO;
		snprintf(name, len, ".clonetrace-prom.%016llx", r);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

static int write_all(int fd, const struct ct_metrics_snap *s)
{
	FILE *f = fdopen(fd, "w");
	int err;

	if (!f) {
		err = -errno;
		close(fd);
		return err;
	}
	err = ct_metrics_render(s, CT_METRICS_TEXT, f);
	/* 0644 whatever the umask: node_exporter reads it as its own user */
	if (!err && (fflush(f) == EOF || fchmod(fd, 0644) || fsync(fd)))
		err = -errno;
	if (fclose(f) == EOF && !err)
		err = -errno;
	return err;
}

static int prom_write(const char *path, const struct ct_metrics_snap *s)
{
	char dir[PATH_MAX], base[PATH_MAX], tmp[64];
	int dfd, fd, err;

	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	strcpy(base, path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = tmp_create(dfd, tmp, sizeof(tmp));
	if (fd < 0) {
		close(dfd);
		return fd;
	}
	err = write_all(fd, s);
	if (!err && renameat(dfd, tmp, dfd, basename(base)))
		err = -errno;
	if (err)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	return err;
}

int ct_prom_update(struct ct_prom *p, const struct ct_metrics_snap *s)
{
	int err = s ? prom_write(p->path, s) : -ENOMEM;

	if (err && err != p->last_err)
		ct_msg("cannot write '%s': %s", p->path, strerror(-err));
	else if (!err && p->last_err)
		ct_msg("'%s' written again", p->path);
	p->last_err = err;
	return err;
}
