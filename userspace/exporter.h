/* SPDX-License-Identifier: GPL-2.0 */
/*
 * exporter.h - the metrics of a command (metrics.h) and where they go
 * every interval: the node_exporter textfile (--prometheus FILE, prom.c)
 * and the HTTP endpoint (--listen, http.c). The tracer (live.c) and top
 * (top.c) each own one; both show one snapshot per interval.
 */
#ifndef CT_EXPORTER_H
#define CT_EXPORTER_H

#include <stdbool.h>

#include "metrics.h"
#include "periodic.h"
#include "prom.h"

struct ct_http;
struct bpf_object;

struct ct_exporter {
	struct ct_metrics m;	/* the command counts here */
	struct ct_prom prom;	/* prom.path NULL: no textfile */
	struct ct_http *http;	/* NULL: no endpoint */
	bool on;		/* either */
	int err;		/* the textfile's first failure, -errno */
};

/*
 * Before attaching: the textfile written once (up 0: not counting yet)
 * and the endpoint listening, or the command does not start. 0, or
 * -errno (said).
 */
int ct_exporter_start(struct ct_exporter *x, const struct ct_periodic *p,
		      const char *command, int verbose);
/* Attached: the mode, whether failures are counted, the programs. */
void ct_exporter_attached(struct ct_exporter *x, const char *mode,
			  bool failures, struct bpf_object *obj);
/*
 * Every interval (up) and once at the end (!up): a snapshot to the file
 * and the endpoint. 0, or the file's -errno (said when it starts or
 * changes; kept in x->err).
 */
int ct_exporter_publish(struct ct_exporter *x, bool up);
/* The endpoint stopped, everything freed. */
void ct_exporter_free(struct ct_exporter *x);

#endif /* CT_EXPORTER_H */
