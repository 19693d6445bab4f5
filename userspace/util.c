// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - exit statuses, messages, command-line values, the clock and
 * the stop signals (util.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* One line on stderr: "PREFIX: MESSAGE". */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ct_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("clonetrace", fmt, ap);
	va_end(ap);
}

int ct_fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("clonetrace", fmt, ap);
	va_end(ap);
	return status;
}

int ct_usage(const char *command, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(command, fmt, ap);
	va_end(ap);
	return CT_EXIT_USAGE;
}

error_t ct_usage_error(const struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(state->name, fmt, ap);
	va_end(ap);
	return EINVAL;
}

int ct_parse_args(const struct argp *argp, int argc, char **argv,
		  const char *name, void *input)
{
	char *argv0 = argv[0];
	error_t err;

	argv[0] = (char *)name;
	argp_err_exit_status = CT_EXIT_USAGE;
	err = argp_parse(argp, argc, argv, 0, NULL, input);
	argv[0] = argv0;
	return err ? CT_EXIT_USAGE : CT_EXIT_OK;
}

error_t ct_opt_long(const struct argp_state *state, const char *arg,
		    const char *what, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		return ct_usage_error(state, "invalid %s '%s': expected an integer from %ld to %ld",
				      what, arg, min, max);
	*out = v;
	return 0;
}

error_t ct_opt_seconds(const struct argp_state *state, const char *arg,
		       const char *what, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= min) || !(v <= max))
		return ct_usage_error(state, "invalid %s '%s': expected seconds from %g to %g",
				      what, arg, min, max);
	*out = v;
	return 0;
}

error_t ct_opt_nonempty(const struct argp_state *state, const char *arg,
			const char *what)
{
	if (!*arg)
		return ct_usage_error(state, "empty %s", what);
	return 0;
}

error_t ct_opt_pids(const struct argp_state *state, const char *arg,
		    struct ct_pids *list)
{
	const char *p = arg;
	int before = list->n;

	while (*p) {
		char tok[32], *end;
		size_t n = strcspn(p, ",");
		long v;

		snprintf(tok, sizeof(tok), "%.*s", (int)(n < 31 ? n : 31), p);
		p += n + (p[n] == ',');
		if (!n)
			continue;	/* "1,,2" and a trailing ',' */
		errno = 0;
		v = strtol(tok, &end, 10);
		if (n > 31 || errno || end == tok || *end || v <= 0 ||
		    v > INT_MAX)
			return ct_usage_error(state, "invalid PID '%s': expected a positive process ID",
					      tok);
		if (list->n == CT_MAX_PIDS)
			return ct_usage_error(state, "too many PIDs: at most %d",
					      CT_MAX_PIDS);
		list->pid[list->n++] = v;
	}
	if (list->n == before)
		return ct_usage_error(state, "invalid PID list '%s': expected PID[,PID...]",
				      arg);
	return 0;
}

char *ct_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

uint64_t ct_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t ct_now_ns(void)
{
	return ct_clock_ns(CLOCK_MONOTONIC);
}

/* Set by the signal handlers, read by the command's loop. */
static volatile sig_atomic_t stop_signal, stop_count, alarm_rang;

static void on_stop_signal(int sig)
{
	int saved = errno;

	if (!stop_signal)
		stop_signal = sig;
	stop_count++;
	alarm(1);	/* a write that blocked after the flag was tested */
	errno = saved;
}

static void on_alarm(int sig)
{
	alarm_rang = 1;
}

/* A handler that interrupts system calls (no SA_RESTART). */
static void catch(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void ct_catch_stop_signals(void)
{
	catch(SIGINT, on_stop_signal);
	catch(SIGTERM, on_stop_signal);
	catch(SIGHUP, on_stop_signal);
	catch(SIGQUIT, on_stop_signal);
	catch(SIGALRM, on_alarm);
}

void ct_default_signals(void)
{
	static const int sigs[] = {
		SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGALRM, SIGPIPE,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
}

int ct_stop_signal(void)
{
	return stop_signal;
}

unsigned int ct_stop_count(void)
{
	return stop_count;
}

void ct_alarm(unsigned int seconds)
{
	if (seconds)
		alarm_rang = 0;	/* cancelling keeps what happened */
	alarm(seconds);
}

bool ct_alarm_rang(void)
{
	return alarm_rang;
}

void ct_std_setup(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* the lowest free number: fd itself */
		if (open("/dev/null", O_RDONLY) < 0)
			break;
	}
	signal(SIGPIPE, SIG_IGN);
}

bool ct_stdout_writable(void)
{
	int fl = fcntl(STDOUT_FILENO, F_GETFL);

	return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY;
}

int ct_stdout_close(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
	int err = 0;

	errno = 0;
	if (fflush(stdout) == EOF)
		err = errno ? -errno : -EIO;
	else if (ferror(stdout))
		err = -EIO;	/* an earlier write failed; its errno is gone */
	/* a pipe whose reader has gone polls POLLERR */
	if (err && poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
		err = -EPIPE;
	return err;
}
