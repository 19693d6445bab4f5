/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alert.h - rate alerts with hysteresis (--alert, --alert-exec).
 *
 * An episode starts when a creator (or the total, key 0) reaches RATE
 * creations per second in an interval, and ends when it falls below half
 * of RATE (or stops creating). One alert record per start and one per
 * end; the command runs once per episode start, never twice at a time,
 * in a process group of its own (ct_alerts_stop()).
 */
#ifndef CT_ALERT_H
#define CT_ALERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What an episode is about: --alert [SCOPE:]RATE */
enum ct_alert_scope {
	CT_ALERT_PARENT,	/* each creator (RATE) */
	CT_ALERT_TOTAL,		/* the whole system (total:RATE) */
	CT_ALERT_CONTAINER,	/* each container (container:RATE) */
	CT_ALERT_CGROUP,	/* each cgroup (cgroup:RATE) */
};

#define CT_ALERT_NAME	256	/* bytes of a container ID or cgroup path */
#define CT_ALERT_EPISODES	4096	/* creators, containers or cgroups kept */

struct ct_alert_cfg {
	double rate;		/* creations per second; 0: off */
	bool total;		/* the whole system, not per creator */
	enum ct_alert_scope scope;
	const char *exec;	/* sh -c command, or NULL */
	FILE *f;		/* where records go */
	bool json;
};

/*
 * "RATE" (per creator), "total:RATE", "container:RATE" or "cgroup:RATE";
 * -1 when invalid.
 */
int ct_alert_parse(const char *arg, struct ct_alert_cfg *cfg);

struct ct_alerts;

/* With cfg->rate > 0; NULL when out of memory. */
struct ct_alerts *ct_alerts_new(const struct ct_alert_cfg *cfg);
void ct_alerts_free(struct ct_alerts *a);
/* Is the rate the system's (total:RATE), not per creator? */
bool ct_alerts_total(const struct ct_alerts *a);
enum ct_alert_scope ct_alerts_scope(const struct ct_alerts *a);
/* One interval: observe every key seen (0 for the total), then end it. */
void ct_alerts_begin(struct ct_alerts *a);
void ct_alerts_observe(struct ct_alerts *a, uint32_t pid, const char *comm,
		       uint64_t count, double seconds);
/*
 * container: and cgroup: scopes: the interval's creations in a cgroup
 * (container: the ID its path names, runtime its runtime; cgroup: the
 * path, runtime NULL). The counts of one name add up (a container's
 * cgroups); judged at ct_alerts_end(). Returns -ENOSPC when more names
 * than episodes kept (not judged; the caller counts it).
 */
int ct_alerts_observe_named(struct ct_alerts *a, const char *name,
			    const char *runtime, uint64_t count,
			    double seconds);
void ct_alerts_end(struct ct_alerts *a);
/* Reap the alert command if it has finished (each tick). */
void ct_alerts_reap(struct ct_alerts *a);
/*
 * At the end: every alert command still running, and whatever it left
 * in its process group, gets sig, five seconds' grace, then SIGKILL;
 * reaped, so that none outlives clonetrace or holds its output open.
 */
void ct_alerts_stop(struct ct_alerts *a, int sig);
/* sig to the alert commands' groups at once, without waiting. */
void ct_alerts_signal(struct ct_alerts *a, int sig);

#endif /* CT_ALERT_H */
