// SPDX-License-Identifier: GPL-2.0
/*
 * alert.c - rate alerts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "ct_event.h"
#include "decode.h"
#include "escape.h"
#include "json.h"
#include "util.h"

#define MAX_EPISODES	4096

struct episode {
	uint32_t pid;		/* 0: total */
	bool active;
	bool seen;		/* observed in this interval */
	double peak;
	char comm[CT_COMM_LEN];
};

static struct ct_alert_cfg cfg;
static struct episode episodes[MAX_EPISODES];
static size_t nepisodes;
static pid_t running = -1;	/* the alert command, while it runs */
static uint64_t alerts;

int ct_alert_parse(const char *arg, struct ct_alert_cfg *c)
{
	char *end;
	double v;

	c->total = !strncmp(arg, "total:", 6);
	if (c->total)
		arg += 6;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 1e12)
		return -1;
	c->rate = v;
	return 0;
}

void ct_alert_setup(const struct ct_alert_cfg *c)
{
	cfg = *c;
	if (!cfg.f)
		cfg.f = stderr;
}

bool ct_alert_enabled(void)
{
	return cfg.rate > 0;
}

bool ct_alert_total(void)
{
	return cfg.total;
}

uint64_t ct_alert_count(void)
{
	return alerts;
}

static struct episode *find(uint32_t pid, bool create)
{
	size_t i;

	for (i = 0; i < nepisodes; i++)
		if (episodes[i].pid == pid)
			return &episodes[i];
	if (!create)
		return NULL;
	/* reuse a finished one, else append */
	for (i = 0; i < nepisodes; i++)
		if (!episodes[i].active)
			break;
	if (i == nepisodes) {
		if (nepisodes == MAX_EPISODES)
			return NULL;
		nepisodes++;
	}
	memset(&episodes[i], 0, sizeof(episodes[i]));
	episodes[i].pid = pid;
	return &episodes[i];
}

static void record_json(const struct episode *ep, const char *state,
			double rate, uint64_t count, double seconds)
{
	struct ct_json j;

	ct_json_init(&j, cfg.f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "alert");
	ct_json_str(&j, "state", state);
	ct_json_str(&j, "scope", ep->pid ? "parent" : "total");
	ct_json_u64(&j, "pid", ep->pid);
	ct_json_strn(&j, "comm", ep->pid ? ep->comm : "", CT_COMM_LEN);
	ct_json_num(&j, "rate", rate, 1);
	ct_json_u64(&j, "count", count);
	ct_json_num(&j, "seconds", seconds, 3);
	ct_json_num(&j, "threshold", cfg.rate, 1);
	ct_json_num(&j, "peak", ep->peak, 1);
	ct_json_i64(&j, "time", ct_clock_ns(CLOCK_REALTIME) / 1000000000);
	ct_json_close(&j);
}

static void record(const struct episode *ep, const char *state, double rate,
		   uint64_t count, double seconds)
{
	char comm[CT_COMM_LEN * 8];

	if (cfg.json) {
		record_json(ep, state, rate, count, seconds);
	} else if (ep->pid) {
		ct_escape_human(ep->comm, CT_COMM_LEN, comm, sizeof(comm));
		fprintf(cfg.f, "clonetrace: ALERT %s: %s(%u) creating %.1f tasks/s (threshold %.1f/s, peak %.1f/s)\n",
			state, comm, ep->pid, rate, cfg.rate, ep->peak);
	} else {
		fprintf(cfg.f, "clonetrace: ALERT %s: the system is creating %.1f tasks/s (threshold %.1f/s, peak %.1f/s)\n",
			state, rate, cfg.rate, ep->peak);
	}
	fflush(cfg.f);
}

/* Run the command for an episode start; never two at a time. */
static void run(const struct episode *ep, double rate)
{
	char num[32];
	pid_t pid;

	if (!cfg.exec)
		return;
	ct_alert_reap(false);
	if (running > 0) {
		ct_msg("alert command still running (pid %d): not started again",
			running);
		return;
	}
	pid = fork();
	if (pid < 0) {
		ct_msg("cannot run the alert command: %s",
			strerror(errno));
		return;
	}
	if (pid == 0) {
		char comm[CT_COMM_LEN + 1] = "";

		memcpy(comm, ep->comm, CT_COMM_LEN);
		snprintf(num, sizeof(num), "%u", ep->pid);
		setenv("CT_ALERT_PID", num, 1);
		setenv("CT_ALERT_COMM", comm, 1);
		setenv("CT_ALERT_SCOPE", ep->pid ? "parent" : "total", 1);
		snprintf(num, sizeof(num), "%.1f", rate);
		setenv("CT_ALERT_RATE", num, 1);
		snprintf(num, sizeof(num), "%.1f", cfg.rate);
		setenv("CT_ALERT_THRESHOLD", num, 1);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-c", cfg.exec, (char *)NULL);
		_exit(127);
	}
	running = pid;
}

void ct_alert_reap(bool wait)
{
	if (running <= 0)
		return;
	if (waitpid(running, NULL, wait ? 0 : WNOHANG) == running)
		running = -1;
}

void ct_alert_begin(void)
{
	size_t i;

	for (i = 0; i < nepisodes; i++)
		episodes[i].seen = false;
}

void ct_alert_observe(uint32_t pid, const char *comm, uint64_t count,
		      double seconds)
{
	double rate = seconds > 0 ? count / seconds : 0;
	struct episode *ep = find(pid, rate >= cfg.rate);

	if (!ep)
		return;
	ep->seen = true;
	if (comm)
		memcpy(ep->comm, comm, CT_COMM_LEN);
	if (!ep->active) {
		if (rate < cfg.rate)
			return;
		ep->active = true;
		ep->peak = rate;
		alerts++;
		record(ep, "start", rate, count, seconds);
		run(ep, rate);
		return;
	}
	if (rate > ep->peak)
		ep->peak = rate;
	if (rate < cfg.rate / 2) {
		ep->active = false;
		record(ep, "end", rate, count, seconds);
	}
}

void ct_alert_end(void)
{
	size_t i;

	for (i = 0; i < nepisodes; i++) {
		struct episode *ep = &episodes[i];

		if (ep->active && !ep->seen) {	/* stopped creating */
			ep->active = false;
			record(ep, "end", 0, 0, 0);
		}
	}
}
