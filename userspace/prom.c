// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - the Prometheus textfile (prom.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "prom.h"
#include "util.h"

int ct_prom_write(const char *path, const struct ct_metrics_snap *s)
{
	char tmp[4096];
	FILE *f;
	int err;

	/* beside the target: rename() is atomic within one file system */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	err = ct_metrics_render(s, CT_METRICS_TEXT, f);
	if (!err && (fflush(f) == EOF || fsync(fileno(f))))
		err = -errno;
	if (fclose(f) == EOF && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int ct_prom_update(struct ct_prom *p, const struct ct_metrics_snap *s)
{
	int err = s ? ct_prom_write(p->path, s) : -ENOMEM;

	if (err && err != p->last_err)
		ct_msg("cannot write '%s': %s", p->path, strerror(-err));
	else if (!err && p->last_err)
		ct_msg("'%s' written again", p->path);
	p->last_err = err;
	return err;
}
