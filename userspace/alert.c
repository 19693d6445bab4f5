// SPDX-License-Identifier: GPL-2.0
/*
 * alert.c - rate alerts with hysteresis (alert.h).
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
#include "proc.h"
#include "util.h"

#define MAX_EPISODES	CT_ALERT_EPISODES
#define MAX_GROUPS	64	/* alert commands' process groups remembered */
#define GRACE_STEPS	50	/* of 100 ms: SIGKILL after five seconds */

struct episode {
	uint32_t pid;		/* 0: total, or named */
	bool active;
	bool seen;		/* observed in this interval */
	double peak;
	uint64_t pending;	/* named: the interval's creations so far */
	double seconds;		/* named: the interval's length */
	char comm[CT_COMM_LEN];
	char name[CT_ALERT_NAME];	/* container ID or cgroup path */
	char runtime[16];
};

struct ct_alerts {
	struct ct_alert_cfg cfg;
	pid_t running;		/* the alert command, while it runs */
	pid_t groups[MAX_GROUPS];	/* the latest started, 0: none */
	size_t ngroups;
	size_t nepisodes;
	struct episode episodes[MAX_EPISODES];
};

int ct_alert_parse(const char *arg, struct ct_alert_cfg *c)
{
	char *end;
	double v;

	static const struct {
		const char *prefix;
		enum ct_alert_scope scope;
	} scopes[] = {
		{ "total:", CT_ALERT_TOTAL },
		{ "container:", CT_ALERT_CONTAINER },
		{ "cgroup:", CT_ALERT_CGROUP },
	};
	size_t i;

	c->scope = CT_ALERT_PARENT;
	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
		size_t n = strlen(scopes[i].prefix);

		if (!strncmp(arg, scopes[i].prefix, n)) {
			c->scope = scopes[i].scope;
			arg += n;
			break;
		}
	}
	c->total = c->scope == CT_ALERT_TOTAL;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 1e12)
		return -1;
	c->rate = v;
	return 0;
}

struct ct_alerts *ct_alerts_new(const struct ct_alert_cfg *cfg)
{
	struct ct_alerts *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->cfg = *cfg;
	if (!a->cfg.f)
		a->cfg.f = stderr;
	a->running = -1;
	return a;
}

void ct_alerts_free(struct ct_alerts *a)
{
	if (!a)
		return;
	ct_alerts_stop(a, SIGTERM);	/* an end that did not stop them */
	free(a);
}

bool ct_alerts_total(const struct ct_alerts *a)
{
	return a->cfg.total;
}

enum ct_alert_scope ct_alerts_scope(const struct ct_alerts *a)
{
	return a->cfg.scope;
}

static const char *scope_name(const struct ct_alerts *a,
			      const struct episode *ep)
{
	switch (a->cfg.scope) {
	case CT_ALERT_CONTAINER:
		return "container";
	case CT_ALERT_CGROUP:
		return "cgroup";
	default:
		return ep->pid ? "parent" : "total";
	}
}

static bool named(const struct ct_alerts *a)
{
	return a->cfg.scope == CT_ALERT_CONTAINER ||
	       a->cfg.scope == CT_ALERT_CGROUP;
}

/* By pid, or (name non-NULL) by name. */
static struct episode *find(struct ct_alerts *a, uint32_t pid,
			    const char *name, bool create)
{
	size_t i;

	for (i = 0; i < a->nepisodes; i++)
		if (name ? !strncmp(a->episodes[i].name, name,
				    CT_ALERT_NAME - 1) :
		    a->episodes[i].pid == pid)
			return &a->episodes[i];
	if (!create)
		return NULL;
	/* reuse a finished one not counting this interval, else append */
	for (i = 0; i < a->nepisodes; i++)
		if (!a->episodes[i].active && !a->episodes[i].seen)
			break;
	if (i == a->nepisodes) {
		if (a->nepisodes == MAX_EPISODES)
			return NULL;
		a->nepisodes++;
	}
	memset(&a->episodes[i], 0, sizeof(a->episodes[i]));
	a->episodes[i].pid = pid;
	if (name)
		snprintf(a->episodes[i].name, CT_ALERT_NAME, "%s", name);
	return &a->episodes[i];
}

