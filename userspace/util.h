/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - the helpers every command uses: exit statuses, messages,
 * command-line values (numbers, seconds, PID lists), the clock and the
 * stop signals.
 *
 * Messages: runtime errors and notes are one line "clonetrace: ...";
 * usage errors are one line naming the command ("clonetrace top: ..."),
 * printed where the option is parsed, and the command exits 2 after its
 * parser returns. No parser exits.
 */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Exit statuses of every command (the man page's EXIT STATUS). */
#define CT_EXIT_OK		0
#define CT_EXIT_FAILURE		1	/* a runtime error */
#define CT_EXIT_USAGE		2	/* bad command line */
#define CT_EXIT_CANNOT_RUN	126	/* -c: found but not executable */
#define CT_EXIT_NOT_FOUND	127	/* -c: no such command */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* "clonetrace: MESSAGE" on stderr. */
void ct_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* ct_msg(), then return status: "return ct_fail(CT_EXIT_FAILURE, ...)". */
int ct_fail(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "COMMAND: MESSAGE" on stderr, then return CT_EXIT_USAGE. */
int ct_usage(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * In an argp parser: "COMMAND: MESSAGE" on stderr, and the error the
 * parser returns (argp_parse() then stops and returns it; the command
 * exits CT_EXIT_USAGE).
 */
error_t ct_usage_error(const struct argp_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * argp_parse() with the conventions of every command: argv[0] becomes
 * NAME in messages ("clonetrace top"), INPUT is the parser's state->input.
 * Returns CT_EXIT_OK or CT_EXIT_USAGE. (argp itself still exits for
 * --help, --usage and an unknown option, with status CT_EXIT_USAGE.)
 */
int ct_parse_args(const struct argp *argp, int argc, char **argv,
		  const char *name, void *input);

/*
 * Option values, in an argp parser. Each returns 0, or prints
 * "COMMAND: invalid WHAT 'ARG': expected ..." and returns the error.
 */
error_t ct_opt_long(const struct argp_state *state, const char *arg,
		    const char *what, long min, long max, long *out);
error_t ct_opt_seconds(const struct argp_state *state, const char *arg,
		       const char *what, double min, double max, double *out);
/* A non-empty string (a file name, a command). */
error_t ct_opt_nonempty(const struct argp_state *state, const char *arg,
			const char *what);

/* A list of process IDs from "PID[,PID...]" (-p of the tracer, share). */
#define CT_MAX_PIDS	1024

struct ct_pids {
	int n;
	pid_t pid[CT_MAX_PIDS];
};

/* Appends to list; 0, or a usage error naming the bad PID. */
error_t ct_opt_pids(const struct argp_state *state, const char *arg,
		    struct ct_pids *list);

/* Leading and trailing white space cut off, in place. */
char *ct_trim(char *s);

/* The clock: nanoseconds of CLOCK_MONOTONIC (ct_now_ns) or of any. */
uint64_t ct_clock_ns(clockid_t id);
uint64_t ct_now_ns(void);

/*
 * The stop signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT ask the command
 * to stop (its one stop path, see tracer.c); ct_stop_signal() returns the
 * first one received (0: none), ct_stop_count() how many arrived. Their
 * handlers do not restart system calls, so that a write blocked on a full
 * pipe, a poll or a sleep returns EINTR at once: a stop request is seen
 * whatever the output is doing. A stop signal also rings the alarm a
 * second later, for a write that began just after the flag was tested.
 */
void ct_catch_stop_signals(void);
/* In a child before exec: every signal the command handles to default. */
void ct_default_signals(void);
int ct_stop_signal(void);
unsigned int ct_stop_count(void);

/*
 * alarm(seconds), its ringing noted (SIGALRM interrupts a blocked call,
 * it does not kill): a bound on a write that may never end. 0 cancels
 * it, ct_alarm_rang() still says whether it rang before.
 */
void ct_alarm(unsigned int seconds);
bool ct_alarm_rang(void);

/*
 * At the start of every command: standard input, output and error that
 * are closed are opened on /dev/null, so that no file the command opens
 * takes their numbers (a BPF object on fd 1 would receive the events).
 * Output and error are opened read-only: writing to them still fails
 * with EBADF, as to a closed descriptor, and is reported. SIGPIPE is
 * ignored: a reader that has gone shows as EPIPE, which ends the output
 * quietly (| head).
 */
void ct_std_setup(void);
/* Can standard output be written (open, and not read-only)? */
bool ct_stdout_writable(void);
/*
 * At the end of a command: standard output flushed. 0, -EPIPE (the
 * reader has gone: quiet), or the -errno of a failed write.
 */
int ct_stdout_close(void);

#endif /* CT_UTIL_H */
