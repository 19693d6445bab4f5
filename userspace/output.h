/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output.h - where events are printed: aligned human columns or one JSON
 * object per line, and the closing summary.
 */
#ifndef CT_OUTPUT_H
#define CT_OUTPUT_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ct_event.h"
#include "outbuf.h"

struct ct_stats {
	uint64_t events;		/* records received */
	uint64_t clones;
	uint64_t failed;
	uint64_t execs;			/* -e exec: successful */
	uint64_t exec_failed;
	uint64_t exits;			/* -e exit */
	uint64_t by_kind[CT_KIND_NR];
	uint64_t by_syscall[CT_SC_NR];
	uint64_t lost;			/* ring buffer full, counted in BPF */
	uint64_t lost_follow;		/* -f children not followed */
};

/* How events are printed (-j, -T, -x: the tracer's and report's). */
struct ct_output_opts {
	bool json;
	bool wallclock;		/* wall-clock time, not relative */
	bool extended;		/* human: a second line with refs and more */
};

/* Those options; the parser's input is a struct ct_output_opts. */
extern const struct argp ct_output_argp;

/* Renderings that repeat in a storm: the last one of each is kept. */
struct ct_flags_cache {
	bool valid;
	uint64_t flags;
	char str[512];
};

struct ct_comm_cache {
	bool valid;
	char raw[CT_COMM_LEN];
	char str[CT_COMM_LEN * 8];
};

/* Creations lost (ring buffer full) by one creator (ct_event.h). */
struct ct_lost_creator {
	uint32_t pid;		/* TGID */
	uint64_t lost;
	char comm[CT_COMM_LEN];
};

/* Every creator that lost creations, most first; the rest of lost. */
struct ct_lost_by {
	size_t n;
	struct ct_lost_creator *v;
	uint64_t other;		/* other events, creators over the table */
};

struct ct_output {
	struct ct_outbuf *ob;	/* where everything goes */
	/* the tracer's, when events were lost; NULL: not known (report) */
	const struct ct_lost_by *lost_by;
	FILE *f;		/* stdio over it, for the analyses */
	bool json;
	bool extended;		/* human: a second line with refs and more */
	bool wallclock;		/* print wall-clock time, not relative */
	bool header_done;
	/* failed creations cannot be seen (tracefs not readable): why */
	const char *failures_unseen;
	uint64_t start_ns;	/* CLOCK_MONOTONIC at start */
	int64_t real_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	struct ct_stats stats;
	struct ct_cgroups *cgroups;	/* cgroup IDs to paths, containers */
	struct {
		struct ct_flags_cache human_flags, full_flags, json_flags;
		struct ct_comm_cache pcomm, comm;	/* in this format */
	} cache;
};

/* A creation (clone, clone_failed), not a lifecycle event? */
static inline bool ct_is_creation(const struct ct_event *e)
{
	return e->type == CT_EV_CLONE || e->type == CT_EV_CLONE_FAILED;
}

/* A ring buffer record of size bytes holds the whole event of its type. */
static inline bool ct_event_size_ok(const struct ct_event *e, size_t size)
{
	if (size < sizeof(*e))
		return false;
	if (e->type == CT_EV_EXEC)
		return size >= sizeof(struct ct_exec_event);
	if (e->type == CT_EV_EXIT)
		return size >= sizeof(struct ct_exit_event);
	return true;
}

/* Count an event in st (creations by type, kind and syscall). */
void ct_stats_count(struct ct_stats *st, const struct ct_event *e);

/*
 * resolve: cgroup IDs are looked up in the running system (the tracer);
 * else only the paths given by ct_cgroups_add(out->cgroups, ...) are
 * known (report). -ENOMEM, else 0; ct_output_free() it either way.
 */
int ct_output_init(struct ct_output *out, struct ct_outbuf *ob,
		   const struct ct_output_opts *o, bool resolve);
void ct_output_free(struct ct_output *out);
/*
 * Print one event and count it. 0; -EINTR when a stop request is pending
 * (the line is kept); or the output's failure (outbuf.h).
 */
int ct_output_event(struct ct_output *out, const struct ct_event *e);
/*
 * The closing summary, a JSON line or a human line on stderr (after the
 * events are written; none when the reader has gone), then everything
 * flushed: 0, or the output's failure.
 */
int ct_output_summary(struct ct_output *out, const char *mode,
		      uint64_t duration_ns);

#endif /* CT_OUTPUT_H */
