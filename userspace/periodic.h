/* SPDX-License-Identifier: GPL-2.0 */
/*
 * periodic.h - the options of what happens every interval, shared by the
 * tracer and "clonetrace top": -i, --alert, --alert-exec, --prometheus,
 * --listen (and top's own --metrics-cgroups lands here).
 */
#ifndef CT_PERIODIC_H
#define CT_PERIODIC_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "alert.h"

/* --listen [ADDR:]PORT: where the /metrics endpoint listens. */
struct ct_listen {
	bool set;
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6 */
	socklen_t len;
	char text[80];			/* as given, for messages */
};

struct ct_periodic {
	double interval;		/* seconds */
	struct ct_alert_cfg alert;	/* alert.rate 0: no alerts */
	const char *prometheus;		/* textfile, or NULL */
	struct ct_listen listen;	/* the HTTP endpoint */
	size_t metrics_cgroups;		/* top's cgroup series; 0: default */
};

/* An argp child parser for these options; its input a struct ct_periodic. */
extern const struct argp ct_periodic_argp;

/*
 * "[ADDR:]PORT": PORT alone is 127.0.0.1:PORT (loopback unless another
 * address is given); ADDR is an IPv4 address, [an IPv6 address] or
 * localhost; PORT 0 to 65535 (0: any free port). 0, or -EINVAL.
 */
int ct_listen_parse(const char *arg, struct ct_listen *l);

#endif /* CT_PERIODIC_H */
