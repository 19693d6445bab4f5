// SPDX-License-Identifier: GPL-2.0
/*
 * periodic.c - -i, --alert, --alert-exec and --prometheus, parsed once
 * for the tracer (live.c) and for "clonetrace top" (top.c), each into
 * its own struct ct_periodic (the parser's input).
 */
#include <errno.h>
#include <stdlib.h>

#include "periodic.h"
#include "util.h"

enum {
	OPT_ALERT = 0x200,
	OPT_ALERT_EXEC,
	OPT_PROM,
};

static const struct argp_option options[] = {
	{ "interval", 'i', "SECONDS", 0,
	  "Interval of top, --alert and --prometheus (default 1)" },
	{ "alert", OPT_ALERT, "RATE|total:RATE", 0,
	  "Alert when a process (or, with total:, the system) creates RATE "
	  "tasks per second or more" },
	{ "alert-exec", OPT_ALERT_EXEC, "CMD", 0,
	  "Run 'sh -c CMD' once per alert episode (environment: CT_ALERT_PID, "
	  "CT_ALERT_COMM, CT_ALERT_RATE, CT_ALERT_SCOPE)" },
	{ "prometheus", OPT_PROM, "FILE", 0,
	  "Write node_exporter textfile metrics to FILE every interval" },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct ct_periodic *p = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		p->interval = 1.0;
		break;
	case 'i':
		return ct_opt_seconds(state, arg, "interval", 0.1, 86400,
				      &p->interval);
	case OPT_ALERT:
		if (ct_alert_parse(arg, &p->alert))
			return ct_usage_error(state, "invalid --alert '%s': expected RATE or total:RATE, a positive number of creations per second",
					      arg);
		break;
	case OPT_ALERT_EXEC:
		if (ct_opt_nonempty(state, arg, "--alert-exec command"))
			return EINVAL;
		p->alert.exec = arg;
		break;
	case OPT_PROM:
		if (ct_opt_nonempty(state, arg, "--prometheus file name"))
			return EINVAL;
		p->prometheus = arg;
		break;
	case ARGP_KEY_END:
		if (p->alert.exec && !p->alert.rate)
			return ct_usage_error(state, "--alert-exec needs --alert RATE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ct_periodic_argp = {
	.options = options,
	.parser = parse_opt,
};
