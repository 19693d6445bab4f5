// SPDX-License-Identifier: GPL-2.0
/*
 * http_none.c - the endpoint of the statically linked build: none
 * (http.h says why). --listen is refused when the command starts.
 */
#include <errno.h>

#include "http.h"
#include "util.h"

bool ct_http_available(void)
{
	return false;
}

int ct_http_start(const struct ct_listen *l, int verbose,
		  struct ct_http **out)
{
	*out = NULL;
	return ct_fail(-EOPNOTSUPP, "--listen %s: this clonetrace is the static build, without the HTTP endpoint: use the dynamically linked clonetrace, or --prometheus FILE",
		       l->text);
}

void ct_http_publish(struct ct_http *h, struct ct_metrics_snap *s)
{
}

void ct_http_stop(struct ct_http *h)
{
}