static void record_json(const struct ct_alerts *a, const struct episode *ep, const char *state,
			double rate, uint64_t count, double seconds)
{
	struct ct_json j;

	ct_json_init(&j, a->cfg.f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "alert");
	ct_json_str(&j, "state", state);
	ct_json_str(&j, "scope", scope_name(a, ep));
	ct_json_u64(&j, "pid", ep->pid);
	ct_json_strn(&j, "comm", ep->pid ? ep->comm : "", CT_COMM_LEN);
	ct_json_str(&j, "container", a->cfg.scope == CT_ALERT_CONTAINER ?
		    ep->name : NULL);
	ct_json_str(&j, "runtime", a->cfg.scope == CT_ALERT_CONTAINER ?
		    ep->runtime : NULL);
	ct_json_str(&j, "cgroup", a->cfg.scope == CT_ALERT_CGROUP ?
		    ep->name : NULL);
	ct_json_num(&j, "rate", rate, 1);
	ct_json_u64(&j, "count", count);
	ct_json_num(&j, "seconds", seconds, 3);
	ct_json_num(&j, "threshold", a->cfg.rate, 1);
	ct_json_num(&j, "peak", ep->peak, 1);
	ct_json_i64(&j, "time", ct_clock_ns(CLOCK_REALTIME) / 1000000000);
	ct_json_close(&j);
}

static void record(const struct ct_alerts *a, const struct episode *ep,
		   const char *state, double rate, uint64_t count,
		   double seconds)
{
	char comm[CT_COMM_LEN * 8], name[CT_ALERT_NAME * 4];

	if (a->cfg.json) {
		record_json(a, ep, state, rate, count, seconds);
	} else if (named(a)) {
		ct_escape_human(ep->name, CT_ALERT_NAME, name, sizeof(name));
		fprintf(a->cfg.f, "clonetrace: ALERT %s: %s%s%s %s creating %.1f tasks/s (threshold %.1f/s, peak %.1f/s)\n",
			state, scope_name(a, ep),
			*ep->runtime ? " " : "", ep->runtime, name, rate,
			a->cfg.rate, ep->peak);
	} else if (ep->pid) {
		ct_escape_human(ep->comm, CT_COMM_LEN, comm, sizeof(comm));
		fprintf(a->cfg.f, "clonetrace: ALERT %s: %s(%u) creating %.1f tasks/s (threshold %.1f/s, peak %.1f/s)\n",
			state, comm, ep->pid, rate, a->cfg.rate, ep->peak);
	} else {
		fprintf(a->cfg.f, "clonetrace: ALERT %s: the system is creating %.1f tasks/s (threshold %.1f/s, peak %.1f/s)\n",
			state, rate, a->cfg.rate, ep->peak);
	}
	fflush(a->cfg.f);
}

/* Run the command for an episode start; never two at a time. */
static void run(struct ct_alerts *a, const struct episode *ep, double rate)
{
	char num[32];
	pid_t pid;

	if (!a->cfg.exec)
		return;
	ct_alerts_reap(a);
	if (a->running > 0) {
		ct_msg("alert command still running (pid %d): not started again",
			a->running);
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
		setenv("CT_ALERT_SCOPE", scope_name(a, ep), 1);
		setenv("CT_ALERT_CONTAINER", a->cfg.scope == CT_ALERT_CONTAINER ?
		       ep->name : "", 1);
		setenv("CT_ALERT_CGROUP", a->cfg.scope == CT_ALERT_CGROUP ?
		       ep->name : "", 1);
		snprintf(num, sizeof(num), "%.1f", rate);
		setenv("CT_ALERT_RATE", num, 1);
		snprintf(num, sizeof(num), "%.1f", a->cfg.rate);
		setenv("CT_ALERT_THRESHOLD", num, 1);
		ct_default_signals();
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", a->cfg.exec, (char *)NULL);
		_exit(CT_EXIT_NOT_FOUND);
	}
	setpgid(pid, pid);	/* either may run first */
	a->running = pid;
	a->groups[a->ngroups++ % MAX_GROUPS] = pid;
}

