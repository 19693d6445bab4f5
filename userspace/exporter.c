// SPDX-License-Identifier: GPL-2.0
/*
 * exporter.c - a command's metrics to the textfile and the endpoint
 * (exporter.h).
 */
#include <errno.h>

#include "exporter.h"
#include "http.h"
#include "util.h"

int ct_exporter_start(struct ct_exporter *x, const struct ct_periodic *p,
		      const char *command, int verbose)
{
	int err;

	ct_metrics_init(&x->m, command, p->metrics_cgroups);
	x->prom.path = p->prometheus;
	x->on = p->prometheus || p->listen.set;
	if (p->prometheus) {
		err = ct_exporter_publish(x, false);
		if (err)
			return err;
	}
	if (p->listen.set)
		return ct_http_start(&p->listen, verbose, &x->http);
	return 0;
}

void ct_exporter_attached(struct ct_exporter *x, const char *mode,
			  bool failures, struct bpf_object *obj)
{
	ct_metrics_attached(&x->m, mode, failures, obj);
}

int ct_exporter_publish(struct ct_exporter *x, bool up)
{
	struct ct_metrics_snap *s;
	int err = 0;

	if (!x->on)
		return 0;
	s = ct_metrics_snapshot(&x->m, up);
	if (x->prom.path) {
		err = ct_prom_update(&x->prom, s);
		if (err && !x->err)
			x->err = err;
	}
	ct_http_publish(x->http, s);
	ct_metrics_snap_put(s);
	return err;
}

void ct_exporter_free(struct ct_exporter *x)
{
	ct_http_stop(x->http);
	x->http = NULL;
	ct_metrics_free(&x->m);
}
