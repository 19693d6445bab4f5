// SPDX-License-Identifier: GPL-2.0
/*
 * analysis.c - dispatch of the event stream to the analysis features.
 */
#include "analysis.h"
#include "output.h"

static const struct argp_option options[] = {
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	return ARGP_ERR_UNKNOWN;
}

const struct argp ct_analysis_argp = {
	.options = options,
	.parser = parse_opt,
};

int ct_analysis_start(const char *mode)
{
	return 0;
}

void ct_analysis_event(const struct ct_event *e)
{
}

void ct_analysis_tick(uint64_t now_ns)
{
}

int ct_analysis_finish(struct ct_output *out)
{
	return 0;
}
