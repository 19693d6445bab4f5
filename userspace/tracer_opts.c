// SPDX-License-Identifier: GPL-2.0
/*
 * tracer_opts.c - the tracer's options (tracer_opts.h). Every value is
 * checked here; what needs the system (does the PID exist, can the
 * output be written) is checked by the session (tracer.c).
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "decode.h"
#include "tracer_opts.h"

/* CT_VERSION: the top-level file VERSION, passed by the Makefile */
#ifndef CT_VERSION
#error "CT_VERSION is not defined: build with the top-level Makefile (it reads VERSION)"
#endif

/* " process thread ...": the kinds in --help, from the table */
#define KIND_DOC(id, name, ...)	" " #name

const char *argp_program_version = "clonetrace " CT_VERSION;
const char *argp_program_bug_address = "the project's issue tracker";

static const char doc[] =
"Trace task creation: every fork, vfork, clone, clone3 and kernel-internal\n"
"creation, with its clone flags, kind, syscall, what it shares and its\n"
"refcounts, read in the kernel by eBPF.\n"
"\n"
"USAGE: clonetrace [OPTIONS] [-- COMMAND [ARGS]]\n"
"       clonetrace top|report|share|explain ... (clonetrace CMD --help)\n"
"\n"
"EXAMPLES:\n"
"  clonetrace                    # every creation on the system\n"
"  clonetrace -p 1234 -f         # PID 1234 and every descendant\n"
"  clonetrace -c 'make -j2'      # run make, trace it, exit with its status\n"
"  clonetrace --failed           # only failed creations (EAGAIN...)\n"
"  clonetrace -k thread -x       # threads, with refcounts\n"
"  clonetrace -e exec,exit -c make   # what make runs, how each ends\n"
"  clonetrace --json -o out.json # JSON lines to a file\n";

enum {
	OPT_COMM = 0x100,
	OPT_FAILED,
	OPT_MODE,
	OPT_MAX_FOLLOW,
	OPT_NO_SYSCALLS,
	OPT_CGROUP,
	OPT_CONTEXT,
	OPT_NO_CONTEXT,
	OPT_SYSCALLS,
};

static const struct argp_option opts[] = {
	{ "pid", 'p', "PID[,PID...]", 0,
	  "Trace these processes (all their threads)" },
	{ "context", OPT_CONTEXT, NULL, 0,
	  "With -p and --json: first a target record for each process (the "
	  "human output starts with it on stderr, unless --no-context)" },
	{ "no-context", OPT_NO_CONTEXT, NULL, 0,
	  "With -p: do not describe the targets first (their threads, "
	  "children and what they share, user, cgroup, container; with -f "
	  "the processes below them)" },
	{ "follow", 'f', NULL, 0,
	  "Also trace every descendant created while tracing" },
	{ "command", 'c', "\"CMD ARGS\"", 0,
	  "Run CMD, trace it and its descendants, exit with its status" },
	{ "comm", OPT_COMM, "NAME", 0, "Only creations by tasks named NAME" },
	{ "cgroup", OPT_CGROUP, "PATH", 0,
	  "Only events of tasks in cgroup v2 PATH or below it (a directory, "
	  "or a path as /proc/PID/cgroup shows it); or in a cgroup v1 "
	  "hierarchy (its directory, or CONTROLLER:/PATH)" },
	{ "kind", 'k', "KIND[,KIND...]", 0,
	  "Only these kinds:" CT_KINDS(KIND_DOC) },
	{ "failed", OPT_FAILED, NULL, 0,
	  "Only failed creations (and, with -e exec, failed execs)" },
	{ "events", 'e', "EVENT[,EVENT...]", 0,
	  "Also what the traced tasks become: exec (program, argv, "
	  "failures), exit (status, lifetime); same filters" },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS" },
	{ "output", 'o', "FILE", 0, "Write events to FILE" },
	{ "mode", OPT_MODE, "MODE", 0,
	  "Attach mode: auto (default), fentry, tp_btf, raw_tp" },
	{ "buffer-size", 'b', "KIB", 0,
	  "Ring buffer size in KiB (power of two, default 4096)" },
	{ "max-follow", OPT_MAX_FOLLOW, "N", 0,
	  "Processes -p/-f/-c can track (default 65536)" },
	{ "no-syscalls", OPT_NO_SYSCALLS, NULL, 0,
	  "Lowest overhead: no syscall tracepoints (they slow every syscall "
	  "on the machine); no failures and latencies then, except in fentry "
	  "mode, where this is the default" },
	{ "syscalls", OPT_SYSCALLS, NULL, 0,
	  "Attach the syscall tracepoints in fentry mode too: also creations "
	  "refused by seccomp, at a cost to every syscall on the machine" },
	{ "verbose", 'v', NULL, 0, "Say which attach mode was chosen, and why" },
	{},
};

