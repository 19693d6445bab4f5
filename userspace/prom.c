// SPDX-License-Identifier: GPL-2.0
/*
 * prom.c - the Prometheus textfile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "prom.h"
#include "util.h"

void ct_prom_failure(struct ct_prom *p, int err, uint64_t n)
{
	p->failed[err > 0 && err < CT_PROM_ERRNO ? err : 0] += n;
}

int ct_prom_write(const char *path, const struct ct_prom *p)
{
	char tmp[4096], name[32];
	struct timespec ts;
	FILE *f;
	int i, err = 0;

	/* beside the target: rename() is atomic within one file system */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs("# HELP clonetrace_creations_total Tasks created, by kind.\n"
	      "# TYPE clonetrace_creations_total counter\n", f);
	for (i = 0; i < CT_KIND_NR; i++)
		fprintf(f, "clonetrace_creations_total{kind=\"%s\"} %" PRIu64
			"\n", ct_kind_name(i), p->by_kind[i]);
	fputs("# HELP clonetrace_failures_total Failed creations, by errno.\n"
	      "# TYPE clonetrace_failures_total counter\n", f);
	for (i = 0; i < CT_PROM_ERRNO; i++) {
		if (!p->failed[i])
			continue;
		fprintf(f, "clonetrace_failures_total{errno=\"%s\"} %" PRIu64
			"\n", i ? ct_errno_name(i, name, sizeof(name)) : "other",
			p->failed[i]);
	}
	fputs("# HELP clonetrace_lost_events_total Events lost because the ring buffer was full.\n"
	      "# TYPE clonetrace_lost_events_total counter\n", f);
	fprintf(f, "clonetrace_lost_events_total %" PRIu64 "\n", p->lost);
	clock_gettime(CLOCK_REALTIME, &ts);
	fputs("# HELP clonetrace_last_update_timestamp_seconds When this file was written.\n"
	      "# TYPE clonetrace_last_update_timestamp_seconds gauge\n", f);
	fprintf(f, "clonetrace_last_update_timestamp_seconds{source=\"%s\"} %lld\n",
		p->source ? p->source : "trace", (long long)ts.tv_sec);
	if (fflush(f) == EOF || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) == EOF && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int ct_prom_update(struct ct_prom *p, const char *path)
{
	int err = ct_prom_write(path, p);

	if (err && err != p->last_err)
		ct_msg("cannot write '%s': %s", path, strerror(-err));
	else if (!err && p->last_err)
		ct_msg("'%s' written again", path);
	p->last_err = err;
	return err;
}
