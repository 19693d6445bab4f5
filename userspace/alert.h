/* SPDX-License-Identifier: GPL-2.0 */
/*
 * alert.h - rate alerts with hysteresis (--alert, --alert-exec).
 *
 * An episode starts when a creator (or the total, key 0) reaches RATE
 * creations per second in an interval, and ends when it falls below half
 * of RATE (or stops creating). One alert record per start and one per
 * end; the command runs once per episode start, never twice at a time.
 */
#ifndef CT_ALERT_H
#define CT_ALERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ct_alert_cfg {
	double rate;		/* creations per second; 0: off */
	bool total;		/* the whole system, not per creator */
	const char *exec;	/* sh -c command, or NULL */
	FILE *f;		/* where records go */
	bool json;
};

/* "RATE" (per creator) or "total:RATE"; -1 when invalid. */
int ct_alert_parse(const char *arg, struct ct_alert_cfg *cfg);
void ct_alert_setup(const struct ct_alert_cfg *cfg);
bool ct_alert_enabled(void);
bool ct_alert_total(void);
/* One interval: observe every key seen, then end it. */
void ct_alert_begin(void);
void ct_alert_observe(uint32_t pid, const char *comm, uint64_t count,
		      double seconds);
void ct_alert_end(void);
/* Reap finished commands; at exit, wait for them. */
void ct_alert_reap(bool wait);
uint64_t ct_alert_count(void);

#endif /* CT_ALERT_H */
