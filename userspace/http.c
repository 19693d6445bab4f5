// SPDX-License-Identifier: GPL-2.0
/*
 * http.c - the /metrics endpoint (http.h): libmicrohttpd in a thread of
 * its own, serving the snapshot the command last handed over.
 *
 * libmicrohttpd is loaded when --listen asks for it, not linked: linked,
 * it brings GnuTLS and the libraries GnuTLS needs into every run of
 * every command: 2.4 MiB more peak RSS for top, measured on Debian 12
 * (14.2 -> 16.6 MiB), serving or not.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http.h"
#include "metrics.h"
#include "util.h"

#define BACKLOG		16
#define MEMORY_LIMIT	(32 * 1024)	/* per connection: request headers */
#define SERVER_NICE	10

/*
 * Room for new clients, and a time for a request to arrive whole.
 *
 * libmicrohttpd's timeout is an idle one: a client that sends a byte now
 * and then keeps its connection for ever, and 16 such connections (two
 * addresses' worth) shut every scraper out. A per-address limit alone
 * cannot help: anyone with 127.0.0.0/8 or an IPv6 /64 has addresses to
 * spare. So, on top of the idle timeout and the per-address limit:
 *
 * - a request must arrive whole within CT_HTTP_REQUEST_MS of the
 *   connection (or of the answer before it on that connection): the
 *   watchdog, a thread that wakes every WATCH_MS, closes the others. A
 *   scraper sends its request in one segment as soon as it is connected;
 *   1.5 s is many round trips even across a continent. Input that is not
 *   HTTP and never ends a line (binary, a TLS ClientHello) ends so too.
 * - libmicrohttpd may hold SPARE connections more than
 *   CT_HTTP_CONNECTIONS: a connection beyond those evicts the oldest one
 *   whose request has not arrived, so a new scraper always gets in (it
 *   is the newest: it is evicted only when CT_HTTP_CONNECTIONS clients
 *   connect after it before its request arrives, a flood no limit of
 *   ours would stop). Eviction rather than refusal: the slow clients are
 *   the ones that wait, not the scraper. A connection being answered
 *   (a client slow to read) is left to the idle timeout.
 *
 * The slots are touched by libmicrohttpd's thread (the callbacks) and by
 * the watchdog, under conn_lock. The watchdog shuts a socket down and
 * lets libmicrohttpd close it: libmicrohttpd notifies a connection's
 * end (on_connection(), which takes conn_lock) before it closes its
 * descriptor, so a descriptor in a slot is never another's.
 */
#define SPARE		4
#define SLOTS		(CT_HTTP_CONNECTIONS + SPARE)
#define WATCH_MS	250

struct slot {
	struct MHD_Connection *c;	/* NULL: free */
	int fd;
	uint64_t start_ms;	/* connected, or the last answer sent */
	bool answering;		/* its request arrived */
	bool closing;		/* shut down: libmicrohttpd will close it */
};

struct ct_http {
	struct MHD_Daemon *d;
	int fd;				/* the listening socket */
	pthread_mutex_t lock;		/* guards snap, only for a swap */
	struct ct_metrics_snap *snap;
	pthread_mutex_t conn_lock;	/* guards slots and stopping */
	pthread_cond_t wake;		/* the watchdog's, to stop it */
	pthread_t watchdog;
	bool watching;
	bool stopping;
	struct slot slots[SLOTS];
};

/* The library's soname for the API of microhttpd.h (0.9.x). */
#define MHD_SONAME	"libmicrohttpd.so.12"

/* The functions used, with their types from microhttpd.h. */
static struct {
	typeof(&MHD_start_daemon) start_daemon;
	typeof(&MHD_stop_daemon) stop_daemon;
	typeof(&MHD_create_response_from_buffer) response;
	typeof(&MHD_create_response_from_buffer_with_free_callback)
		response_free;
	typeof(&MHD_add_response_header) add_header;
	typeof(&MHD_queue_response) queue;
	typeof(&MHD_destroy_response) destroy;
	typeof(&MHD_lookup_connection_value) lookup;
	typeof(&MHD_get_connection_info) info;
} mhd;

