// SPDX-License-Identifier: GPL-2.0
/*
 * tracer.c - the tracer: "clonetrace [OPTIONS] [-- COMMAND [ARGS]]".
 *
 * One session, in phases (phases[] at the end), each a function below,
 * in this order:
 *   ct_trace_parse()  the options (tracer_opts.c)
 *   check()           what can be checked before loading anything
 *   open_output()     -o FILE, created or opened, not yet truncated
 *   attach()          the BPF programs (tracer_bpf.c, attach.c)
 *   add_targets()     -p processes and the -c command (targets.c,
 *                     command.c)
 *   start()           the ring buffer reader, the output, the analyses
 *                     (live.c); the command released
 *   run()             the loop: events to output.c and live.c
 *   finish()          the analyses, the summary, the command's status
 *   end_session()     everything closed, whatever happened before
 *
 * Events are produced in bpf/clonetrace.bpf.c, carried by the ring buffer
 * (struct ct_event, bpf/ct_event.h), printed by output.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clonetrace.skel.h"
#include "command.h"
#include "commands.h"
#include "live.h"
#include "output.h"
#include "targets.h"
#include "tracer_bpf.h"
#include "tracer_opts.h"
#include "util.h"

#define POLL_MS		100
#define LOST_WARN_NS	1000000000ULL	/* at most one warning a second */

struct session {
	struct ct_trace_opts opt;
	struct ct_bpf_config cfg;
	struct ct_tracer_bpf bpf;
	struct ct_command cmd;
	FILE *out;
	bool made_output;	/* -o created the file */
	bool tracing;		/* the output is ours to keep */
	struct ring_buffer *rb;
	struct ct_output output;
	struct ct_live *live;
	int write_err;		/* -errno of a failed write */
	bool targets_gone;
	uint64_t start, deadline, lost_seen, last_warn;
};

/* Everything that needs neither privilege nor BPF, then privilege. */
static int check(struct session *s)
{
	struct ct_trace_opts *o = &s->opt;
	int status;

	if (o->command &&
	    ct_command_words(&s->cmd, o->command, &o->cmd_argv))
		return ct_usage("clonetrace", "cannot parse -c command '%s': give plain words, no $(...) or unset variables",
				o->command);
	status = ct_attach_check("clonetrace");
	if (!status)
		status = ct_targets_resolve(&o->pids, o->verbose);
	if (!status && o->cmd_argv && !ct_command_exists(o->cmd_argv[0]))
		status = ct_fail(CT_EXIT_NOT_FOUND, "command not found: %s (check the name and PATH)",
				 o->cmd_argv[0]);
	return status;
}

/*
 * -o FILE: created, or opened without truncating, so that a run that
 * fails before tracing leaves no file and no damage (end_session()).
 */
static int open_output(struct session *s)
{
	const char *path = s->opt.output;
	int fd;

	s->out = stdout;
	if (!path)
		return CT_EXIT_OK;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		s->made_output = true;
	else if (errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		s->out = fdopen(fd, "w");
		if (!s->out)
			close(fd);
	}
	if (fd < 0 || !s->out) {
		s->out = NULL;
		return ct_fail(CT_EXIT_FAILURE, "cannot write output file '%s': %s",
			       path, strerror(errno));
	}
	return CT_EXIT_OK;
}

static int attach(struct session *s)
{
	const struct ct_trace_opts *o = &s->opt;
	struct ct_bpf_config *cfg = &s->cfg;

	ct_libbpf_verbosity(o->verbose);
	cfg->filter_targets = o->pids.n || o->cmd_argv;
	cfg->follow = o->follow || o->cmd_argv;
	cfg->failed_only = o->failed_only;
	cfg->no_syscalls = o->no_syscalls;
	cfg->comm = o->comm;
	cfg->kind_mask = o->kind_mask;
	cfg->ringbuf_bytes = o->ringbuf_kib * 1024;
	cfg->wakeup_bytes = cfg->ringbuf_bytes / 4;
	cfg->max_targets = o->max_follow;
	if (ct_tracer_attach(o->mode, cfg, o->verbose, &s->bpf))
		return CT_EXIT_FAILURE;
	if (o->verbose)
		ct_tracer_describe(&s->bpf);
	return CT_EXIT_OK;
}

