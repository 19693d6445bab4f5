/* SPDX-License-Identifier: GPL-2.0 */
/*
 * http.h - the /metrics endpoint (--listen), served by libmicrohttpd.
 *
 * Scraping never disturbs the command: the server runs in a thread of
 * its own (libmicrohttpd's internal polling thread, every connection
 * non-blocking, at most CT_HTTP_CONNECTIONS at a time, CT_HTTP_PER_IP
 * from one address, idle ones closed after CT_HTTP_TIMEOUT seconds, a
 * request not whole CT_HTTP_REQUEST_MS after the connection closed, a
 * new connection over the limit evicting the oldest one still waiting
 * for its request: http.c),
 * at a lower priority, with the stop signals blocked (they stay the
 * command's). The command hands it a snapshot of the metrics every
 * interval (ct_http_publish()): a pointer swapped under a mutex that
 * is only ever held for that swap or for taking a reference, so the
 * command never waits for a client. Each request renders the snapshot
 * it got (metrics.c), in OpenMetrics when the Accept header asks for it,
 * else in the text format.
 *
 * GET and HEAD of /metrics: 200; another path: 404; another method on
 * /metrics: 405 (Allow: GET, HEAD); before the first snapshot: 503.
 *
 * The statically linked build (for the VM tests) has no endpoint:
 * Debian's libmicrohttpd needs GnuTLS, which cannot be linked statically
 * there; http_none.c refuses --listen in it.
 */
#ifndef CT_HTTP_H
#define CT_HTTP_H

#include <stdbool.h>

#include "periodic.h"

#define CT_HTTP_CONNECTIONS	16
#define CT_HTTP_PER_IP		8
#define CT_HTTP_TIMEOUT		10
#define CT_HTTP_REQUEST_MS	1500	/* for a request to arrive whole */

struct ct_http;
struct ct_metrics_snap;

/* Can this build serve (false: the static build)? */
bool ct_http_available(void);
/*
 * Listen and start serving (503 until the first snapshot). 0, or
 * -errno, said ("cannot listen on ADDR:PORT: ..."). The address it
 * listens on is said with verbose (with the port chosen for port 0).
 */
int ct_http_start(const struct ct_listen *l, int verbose,
		  struct ct_http **out);
/* The snapshot served from now on (the server takes a reference). */
void ct_http_publish(struct ct_http *h, struct ct_metrics_snap *s);
/* Stop serving: connections closed, the thread joined. NULL is fine. */
void ct_http_stop(struct ct_http *h);

#endif /* CT_HTTP_H */