void ct_alerts_reap(struct ct_alerts *a)
{
	if (a->running > 0 && waitpid(a->running, NULL, WNOHANG) == a->running)
		a->running = -1;
}

/* Signal every group that still has a live member; how many have. */
static int signal_groups(struct ct_alerts *a, int sig)
{
	size_t i;
	int alive = 0;

	for (i = 0; i < MAX_GROUPS; i++) {
		if (a->groups[i] <= 0)
			continue;
		if (ct_group_alive(a->groups[i]) &&
		    (!sig || kill(-a->groups[i], sig) == 0))
			alive++;
		else
			a->groups[i] = 0;	/* empty */
	}
	return alive;
}

void ct_alerts_signal(struct ct_alerts *a, int sig)
{
	if (a)
		signal_groups(a, sig);
}

void ct_alerts_stop(struct ct_alerts *a, int sig)
{
	int i;

	if (!a)
		return;
	ct_alerts_reap(a);
	if (!signal_groups(a, sig))
		return;
	for (i = 0; i < GRACE_STEPS; i++) {
		ct_alerts_reap(a);
		if (!signal_groups(a, 0))
			return;
		usleep(100000);
	}
	signal_groups(a, SIGKILL);
	while (a->running > 0 && waitpid(a->running, NULL, 0) < 0 &&
	       errno == EINTR)
		;
	a->running = -1;
}

void ct_alerts_begin(struct ct_alerts *a)
{
	size_t i;

	for (i = 0; i < a->nepisodes; i++)
		a->episodes[i].seen = false;
}

/* An episode's rate this interval: start, go on, or end. */
static void judge(struct ct_alerts *a, struct episode *ep, uint64_t count,
		  double seconds)
{
	double rate = seconds > 0 ? count / seconds : 0;

	if (!ep->active) {
		if (rate < a->cfg.rate)
			return;
		ep->active = true;
		ep->peak = rate;
		record(a, ep, "start", rate, count, seconds);
		run(a, ep, rate);
		return;
	}
	if (rate > ep->peak)
		ep->peak = rate;
	if (rate < a->cfg.rate / 2) {
		ep->active = false;
		record(a, ep, "end", rate, count, seconds);
	}
}

void ct_alerts_observe(struct ct_alerts *a, uint32_t pid, const char *comm, uint64_t count,
		      double seconds)
{
	double rate = seconds > 0 ? count / seconds : 0;
	struct episode *ep = find(a, pid, NULL, rate >= a->cfg.rate);

	if (!ep)
		return;
	ep->seen = true;
	if (comm)
		memcpy(ep->comm, comm, CT_COMM_LEN);
	judge(a, ep, count, seconds);
}

int ct_alerts_observe_named(struct ct_alerts *a, const char *name,
			    const char *runtime, uint64_t count,
			    double seconds)
{
	struct episode *ep = find(a, 0, name, true);

	if (!ep)
		return -ENOSPC;
	if (!ep->seen)
		ep->pending = 0;
	ep->seen = true;
	ep->pending += count;
	ep->seconds = seconds;
	snprintf(ep->runtime, sizeof(ep->runtime), "%s",
		 runtime ? runtime : "");
	return 0;
}

void ct_alerts_end(struct ct_alerts *a)
{
	size_t i;

	for (i = 0; i < a->nepisodes; i++) {
		struct episode *ep = &a->episodes[i];

		if (named(a) && ep->seen)	/* its cgroups summed up */
			judge(a, ep, ep->pending, ep->seconds);
		if (ep->active && !ep->seen) {	/* stopped creating */
			ep->active = false;
			record(a, ep, "end", 0, 0, 0);
		}
	}
}
