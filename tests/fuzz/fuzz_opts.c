// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_opts.c - libFuzzer target for the option parsers of every command:
 * the tracer's (tracer_opts.c with its argp children output.c, live.c,
 * periodic.c, and util.c's value parsers), top's, report's, share's
 * (opts_*.c) and explain's (its whole command: nothing it runs is
 * harmful). The first byte chooses the command, the rest is its
 * arguments, separated by NUL bytes.
 *
 * A parser may accept or refuse (CT_EXIT_USAGE), never crash, exit or
 * read out of bounds, and what it accepts is within the limits the man
 * page gives. argp's own exits (--help, an unknown option) are turned
 * off by linking with --wrap=argp_parse (argp_wrap.c).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ct_event.h"
#include "opts_commands.h"
#include "tracer_opts.h"
#include "util.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)
#define MAX_ARGS	32

/*
 * The address and port bound are the ones written: the port is the
 * decimal after the last ':', the address before it prints back as
 * given (IPv4 dotted quad, [IPv6] in any of its spellings, localhost).
 */
static void check_listen_round_trip(const struct ct_listen *l)
{
	const char *colon = strrchr(l->text, ':');
	const char *port = colon ? colon + 1 : l->text;
	char host[64] = "127.0.0.1", shown[INET6_ADDRSTRLEN];
	struct in6_addr want6;
	struct in_addr want4;
	size_t n = colon ? (size_t)(colon - l->text) : 0;
	uint16_t got_port;

	CHECK(*port >= '0' && *port <= '9');
	CHECK(n < sizeof(host));
	if (colon && strncmp(l->text, "localhost", n)) {
		memcpy(host, l->text, n);
		host[n] = '\0';
	}
	if (l->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&l->addr;

		CHECK(n > 2 && host[0] == '[' && host[n - 1] == ']');
		host[n - 1] = '\0';
		CHECK(inet_pton(AF_INET6, host + 1, &want6) == 1);
		CHECK(!memcmp(&want6, &a->sin6_addr, sizeof(want6)));
		got_port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const void *)&l->addr;

		CHECK(inet_ntop(AF_INET, &a->sin_addr, shown, sizeof(shown)));
		CHECK(inet_pton(AF_INET, host, &want4) == 1);
		CHECK(want4.s_addr == a->sin_addr.s_addr);
		got_port = ntohs(a->sin_port);
	}
	CHECK(strtoul(port, NULL, 10) == got_port);
}

/* --listen and --metrics-cgroups: what the man page promises. */
void fuzz_check_periodic(const struct ct_periodic *p)
{
	const struct ct_listen *l = &p->listen;

	CHECK(p->metrics_cgroups <= 1000);
	if (!l->set)
		return;
	CHECK(l->text[0] && l->text[0] != ':');
	CHECK((l->addr.ss_family == AF_INET &&
	       l->len == sizeof(struct sockaddr_in)) ||
	      (l->addr.ss_family == AF_INET6 &&
	       l->len == sizeof(struct sockaddr_in6)));
	/* a port alone: loopback */
	if (!strchr(l->text, ':'))
		CHECK(l->addr.ss_family == AF_INET &&
		      ((const struct sockaddr_in *)&l->addr)->sin_addr.s_addr ==
		      htonl(INADDR_LOOPBACK));
	check_listen_round_trip(l);
}

static int parse_tracer(int argc, char **argv)
{
	struct ct_trace_opts o;
	int status = ct_trace_parse(&o, argc, argv), i;

	if (status)
		return status;
	for (i = 0; i < o.pids.n; i++)
		CHECK(o.pids.pid[i] > 0);
	CHECK(!o.follow || o.pids.n || o.cmd_argv || o.command);
	CHECK(!(o.command && o.cmd_argv));
	CHECK(!o.comm || (*o.comm && strlen(o.comm) < CT_COMM_LEN));
	CHECK(o.kind_mask);
	CHECK(o.duration == 0 || (o.duration >= 0.001 && o.duration <= 1e9));
	CHECK(!o.output || *o.output);
	CHECK(o.ringbuf_kib >= 4 && o.ringbuf_kib <= (1 << 20) &&
	      !(o.ringbuf_kib & (o.ringbuf_kib - 1)));
	CHECK(o.max_follow >= 1 && o.max_follow <= (1 << 22));
	CHECK(o.mode >= CT_MODE_AUTO && o.mode <= CT_MODE_RAW_TP);
	CHECK(!o.live.record || *o.live.record);
	CHECK(!o.output || !o.live.record || !strcmp(o.output, "/dev/null") ||
	      strcmp(o.output, o.live.record));
	CHECK(o.live.periodic.interval >= 0.1 &&
	      o.live.periodic.interval <= 86400);
	CHECK(!o.live.periodic.alert.exec || o.live.periodic.alert.rate > 0);
	fuzz_check_periodic(&o.live.periodic);
	return status;
}

static const struct {
	const char *name;
	int (*parse)(int argc, char **argv);
} commands[] = {
	{ "clonetrace", parse_tracer },
	{ "top", fuzz_parse_top },
	{ "report", fuzz_parse_report },
	{ "share", fuzz_parse_share },
	{ "explain", ct_explain_main },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	size_t c, off = 1;
	int argc = 0, status, i;

	if (!size)
		return 0;
	c = data[0] % (sizeof(commands) / sizeof(commands[0]));
	argv[argc++] = strdup(commands[c].name);
	while (off < size && argc <= MAX_ARGS) {
		const char *p = (const char *)data + off;
		size_t n = strnlen(p, size - off);

		argv[argc++] = strndup(p, n);
		off += n + 1;
	}
	argv[argc] = NULL;
	status = commands[c].parse(argc, argv);
	CHECK(status == CT_EXIT_OK || status == CT_EXIT_USAGE ||
	      (c == 4 && status == CT_EXIT_FAILURE));
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
