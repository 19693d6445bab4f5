/* SPDX-License-Identifier: GPL-2.0 */
/*
 * periodic.h - the options of what happens every interval, shared by the
 * tracer and "clonetrace top": -i, --alert, --alert-exec, --prometheus.
 */
#ifndef CT_PERIODIC_H
#define CT_PERIODIC_H

#include <argp.h>

#include "alert.h"

struct ct_periodic {
	double interval;		/* seconds */
	struct ct_alert_cfg alert;	/* alert.rate 0: no alerts */
	const char *prometheus;		/* textfile, or NULL */
};

/* An argp child parser for these options; its input a struct ct_periodic. */
extern const struct argp ct_periodic_argp;

#endif /* CT_PERIODIC_H */
