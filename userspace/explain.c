// SPDX-License-Identifier: GPL-2.0
/*
 * explain.c - "clonetrace explain FLAGS": what each clone flag does, the
 * kind of task the combination creates, and whether the kernel accepts it.
 *
 * The rules are the checks the kernel makes before it builds a task, in
 * the order it makes them:
 *
 *   clone3():          copy_clone_args_from_user(), clone3_args_valid()
 *   both syscalls:     kernel_clone() (CLONE_PIDFD vs CLONE_PARENT_SETTID)
 *   both syscalls:     copy_process() (kernel/fork.c)
 *   with CLONE_NEW*:   copy_namespaces() (kernel/nsproxy.c)
 *
 * A rule that depends on the caller's state rather than on the flags
 * (CLONE_PARENT from an init, CLONE_THREAD after unshare(CLONE_NEWPID))
 * is a note, unless the state is given on the command line (--as-init).
 * The verdict assumes a root caller in the initial namespaces.
 *
 * Exit status: 0 the kernel accepts the combination, 1 it refuses it,
 * 2 the input cannot be parsed.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>

#include "ct_event.h"
#include "commands.h"
#include "decode.h"
#include "escape.h"
#include "json.h"
#include "util.h"

/* clone(2) takes an unsigned long, of which the kernel keeps 32 bits. */
#define LEGACY_FLAGS		0xffffffffULL
/* New namespaces other than user need CAP_SYS_ADMIN. */
#define NS_NEED_ADMIN		(CT_NS_FLAGS_MASK & ~CT_CLONE(NEWUSER))
#define KERNEL_NSIG		64

#define KV(maj, min)		CT_KV(maj, min)

enum sc { SC_CLONE3, SC_CLONE };

/* The options (explain-only state, as are the findings below). */
static struct explain_opts {
	const char *input;
	enum sc syscall;
	int kernel;		/* KV() of the kernel the rules are for */
	char kernel_str[32];
	bool kernel_given;
	bool as_init;
	bool json;
	int exit_signal;	/* -1: not given */
} opt = { .exit_signal = -1 };

/* The request as the kernel sees it. */
struct req {
	uint64_t flags;		/* without the exit signal */
	uint64_t ignored;	/* bits clone() drops (above 32) */
	int exit_signal;
};

struct finding {
	const char *id;
	const char *err;	/* errno name; NULL for a note */
	const char *where;
	char text[320];
};

#define MAX_FINDINGS 32

static struct finding found[MAX_FINDINGS];
static int nfound;

