// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace.c - the collector: options, checks, the ring buffer loop.
 *
 * Events are produced in bpf/clonetrace.bpf.c, carried by the ring buffer
 * (struct ct_event, bpf/ct_event.h), decoded in decode.c and printed by
 * output.c. The attach mode is chosen in attach.c.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>

#include "analysis.h"
#include "attach.h"
#include "tracer_bpf.h"
#include "clonetrace.skel.h"
#include "decode.h"
#include "output.h"
#include "proc.h"
#include "commands.h"
#include "util.h"

#define CT_VERSION	"0.1"
#define POLL_MS		100

static struct env {
	struct ct_pids pids;
	bool follow;
	const char *command;		/* -c "CMD ARGS" */
	char **cmd_argv;		/* -c words, or the words after -- */
	const char *comm;
	uint32_t kind_mask;
	bool failed_only;
	bool no_syscalls;
	double duration;
	const char *output;
	bool json;
	bool wallclock;
	bool extended;
	int verbose;
	enum ct_mode mode;
	uint32_t ringbuf_kib;
	uint32_t max_follow;
} env = {
	.kind_mask = ~0U,
	.mode = CT_MODE_AUTO,
	.ringbuf_kib = 4096,
	.max_follow = 65536,
};

const char *argp_program_version = "clonetrace " CT_VERSION;
const char *argp_program_bug_address = "the project's issue tracker";

static const char doc[] =
"Trace task creation: every fork, vfork, clone, clone3 and kernel-internal\n"
"creation, with its clone flags, kind, syscall, what it shares and its\n"
"refcounts, read in the kernel by eBPF.\n"
"\n"
"USAGE: clonetrace [OPTIONS] [-- COMMAND [ARGS]]\n"
"       clonetrace share|explain ... (see clonetrace CMD --help)\n"
"\n"
"EXAMPLES:\n"
"  clonetrace                    # every creation on the system\n"
"  clonetrace -p 1234 -f         # PID 1234 and every descendant\n"
"  clonetrace -c 'make -j2'      # run make, trace it, exit with its status\n"
"  clonetrace --failed           # only failed creations (EAGAIN...)\n"
"  clonetrace -k thread -x       # threads, with refcounts\n"
"  clonetrace --json -o out.json # JSON lines to a file\n";

enum {
	OPT_COMM = 0x100,
	OPT_FAILED,
	OPT_MODE,
	OPT_MAX_FOLLOW,
	OPT_NO_SYSCALLS,
};

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID[,PID...]", 0,
	  "Trace these processes (all their threads)" },
	{ "follow", 'f', NULL, 0,
	  "Also trace every descendant created while tracing" },
	{ "command", 'c', "\"CMD ARGS\"", 0,
	  "Run CMD, trace it and its descendants, exit with its status" },
	{ "comm", OPT_COMM, "NAME", 0, "Only creations by tasks named NAME" },
	{ "kind", 'k', "KIND[,KIND...]", 0,
	  "Only these kinds: process, thread, vfork, vm_process, kthread, "
	  "user_worker" },
	{ "failed", OPT_FAILED, NULL, 0, "Only failed creations" },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS" },
	{ "output", 'o', "FILE", 0, "Write events to FILE" },
	{ "json", 'j', NULL, 0, "One JSON object per line" },
	{ "wallclock", 'T', NULL, 0, "Print wall-clock time" },
	{ "extended", 'x', NULL, 0,
	  "Human output: add a line with comm, refcounts, namespaces, latency" },
	{ "mode", OPT_MODE, "MODE", 0,
	  "Attach mode: auto (default), fentry, tp_btf, raw_tp" },
	{ "buffer-size", 'b', "KIB", 0,
	  "Ring buffer size in KiB (power of two, default 4096)" },
	{ "max-follow", OPT_MAX_FOLLOW, "N", 0,
	  "Processes -p/-f/-c can track (default 65536)" },
	{ "no-syscalls", OPT_NO_SYSCALLS, NULL, 0,
	  "Lowest overhead: no syscall tracepoints (which slow every syscall "
	  "on the machine); no failures and latencies then, except in fentry "
	  "mode" },
	{ "verbose", 'v', NULL, 0, "Say which attach mode was chosen, and why" },
	{},
};