/* -p processes, then the -c command, stopped until start(). */
static int add_targets(struct session *s)
{
	const struct ct_trace_opts *o = &s->opt;
	int i, err;

	for (i = 0; i < o->pids.n; i++) {
		err = ct_targets_add(s->bpf.skel, o->pids.pid[i]);
		if (err)
			return ct_fail(CT_EXIT_FAILURE, "cannot trace %d: %s",
				       o->pids.pid[i], strerror(-err));
	}
	if (o->cmd_argv) {
		err = ct_command_start(&s->cmd, o->cmd_argv);
		if (err)
			return ct_fail(CT_EXIT_FAILURE, "cannot start %s: %s",
				       o->cmd_argv[0], strerror(-err));
		err = ct_targets_add(s->bpf.skel, s->cmd.pid);
		if (err)
			return ct_fail(CT_EXIT_FAILURE, "cannot trace the command: %s",
				       strerror(-err));
	}
	if (s->cfg.filter_targets && !ct_targets_alive(s->bpf.skel)) {
		ct_targets_say_gone(&o->pids, o->follow);
		return CT_EXIT_FAILURE;
	}
	return CT_EXIT_OK;
}

/* The ring buffer's callback: print, then analyse. */
static int handle_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	if (size < sizeof(struct ct_event))
		return 0;
	s->write_err = ct_output_event(&s->output, data);
	if (s->write_err)
		return -1;	/* stop consuming */
	ct_live_event(s->live, data);
	return 0;
}

/* An existing -o file is emptied only now that tracing works. */
static int truncate_output(struct session *s)
{
	struct stat st;
	int fd = fileno(s->out);

	if (!s->opt.output || s->made_output || fstat(fd, &st) ||
	    !S_ISREG(st.st_mode) || !ftruncate(fd, 0))
		return CT_EXIT_OK;
	return ct_fail(CT_EXIT_FAILURE, "cannot truncate '%s': %s",
		       s->opt.output, strerror(errno));
}

static int start(struct session *s)
{
	const struct ct_trace_opts *o = &s->opt;
	int err;

	s->rb = ring_buffer__new(bpf_map__fd(s->bpf.skel->maps.events),
				 handle_event, s, NULL);
	if (!s->rb)
		return ct_fail(CT_EXIT_FAILURE, "cannot create the ring buffer reader: %s",
			       strerror(errno));
	if (truncate_output(s))
		return CT_EXIT_FAILURE;
	setvbuf(s->out, NULL, isatty(fileno(s->out)) ? _IOLBF : _IOFBF,
		1 << 16);
	ct_output_init(&s->output, s->out, &o->format);
	s->tracing = true;

	ct_catch_stop_signals();
	s->start = ct_now_ns();
	if (o->duration > 0)
		s->deadline = s->start + (uint64_t)(o->duration * 1e9);
	if (ct_live_start(&o->live, ct_mode_name(s->bpf.mode), &s->live))
		return CT_EXIT_FAILURE;
	if (o->verbose)
		ct_msg("tracing");
	if (!s->cmd.pid)
		return CT_EXIT_OK;
	err = ct_command_release(&s->cmd);
	if (!err)
		return CT_EXIT_OK;
	ct_msg("cannot run %s: %s", o->cmd_argv[0], strerror(err));
	return err == ENOENT ? CT_EXIT_NOT_FOUND : CT_EXIT_CANNOT_RUN;
}

/*
 * Once a pass of the loop: the interval's work, lost events, the
 * command, the targets, the deadline. Returns true when tracing is over.
 */