/* 0, or -ENOENT said. Once: the library stays until the end. */
static int mhd_load(void)
{
	static void *lib;
	const char *sym = NULL;

	if (lib)
		return 0;
	lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return ct_fail(-ENOENT, "--listen needs %s (Debian: apt-get install libmicrohttpd12): %s",
			       MHD_SONAME, dlerror());
#define LOAD(field, name)						\
	do {								\
		*(void **)&mhd.field = dlsym(lib, name);		\
		if (!mhd.field && !sym)					\
			sym = name;					\
	} while (0)
	LOAD(start_daemon, "MHD_start_daemon");
	LOAD(stop_daemon, "MHD_stop_daemon");
	LOAD(response, "MHD_create_response_from_buffer");
	LOAD(response_free,
	     "MHD_create_response_from_buffer_with_free_callback");
	LOAD(add_header, "MHD_add_response_header");
	LOAD(queue, "MHD_queue_response");
	LOAD(destroy, "MHD_destroy_response");
	LOAD(lookup, "MHD_lookup_connection_value");
	LOAD(info, "MHD_get_connection_info");
#undef LOAD
	if (sym) {
		dlclose(lib);
		lib = NULL;
		return ct_fail(-ENOENT, "--listen: %s has no %s: that libmicrohttpd is too old",
			       MHD_SONAME, sym);
	}
	return 0;
}

bool ct_http_available(void)
{
	return true;
}

/* The snapshot to serve, with a reference of the caller's. */
static struct ct_metrics_snap *current(struct ct_http *h)
{
	struct ct_metrics_snap *s;

	pthread_mutex_lock(&h->lock);
	s = ct_metrics_snap_get(h->snap);
	pthread_mutex_unlock(&h->lock);
	return s;
}

void ct_http_publish(struct ct_http *h, struct ct_metrics_snap *s)
{
	struct ct_metrics_snap *old;

	if (!h || !s)
		return;
	ct_metrics_snap_get(s);
	pthread_mutex_lock(&h->lock);
	old = h->snap;
	h->snap = s;
	pthread_mutex_unlock(&h->lock);
	ct_metrics_snap_put(old);	/* freed here unless a request has it */
}

/*
 * The q value of the media range at p ("type/sub; a=b; q=0.5"), 1 when
 * it has none.
 */
static double quality(const char *p, size_t n)
{
	const char *q = p;

	while ((q = memchr(q, ';', n - (q - p)))) {
		q++;
		while (q < p + n && (*q == ' ' || *q == '\t'))
			q++;
		if (q + 2 <= p + n && (q[0] == 'q' || q[0] == 'Q') &&
		    q[1] == '=')
			return strtod(q + 2, NULL);
	}
	return 1;
}

/*
 * OpenMetrics when the client names it in Accept and prefers it at
 * least as much as the text format; a wildcard alone gets text.
 */
static enum ct_metrics_format negotiate(const char *accept)
{
	double om = 0, text = 0;
	const char *p = accept;

	while (p && *p) {
		size_t n = strcspn(p, ","), t;
		const char *type = p;

		while (type < p + n && (*type == ' ' || *type == '\t'))
			type++;
		t = strcspn(type, ";, \t");
		if (t == 28 && !strncasecmp(type, "application/openmetrics-text",
					   t))
			om = quality(p, n) > om ? quality(p, n) : om;
		else if ((t == 10 && !strncasecmp(type, "text/plain", t)) ||
			 (t == 6 && !strncasecmp(type, "text/*", t)) ||
			 (t == 3 && !strncmp(type, "*/*", t)))
			text = quality(p, n) > text ? quality(p, n) : text;
		p += n + (p[n] == ',');
	}
	return om > 0 && om >= text ? CT_METRICS_OPENMETRICS : CT_METRICS_TEXT;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int code,
			     const char *text, bool allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = mhd.response(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		       "text/plain; charset=utf-8");
	if (allow)
		mhd.add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = mhd.queue(c, code, r);
	mhd.destroy(r);
	return ret;
}