static error_t parse_kinds(const struct argp_state *state, const char *arg)
{
	const char *p = arg;

	env.kind_mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		char tok[32];
		int kind;

		snprintf(tok, sizeof(tok), "%.*s", (int)(n < 31 ? n : 31), p);
		p += n + (p[n] == ',');
		if (!n)
			continue;
		kind = n < 31 ? ct_kind_parse(tok) : -1;
		if (kind < 0)
			return ct_usage_error(state, "unknown kind '%s': expected one of %s",
					      tok, ct_kind_list());
		env.kind_mask |= 1U << kind;
	}
	if (!env.kind_mask)
		return ct_usage_error(state, "empty kind list: expected one of %s",
				      ct_kind_list());
	return 0;
}

static error_t parse_value(int key, char *arg, struct argp_state *state)
{
	double secs;
	long n;
	int mode;

	switch (key) {
	case OPT_COMM:
		if (!*arg || strlen(arg) >= CT_COMM_LEN)
			return ct_usage_error(state, "invalid comm '%s': 1 to %d characters (the kernel's limit)",
					      arg, CT_COMM_LEN - 1);
		env.comm = arg;
		return 0;
	case 'd':
		if (ct_opt_seconds(state, arg, "duration", 0.001, 1e9, &secs))
			return EINVAL;
		env.duration = secs;
		return 0;
	case OPT_MODE:
		mode = ct_mode_parse(arg);
		if (mode < 0)
			return ct_usage_error(state, "unknown mode '%s': expected auto, fentry, tp_btf or raw_tp",
					      arg);
		env.mode = mode;
		return 0;
	case 'b':
		if (ct_opt_long(state, arg, "buffer size", 4, 1 << 20, &n))
			return EINVAL;
		if (n & (n - 1))
			return ct_usage_error(state, "invalid buffer size '%s': must be a power of two (KiB)",
					      arg);
		env.ringbuf_kib = n;
		return 0;
	case OPT_MAX_FOLLOW:
		if (ct_opt_long(state, arg, "--max-follow", 1, 1 << 22, &n))
			return EINVAL;
		env.max_follow = n;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		return ct_opt_pids(state, arg, &env.pids);
	case 'f':
		env.follow = true;
		break;
	case 'c':
		env.command = arg;
		break;
	case 'k':
		return parse_kinds(state, arg);
	case OPT_FAILED:
		env.failed_only = true;
		break;
	case 'o':
		if (ct_opt_nonempty(state, arg, "output file name"))
			return EINVAL;
		env.output = arg;
		break;
	case 'j':
		env.json = true;
		break;
	case 'T':
		env.wallclock = true;
		break;
	case 'x':
		env.extended = true;
		break;
	case OPT_NO_SYSCALLS:
		env.no_syscalls = true;
		break;
	case 'v':
		env.verbose++;
		break;
	case ARGP_KEY_ARGS:
		env.cmd_argv = state->argv + state->next;
		break;
	default:
		return parse_value(key, arg, state);
	}
	return 0;
}

/* Is name an executable command, as execvp() would find it? */
static bool command_exists(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!copy)
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		struct stat st;

		snprintf(buf, sizeof(buf), "%s/%s", *dir ? dir : ".", name);
		found = stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
			access(buf, X_OK) == 0;
	}
	free(copy);
	return found;
}

/*
 * Fork the command, stopped before exec until the tracer is ready:
 * it reads one byte from go[0]. Exec errors come back through err[1]
 * (close-on-exec, so a successful exec closes it).
 */
struct command {
	pid_t pid;
	int go;		/* write end: release the child */
	int err;	/* read end: errno of a failed exec */
};

