/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prom.h - node_exporter textfile-collector metrics (--prometheus FILE),
 * replaced atomically: written to a temporary file beside FILE, then
 * renamed over it.
 */
#ifndef CT_PROM_H
#define CT_PROM_H

#include <stdint.h>

#include "ct_event.h"

#define CT_PROM_ERRNO	1024

struct ct_prom {
	uint64_t by_kind[CT_KIND_NR];
	uint64_t failed[CT_PROM_ERRNO];	/* by errno; [0]: larger ones */
	uint64_t lost;
	const char *source;		/* "trace" or "top" */
	int last_err;			/* of the last ct_prom_update() */
};

void ct_prom_failure(struct ct_prom *p, int err, uint64_t n);
int ct_prom_write(const char *path, const struct ct_prom *p);
/*
 * Every interval: ct_prom_write(), its failure said when it starts or
 * changes, and said again when the file is written after all (not once
 * an interval). 0 or -errno.
 */
int ct_prom_update(struct ct_prom *p, const char *path);

#endif /* CT_PROM_H */
