// SPDX-License-Identifier: GPL-2.0
/*
 * tracer.c - the tracer: "clonetrace [OPTIONS] [-- COMMAND [ARGS]]".
 *
 * One session, in phases (phases[] at the end), each a function below,
 * in this order:
 *   ct_trace_parse()  the options (tracer_opts.c)
 *   check()           what can be checked before loading anything
 *   open_outputs()    -o, -w and --dot files, created or opened, not yet
 *                     truncated; distinct from each other and stdout
 *   attach()          the BPF programs (tracer_bpf.c, attach.c)
 *   add_targets()     -p processes and the -c command (targets.c,
 *                     command.c)
 *   start()           the ring buffer reader, the output, the analyses
 *                     (live.c); the command released
 *   run()             the loop: events to output.c and live.c, until
 *                     one of the ends of enum end
 *   finish()          the one stop path, whatever the end (below)
 *   end_session()     everything closed, whatever happened before
 *
 * The stop path, for every way a run ends (enum end): the signal goes on
 * at once to the -c command and the alert commands; the programs are
 * detached (nothing more is traced, the tax on syscalls ends); what the
 * ring buffer still holds is printed; the recording gets its end frame,
 * the analyses and the summary are written; the command and the alert
 * commands are stopped (the signal, or SIGTERM; SIGKILL after five
 * seconds) and reaped; the status is the documented one (the man page's
 * EXIT STATUS). The stop signals interrupt a write blocked on a stalled
 * output (util.c), so that the programs are detached first; the output
 * is then flushed, given up after CT_STALL_SECS without progress or a
 * second signal (outbuf.h), and what was not written is counted.
 *
 * A stop signal before tracing started ends the run with 128+N, leaving
 * nothing behind (no output file it created, no command).
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
#include "context.h"
#include "identity.h"
#include "live.h"
#include "outbuf.h"
#include "output.h"
#include "targets.h"
#include "tracer_bpf.h"
#include "tracer_opts.h"
#include "util.h"

#define POLL_MS		100
#define LOST_WARN_NS	1000000000ULL	/* at most one warning a second */
#define RECHECK_NS	1000000000ULL	/* -p targets gone unseen: ct_targets_recheck() */

/* Why tracing ended: every way goes through finish(). */
enum end {
	END_NONE,
	END_SIGNAL,	/* SIGINT, SIGTERM, SIGHUP, SIGQUIT */
	END_DURATION,	/* -d */
	END_TARGETS,	/* every -p/-c process (and -f descendant) exited */
	END_COMMAND,	/* -p with -c: the command exited */
	END_OUTPUT,	/* the output failed, or its reader has gone */
	END_RECORDING,	/* -w failed */
	END_READ,	/* the ring buffer could not be read */
};

struct session {
	struct ct_trace_opts opt;
	struct ct_bpf_config cfg;
	struct ct_tracer_bpf bpf;
	struct ct_command cmd;
	struct ct_outfile out_file, rec_file, dot_file;	/* -o, -w, --dot */
	struct ct_outbuf ob;	/* the events, the analyses, the summary */
	const char *out_name;	/* for messages */
	bool tracing;		/* started: the outputs are the run's */
	bool draining;		/* finish(): every event is consumed */
	struct ring_buffer *rb;
	struct ct_output output;
	struct ct_lost_by lost_by;	/* whose creations were lost */
	struct ct_live *live;
	enum end end;
	uint64_t start, deadline, lost_seen, last_warn, last_recheck;
	int cgroup_fd;		/* --cgroup, or -1 */
};

/*
 * --cgroup: a v1 path chooses the hierarchy the events carry; else the
 * cgroup2 directory. Then the v1 hierarchy (identity.h: the rule).
 */