static enum MHD_Result metrics(struct ct_http *h, struct MHD_Connection *c)
{
	struct ct_metrics_snap *s = current(h);
	enum ct_metrics_format fmt;
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = 0;
	char *body = NULL;
	FILE *f;
	int err;

	if (!s)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE,
			     "clonetrace: not counting yet\n", false);
	fmt = negotiate(mhd.lookup(c, MHD_HEADER_KIND,
				   MHD_HTTP_HEADER_ACCEPT));
	f = open_memstream(&body, &len);
	err = f ? ct_metrics_render(s, fmt, f) : -ENOMEM;
	ct_metrics_snap_put(s);
	if (f && fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(body);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
			     "clonetrace: out of memory\n", false);
	}
	r = mhd.response_free(len, body, free);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	mhd.add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		       ct_metrics_content_type(fmt));
	ret = mhd.queue(c, MHD_HTTP_OK, r);
	mhd.destroy(r);
	return ret;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* The slot of connection c, under conn_lock; NULL if it has none. */
static struct slot *slot_of(struct ct_http *h, struct MHD_Connection *c)
{
	size_t i;

	for (i = 0; i < SLOTS; i++)
		if (h->slots[i].c == c)
			return &h->slots[i];
	return NULL;
}

/* Under conn_lock: libmicrohttpd closes it when it sees the end. */
static void shut(struct slot *s)
{
	shutdown(s->fd, SHUT_RDWR);
	s->closing = true;
}

/*
 * A connection accepted (a slot, and the oldest waiting one evicted
 * when over CT_HTTP_CONNECTIONS), or closed (its slot freed).
 */
static void on_connection(void *cls, struct MHD_Connection *c,
			  void **ctx, enum MHD_ConnectionNotificationCode what)
{
	struct ct_http *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct slot *s, *oldest = NULL;
	unsigned int held = 0;
	size_t i;

	pthread_mutex_lock(&h->conn_lock);
	if (what == MHD_CONNECTION_NOTIFY_CLOSED) {
		s = *ctx;
		if (s)
			s->c = NULL;
		*ctx = NULL;
		goto out;
	}
	s = slot_of(h, NULL);
	ci = mhd.info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	*ctx = s;
	if (!s || !ci)		/* cannot happen: SLOTS is the library's limit */
		goto out;
	*s = (struct slot){ .c = c, .fd = ci->connect_fd,
			    .start_ms = now_ms() };
	for (i = 0; i < SLOTS; i++) {
		struct slot *o = &h->slots[i];

		if (!o->c || o->closing)
			continue;
		held++;
		if (o != s && !o->answering &&
		    (!oldest || o->start_ms < oldest->start_ms))
			oldest = o;
	}
	if (held > CT_HTTP_CONNECTIONS && oldest)
		shut(oldest);
out:
	pthread_mutex_unlock(&h->conn_lock);
}

/* An answer sent: the next request on the connection has its time. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req,
			 enum MHD_RequestTerminationCode toe)
{
	struct ct_http *h = cls;
	struct slot *s;

	pthread_mutex_lock(&h->conn_lock);
	s = slot_of(h, c);
	if (s) {
		s->answering = false;
		s->start_ms = now_ms();
	}
	pthread_mutex_unlock(&h->conn_lock);
}

/* A request arrived whole: no longer the watchdog's. */
static void answering(struct ct_http *h, struct MHD_Connection *c)
{
	struct slot *s;

	pthread_mutex_lock(&h->conn_lock);
	s = slot_of(h, c);
	if (s)
		s->answering = true;
	pthread_mutex_unlock(&h->conn_lock);
}