static struct finding *add(const char *id, const char *err,
			   const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static struct finding *add(const char *id, const char *err,
			   const char *where, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (nfound == MAX_FINDINGS)
		return NULL;
	f = &found[nfound++];
	f->id = id;
	f->err = err;
	f->where = where;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	return f;
}

static bool all(uint64_t flags, uint64_t mask)
{
	return (flags & mask) == mask;
}

/* Bits this kernel version's clone3 knows: the 32 of clone(), and the
 * flags above them that the release has. */
static uint64_t clone3_known(void)
{
	uint64_t known = LEGACY_FLAGS;
	const struct ct_flag *f;
	size_t i;

	for (i = 0; (f = ct_flag_at(i)); i++)
		if (f->value > LEGACY_FLAGS && opt.kernel >= f->since)
			known |= f->value;
	return known;
}

/*
 * CLONE_NEWTIME through clone3: mainline 6.3 ("fork: allow CLONE_NEWTIME
 * in clone3 flags"); the fix was also applied to the maintained stable
 * series of the time, so an up-to-date 5.10, 5.15 or 6.1 kernel has it.
 */
static bool clone3_newtime_ok(void)
{
	return opt.kernel >= KV(6, 3) || opt.kernel == KV(6, 1) ||
	       opt.kernel == KV(6, 2) || opt.kernel == KV(5, 15) ||
	       opt.kernel == KV(5, 10);
}

static void check_syscall(const struct req *r)
{
	uint64_t f = r->flags;
	char names[512];

	if (opt.syscall == SC_CLONE) {
		if (r->ignored) {
			ct_flags_str(r->ignored, false, names, sizeof(names));
			add("clone_upper_bits", NULL, "clone",
			    "clone() takes only the low 32 bits of its flags: %s %s silently ignored (use clone3)",
			    names, r->ignored & (r->ignored - 1) ? "are" : "is");
		}
		if (all(f, CT_CLONE(PIDFD) | CT_CLONE(PARENT_SETTID)))
			add("pidfd_parent_settid", "EINVAL", "kernel_clone",
			    "CLONE_PIDFD with CLONE_PARENT_SETTID: clone() returns the pidfd through parent_tid, so both would write the same place");
		return;
	}

	if (opt.kernel < KV(5, 3)) {
		add("no_clone3", "ENOSYS", "clone3",
		    "clone3() exists since Linux 5.3");
		return;
	}
	if (f & ~clone3_known()) {
		ct_flags_str(f & ~clone3_known(), false, names, sizeof(names));
		add("clone3_unknown", "EINVAL", "clone3_args_valid",
		    "clone3() refuses flags it does not know: %s", names);
	}
	if (f & CT_CLONE(DETACHED))
		add("clone3_detached", "EINVAL", "clone3_args_valid",
		    "clone3() refuses CLONE_DETACHED (the bit is kept for reuse)");
	if (f & CT_CSIGNAL & ~CT_CLONE(NEWTIME))
		add("clone3_csignal", "EINVAL", "clone3_args_valid",
		    "clone3() refuses the exit-signal bits 0x7f in flags: the exit signal goes in clone_args.exit_signal");
	if ((f & CT_CLONE(NEWTIME)) && !clone3_newtime_ok())
		add("clone3_newtime", "EINVAL", "clone3_args_valid",
		    "CLONE_NEWTIME through clone3() needs Linux 6.3 (or a stable update with the backport)");
	if (all(f, CT_CLONE(SIGHAND) | CT_CLONE(CLEAR_SIGHAND)))
		add("sighand_clear_sighand", "EINVAL", "clone3_args_valid",
		    "CLONE_CLEAR_SIGHAND with CLONE_SIGHAND: handlers cannot be both shared and reset");
	if ((f & (CT_CLONE(THREAD) | CT_CLONE(PARENT))) && r->exit_signal)
		add("exit_signal_thread_parent", "EINVAL", "clone3_args_valid",
		    "an exit signal with CLONE_THREAD or CLONE_PARENT: a thread signals nobody and a CLONE_PARENT child inherits the caller's exit signal, so clone3() wants exit_signal 0");
	if (all(f, CT_CLONE(PIDFD) | CT_CLONE(PARENT_SETTID)))
		add("pidfd_parent_settid_clone3", NULL, "kernel_clone",
		    "CLONE_PIDFD with CLONE_PARENT_SETTID is refused (EINVAL) only if clone_args.pidfd and parent_tid point to the same place");
	if (f & CT_CLONE(INTO_CGROUP))
		add("into_cgroup_fd", NULL, "cgroup_css_set_fork",
		    "CLONE_INTO_CGROUP needs clone_args.cgroup: an open cgroup v2 directory (EBADF otherwise) and the 88-byte clone_args");
}

static void check_copy_process(const struct req *r)
{
	uint64_t f = r->flags;

	if (all(f, CT_CLONE(NEWNS) | CT_CLONE(FS)))
		add("newns_fs", "EINVAL", "copy_process",
		    "CLONE_NEWNS with CLONE_FS: a task in another mount namespace cannot share root and cwd with the caller");
	if (all(f, CT_CLONE(NEWUSER) | CT_CLONE(FS)))
		add("newuser_fs", "EINVAL", "copy_process",
		    "CLONE_NEWUSER with CLONE_FS: a task in another user namespace cannot share root and cwd with the caller");
	if ((f & CT_CLONE(THREAD)) && !(f & CT_CLONE(SIGHAND)))
		add("thread_needs_sighand", "EINVAL", "copy_process",
		    "CLONE_THREAD without CLONE_SIGHAND: a thread group shares one signal_struct, so it must share the handlers too");
	if ((f & CT_CLONE(SIGHAND)) && !(f & CT_CLONE(VM)))
		add("sighand_needs_vm", "EINVAL", "copy_process",
		    "CLONE_SIGHAND without CLONE_VM: a handler is an address in one address space, so sharing handlers needs a shared mm");
	if (f & CT_CLONE(PARENT)) {
		if (opt.as_init)
			add("parent_from_init", "EINVAL", "copy_process",
			    "CLONE_PARENT from an init (of the system or of a PID namespace): its siblings would have no parent to reap them");
		else
			add("parent_from_init", NULL, "copy_process",
			    "CLONE_PARENT is refused (EINVAL) when the caller is an init, of the system or of a PID namespace (--as-init)");
	}
	if ((f & CT_CLONE(THREAD)) && (f & (CT_CLONE(NEWUSER) | CT_CLONE(NEWPID))))
		add("thread_newns", "EINVAL", "copy_process",
		    "CLONE_THREAD with CLONE_NEWUSER or CLONE_NEWPID: all threads of a group live in one user and PID namespace");
	if ((f & CT_CLONE(THREAD)) && !(f & (CT_CLONE(NEWUSER) | CT_CLONE(NEWPID))))
		add("thread_pid_for_children", NULL, "copy_process",
		    "CLONE_THREAD is refused (EINVAL) when the caller's PID namespace for children differs from its own (after unshare(CLONE_NEWPID) or setns())");
	if (all(f, CT_CLONE(PIDFD) | CT_CLONE(DETACHED)))
		add("pidfd_detached", "EINVAL", "copy_process",
		    "CLONE_PIDFD with CLONE_DETACHED: the bit is reserved for a future pidfd use");
	if (all(f, CT_CLONE(PIDFD) | CT_CLONE(THREAD)) && opt.kernel < KV(6, 9))
		add("pidfd_thread", "EINVAL", "copy_process",
		    "CLONE_PIDFD with CLONE_THREAD: refused before Linux 6.9 (since 6.9 it returns a PIDFD_THREAD pidfd)");
}

static void check_namespaces(const struct req *r)
{
	uint64_t f = r->flags;

	if (!(f & (NS_NEED_ADMIN | CT_CLONE(NEWUSER))))
		return;
	if (f & NS_NEED_ADMIN)
		add("ns_admin", NULL, "copy_namespaces",
		    "new namespaces other than user need CAP_SYS_ADMIN in the caller's (or the new) user namespace: EPERM otherwise");
	if (all(f, CT_CLONE(NEWIPC) | CT_CLONE(SYSVSEM)))
		add("newipc_sysvsem", "EINVAL", "copy_namespaces",
		    "CLONE_NEWIPC with CLONE_SYSVSEM: semaphore undo lists of the old IPC namespace are unreachable from the new one");
}

/* ---- parsing ---- */

#define EXPLAIN		"clonetrace explain"	/* usage errors */

/*
 * The tokens of "CLONE_VM|fs|SIGCHLD|0x400": numbers and flag names into
 * *bits, at most one signal name into *sig (-1: none). A name is a flag
 * before it is a signal ("SIGHAND" is CLONE_SIGHAND); 0x80 is both
 * CLONE_NEWTIME and part of clone()'s exit-signal byte, so clone() is
 * refused the name. Returns 0 or CT_EXIT_USAGE (said). input is FLAGS
 * escaped for the terminal, for the messages.
 */
static int parse_tokens(const char *input, char *s, uint64_t *bits,
			int *sig)
{
	char *tok, *next, shown[256];

	if (!*s)
		return ct_usage(EXPLAIN, "empty FLAGS: expected a number or CLONE_VM|CLONE_FS|...");
	if (strstr(s, "||") || *s == '|' || s[strlen(s) - 1] == '|')
		return ct_usage(EXPLAIN, "cannot parse '%s': empty name between '|'",
				input);
	for (tok = s; tok; tok = next) {
		char *t;
		uint64_t v = 0;
		int tsig = 0;

		next = strchr(tok, '|');
		if (next)
			*next++ = '\0';
		t = ct_trim(tok);
		ct_escape_human(t, SIZE_MAX, shown, sizeof(shown));
		if (ct_flag_token(t, &v, &tsig))
			return ct_usage(EXPLAIN, "cannot parse '%s': expected a number, a clone flag name (CLONE_VM, vm, ...) or a signal name, joined by '|'",
					*t ? shown : input);
		if (opt.syscall == SC_CLONE && !isdigit((unsigned char)*t) &&
		    v == CT_CLONE(NEWTIME))
			return ct_usage(EXPLAIN, "%s cannot be passed to clone(): 0x80 is in its exit-signal byte (use clone3)",
					shown);
		if (tsig && *sig >= 0)
			return ct_usage(EXPLAIN, "two exit signals in '%s'", input);
		if (tsig)
			*sig = tsig;
		*bits |= v;
	}
	return 0;
}

/* FLAGS as the kernel sees them from the syscall: 0 or CT_EXIT_USAGE. */
static int parse_expr(const char *s, struct req *r)
{
	char *copy = strdup(s), shown[512];
	uint64_t bits = 0;
	int sig = -1, err;

	if (!copy)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	/* FLAGS in messages: escaped, as any text from outside */
	ct_escape_human(s, SIZE_MAX, shown, sizeof(shown));
	err = parse_tokens(shown, ct_trim(copy), &bits, &sig);
	free(copy);
	if (err)
		return err;
	if (opt.syscall == SC_CLONE) {
		/* clone(2): the low byte of the argument is the exit signal */
		int low = bits & CT_CSIGNAL;

		if (low && sig >= 0)
			return ct_usage(EXPLAIN, "two exit signals in '%s': the low byte of a clone() number is the exit signal",
					shown);
		r->exit_signal = sig >= 0 ? sig : low;
		r->flags = bits & LEGACY_FLAGS & ~CT_CSIGNAL;
		r->ignored = bits & ~LEGACY_FLAGS;
	} else {
		r->flags = bits;
		r->exit_signal = sig >= 0 ? sig : 0;
	}
	if (opt.exit_signal >= 0) {
		if (sig >= 0)
			return ct_usage(EXPLAIN, "exit signal given twice (in '%s' and --exit-signal)",
					shown);
		r->exit_signal = opt.exit_signal;
	}
	return 0;
}

/* --exit-signal: a number 0-255 or a signal name. */
static error_t parse_signal(const struct argp_state *state, const char *arg)
{
	uint64_t v = 0;
	char *end;
	int sig = 0;
	long n;

	errno = 0;
	n = strtol(arg, &end, 0);
	if (!errno && end != arg && !*end && n >= 0 && n <= 255) {
		opt.exit_signal = n;
		return 0;
	}
	if (!isdigit((unsigned char)*arg) && !ct_flag_token(arg, &v, &sig) &&
	    sig) {
		opt.exit_signal = sig;
		return 0;
	}
	return ct_usage_error(state, "invalid exit signal '%s': expected a number or a name such as SIGCHLD",
			      arg);
}

/* "6.1", "6.12.3-amd64": 0, or -1. */
static int parse_kernel(const char *s, bool given)
{
	unsigned int maj, min;

	if (sscanf(s, "%u.%u", &maj, &min) != 2 || maj > 99 || min > 999)
		return -1;
	opt.kernel = KV(maj, min);
	snprintf(opt.kernel_str, sizeof(opt.kernel_str), "%u.%u", maj, min);
	opt.kernel_given = given;
	return 0;
}

enum { OPT_KERNEL = 1000, OPT_AS_INIT, OPT_EXIT_SIGNAL };

static const struct argp_option options[] = {
	{ "syscall", 's', "clone3|clone", 0,
	  "Which syscall makes the request (default clone3). With clone the low byte of a number is the exit signal" },
	{ "exit-signal", OPT_EXIT_SIGNAL, "SIG", 0,
	  "Exit signal (clone3: clone_args.exit_signal; default 0)" },
	{ "kernel", OPT_KERNEL, "X.Y", 0,
	  "Apply the rules of this kernel release (default: the running one)" },
	{ "as-init", OPT_AS_INIT, NULL, 0,
	  "The caller is an init (PID 1 of a PID namespace)" },
	{ "json", 'j', NULL, 0, "One JSON object" },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 's':
		if (!strcmp(arg, "clone3"))
			opt.syscall = SC_CLONE3;
		else if (!strcmp(arg, "clone"))
			opt.syscall = SC_CLONE;
		else
			return ct_usage_error(state, "unknown syscall '%s': expected clone3 or clone",
					      arg);
		break;
	case OPT_EXIT_SIGNAL:
		return parse_signal(state, arg);
	case OPT_KERNEL:
		if (parse_kernel(arg, true))
			return ct_usage_error(state, "invalid kernel version '%s': expected MAJOR.MINOR such as 6.1",
					      arg);
		break;
	case OPT_AS_INIT:
		opt.as_init = true;
		break;
	case 'j':
		opt.json = true;
		break;
	case ARGP_KEY_ARG:
		if (opt.input)
			return ct_usage_error(state, "one FLAGS argument expected, got '%s' too (quote an expression with spaces)",
					      arg);
		opt.input = arg;
		break;
	case ARGP_KEY_END:
		if (!opt.input)
			return ct_usage_error(state, "need FLAGS: a number or an expression such as 'CLONE_VM|CLONE_FS'");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp explain_argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "FLAGS",
	.doc = "Explain a combination of clone flags: what each flag does, the "
	       "kind of task it creates, and whether the kernel accepts it.\v"
	       "FLAGS is a number (0x3d0f00) or names joined by '|' "
	       "(CLONE_VM|CLONE_FS, vm|fs); a signal name sets the exit signal.\n\n"
	       "EXAMPLES:\n"
	       "  clonetrace explain 'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD'\n"
	       "  clonetrace explain SIGHAND            # refused: needs CLONE_VM\n"
	       "  clonetrace explain --syscall clone 0x1200011\n"
	       "  clonetrace explain --json --kernel 6.1 'PIDFD|THREAD|SIGHAND|VM'\n\n"
	       "Exit status: 0 accepted, 1 refused, 2 FLAGS cannot be parsed.",
};

/* ---- output ---- */

static const struct finding *first_refusal(void)
{
	int i;

	for (i = 0; i < nfound; i++)
		if (found[i].err)
			return &found[i];
	return NULL;
}

/* The namespaces created, in the contract's names and bit order. */
static void json_namespaces(struct ct_json *j, uint64_t f)
{
	const struct ct_flag *fl;
	size_t i;

	ct_json_open(j, "ns_new", '[');
	for (i = 0; (fl = ct_flag_at(i)); i++)
		if ((f & fl->value) && fl->ns)
			ct_json_str(j, NULL, fl->ns);
	ct_json_close(j);
}

static void json_flags_detail(struct ct_json *j, uint64_t f)
{
	const struct ct_flag *fl;
	size_t i;

	ct_json_open(j, "flags_detail", '[');
	for (i = 0; (fl = ct_flag_at(i)); i++) {
		if (!(f & fl->value))
			continue;
		ct_json_open(j, NULL, '{');
		ct_json_str(j, "name", fl->name);
		ct_json_u64(j, "value", fl->value);
		ct_json_str(j, "meaning", fl->meaning);
		ct_json_close(j);
		f &= ~fl->value;
	}
	if (f) {
		ct_json_open(j, NULL, '{');
		ct_json_null(j, "name");
		ct_json_u64(j, "value", f);
		ct_json_str(j, "meaning", "unknown bits");
		ct_json_close(j);
	}
	ct_json_close(j);
}

/* "violations" (refusals) or "notes": the findings of that sort. */
static void json_findings(struct ct_json *j, const char *key, bool refusals)
{
	int i;

	ct_json_open(j, key, '[');
	for (i = 0; i < nfound; i++) {
		if (!found[i].err != !refusals)
			continue;
		ct_json_open(j, NULL, '{');
		ct_json_str(j, "rule", found[i].id);
		ct_json_str(j, "where", found[i].where);
		if (found[i].err)
			ct_json_str(j, "errno", found[i].err);
		ct_json_str(j, "text", found[i].text);
		ct_json_close(j);
	}
	ct_json_close(j);
}

static void print_json(const struct req *r, int kind)
{
	const struct finding *ref = first_refusal();
	struct ct_json j;
	char buf[512];

	ct_json_init(&j, stdout);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "input", opt.input);
	ct_json_str(&j, "syscall", opt.syscall == SC_CLONE ? "clone" : "clone3");
	ct_json_str(&j, "kernel", opt.kernel_str);
	ct_json_bool(&j, "as_init", opt.as_init);
	ct_json_u64(&j, "flags", r->flags);
	ct_flags_str(r->flags, false, buf, sizeof(buf));
	ct_json_str(&j, "flags_str", buf);
	ct_json_i64(&j, "exit_signal", r->exit_signal);
	ct_json_u64(&j, "ignored", r->ignored);
	ct_flags_str(r->ignored, false, buf, sizeof(buf));
	ct_json_str(&j, "ignored_str", r->ignored ? buf : "");
	ct_json_str(&j, "kind", ct_kind_name(kind));
	ct_json_str(&j, "kind_text", ct_kind_text(kind));
	json_namespaces(&j, r->flags);
	json_flags_detail(&j, r->flags);
	ct_json_str(&j, "verdict", ref ? "refuse" : "accept");
	ct_json_str(&j, "errno", ref ? ref->err : NULL);
	ct_json_str(&j, "rule", ref ? ref->id : NULL);
	ct_json_str(&j, "where", ref ? ref->where : NULL);
	ct_json_str(&j, "why", ref ? ref->text : NULL);
	json_findings(&j, "violations", true);
	json_findings(&j, "notes", false);
	ct_json_close(&j);
}