static int cgroups(struct session *s)
{
	const char *path = s->opt.cgroup;
	char why[1024];
	int v1 = 0;

	if (path)
		v1 = ct_cgroup_filter1(path, &s->cfg.cg1, why, sizeof(why));
	if (path && !v1)
		s->cgroup_fd = ct_cgroup_open(path, why, sizeof(why));
	if (v1 < 0 || (path && !v1 && s->cgroup_fd < 0))
		return ct_fail(CT_EXIT_FAILURE, "%s", why);
	if (ct_cgroup1_choose(&s->cfg.cg1) && v1)
		return ct_fail(CT_EXIT_FAILURE, "--cgroup '%s': this kernel has no subsys ID for its controller (its BTF names none): give a path in another hierarchy or in cgroup v2",
			       path);
	return CT_EXIT_OK;
}

/* Everything that needs neither privilege nor BPF, then privilege. */
static int check(struct session *s)
{
	struct ct_trace_opts *o = &s->opt;
	int status, err;

	if (o->command &&
	    ct_command_words(&s->cmd, o->command, &o->cmd_argv))
		return ct_usage("clonetrace", "cannot parse -c command '%s': give plain words, no $(...) or unset variables",
				o->command);
	status = ct_attach_check("clonetrace");
	if (!status)
		status = ct_targets_resolve(&o->pids, o->verbose);
	if (!status)
		status = cgroups(s);
	if (status || !o->cmd_argv)
		return status;
	/* as a shell: 127 not found, 126 found but cannot be run */
	err = ct_command_find(o->cmd_argv[0]);
	if (err == ENOENT)
		return ct_fail(CT_EXIT_NOT_FOUND, "command not found: %s (check the name and PATH)",
			       o->cmd_argv[0]);
	if (err)
		return ct_fail(CT_EXIT_CANNOT_RUN, "cannot run %s: %s",
			       o->cmd_argv[0], strerror(err));
	return CT_EXIT_OK;
}

/* Two outputs of the run are one file: refused, naming both. */
static int distinct(const struct ct_outfile *f, int fd, const char *other)
{
	if (!ct_outfile_same(f, fd))
		return CT_EXIT_OK;
	return ct_fail(CT_EXIT_FAILURE, "the %s '%s' is the same file as the %s: give each its own",
		       f->what, f->path, other);
}

/* --prometheus FILE, when it exists, is none of the other outputs. */
static int distinct_metrics(struct session *s, int out)
{
	const char *path = s->opt.live.periodic.prometheus;
	struct ct_outfile m = { .path = path, .what = "--prometheus file" };
	int status = CT_EXIT_OK;

	if (!path)
		return CT_EXIT_OK;
	m.fd = open(path, O_PATH | O_CLOEXEC);
	if (m.fd < 0)
		return CT_EXIT_OK;	/* not yet: it is created by rename */
	if (distinct(&m, out, s->out_name) ||
	    distinct(&m, s->rec_file.fd, "recording") ||
	    distinct(&m, s->dot_file.fd, "--dot file"))
		status = CT_EXIT_FAILURE;
	close(m.fd);
	return status;
}

/*
 * -o, -w and --dot: created, or opened without truncating (start() does
 * it), so that a run that fails before tracing leaves no file and no
 * damage (end_session()). No two of them, or of them and standard
 * output, may be one file: the events and a recording in one file are
 * neither.
 */