/* Every WATCH_MS: connections whose request is late are closed. */
static void *watchdog(void *arg)
{
	struct ct_http *h = arg;
	struct timespec until;
	uint64_t now;
	size_t i;

	setpriority(PRIO_PROCESS, gettid(), SERVER_NICE);
	pthread_mutex_lock(&h->conn_lock);
	while (!h->stopping) {
		now = now_ms();
		for (i = 0; i < SLOTS; i++) {
			struct slot *s = &h->slots[i];

			if (s->c && !s->answering && !s->closing &&
			    now - s->start_ms >= CT_HTTP_REQUEST_MS)
				shut(s);
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += WATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->wake, &h->conn_lock, &until);
	}
	pthread_mutex_unlock(&h->conn_lock);
	return NULL;
}

/*
 * Every request, in the server's thread. It answers at the first call,
 * when the headers are in: a body (of a POST, say) is never read.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	static __thread bool niced;

	if (!niced) {	/* this thread yields to the command's */
		setpriority(PRIO_PROCESS, gettid(), SERVER_NICE);
		niced = true;
	}
	answering(cls, c);
	if (strcmp(url, "/metrics"))
		return reply(c, MHD_HTTP_NOT_FOUND,
			     "clonetrace: not found: the metrics are at /metrics\n",
			     false);
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			     "clonetrace: method not allowed: GET or HEAD /metrics\n",
			     true);
	return metrics(cls, c);
}

static void free_http(struct ct_http *h)
{
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->conn_lock);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* The listening socket, bound by us: the error is ours to say. */
static int listen_on(const struct ct_listen *l, int verbose)
{
	int fd, one = 1, err;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	fd = socket(l->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&l->addr, l->len) ||
	    listen(fd, BACKLOG) || getsockname(fd, (void *)&ss, &len))
		goto fail;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		port = ntohs(a->sin6_port);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		port = ntohs(a->sin_port);
	}
	if (verbose)
		ct_msg(ss.ss_family == AF_INET6 ?
		       "serving metrics at http://[%s]:%u/metrics" :
		       "serving metrics at http://%s:%u/metrics", host, port);
	return fd;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	ct_msg("cannot listen on %s: %s%s", l->text, strerror(err),
	       err == EADDRINUSE ? " (give another port)" :
	       err == EADDRNOTAVAIL ? " (no interface has that address)" : "");
	return -err;
}

int ct_http_start(const struct ct_listen *l, int verbose,
		  struct ct_http **out)
{
	struct ct_http *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;
	sigset_t stop, old;
	int err;

	*out = NULL;
	if (!h)
		return ct_fail(-ENOMEM, "out of memory");
	err = mhd_load();
	if (err) {
		free(h);
		return err;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->conn_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	h->fd = listen_on(l, verbose);
	if (h->fd < 0) {
		err = h->fd;
		free_http(h);
		return err;
	}
	/* the thread inherits this mask: the stop signals stay ours */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	sigaddset(&stop, SIGALRM);
	sigaddset(&stop, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	h->d = mhd.start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
				(l->addr.ss_family == AF_INET6 ?
				 MHD_USE_IPv6 : 0),
				0, NULL, NULL, on_request, h,
				MHD_OPTION_LISTEN_SOCKET, h->fd,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned int)SLOTS,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned int)CT_HTTP_PER_IP,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)CT_HTTP_TIMEOUT,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)MEMORY_LIMIT,
				MHD_OPTION_END);
	if (h->d)
		h->watching = !pthread_create(&h->watchdog, NULL, watchdog,
					      h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->watching) {
		if (h->d)
			mhd.stop_daemon(h->d);
		close(h->fd);
		free_http(h);
		return ct_fail(-EIO, "cannot start the HTTP server on %s",
			       l->text);
	}
	*out = h;
	return 0;
}

void ct_http_stop(struct ct_http *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->conn_lock);
	h->stopping = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->conn_lock);
	pthread_join(h->watchdog, NULL);
	mhd.stop_daemon(h->d);
	close(h->fd);		/* given with LISTEN_SOCKET: still ours */
	ct_metrics_snap_put(h->snap);
	free_http(h);
}
