// SPDX-License-Identifier: GPL-2.0
/*
 * clonetrace.c - the collector: options, checks, the ring buffer loop.
 *
 * Events are produced in bpf/clonetrace.bpf.c, carried by the ring buffer
 * (struct ct_event, bpf/clonetrace.h), decoded in decode.c and printed by
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
#include "clonetrace.skel.h"
#include "decode.h"
#include "output.h"
#include "subcmd.h"

#define CT_VERSION	"0.1"
#define MAX_PIDS	1024
#define POLL_MS		100

/* exit statuses */
#define EXIT_USAGE	2
#define EXIT_NOTFOUND	127

static struct env {
	pid_t pids[MAX_PIDS];
	int npids;
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

static volatile sig_atomic_t exiting;

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

/* One line, the program's name first, then exit. */
static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("clonetrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static long parse_long(const char *s, const char *what, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die(EXIT_USAGE, "invalid %s '%s': expected an integer from %ld to %ld",
		    what, s, min, max);
	return v;
}

static void parse_pids(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;

	if (!copy)
		die(EXIT_FAILURE, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v;

		errno = 0;
		v = strtol(tok, &end, 10);
		if (errno || end == tok || *end || v <= 0 || v > INT_MAX)
			die(EXIT_USAGE, "invalid PID '%s': expected a positive process ID",
			    tok);
		if (env.npids == MAX_PIDS)
			die(EXIT_USAGE, "too many PIDs: at most %d", MAX_PIDS);
		env.pids[env.npids++] = v;
	}
	if (!env.npids)
		die(EXIT_USAGE, "invalid PID list '%s': expected PID[,PID...]", arg);
	free(copy);
}

static void parse_kinds(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;

	if (!copy)
		die(EXIT_FAILURE, "out of memory");
	env.kind_mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int kind = ct_kind_parse(tok);

		if (kind < 0)
			die(EXIT_USAGE, "unknown kind '%s': expected one of %s",
			    tok, ct_kind_list());
		env.kind_mask |= 1U << kind;
	}
	if (!env.kind_mask)
		die(EXIT_USAGE, "empty kind list: expected one of %s",
		    ct_kind_list());
	free(copy);
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'p':
		parse_pids(arg);
		break;
	case 'f':
		env.follow = true;
		break;
	case 'c':
		env.command = arg;
		break;
	case OPT_COMM:
		if (!*arg || strlen(arg) >= CT_COMM_LEN)
			die(EXIT_USAGE, "invalid comm '%s': 1 to %d characters (the kernel's limit)",
			    arg, CT_COMM_LEN - 1);
		env.comm = arg;
		break;
	case 'k':
		parse_kinds(arg);
		break;
	case OPT_FAILED:
		env.failed_only = true;
		break;
	case 'd':
		errno = 0;
		env.duration = strtod(arg, &end);
		if (errno || end == arg || *end || !(env.duration > 0) ||
		    env.duration > 1e9)
			die(EXIT_USAGE, "invalid duration '%s': expected a positive number of seconds",
			    arg);
		break;
	case 'o':
		if (!*arg)
			die(EXIT_USAGE, "empty output file name");
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
	case OPT_MODE: {
		int mode = ct_mode_parse(arg);

		if (mode < 0)
			die(EXIT_USAGE, "unknown mode '%s': expected auto, fentry, tp_btf or raw_tp",
			    arg);
		env.mode = mode;
		break;
	}
	case 'b': {
		long kib = parse_long(arg, "buffer size", 4, 1 << 20);

		if (kib & (kib - 1))
			die(EXIT_USAGE, "invalid buffer size '%s': must be a power of two (KiB)",
			    arg);
		env.ringbuf_kib = kib;
		break;
	}
	case OPT_NO_SYSCALLS:
		env.no_syscalls = true;
		break;
	case OPT_MAX_FOLLOW:
		env.max_follow = parse_long(arg, "--max-follow", 1, 1 << 22);
		break;
	case 'v':
		env.verbose++;
		break;
	case ARGP_KEY_ARGS:
		env.cmd_argv = state->argv + state->next;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (env.verbose < 2 && level != LIBBPF_WARN)
		return 0;
	if (env.verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, args);
}

static void on_signal(int sig)
{
	exiting = sig;
}