static int command_start(char **argv, struct command *cmd)
{
	int go[2], err[2];
	char c;

	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	cmd->pid = fork();
	if (cmd->pid < 0)
		return -errno;
	if (cmd->pid == 0) {
		int e;

		signal(SIGPIPE, SIG_DFL);
		close(go[1]);
		close(err[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(CT_EXIT_FAILURE);	/* the tracer gave up */
		execvp(argv[0], argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(CT_EXIT_NOT_FOUND);
		_exit(CT_EXIT_NOT_FOUND);
	}
	close(go[0]);
	close(err[1]);
	cmd->go = go[1];
	cmd->err = err[0];
	return 0;
}

/* Release the command; returns its exec errno or 0. */
static int command_release(struct command *cmd)
{
	int e = 0;

	if (write(cmd->go, "g", 1) != 1)
		return errno;
	close(cmd->go);
	if (read(cmd->err, &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(cmd->err);
	return e;
}

/* Before a TGID goes into targets: its byte in the BPF side's prefilter. */
static void hint_target(struct clonetrace_bpf *skel, pid_t tgid)
{
	skel->bss->target_hint[(uint32_t)tgid & (CT_TARGET_HINTS - 1)] = 1;
}

static void report_targets_gone(void)
{
	char list[CT_MAX_PIDS * 12] = "";
	size_t off = 0;
	int i;

	for (i = 0; i < env.pids.n && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%d",
				i ? "," : "", env.pids.pid[i]);
	ct_msg("every traced process has exited (PID %s%s)", list,
	       env.follow ? " and descendants" : "");
}

static bool regular_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return CT_EXIT_FAILURE;
}

/*
 * Stop the command clonetrace started: sig (the signal clonetrace got, or
 * SIGTERM when -d ran out or the output closed), five seconds' grace,
 * then SIGKILL. Returns its exit status, as a shell would report it.
 */
static int command_stop(pid_t pid, int sig)
{
	int ws, i;

	kill(pid, sig);
	for (i = 0; i < 50; i++) {
		if (waitpid(pid, &ws, WNOHANG) == pid)
			return exit_status(ws);
		usleep(100000);
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, &ws, 0) != pid)
		return CT_EXIT_FAILURE;
	return exit_status(ws);
}

struct loop_ctx {
	struct ct_output out;
	int write_err;
};

static int handle_event(void *ctx, void *data, size_t size)
{
	struct loop_ctx *lc = ctx;

	if (size < sizeof(struct ct_event))
		return 0;
	lc->write_err = ct_output_event(&lc->out, data);
	if (lc->write_err)
		return -1;	/* stop consuming */
	ct_analysis_event(data);
	return 0;	/* stop consuming on write error */
}

static const struct argp_child argp_children[] = {
	{ &ct_analysis_argp, 0, "Analysis:", 0 },
	{},
};

static struct argp argp = {
	.options = opts,
	.children = argp_children,
	.parser = parse_opt,
	.args_doc = "[-- COMMAND [ARGS...]]",
	.doc = doc,
};

int ct_trace_main(int argc, char **argv)
{
	struct ct_tracer_bpf att = {};
	struct ct_bpf_config cfg = {};
	struct ring_buffer *rb = NULL;
	struct command cmd = { .pid = -1 };
	struct loop_ctx lc = {};
	wordexp_t words = {};
	bool have_words = false, created_output = false, targets_gone = false;
	uint64_t lost_seen = 0, last_warn = 0, start, deadline = 0, duration;
	int status = CT_EXIT_FAILURE, cmd_status = -1, err, i;
	FILE *out = stdout;
	int targets_fd;

	if (ct_parse_args(&argp, argc, argv, "clonetrace", NULL))
		return CT_EXIT_USAGE;

	/* ---- every check that needs no privilege, then the privilege ---- */
	if (env.command && env.cmd_argv && env.cmd_argv[0])
		return ct_fail(CT_EXIT_USAGE, "give the command either with -c or after --, not both");
	if (env.command) {
		err = wordexp(env.command, &words, WRDE_NOCMD | WRDE_UNDEF);
		if (err || !words.we_wordc)
			return ct_fail(CT_EXIT_USAGE, "cannot parse -c command '%s': give plain words, no $(...) or unset variables",
			    env.command);
		have_words = true;
		env.cmd_argv = words.we_wordv;
	}
	if (env.cmd_argv && !env.cmd_argv[0])
		env.cmd_argv = NULL;
	if (env.follow && !env.pids.n && !env.cmd_argv)
		return ct_fail(CT_EXIT_USAGE, "-f needs -p PID or a command to follow");
	if (ct_attach_check("clonetrace"))
		return CT_EXIT_FAILURE;
	for (i = 0; i < env.pids.n; i++) {
		pid_t tgid = ct_tgid_of(env.pids.pid[i]);

		if (!tgid || !ct_process_alive(tgid))
			return ct_fail(CT_EXIT_FAILURE, "no such process: %d (check the PID with ps)",
			    env.pids.pid[i]);
		if (tgid != env.pids.pid[i] && env.verbose)
			ct_msg("%d is a thread of process %d: tracing the process",
				env.pids.pid[i], tgid);
		env.pids.pid[i] = tgid;
	}
	if (env.cmd_argv && !command_exists(env.cmd_argv[0]))
		return ct_fail(CT_EXIT_NOT_FOUND, "command not found: %s (check the name and PATH)",
		    env.cmd_argv[0]);
	if (env.output) {
		int fd = open(env.output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0644);

		if (fd >= 0)
			created_output = true;
		else if (errno == EEXIST)
			fd = open(env.output, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return ct_fail(CT_EXIT_FAILURE, "cannot write output file '%s': %s",
			    env.output, strerror(errno));
		out = fdopen(fd, "w");
		if (!out)
			return ct_fail(CT_EXIT_FAILURE, "cannot write output file '%s': %s",
			    env.output, strerror(errno));
	}

	/* ---- load and attach ---- */
	ct_libbpf_verbosity(env.verbose);
	cfg.filter_targets = env.pids.n || env.cmd_argv;
	cfg.follow = env.follow || env.cmd_argv;
	cfg.failed_only = env.failed_only;
	cfg.no_syscalls = env.no_syscalls;
	cfg.comm = env.comm;
	cfg.kind_mask = env.kind_mask;
	cfg.ringbuf_bytes = env.ringbuf_kib * 1024;
	cfg.wakeup_bytes = cfg.ringbuf_bytes / 4;
	cfg.max_targets = env.max_follow;
	err = ct_tracer_attach(env.mode, &cfg, env.verbose, &att);
	if (err)
		goto cleanup_output;
	if (env.verbose)
		ct_tracer_describe(&att);

	/* ---- targets: -p processes, then the command ---- */
	targets_fd = bpf_map__fd(att.skel->maps.targets);
	for (i = 0; i < env.pids.n; i++) {
		__u8 one = 1;

		hint_target(att.skel, env.pids.pid[i]);
		if (bpf_map_update_elem(targets_fd, &env.pids.pid[i], &one, BPF_NOEXIST))
			continue;	/* listed twice */
		/*
		 * Exited meanwhile? If our delete wins, nobody counted it;
		 * if BPF's exit hook deleted it first, it has subtracted one
		 * already, so the add below balances that.
		 */
		if (!ct_process_alive(env.pids.pid[i]) &&
		    bpf_map_delete_elem(targets_fd, &env.pids.pid[i]) == 0)
			continue;
		__sync_fetch_and_add(&att.skel->bss->targets_alive, 1);
	}
	if (env.cmd_argv) {
		__u8 one = 1;

		err = command_start(env.cmd_argv, &cmd);
		if (err) {
			ct_msg("cannot start %s: %s",
				env.cmd_argv[0], strerror(-err));
			goto cleanup;
		}
		hint_target(att.skel, cmd.pid);
		if (bpf_map_update_elem(targets_fd, &cmd.pid, &one, BPF_NOEXIST)) {
			ct_msg("cannot trace the command: %s",
				strerror(errno));
			goto cleanup;
		}
		__sync_fetch_and_add(&att.skel->bss->targets_alive, 1);
	}
	if (cfg.filter_targets && !att.skel->bss->targets_alive) {
		report_targets_gone();
		goto cleanup;
	}

	rb = ring_buffer__new(bpf_map__fd(att.skel->maps.events), handle_event,
			      &lc, NULL);
	if (!rb) {
		ct_msg("cannot create the ring buffer reader: %s",
			strerror(errno));
		goto cleanup;
	}

	/* ---- output ---- */
	if (env.output && !created_output && regular_file(fileno(out)) &&
	    ftruncate(fileno(out), 0)) {
		ct_msg("cannot truncate '%s': %s",
			env.output, strerror(errno));
		goto cleanup;
	}
	setvbuf(out, NULL, isatty(fileno(out)) ? _IOLBF : _IOFBF, 1 << 16);
	ct_output_init(&lc.out, out);
	lc.out.json = env.json;
	lc.out.wallclock = env.wallclock;
	lc.out.extended = env.extended;
	created_output = false;		/* from here on it is ours to keep */

	ct_catch_stop_signals();
	start = ct_now_ns();
	if (env.duration > 0)
		deadline = start + (uint64_t)(env.duration * 1e9);
	err = ct_analysis_start(ct_mode_name(att.mode));
	if (err)
		goto cleanup;
	if (env.verbose)
		ct_msg("tracing");

	if (cmd.pid > 0) {
		err = command_release(&cmd);
		if (err) {
			ct_msg("cannot run %s: %s",
				env.cmd_argv[0], strerror(err));
			waitpid(cmd.pid, NULL, 0);
			status = err == ENOENT ? CT_EXIT_NOT_FOUND : CT_EXIT_CANNOT_RUN;
			cmd.pid = -1;
			goto cleanup;
		}
	}

	/* ---- the loop ---- */
	while (!ct_stop_signal()) {
		uint64_t lost, t;

		err = ring_buffer__poll(rb, POLL_MS);
		if (err >= 0)	/* wakeups are batched: also read on timeout */
			err = ring_buffer__consume(rb);
		if (err == -EINTR)
			continue;
		if (lc.write_err)
			break;
		if (err < 0) {
			ct_msg("reading events: %s",
				strerror(-err));
			goto cleanup;
		}
		t = ct_now_ns();
		lost = att.skel->bss->lost_events;
		ct_analysis_tick(t, lost);
		if (lost != lost_seen && t - last_warn > 1000000000ULL) {
			ct_msg("%llu events lost so far (ring buffer full); raise --buffer-size",
				(unsigned long long)lost);
			lost_seen = lost;
			last_warn = t;
		}
		if (cmd.pid > 0 && cmd_status < 0) {
			int ws;

			if (waitpid(cmd.pid, &ws, WNOHANG) == cmd.pid)
				cmd_status = exit_status(ws);
		}
		if (cfg.filter_targets && att.skel->bss->targets_alive <= 0) {
			if (env.pids.n && !env.cmd_argv)
				report_targets_gone();
			targets_gone = true;
			break;
		}
		if (deadline && t >= deadline)
			break;
	}
	if (!lc.write_err)
		ring_buffer__consume(rb);	/* what arrived meanwhile */

	if (lc.write_err == -EPIPE) {
		status = CT_EXIT_OK;		/* | head: end quietly */
		goto cleanup;
	}
	if (lc.write_err) {
		ct_msg("writing events: %s",
			strerror(-lc.write_err));
		goto cleanup;
	}
	lc.out.stats.lost = att.skel->bss->lost_events;
	lc.out.stats.lost_follow = att.skel->bss->lost_follow;
	duration = ct_now_ns() - start;
	/* analysis records (--hist, --tree...) first: the summary is last */
	err = ct_analysis_finish(&lc.out, duration);
	if (!err)
		err = ct_output_summary(&lc.out, ct_mode_name(att.mode),
					duration);
	if (err == -EPIPE) {
		status = CT_EXIT_OK;
		goto cleanup;
	}
	if (err) {
		ct_msg("writing events: %s",
			strerror(-err));
		goto cleanup;
	}
	if (lc.out.stats.lost)
		ct_msg("%llu events were lost (ring buffer full); raise --buffer-size",
			(unsigned long long)lc.out.stats.lost);
	if (lc.out.stats.lost_follow)
		ct_msg("%llu new processes could not be followed (table full); raise --max-follow",
			(unsigned long long)lc.out.stats.lost_follow);
	status = CT_EXIT_OK;
	if (cmd.pid > 0) {
		int ws;

		/* the command is done when everything traced is: reap it */
		if (cmd_status < 0 && targets_gone &&
		    waitpid(cmd.pid, &ws, 0) == cmd.pid)
			cmd_status = exit_status(ws);
		/* a signal is passed on; -d's end stops it too */
		if (cmd_status < 0)
			cmd_status = command_stop(cmd.pid,
						  ct_stop_signal() ? ct_stop_signal() :
						  SIGTERM);
		status = cmd_status;
	}

cleanup:
	ring_buffer__free(rb);
	ct_tracer_detach(&att);
	if (cmd.pid > 0 && cmd_status < 0)	/* an error, or the output closed */
		command_stop(cmd.pid, SIGTERM);
cleanup_output:
	if (out != stdout) {
		if (fclose(out) == EOF && status == CT_EXIT_OK)
			status = CT_EXIT_FAILURE;
		if (created_output)	/* failed before tracing: leave nothing */
			unlink(env.output);
	} else if (fflush(stdout) == EOF && errno != EPIPE &&
		   status == CT_EXIT_OK) {
		status = CT_EXIT_FAILURE;
	}
	if (have_words)
		wordfree(&words);
	return status;
}
