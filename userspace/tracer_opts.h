/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tracer_opts.h - the tracer's command line: "clonetrace [OPTIONS]
 * [-- COMMAND [ARGS]]", parsed into struct ct_trace_opts. The options of
 * the stream's consumers (-w, --why, --hist, ... and -i, --alert,
 * --prometheus) are argp children (live.c, periodic.c).
 */
#ifndef CT_TRACER_OPTS_H
#define CT_TRACER_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "attach.h"
#include "live.h"
#include "output.h"
#include "util.h"

struct ct_trace_opts {
	struct ct_pids pids;		/* -p */
	bool follow;			/* -f */
	bool context;			/* --context */
	bool no_context;		/* --no-context */
	const char *command;		/* -c "CMD ARGS" */
	char **cmd_argv;		/* the words after --; or -c's */
	const char *comm;		/* --comm */
	const char *cgroup;		/* --cgroup */
	uint32_t kind_mask;		/* -k: bit (1 << enum ct_kind) */
	bool failed_only;		/* --failed */
	bool execs, exits;		/* -e exec,exit */
	bool no_syscalls;		/* --no-syscalls */
	bool syscalls;			/* --syscalls */
	double duration;		/* -d, seconds; 0: until stopped */
	const char *output;		/* -o */
	struct ct_output_opts format;	/* -j, -T, -x */
	int verbose;			/* -v */
	enum ct_mode mode;		/* --mode */
	uint32_t ringbuf_kib;		/* -b */
	uint32_t max_follow;		/* --max-follow */
	struct ct_live_opts live;	/* -w, --why, --hist, ... */
};

/*
 * Parse argv into o (defaults first). CT_EXIT_OK, or CT_EXIT_USAGE with
 * the problem said; argp itself exits for --help and --usage.
 */
int ct_trace_parse(struct ct_trace_opts *o, int argc, char **argv);

#endif /* CT_TRACER_OPTS_H */