static int open_outputs(struct session *s)
{
	const struct ct_trace_opts *o = &s->opt;
	int out = STDOUT_FILENO;

	s->out_name = o->output ? "output file" : "standard output";
	if (ct_outfile_open(&s->out_file, o->output, "output file") ||
	    ct_outfile_open(&s->rec_file, o->live.record, "recording") ||
	    ct_outfile_open(&s->dot_file, o->live.analysis.dot, "--dot file"))
		return CT_EXIT_FAILURE;
	if (o->output)
		out = s->out_file.fd;
	else if (!ct_stdout_writable())
		return ct_fail(CT_EXIT_FAILURE, "standard output is closed: redirect it, or give -o FILE");
	if (distinct(&s->rec_file, out, s->out_name) ||
	    distinct(&s->dot_file, out, s->out_name) ||
	    distinct(&s->dot_file, s->rec_file.fd, "recording") ||
	    distinct_metrics(s, out))
		return CT_EXIT_FAILURE;
	if (ct_outbuf_init(&s->ob, out))
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
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
	cfg->syscalls = o->syscalls;
	cfg->comm = o->comm;
	cfg->cgroup_fd = s->cgroup_fd;
	cfg->execs = o->execs;
	cfg->exits = o->exits;
	cfg->kind_mask = o->kind_mask;
	cfg->ringbuf_bytes = o->ringbuf_kib * 1024;
	cfg->wakeup_bytes = cfg->ringbuf_bytes / 4;
	cfg->max_targets = o->max_follow;
	if (ct_tracer_attach(o->mode, cfg, o->verbose, &s->bpf))
		return CT_EXIT_FAILURE;
	/* not only with -v: "0 failed" would be a lie otherwise */
	if (s->bpf.syscalls_denied)
		ct_msg("%s", s->bpf.syscalls_denied);
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
		struct ct_below below;

		err = ct_targets_add(s->bpf.skel, o->pids.pid[i]);
		if (err)
			return ct_fail(CT_EXIT_FAILURE, "cannot trace %d: %s",
				       o->pids.pid[i], strerror(-err));
		if (!o->follow)
			continue;
		/* -f: the processes already below it too */
		err = ct_targets_add_below(s->bpf.skel, o->pids.pid[i],
					   o->max_follow, &below);
		if (err)
			return ct_fail(CT_EXIT_FAILURE, "cannot follow the processes below %d: %s",
				       o->pids.pid[i], strerror(-err));
		if (o->verbose)
			ct_msg("-f: %zu processes already below %d traced",
			       below.added, o->pids.pid[i]);
		if (below.lost)
			ct_msg("%zu processes already below %d could not be followed (table full); raise --max-follow",
			       below.lost, o->pids.pid[i]);
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

/*
 * The ring buffer's callback: print, then analyse. While running, a
 * failed output or a stop request (the line is kept) stops consuming;
 * while draining, every event is consumed, counted and analysed.
 */
static int handle_event(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;
	int err;

	if (!ct_event_size_ok(data, size))
		return 0;
	err = ct_output_event(&s->output, data);
	ct_live_event(s->live, data);
	if (!err || s->draining)
		return 0;
	if (err == -EINTR) {
		s->end = END_SIGNAL;
		return err;
	}
	s->end = END_OUTPUT;
	return -1;
}

/* The file's descriptor handed over to another owner. */
static int take(struct ct_outfile *f)
{
	int fd = f->fd;

	f->fd = -1;
	return fd;
}

/*
 * Where the -p stream starts, before its first event, read once the
 * programs see everything: each target's context on stderr (human, unless
 * --no-context), first in the output (JSON with --context), and into
 * the recording (-w, always).
 */
static void describe_targets(struct session *s)
{
	const struct ct_trace_opts *o = &s->opt;
	bool human = !o->format.json && !o->no_context;
	bool json = o->format.json && o->context;
	struct ct_target *t;
	int i;

	if (!o->pids.n || (!human && !json && !o->live.record &&
			   !o->live.analysis.tree && !o->live.analysis.dot))
		return;
	t = malloc(sizeof(*t));
	if (!t) {
		ct_msg("out of memory: the targets are not described");
		return;
	}
	for (i = 0; i < o->pids.n; i++) {
		uint64_t t0 = ct_now_ns();

		ct_context_read(t, o->pids.pid[i], o->follow, &s->cfg.cg1);
		if (o->verbose)
			ct_msg("the context of %d read in %.1f ms", o->pids.pid[i],
			       (ct_now_ns() - t0) / 1e6);
		if (human)
			ct_context_human(t, stderr, "clonetrace: ");
		if (json)
			ct_context_json(t, s->output.f);
		ct_live_target(s->live, t);
	}
	if (json)
		fflush(s->output.f);
	free(t);
}

static int start(struct session *s)
{
	const struct ct_trace_opts *o = &s->opt;
	const struct ct_live_attach attached = {
		.mode = ct_mode_name(s->bpf.mode),
		.failures = s->bpf.syscalls || s->bpf.mode == CT_MODE_FENTRY,
		.obj = s->bpf.skel->obj,
		.verbose = o->verbose,
	};
	int err;

	s->rb = ring_buffer__new(bpf_map__fd(s->bpf.skel->maps.events),
				 handle_event, s, NULL);
	if (!s->rb)
		return ct_fail(CT_EXIT_FAILURE, "cannot create the ring buffer reader: %s",
			       strerror(errno));
	/* existing files are emptied only now that tracing works */
	if (ct_outfile_commit(&s->out_file) ||
	    ct_outfile_commit(&s->rec_file) || ct_outfile_commit(&s->dot_file))
		return CT_EXIT_FAILURE;
	if (ct_output_init(&s->output, &s->ob, &o->format, true) ||
	    (s->cfg.cg1.controller[0] &&
	     ct_cgroups_set_v1(s->output.cgroups, s->cfg.cg1.controller,
			       s->cfg.cg1.mnt)))
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	s->tracing = true;

	s->start = ct_now_ns();
	if (o->duration > 0)
		s->deadline = s->start + (uint64_t)(o->duration * 1e9);
	if (ct_live_start(&o->live, &attached, take(&s->rec_file),
			  take(&s->dot_file), &s->live))
		return CT_EXIT_FAILURE;
	ct_live_cgroups(s->live, s->output.cgroups);
	describe_targets(s);
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
 * Once a pass of the loop (at least every POLL_MS): the interval's work
 * and the recording, lost events, what is buffered written, then the
 * ends: the command, the targets, the deadline.
 */
static void tick(struct session *s)
{
	uint64_t t = ct_now_ns(), lost = s->bpf.skel->bss->lost_events;
	int err;

	if (ct_live_tick(s->live, t, lost)) {
		s->end = END_RECORDING;
		return;
	}
	if (lost != s->lost_seen && t - s->last_warn > LOST_WARN_NS) {
		ct_msg("%llu events lost so far (ring buffer full); raise --buffer-size",
		       (unsigned long long)lost);
		s->lost_seen = lost;
		s->last_warn = t;
	}
	err = ct_outbuf_flush(&s->ob);
	if (err) {
		s->end = err == -EINTR ? END_SIGNAL : END_OUTPUT;
		return;
	}
	/* with -p, the command's exit ends the run: it is the measure */
	if (s->cmd.pid && ct_command_poll(&s->cmd) && s->opt.pids.n) {
		s->end = END_COMMAND;
		return;
	}
	if (s->opt.pids.n && t - s->last_recheck > RECHECK_NS) {
		ct_targets_recheck(s->bpf.skel, &s->opt.pids);
		s->last_recheck = t;
	}
	if (s->cfg.filter_targets && ct_targets_alive(s->bpf.skel) <= 0) {
		if (s->opt.pids.n && !s->opt.cmd_argv)
			ct_targets_say_gone(&s->opt.pids, s->opt.follow);
		s->end = END_TARGETS;
		return;
	}
	if (s->deadline && t >= s->deadline)
		s->end = END_DURATION;
}

static int run(struct session *s)
{
	int err;

	while (!s->end) {
		if (ct_stop_signal()) {
			s->end = END_SIGNAL;
			break;
		}
		err = ring_buffer__poll(s->rb, POLL_MS);
		if (err >= 0)	/* wakeups are batched: also read on timeout */
			err = ring_buffer__consume(s->rb);
		if (s->end)
			break;		/* the callback's: output, signal */
		if (err == -EINTR)
			continue;
		if (err < 0) {
			ct_msg("reading events: %s", strerror(-err));
			s->end = END_READ;
			break;
		}
		tick(s);
	}
	return CT_EXIT_OK;
}

/*
 * The recording's end, the analyses, then the summary last; what was
 * lost, said. 0, or -errno when the recording, the metrics or --dot
 * failed (said).
 */
static int summarize(struct session *s)
{
	struct ct_stats *st = &s->output.stats;
	uint64_t duration = ct_now_ns() - s->start;
	int err;

	st->lost = s->bpf.skel->bss->lost_events;
	st->lost_follow = s->bpf.skel->bss->lost_follow;
	if (st->lost && !ct_tracer_lost_by(&s->bpf, st->lost, &s->lost_by))
		s->output.lost_by = &s->lost_by;
	err = ct_live_finish(s->live, &s->output, duration, ct_stop_signal());
	if (s->bpf.syscalls_denied)
		s->output.failures_unseen = "tracefs not readable";
	ct_output_summary(&s->output, ct_mode_name(s->bpf.mode), duration);
	if (st->lost)
		ct_msg("%llu events were lost (ring buffer full); raise --buffer-size",
		       (unsigned long long)st->lost);
	if (st->lost_follow)
		ct_msg("%llu new processes could not be followed (table full); raise --max-follow",
		       (unsigned long long)st->lost_follow);
	return err;
}

/* The -c command at the end: its status (reaped, or stopped first). */
static int command_end(struct session *s)
{
	int sig = ct_stop_signal();

	if (!s->cmd.pid)
		return CT_EXIT_OK;
	/* the command is done when everything traced is: reap it */
	if (s->end == END_TARGETS || s->end == END_COMMAND)
		return ct_command_wait(&s->cmd);
	/* a signal is passed on; any other end stops it with SIGTERM */
	return ct_command_stop(&s->cmd, sig ? sig : SIGTERM);
}

/* The one stop path (the head of this file), for every end. */
static int finish(struct session *s)
{
	int sig = ct_stop_signal(), side, status;

	if (sig) {		/* they stop while we finish */
		ct_command_signal(&s->cmd, sig);
		ct_live_signal(s->live, sig);
	}
	ct_tracer_stop(&s->bpf);
	ct_outbuf_ending(&s->ob);
	s->draining = true;
	if (s->end != END_READ)
		ring_buffer__consume(s->rb);	/* what arrived meanwhile */
	side = summarize(s);
	status = command_end(s);
	if (s->ob.err && s->ob.err != -EPIPE) {	/* | head: quietly */
		ct_outbuf_say_lost(&s->ob, s->out_name);
		return CT_EXIT_FAILURE;
	}
	if (side || s->end == END_READ)
		return CT_EXIT_FAILURE;
	if (s->ob.err == -EPIPE)
		return CT_EXIT_OK;
	return status;
}

static int end_session(struct session *s, int status)
{
	ring_buffer__free(s->rb);
	ct_tracer_detach(&s->bpf);
	if (s->cmd.pid && s->cmd.status < 0)	/* a failure before the end */
		ct_command_stop(&s->cmd, SIGTERM);
	ct_command_free(&s->cmd);
	ct_live_free(s->live);
	ct_output_free(&s->output);
	free(s->lost_by.v);
	ct_outbuf_free(&s->ob);
	ct_outfile_close(&s->out_file);
	ct_outfile_close(&s->rec_file);
	ct_outfile_close(&s->dot_file);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	return status;
}

/* The phases, in order; each returns 0 to go on, else the exit status. */
static int (*const phases[])(struct session *s) = {
	check, open_outputs, attach, add_targets, start, run, finish,
};

int ct_trace_main(int argc, char **argv)
{
	struct session *s = calloc(1, sizeof(*s));
	size_t i;
	int status;

	if (!s)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	s->cgroup_fd = -1;
	ct_catch_stop_signals();
	status = ct_trace_parse(&s->opt, argc, argv);
	for (i = 0; !status && i < ARRAY_SIZE(phases); i++) {
		status = phases[i](s);
		/* asked to stop before tracing started: nothing to show */
		if (!s->tracing && ct_stop_signal())
			status = 128 + ct_stop_signal();
	}
	status = end_session(s, status);
	free(s);
	return status;
}