/* The namespaces created, for the human output ("mnt uts"). */
static void ns_list(uint64_t f, char *buf, size_t len)
{
	const struct ct_flag *fl;
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; (fl = ct_flag_at(i)) && off < len; i++)
		if ((f & fl->value) && fl->ns)
			off += snprintf(buf + off, len - off, "%s%s",
					off ? " " : "", fl->ns);
}

static void print_human(const struct req *r, int kind)
{
	const struct finding *ref = first_refusal();
	char buf[512], sig[32], input[512];
	const struct ct_flag *fl;
	uint64_t f = r->flags;
	size_t i;
	int n;

	/* as typed, but a tab or newline between the names shows escaped */
	ct_escape_human(opt.input, SIZE_MAX, input, sizeof(input));
	ct_flags_str(r->flags, false, buf, sizeof(buf));
	printf("%s via %s() on Linux %s%s: %#llx = %s\n",
	       input, opt.syscall == SC_CLONE ? "clone" : "clone3",
	       opt.kernel_str, opt.kernel_given ? "" : " (running)",
	       (unsigned long long)r->flags, buf);
	printf("  exit signal   %s\n", ct_signal_name(r->exit_signal, sig, sizeof(sig)));
	for (i = 0; (fl = ct_flag_at(i)); i++) {
		if (!(f & fl->value))
			continue;
		printf("  %-20s %s\n", fl->name, fl->meaning);
		f &= ~fl->value;
	}
	if (f)
		printf("  %#-20llx unknown bits\n", (unsigned long long)f);
	printf("  kind          %s: %s\n", ct_kind_name(kind), ct_kind_text(kind));
	ns_list(r->flags, buf, sizeof(buf));
	if (buf[0])
		printf("  namespaces    new %s\n", buf);

	for (i = 0, n = 0; i < (size_t)nfound; i++) {
		if (!found[i].err)
			continue;
		printf("  %s %s (%s): %s\n", n++ ? "  also" : "REFUSED",
		       found[i].err, found[i].where, found[i].text);
	}
	for (i = 0; i < (size_t)nfound; i++)
		if (!found[i].err)
			printf("  note: %s\n", found[i].text);
	if (ref)
		printf("verdict: refused with %s (rule %s)\n", ref->err, ref->id);
	else
		printf("verdict: accepted%s\n",
		       opt.as_init ? " (caller: an init, root)" :
		       " (caller: root, not an init, initial namespaces)");
}

int ct_explain_main(int argc, char **argv)
{
	struct utsname u;
	struct req r = {};
	int kind, err;

	/* a fresh start: the state above is this file's, not the call's */
	opt = (struct explain_opts){ .exit_signal = -1 };
	nfound = 0;
	if (ct_parse_args(&explain_argp, argc, argv, EXPLAIN, NULL))
		return CT_EXIT_USAGE;
	if (!opt.kernel_given && (uname(&u) || parse_kernel(u.release, false)))
		return ct_usage(EXPLAIN, "cannot read the kernel release (uname); use --kernel X.Y");
	err = parse_expr(opt.input, &r);
	if (err)
		return err;
	if (opt.syscall == SC_CLONE3 && r.exit_signal > KERNEL_NSIG)
		add("exit_signal_invalid", "EINVAL", "copy_clone_args_from_user",
		    "clone3() wants a valid signal number (1-64) or 0 in exit_signal");

	check_syscall(&r);
	check_copy_process(&r);
	check_namespaces(&r);
	kind = ct_kind_of_flags(r.flags);
	if (opt.json)
		print_json(&r, kind);
	else
		print_human(&r, kind);
	return first_refusal() ? CT_EXIT_FAILURE : CT_EXIT_OK;
}