static bool tick(struct session *s)
{
	uint64_t t = ct_now_ns(), lost = s->bpf.skel->bss->lost_events;

	ct_live_tick(s->live, t, lost);
	if (lost != s->lost_seen && t - s->last_warn > LOST_WARN_NS) {
		ct_msg("%llu events lost so far (ring buffer full); raise --buffer-size",
		       (unsigned long long)lost);
		s->lost_seen = lost;
		s->last_warn = t;
	}
	if (s->cmd.pid)
		ct_command_poll(&s->cmd);
	if (s->cfg.filter_targets && ct_targets_alive(s->bpf.skel) <= 0) {
		if (s->opt.pids.n && !s->opt.cmd_argv)
			ct_targets_say_gone(&s->opt.pids, s->opt.follow);
		s->targets_gone = true;
		return true;
	}
	return s->deadline && t >= s->deadline;
}

static int run(struct session *s)
{
	int err;

	while (!ct_stop_signal()) {
		err = ring_buffer__poll(s->rb, POLL_MS);
		if (err >= 0)	/* wakeups are batched: also read on timeout */
			err = ring_buffer__consume(s->rb);
		if (err == -EINTR)
			continue;
		if (s->write_err)
			break;
		if (err < 0)
			return ct_fail(CT_EXIT_FAILURE, "reading events: %s",
				       strerror(-err));
		if (tick(s))
			break;
	}
	if (!s->write_err)
		ring_buffer__consume(s->rb);	/* what arrived meanwhile */
	return CT_EXIT_OK;
}

/* The analyses, then the summary last; what was lost, said. */
static int summarize(struct session *s)
{
	struct ct_stats *st = &s->output.stats;
	uint64_t duration = ct_now_ns() - s->start;
	int err;

	st->lost = s->bpf.skel->bss->lost_events;
	st->lost_follow = s->bpf.skel->bss->lost_follow;
	err = ct_live_finish(s->live, &s->output, duration);
	if (!err)
		err = ct_output_summary(&s->output, ct_mode_name(s->bpf.mode),
					duration);
	if (err)
		return err;
	if (st->lost)
		ct_msg("%llu events were lost (ring buffer full); raise --buffer-size",
		       (unsigned long long)st->lost);
	if (st->lost_follow)
		ct_msg("%llu new processes could not be followed (table full); raise --max-follow",
		       (unsigned long long)st->lost_follow);
	return 0;
}

static int finish(struct session *s)
{
	int err = s->write_err;
	int sig = ct_stop_signal();

	if (!err)
		err = summarize(s);
	if (err == -EPIPE)
		return CT_EXIT_OK;	/* | head: end quietly */
	if (err)
		return ct_fail(CT_EXIT_FAILURE, "writing events: %s",
			       strerror(-err));
	if (!s->cmd.pid)
		return CT_EXIT_OK;
	/* the command is done when everything traced is: reap it */
	if (s->targets_gone)
		return ct_command_wait(&s->cmd);
	/* a signal is passed on; -d's end stops it too */
	return ct_command_stop(&s->cmd, sig ? sig : SIGTERM);
}

static int end_session(struct session *s, int status)
{
	ring_buffer__free(s->rb);
	ct_tracer_detach(&s->bpf);
	if (s->cmd.pid && s->cmd.status < 0)	/* an error, or output closed */
		ct_command_stop(&s->cmd, SIGTERM);
	ct_command_free(&s->cmd);
	ct_live_free(s->live);
	if (s->out && s->out != stdout) {
		if (fclose(s->out) == EOF && status == CT_EXIT_OK)
			status = CT_EXIT_FAILURE;
		if (s->made_output && !s->tracing)	/* leave nothing */
			unlink(s->opt.output);
	} else if (fflush(stdout) == EOF && errno != EPIPE &&
		   status == CT_EXIT_OK) {
		status = CT_EXIT_FAILURE;
	}
	return status;
}

/* The phases, in order; each returns 0 to go on, else the exit status. */
static int (*const phases[])(struct session *s) = {
	check, open_output, attach, add_targets, start, run, finish,
};

int ct_trace_main(int argc, char **argv)
{
	struct session *s = calloc(1, sizeof(*s));
	size_t i;
	int status;

	if (!s)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	status = ct_trace_parse(&s->opt, argc, argv);
	for (i = 0; !status && i < ARRAY_SIZE(phases); i++)
		status = phases[i](s);
	status = end_session(s, status);
	free(s);
	return status;
}