/* Root, or CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN), effective. */
static bool privileged(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};
	uint64_t eff;

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	eff = data[0].effective | (uint64_t)data[1].effective << 32;
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ULL << 39)) && (eff & (1ULL << 38)); /* BPF, PERFMON */
}

/* The TGID of a PID or TID from /proc; 0 when there is no such task. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t tgid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	}
	fclose(f);
	return tgid;
}

/*
 * Has the process (thread group) tgid not exited? A zombie still has a
 * /proc entry but its group is dead, and so is a group whose leader
 * exited first; a pidfd polls readable exactly when the group is gone.
 */
static bool process_alive(pid_t tgid)
{
	struct pollfd p = { .events = POLLIN };
	bool alive;

	p.fd = syscall(SYS_pidfd_open, tgid, 0);
	if (p.fd < 0)
		return errno != ESRCH && tgid_of(tgid) == tgid;
	alive = poll(&p, 1, 0) == 0;
	close(p.fd);
	return alive;
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
			_exit(EXIT_FAILURE);	/* the tracer gave up */
		execvp(argv[0], argv);
		e = errno;
		if (write(err[1], &e, sizeof(e)) < 0)
			_exit(EXIT_NOTFOUND);
		_exit(EXIT_NOTFOUND);
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
	int i;

	fprintf(stderr, "clonetrace: every traced process has exited (PID");
	for (i = 0; i < env.npids; i++)
		fprintf(stderr, "%s%d", i ? "," : " ", env.pids[i]);
	fprintf(stderr, "%s)\n", env.follow ? " and descendants" : "");
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
	return EXIT_FAILURE;
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
		return EXIT_FAILURE;
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

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
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

int main(int argc, char **argv)
{
	struct ct_attached att = {};
	struct ct_bpf_config cfg = {};
	struct ring_buffer *rb = NULL;
	struct command cmd = { .pid = -1 };
	struct loop_ctx lc = {};
	wordexp_t words = {};
	bool have_words = false, created_output = false, targets_gone = false;
	uint64_t lost_seen = 0, last_warn = 0, start, deadline = 0, duration;
	int status = EXIT_FAILURE, cmd_status = -1, err, i;
	const char *why = "unknown error";
	FILE *out = stdout;
	int targets_fd;

	if (argc > 1 && ct_is_subcommand(argv[1]))
		return ct_subcommand(argc - 1, argv + 1);

	argv[0] = (char *)"clonetrace";	/* the name in argp's messages */
	argp_err_exit_status = EXIT_USAGE;
	argp_parse(&argp, argc, argv, 0, NULL, NULL);

	/* ---- every check that needs no privilege, then the privilege ---- */
	if (env.command && env.cmd_argv && env.cmd_argv[0])
		die(EXIT_USAGE, "give the command either with -c or after --, not both");
	if (env.command) {
		err = wordexp(env.command, &words, WRDE_NOCMD | WRDE_UNDEF);
		if (err || !words.we_wordc)
			die(EXIT_USAGE, "cannot parse -c command '%s': give plain words, no $(...) or unset variables",
			    env.command);
		have_words = true;
		env.cmd_argv = words.we_wordv;
	}
	if (env.cmd_argv && !env.cmd_argv[0])
		env.cmd_argv = NULL;
	if (env.follow && !env.npids && !env.cmd_argv)
		die(EXIT_USAGE, "-f needs -p PID or a command to follow");
	if (!privileged())
		die(EXIT_FAILURE, "need root, or CAP_BPF and CAP_PERFMON: run as root (sudo clonetrace ...)");
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		die(EXIT_FAILURE, "no kernel BTF at /sys/kernel/btf/vmlinux: boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (5.5 or later)");
	for (i = 0; i < env.npids; i++) {
		pid_t tgid = tgid_of(env.pids[i]);

		if (!tgid || !process_alive(tgid))
			die(EXIT_FAILURE, "no such process: %d (check the PID with ps)",
			    env.pids[i]);
		if (tgid != env.pids[i] && env.verbose)
			fprintf(stderr, "clonetrace: %d is a thread of process %d: tracing the process\n",
				env.pids[i], tgid);
		env.pids[i] = tgid;
	}
	if (env.cmd_argv && !command_exists(env.cmd_argv[0]))
		die(EXIT_NOTFOUND, "command not found: %s (check the name and PATH)",
		    env.cmd_argv[0]);
	if (env.output) {
		int fd = open(env.output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0644);

		if (fd >= 0)
			created_output = true;
		else if (errno == EEXIST)
			fd = open(env.output, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			die(EXIT_FAILURE, "cannot write output file '%s': %s",
			    env.output, strerror(errno));
		out = fdopen(fd, "w");
		if (!out)
			die(EXIT_FAILURE, "cannot write output file '%s': %s",
			    env.output, strerror(errno));
	}

	/* ---- load and attach ---- */
	libbpf_set_print(libbpf_print);
	cfg.filter_targets = env.npids || env.cmd_argv;
	cfg.follow = env.follow || env.cmd_argv;
	cfg.failed_only = env.failed_only;
	cfg.no_syscalls = env.no_syscalls;
	cfg.comm = env.comm;
	cfg.kind_mask = env.kind_mask;
	cfg.ringbuf_bytes = env.ringbuf_kib * 1024;
	cfg.wakeup_bytes = cfg.ringbuf_bytes / 4;
	cfg.max_targets = env.max_follow;
	err = ct_attach(env.mode, &cfg, env.verbose, &att, &why);
	if (err) {
		if (env.mode != CT_MODE_AUTO)
			fprintf(stderr, "clonetrace: mode %s is not available on this kernel: %s (%s); try --mode auto\n",
				ct_mode_name(env.mode), why, strerror(-err));
		else
			fprintf(stderr, "clonetrace: cannot attach to the kernel: %s (%s)\n",
				why, strerror(-err));
		goto cleanup_output;
	}
	if (env.verbose) {
		fprintf(stderr, "clonetrace: attach mode %s", ct_mode_name(att.mode));
		if (!att.syscalls && att.mode == CT_MODE_FENTRY)
			fprintf(stderr, " (no syscall tracepoints: failures and latency from kernel_clone)");
		else if (!att.syscalls)
			fprintf(stderr, " (no syscall tracepoints: no failures, no latency)");
		fprintf(stderr, ", requests in flight kept %s\n",
			att.task_storage ? "in task storage" : "in a TID hash");
	}

	/* ---- targets: -p processes, then the command ---- */
	targets_fd = bpf_map__fd(att.skel->maps.targets);
	for (i = 0; i < env.npids; i++) {
		__u8 one = 1;

		hint_target(att.skel, env.pids[i]);
		if (bpf_map_update_elem(targets_fd, &env.pids[i], &one, BPF_NOEXIST))
			continue;	/* listed twice */
		/*
		 * Exited meanwhile? If our delete wins, nobody counted it;
		 * if BPF's exit hook deleted it first, it has subtracted one
		 * already, so the add below balances that.
		 */
		if (!process_alive(env.pids[i]) &&
		    bpf_map_delete_elem(targets_fd, &env.pids[i]) == 0)
			continue;
		__sync_fetch_and_add(&att.skel->bss->targets_alive, 1);
	}
	if (env.cmd_argv) {
		__u8 one = 1;

		err = command_start(env.cmd_argv, &cmd);
		if (err) {
			fprintf(stderr, "clonetrace: cannot start %s: %s\n",
				env.cmd_argv[0], strerror(-err));
			goto cleanup;
		}
		hint_target(att.skel, cmd.pid);
		if (bpf_map_update_elem(targets_fd, &cmd.pid, &one, BPF_NOEXIST)) {
			fprintf(stderr, "clonetrace: cannot trace the command: %s\n",
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
		fprintf(stderr, "clonetrace: cannot create the ring buffer reader: %s\n",
			strerror(errno));
		goto cleanup;
	}

	/* ---- output ---- */
	if (env.output && !created_output && regular_file(fileno(out)) &&
	    ftruncate(fileno(out), 0)) {
		fprintf(stderr, "clonetrace: cannot truncate '%s': %s\n",
			env.output, strerror(errno));
		goto cleanup;
	}
	setvbuf(out, NULL, isatty(fileno(out)) ? _IOLBF : _IOFBF, 1 << 16);
	ct_output_init(&lc.out, out);
	lc.out.json = env.json;
	lc.out.wallclock = env.wallclock;
	lc.out.extended = env.extended;
	created_output = false;		/* from here on it is ours to keep */

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	start = now_ns();
	if (env.duration > 0)
		deadline = start + (uint64_t)(env.duration * 1e9);
	err = ct_analysis_start(ct_mode_name(att.mode));
	if (err)
		goto cleanup;
	if (env.verbose)
		fprintf(stderr, "clonetrace: tracing\n");

	if (cmd.pid > 0) {
		err = command_release(&cmd);
		if (err) {
			fprintf(stderr, "clonetrace: cannot run %s: %s\n",
				env.cmd_argv[0], strerror(err));
			waitpid(cmd.pid, NULL, 0);
			status = err == ENOENT ? EXIT_NOTFOUND : 126;
			cmd.pid = -1;
			goto cleanup;
		}
	}

	/* ---- the loop ---- */
	while (!exiting) {
		uint64_t lost, t;

		err = ring_buffer__poll(rb, POLL_MS);
		if (err >= 0)	/* wakeups are batched: also read on timeout */
			err = ring_buffer__consume(rb);
		if (err == -EINTR)
			continue;
		if (lc.write_err)
			break;
		if (err < 0) {
			fprintf(stderr, "clonetrace: reading events: %s\n",
				strerror(-err));
			goto cleanup;
		}
		t = now_ns();
		lost = att.skel->bss->lost_events;
		ct_analysis_tick(t, lost);
		if (lost != lost_seen && t - last_warn > 1000000000ULL) {
			fprintf(stderr, "clonetrace: %llu events lost so far (ring buffer full); raise --buffer-size\n",
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
			if (env.npids && !env.cmd_argv)
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
		status = EXIT_SUCCESS;		/* | head: end quietly */
		goto cleanup;
	}
	if (lc.write_err) {
		fprintf(stderr, "clonetrace: writing events: %s\n",
			strerror(-lc.write_err));
		goto cleanup;
	}
	lc.out.stats.lost = att.skel->bss->lost_events;
	lc.out.stats.lost_follow = att.skel->bss->lost_follow;
	duration = now_ns() - start;
	/* analysis records (--hist, --tree...) first: the summary is last */
	err = ct_analysis_finish(&lc.out, duration);
	if (!err)
		err = ct_output_summary(&lc.out, ct_mode_name(att.mode),
					duration);
	if (err == -EPIPE) {
		status = EXIT_SUCCESS;
		goto cleanup;
	}
	if (err) {
		fprintf(stderr, "clonetrace: writing events: %s\n",
			strerror(-err));
		goto cleanup;
	}
	if (lc.out.stats.lost)
		fprintf(stderr, "clonetrace: %llu events were lost (ring buffer full); raise --buffer-size\n",
			(unsigned long long)lc.out.stats.lost);
	if (lc.out.stats.lost_follow)
		fprintf(stderr, "clonetrace: %llu new processes could not be followed (table full); raise --max-follow\n",
			(unsigned long long)lc.out.stats.lost_follow);
	status = EXIT_SUCCESS;
	if (cmd.pid > 0) {
		int ws;

		/* the command is done when everything traced is: reap it */
		if (cmd_status < 0 && targets_gone &&
		    waitpid(cmd.pid, &ws, 0) == cmd.pid)
			cmd_status = exit_status(ws);
		/* a signal is passed on; -d's end stops it too */
		if (cmd_status < 0)
			cmd_status = command_stop(cmd.pid,
						  exiting ? exiting : SIGTERM);
		status = cmd_status;
	}

cleanup:
	ring_buffer__free(rb);
	clonetrace_bpf__destroy(att.skel);
	if (cmd.pid > 0 && cmd_status < 0)	/* an error, or the output closed */
		command_stop(cmd.pid, SIGTERM);
cleanup_output:
	if (out != stdout) {
		if (fclose(out) == EOF && status == EXIT_SUCCESS)
			status = EXIT_FAILURE;
		if (created_output)	/* failed before tracing: leave nothing */
			unlink(env.output);
	} else if (fflush(stdout) == EOF && errno != EPIPE &&
		   status == EXIT_SUCCESS) {
		status = EXIT_FAILURE;
	}
	if (have_words)
		wordfree(&words);
	return status;
}
