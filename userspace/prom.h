/* SPDX-License-Identifier: GPL-2.0 */
/*
 * prom.h - node_exporter textfile-collector metrics (--prometheus FILE):
 * a snapshot of the metrics (metrics.h) in the Prometheus text format,
 * replaced atomically: written to a temporary file beside FILE (a random
 * name, created exclusively, never through a symlink), then renamed over
 * it (prom.c says why that is safe in a directory others can write).
 */
#ifndef CT_PROM_H
#define CT_PROM_H

struct ct_metrics_snap;

struct ct_prom {
	const char *path;
	int last_err;			/* of the last ct_prom_update() */
};

/*
 * Every interval: the file written, its failure said when it starts or
 * changes, and said again when the file is written after all (not once
 * an interval). 0 or -errno.
 */
int ct_prom_update(struct ct_prom *p, const struct ct_metrics_snap *s);

#endif /* CT_PROM_H */