static error_t parse_kinds(struct ct_trace_opts *o,
			   const struct argp_state *state, const char *arg)
{
	const char *p = arg;

	o->kind_mask = 0;
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
		o->kind_mask |= 1U << kind;
	}
	if (!o->kind_mask)
		return ct_usage_error(state, "empty kind list: expected one of %s",
				      ct_kind_list());
	return 0;
}

static error_t parse_events(struct ct_trace_opts *o,
			    const struct argp_state *state, const char *arg)
{
	const char *p = arg;
	bool any = false;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 4 && !strncmp(p, "exec", 4))
			o->execs = true;
		else if (n == 4 && !strncmp(p, "exit", 4))
			o->exits = true;
		else if (n)
			return ct_usage_error(state, "unknown event '%.*s': expected exec or exit",
					      (int)(n < 64 ? n : 64), p);
		any |= n > 0;
		p += n + (p[n] == ',');
	}
	if (!any)
		return ct_usage_error(state, "empty event list: expected exec or exit");
	return 0;
}

/* The options with a value that needs checking. */
static error_t parse_value(struct ct_trace_opts *o, int key, char *arg,
			   struct argp_state *state)
{
	int mode;
	long n;

	switch (key) {
	case 'p':
		return ct_opt_pids(state, arg, &o->pids);
	case 'k':
		return parse_kinds(o, state, arg);
	case 'e':
		return parse_events(o, state, arg);
	case OPT_COMM:
		if (!*arg || strlen(arg) >= CT_COMM_LEN)
			return ct_usage_error(state, "invalid comm '%s': 1 to %d characters (the kernel's limit)",
					      arg, CT_COMM_LEN - 1);
		o->comm = arg;
		return 0;
	case OPT_CGROUP:
		o->cgroup = arg;
		if (arg[0] == ':')	/* CONTROLLER:/PATH without its CONTROLLER */
			return ct_usage_error(state, "invalid --cgroup '%s': no controller before ':': give CONTROLLER:/PATH (pids:/docker) or a cgroup v2 path",
					      arg);
		return ct_opt_nonempty(state, arg, "--cgroup path");
	case 'd':
		return ct_opt_seconds(state, arg, "duration", 0.001, 1e9,
				      &o->duration);
	case 'o':
		o->output = arg;
		return ct_opt_nonempty(state, arg, "output file name");
	case OPT_MODE:
		mode = ct_mode_parse(arg);
		if (mode < 0)
			return ct_usage_error(state, "unknown mode '%s': expected auto, fentry, tp_btf or raw_tp",
					      arg);
		o->mode = mode;
		return 0;
	case 'b':
		if (ct_opt_long(state, arg, "buffer size", 4, 1 << 20, &n))
			return EINVAL;
		if (n & (n - 1))
			return ct_usage_error(state, "invalid buffer size '%s': must be a power of two (KiB)",
					      arg);
		o->ringbuf_kib = n;
		return 0;
	case OPT_MAX_FOLLOW:
		if (ct_opt_long(state, arg, "--max-follow", 1, 1 << 22, &n))
			return EINVAL;
		o->max_follow = n;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

/*
 * Two outputs named alike ("-o X -w X") would make one file that is
 * neither; other spellings of one file are found when they are opened.
 */
static error_t same_files(const struct ct_trace_opts *o,
			  const struct argp_state *state)
{
	const struct {
		const char *opt, *path;
	} out[] = {
		{ "-o", o->output },
		{ "-w", o->live.record },
		{ "--dot", o->live.analysis.dot },
		{ "--prometheus", o->live.periodic.prometheus },
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(out); i++)
		for (j = i + 1; j < ARRAY_SIZE(out); j++)
			if (out[i].path && out[j].path &&
			    !strcmp(out[i].path, out[j].path) &&
			    strcmp(out[i].path, "/dev/null"))
				return ct_usage_error(state, "%s and %s name the same file '%s': give each its own",
						      out[i].opt, out[j].opt,
						      out[i].path);
	return 0;
}

/* What the options mean together, once all are read. */
static error_t parse_end(struct ct_trace_opts *o, struct argp_state *state)
{
	if (o->command && o->cmd_argv && o->cmd_argv[0])
		return ct_usage_error(state, "give the command either with -c or after --, not both");
	if (o->cmd_argv && !o->cmd_argv[0])
		o->cmd_argv = NULL;
	if (o->follow && !o->pids.n && !o->cmd_argv && !o->command)
		return ct_usage_error(state, "-f needs -p PID or a command to follow");
	if (o->context && !o->pids.n)
		return ct_usage_error(state, "--context describes the -p processes: give -p PID");
	if (o->context && o->no_context)
		return ct_usage_error(state, "--context and --no-context contradict each other: give one");
	if (o->syscalls && o->no_syscalls)
		return ct_usage_error(state, "--syscalls and --no-syscalls contradict each other: give one");
	return same_files(o, state);
}

/* Would execvp() find NAME (no slash) in PATH as an executable? */
static bool in_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *end;
	char file[4096];

	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		size_t len;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		len = end - p;
		if (snprintf(file, sizeof(file), "%.*s%s%s", (int)len, p,
			     len ? "/" : "", name) < (int)sizeof(file) &&
		    access(file, X_OK) == 0)
			return true;
		if (!*end)
			return false;
	}
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct ct_trace_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->format;
		state->child_inputs[1] = &o->live;
		break;
	case 'f':
		o->follow = true;
		break;
	case 'c':
		o->command = arg;
		break;
	case OPT_FAILED:
		o->failed_only = true;
		break;
	case OPT_NO_SYSCALLS:
		o->no_syscalls = true;
		break;
	case OPT_CONTEXT:
		o->context = true;
		break;
	case OPT_NO_CONTEXT:
		o->no_context = true;
		break;
	case OPT_SYSCALLS:
		o->syscalls = true;
		break;
	case 'v':
		o->verbose++;
		break;
	case ARGP_KEY_ARGS:
		o->cmd_argv = state->argv + state->next;
		/* "clonetrace -v report FILE": not a program named report */
		if (ct_is_command(o->cmd_argv[0]) &&
		    strcmp(state->argv[state->next - 1], "--"))
			return ct_usage_error(state, "'%s' is a command: give it first (clonetrace %s [OPTIONS]); to trace a program of that name, use -- %s",
					      o->cmd_argv[0], o->cmd_argv[0],
					      o->cmd_argv[0]);
		/* "clonetrace reprot x.ctr": a typo, not a program to run */
		if (strcmp(state->argv[state->next - 1], "--") &&
		    !strchr(o->cmd_argv[0], '/') && !in_path(o->cmd_argv[0]) &&
		    ct_command_suggest(o->cmd_argv[0]))
			return ct_usage_error(state, "'%s' is no command and no program in PATH: did you mean 'clonetrace %s'?",
					      o->cmd_argv[0],
					      ct_command_suggest(o->cmd_argv[0]));
		break;
	case ARGP_KEY_END:
		return parse_end(o, state);
	default:
		return parse_value(o, key, arg, state);
	}
	return 0;
}

static const struct argp_child children[] = {
	{ &ct_output_argp, 0, NULL, 0 },
	{ &ct_live_argp, 0, "Analysis:", 0 },
	{},
};

static const struct argp argp = {
	.options = opts,
	.children = children,
	.parser = parse_opt,
	.args_doc = "[-- COMMAND [ARGS...]]",
	.doc = doc,
};

int ct_trace_parse(struct ct_trace_opts *o, int argc, char **argv)
{
	*o = (struct ct_trace_opts){
		.kind_mask = ~0U,
		.mode = CT_MODE_AUTO,
		.ringbuf_kib = 4096,
		.max_follow = 65536,
	};
	return ct_parse_args(&argp, argc, argv, "clonetrace", o);
}
