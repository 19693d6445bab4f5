// SPDX-License-Identifier: GPL-2.0
/*
 * periodic.c - -i, --alert, --alert-exec, --prometheus and --listen,
 * parsed once for the tracer (live.c) and for "clonetrace top" (top.c),
 * each into its own struct ct_periodic (the parser's input); top alone
 * takes --metrics-cgroups (top.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "periodic.h"
#include "util.h"

enum {
	OPT_ALERT = 0x200,
	OPT_ALERT_EXEC,
	OPT_PROM,
	OPT_LISTEN,
};

static const struct argp_option options[] = {
	{ "interval", 'i', "SECONDS", 0,
	  "Interval of top, --alert and --prometheus (default 1)" },
	{ "alert", OPT_ALERT, "[SCOPE:]RATE", 0,
	  "Alert when a process (or, with total:, the system; container:, "
	  "a container; cgroup:, a cgroup) creates RATE tasks per second or "
	  "more" },
	{ "alert-exec", OPT_ALERT_EXEC, "CMD", 0,
	  "Run 'sh -c CMD' once per alert episode (environment: CT_ALERT_PID, "
	  "CT_ALERT_COMM, CT_ALERT_RATE, CT_ALERT_SCOPE, CT_ALERT_CONTAINER, "
	  "CT_ALERT_CGROUP)" },
	{ "prometheus", OPT_PROM, "FILE", 0,
	  "Write node_exporter textfile metrics to FILE every interval" },
	{ "listen", OPT_LISTEN, "[ADDR:]PORT", 0,
	  "Serve the same metrics over HTTP at /metrics (default address "
	  "127.0.0.1; 0.0.0.0:PORT for every interface)" },
	{},
};

int ct_listen_parse(const char *arg, struct ct_listen *l)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&l->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&l->addr;
	const char *colon = strrchr(arg, ':'), *port = colon ? colon + 1 : arg;
	char host[64], *end;
	size_t hlen = colon ? (size_t)(colon - arg) : 0;
	long n;

	memset(l, 0, sizeof(*l));
	errno = 0;
	n = strtol(port, &end, 10);
	/* strtol() takes a sign and leading spaces: digits only */
	if (!isdigit((unsigned char)*port) || *end || errno || n > 65535 ||
	    hlen >= sizeof(host) ||
	    strlen(arg) >= sizeof(l->text))
		return -EINVAL;
	if (colon && !hlen)
		return -EINVAL;		/* ":PORT": say which address */
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	if (!colon || !strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -EINVAL;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(n);
		l->len = sizeof(*in6);
	} else {
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -EINVAL;
		in->sin_family = AF_INET;
		in->sin_port = htons(n);
		l->len = sizeof(*in);
	}
	snprintf(l->text, sizeof(l->text), "%s", arg);
	l->set = true;
	return 0;
}

/*
 * An IPv6 address without its brackets: "::1:9477" (the last group
 * decimal, the port) or "::1". The form to give instead into hint;
 * false: not one.
 */
static bool listen_v6_hint(const char *arg, char *hint, size_t len)
{
	const char *colon = strrchr(arg, ':');
	size_t hlen = colon ? (size_t)(colon - arg) : 0;
	struct in6_addr a;
	char host[64];

	if (arg[0] == '[' || !colon || colon == strchr(arg, ':') ||
	    strlen(arg) >= sizeof(host))
		return false;		/* bracketed, or one ':' at most */
	memcpy(host, arg, hlen);
	host[hlen] = '\0';
	if (colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
	    inet_pton(AF_INET6, host, &a) == 1) {
		snprintf(hint, len, "[%s]:%s", host, colon + 1);
		return true;
	}
	if (inet_pton(AF_INET6, arg, &a) != 1)
		return false;
	snprintf(hint, len, "[%s]:PORT", arg);
	return true;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct ct_periodic *p = state->input;
	char hint[96];

	switch (key) {
	case ARGP_KEY_INIT:
		p->interval = 1.0;
		break;
	case 'i':
		return ct_opt_seconds(state, arg, "interval", 0.1, 86400,
				      &p->interval);
	case OPT_ALERT:
		if (ct_alert_parse(arg, &p->alert))
			return ct_usage_error(state, "invalid --alert '%s': expected RATE, total:RATE, container:RATE or cgroup:RATE, a positive number of creations per second",
					      arg);
		break;
	case OPT_ALERT_EXEC:
		if (ct_opt_nonempty(state, arg, "--alert-exec command"))
			return EINVAL;
		p->alert.exec = arg;
		break;
	case OPT_PROM:
		if (ct_opt_nonempty(state, arg, "--prometheus file name"))
			return EINVAL;
		p->prometheus = arg;
		break;
	case OPT_LISTEN:
		if (listen_v6_hint(arg, hint, sizeof(hint)))
			return ct_usage_error(state, "invalid --listen '%s': an IPv6 address goes in brackets: %s",
					      arg, hint);
		if (arg[0] == ':')
			return ct_usage_error(state, "invalid --listen '%s': give the address, 127.0.0.1%s for this machine only or 0.0.0.0%s for every interface",
					      arg, arg, arg);
		if (ct_listen_parse(arg, &p->listen))
			return ct_usage_error(state, "invalid --listen '%s': expected [ADDR:]PORT, ADDR an IPv4 address, [IPv6 address] or localhost, PORT from 0 to 65535",
					      arg);
		break;
	case ARGP_KEY_END:
		if (p->alert.exec && !p->alert.rate)
			return ct_usage_error(state, "--alert-exec needs --alert RATE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ct_periodic_argp = {
	.options = options,
	.parser = parse_opt,
};
