// SPDX-License-Identifier: GPL-2.0
/*
 * record.c - writing and reading recordings (format: record.h).
 *
 * The reader is fed untrusted bytes (tests/fuzz/): every read is bounded
 * by the frame or item it is in, every value is range checked before it
 * lands in a struct, and the first problem ends reading with a message
 * that says where it is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outbuf.h"
#include "record.h"
#include "util.h"

#define CHUNK_BYTES	(64 * 1024)
#define FRAME_HDR	12		/* type, zero[3], len, crc */
#define ITEM_MAX	16384		/* an encoded item is shorter */

/* Header field tags */
enum {
	TAG_RELEASE	= 1,
	TAG_HOSTNAME	= 2,
	TAG_BOOT_TIME	= 3,
	TAG_OPTIONS	= 4,
	TAG_MODE	= 5,
};

/* ---- CRC-32 (IEEE 802.3, reflected, as zlib and gzip) ---- */

static uint32_t crc_table[256];

static void crc_init(void)
{
	uint32_t c, n, k;

	for (n = 0; n < 256; n++) {
		c = n;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

uint32_t ct_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = 0xffffffffU;

	if (!crc_table[1])
		crc_init();
	while (len--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffU;
}

/* ---- encoding ---- */

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* LEB128: 7 bits a byte, low first; at most 10 bytes. */
static uint8_t *put_uv(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (v & 0x7f) | 0x80;
		v >>= 7;
	}
	*p++ = v;
	return p;
}

static uint64_t zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static uint8_t *put_sv(uint8_t *p, int64_t v)
{
	return put_uv(p, zigzag(v));
}

/* A string of at most max bytes (stops at NUL). */
static uint8_t *put_str(uint8_t *p, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	p = put_uv(p, n);
	memcpy(p, s, n);
	return p + n;
}

/*
 * A reader that stalls (a FIFO, a pipe) must not keep the programs
 * attached after a stop request: from then on a write that makes no
 * progress for CT_STALL_SECS, or a second stop signal, gives the
 * recording up (-ETIMEDOUT), as outbuf.c does for the events.
 */
static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		bool bounded = ct_stop_signal();
		ssize_t n;

		if (bounded)
			ct_alarm(CT_STALL_SECS);
		n = write(fd, p, len);
		if (bounded)
			ct_alarm(0);
		if (n < 0) {
			if (errno != EINTR)
				return -errno;
			if (bounded && (ct_alarm_rang() || ct_stop_count() > 1))
				return -ETIMEDOUT;
			continue;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int write_frame(struct ct_rec_writer *w, int type, const void *payload,
		       size_t len)
{
	uint8_t hdr[FRAME_HDR] = { type };
	int err;

	if (w->err)
		return w->err;
	put_le32(hdr + 4, len);
	put_le32(hdr + 8, ct_crc32(payload, len));
	err = write_all(w->fd, hdr, sizeof(hdr));
	if (!err)
		err = write_all(w->fd, payload, len);
	if (err)
		w->err = err;
	return err;
}

static uint8_t *put_field(uint8_t *p, int tag, const char *s, size_t max)
{
	*p++ = tag;
	return put_str(p, s, max);
}

int ct_rec_create(struct ct_rec_writer *w, int fd,
		  const struct ct_rec_header *h)
{
	uint8_t head[12], payload[2048], *p = payload, num[10];

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->buf = malloc(CHUNK_BYTES + ITEM_MAX);
	if (!w->buf)
		return -ENOMEM;
	memcpy(head, CT_REC_MAGIC, 8);
	put_le32(head + 8, CT_REC_VERSION);
	w->err = write_all(w->fd, head, sizeof(head));

	p = put_field(p, TAG_RELEASE, h->release, sizeof(h->release) - 1);
	p = put_field(p, TAG_HOSTNAME, h->hostname, sizeof(h->hostname) - 1);
	*p++ = TAG_BOOT_TIME;
	p = put_uv(p, put_uv(num, h->boot_time_ns) - num);
	p = put_uv(p, h->boot_time_ns);
	p = put_field(p, TAG_MODE, h->mode, sizeof(h->mode) - 1);
	p = put_field(p, TAG_OPTIONS, h->options, sizeof(h->options) - 1);
	return write_frame(w, CT_REC_HEADER, payload, p - payload);
}

int ct_rec_flush(struct ct_rec_writer *w)
{
	int err;

	if (!w->len)
		return w->err;
	err = write_frame(w, CT_REC_ITEMS, w->buf, w->len);
	w->len = 0;
	w->prev_ts = 0;
	return err;
}

static int item_done(struct ct_rec_writer *w, uint8_t *end)
{
	w->len = end - w->buf;
	if (w->len >= CHUNK_BYTES)
		return ct_rec_flush(w);
	return w->err;
}

/* An exec's resolved path (version 3): uv flags, its bytes (none: 0, 0) */
static uint8_t *put_path(uint8_t *p, const struct ct_exec_event *x,
			 const char *comp, size_t len, unsigned int flags)
{
	if (x->ev.err || !(flags & CT_PATH_KNOWN))
		flags = len = 0;
	if (len > CT_PATH_LEN)
		len = CT_PATH_LEN;
	p = put_uv(p, flags & CT_PATH_ALL);
	p = put_uv(p, len);
	memcpy(p, comp, len);
	return p + len;
}

int ct_rec_event(struct ct_rec_writer *w, const struct ct_event *e)
{
	uint8_t *p = w->buf + w->len;
	int i;

	p = put_uv(p, CT_REC_EVENT);
	p = put_sv(p, (int64_t)(e->ts_ns - w->prev_ts));
	w->prev_ts = e->ts_ns;
	p = put_uv(p, e->flags);
	p = put_uv(p, e->latency_ns);
	p = put_uv(p, e->type);
	p = put_uv(p, e->cpu);
	p = put_uv(p, e->ppid);
	p = put_uv(p, e->ptid);
	p = put_uv(p, e->pid);
	p = put_uv(p, e->tid);
	p = put_uv(p, e->ns_pid);
	p = put_uv(p, e->ns_tid);
	p = put_sv(p, e->err);
	p = put_sv(p, e->exit_signal);
	p = put_uv(p, e->syscall);
	p = put_uv(p, e->kind);
	for (i = 0; i < CT_REF_NR; i++)
		p = put_sv(p, e->refs[i]);
	p = put_str(p, e->pcomm, CT_COMM_LEN);
	p = put_str(p, e->comm, CT_COMM_LEN);
	p = put_uv(p, e->uid);
	p = put_uv(p, e->gid);
	p = put_uv(p, e->cgroup_id);
	p = put_uv(p, e->cgroup1_id);
	if (e->type == CT_EV_EXEC) {
		const struct ct_exec_event *x = (const void *)e;
		size_t n = x->args_len < CT_ARGS_LEN ? x->args_len : CT_ARGS_LEN;

		p = put_uv(p, x->parent);
		p = put_uv(p, x->old_tid);
		p = put_uv(p, x->args_size);
		p = put_uv(p, x->call);
		p = put_str(p, x->filename, CT_PATH_LEN);
		p = put_uv(p, n);
		memcpy(p, x->args, n);
		p += n;
		p = put_path(p, x, x->path, x->path_len, x->path_flags);
		p = put_path(p, x, x->interp, x->interp_len, x->interp_flags);
		w->lifecycle++;
		return item_done(w, p);
	}
	if (e->type == CT_EV_EXIT) {
		const struct ct_exit_event *x = (const void *)e;

		p = put_uv(p, x->parent);
		p = put_uv(p, x->lifetime_ns);
		p = put_sv(p, x->code);
		p = put_uv(p, x->group_dead);
		w->lifecycle++;
		return item_done(w, p);
	}
	w->events++;
	if (e->type == CT_EV_CLONE)
		w->clones++;
	else
		w->failed++;
	return item_done(w, p);
}

int ct_rec_diag(struct ct_rec_writer *w, const struct ct_diag *d)
{
	uint8_t *p = w->buf + w->len;

	p = put_uv(p, CT_REC_DIAG);
	p = put_sv(p, (int64_t)(d->ts_ns - w->prev_ts));
	w->prev_ts = d->ts_ns;
	p = put_uv(p, d->ppid);
	p = put_uv(p, d->ptid);
	p = put_sv(p, d->err);
	p = put_uv(p, d->syscall);
	p = put_uv(p, d->kind);
	p = put_uv(p, d->limit);
	p = put_uv(p, d->uid);
	p = put_uv(p, d->nproc_count);
	p = put_uv(p, d->nproc_limit);
	p = put_uv(p, d->threads);
	p = put_uv(p, d->threads_max);
	p = put_uv(p, d->pid_max);
	p = put_uv(p, d->cg_current);
	p = put_uv(p, d->cg_max);
	p = put_str(p, d->pcomm, CT_COMM_LEN);
	p = put_str(p, d->cg_path, CT_DIAG_PATH_LEN - 1);
	w->diags++;
	return item_done(w, p);
}

int ct_rec_cgroup(struct ct_rec_writer *w, uint64_t id, const char *path)
{
	uint8_t *p = w->buf + w->len;

	p = put_uv(p, CT_REC_CGROUP);
	p = put_uv(p, id);
	p = put_str(p, path, CT_REC_PATH_MAX);
	return item_done(w, p);
}

enum {
	TARGET_KTHREAD	= 1,
	TARGET_FOLLOW	= 2,
	TARGET_CUT	= 4,
	TARGET_IDS	= 8,
	TARGET_NO_KIDS	= 16,	/* children unknown */
};

int ct_rec_target(struct ct_rec_writer *w, const struct ct_target *t)
{
	uint8_t *p = w->buf + w->len;
	uint32_t i, flags = 0;

	if (t->kthread)
		flags |= TARGET_KTHREAD;
	if (t->follow)
		flags |= TARGET_FOLLOW;
	if (t->below_cut)
		flags |= TARGET_CUT;
	if (t->uid >= 0)
		flags |= TARGET_IDS;
	if (t->kids_unknown)
		flags |= TARGET_NO_KIDS;
	p = put_uv(p, CT_REC_TARGET);
	p = put_uv(p, t->pid);
	p = put_str(p, t->comm, CT_COMM_LEN);
	p = put_uv(p, (uint8_t)t->state);
	p = put_uv(p, flags);
	p = put_uv(p, t->uid >= 0 ? t->uid : 0);
	p = put_uv(p, t->gid >= 0 ? t->gid : 0);
	p = put_uv(p, t->all_threads);
	p = put_uv(p, t->nthreads);
	for (i = 0; i < t->nthreads; i++)
		p = put_uv(p, t->threads[i]);
	p = put_uv(p, t->all_kids);
	p = put_uv(p, t->all_below);
	p = put_uv(p, t->nkids);
	for (i = 0; i < t->nkids; i++) {
		p = put_uv(p, t->kids[i].pid);
		p = put_uv(p, t->kids[i].ppid);
		p = put_str(p, t->kids[i].comm, CT_COMM_LEN);
		p = put_uv(p, (uint8_t)t->kids[i].state);
		p = put_uv(p, t->kids[i].shares);
	}
	p = put_str(p, t->cgroup, sizeof(t->cgroup) - 1);
	p = put_uv(p, t->cgroup_id);
	p = put_str(p, t->cgroup1_ctrl, sizeof(t->cgroup1_ctrl) - 1);
	p = put_str(p, t->cgroup1, sizeof(t->cgroup1) - 1);
	p = put_uv(p, t->cgroup1_id);
	return item_done(w, p);
}

int ct_rec_cgroup1(struct ct_rec_writer *w, uint64_t id,
		   const char *controller, const char *path)
{
	uint8_t *p = w->buf + w->len;

	p = put_uv(p, CT_REC_CGROUP1);
	p = put_uv(p, id);
	p = put_str(p, controller, 15);
	p = put_str(p, path, CT_REC_PATH_MAX);
	return item_done(w, p);
}

int ct_rec_close(struct ct_rec_writer *w, struct ct_rec_end *end)
{
	uint8_t payload[128], *p = payload;
	int err;

	end->events = w->events;
	end->clones = w->clones;
	end->failed = w->failed;
	end->diags = w->diags;
	end->lifecycle = w->lifecycle;
	ct_rec_flush(w);
	p = put_uv(p, end->events);
	p = put_uv(p, end->clones);
	p = put_uv(p, end->failed);
	p = put_uv(p, end->diags);
	p = put_uv(p, end->lost);
	p = put_uv(p, end->lost_follow);
	p = put_uv(p, end->duration_ns);
	p = put_uv(p, end->start_ns);
	p = put_sv(p, end->real_offset_ns);
	p = put_uv(p, end->lifecycle);
	err = write_frame(w, CT_REC_END, payload, p - payload);
	if (close(w->fd) && !err)
		err = -errno;
	free(w->buf);
	w->buf = NULL;
	w->fd = -1;
	return err;
}

void ct_rec_abandon(struct ct_rec_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->buf);
	w->buf = NULL;
	w->fd = -1;
}

/* ---- decoding ---- */

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t pos;
	struct ct_rec_reader *r;
	const char *what;		/* for messages */
	size_t base;			/* file offset of p */
};

static int __attribute__((format(printf, 2, 3)))
fail(struct ct_rec_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int cfail(struct cursor *c, const char *why)
{
	return fail(c->r, "corrupt %s at byte %zu: %s", c->what,
		    c->base + c->pos, why);
}

static int get_uv(struct cursor *c, uint64_t *v)
{
	uint64_t x = 0;
	int shift;

	for (shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (c->pos >= c->len)
			return cfail(c, "number runs past the end");
		b = c->p[c->pos++];
		if (shift == 63 && b > 1)
			return cfail(c, "number too large");
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return cfail(c, "number too long");
}

static int get_u32(struct cursor *c, uint32_t *v, uint32_t max)
{
	uint64_t x;

	if (get_uv(c, &x))
		return -1;
	if (x > max)
		return cfail(c, "value out of range");
	*v = x;
	return 0;
}

static int get_s32(struct cursor *c, int32_t *v)
{
	uint64_t x;
	int64_t s;

	if (get_uv(c, &x))
		return -1;
	s = unzigzag(x);
	if (s < INT32_MIN || s > INT32_MAX)
		return cfail(c, "value out of range");
	*v = s;
	return 0;
}

/* A string into buf (size bytes, NUL-padded); at most max bytes. */
static int get_str(struct cursor *c, char *buf, size_t size, size_t max)
{
	uint64_t n;

	if (get_uv(c, &n))
		return -1;
	if (n > max || n > size)
		return cfail(c, "string too long");
	if (n > c->len - c->pos)
		return cfail(c, "string runs past the end");
	memset(buf, 0, size);
	memcpy(buf, c->p + c->pos, n);
	c->pos += n;
	return 0;
}

static int get_ts(struct cursor *c, uint64_t *ts)
{
	uint64_t x;

	if (get_uv(c, &x))
		return -1;
	c->r->prev_ts += (uint64_t)unzigzag(x);
	*ts = c->r->prev_ts;
	return 0;
}

/* An exec's resolved path (version 3): as put_path() wrote it. */
static int get_path(struct cursor *c, char *comp, uint16_t *len,
		    uint16_t *flags)
{
	uint32_t f, n;

	if (get_u32(c, &f, CT_PATH_ALL) || get_u32(c, &n, CT_PATH_LEN))
		return -1;
	if (n > c->len - c->pos)
		return cfail(c, "string runs past the end");
	if (n && !(f & CT_PATH_KNOWN))
		return cfail(c, "exec path without its flag");
	memcpy(comp, c->p + c->pos, n);
	c->pos += n;
	*len = n;
	*flags = f;
	return 0;
}

/* The tail of an exec or exit event (version 2). */
static int read_life(struct cursor *c, struct ct_rec_item *it)
{
	uint64_t life;
	uint32_t call, n;

	if (it->ev.type == CT_EV_EXEC) {
		struct ct_exec_event *x = &it->exec;

		if (get_u32(c, &x->parent, UINT32_MAX) ||
		    get_u32(c, &x->old_tid, UINT32_MAX) ||
		    get_u32(c, &x->args_size, UINT32_MAX) ||
		    get_u32(c, &call, CT_EXEC_EXECVEAT) ||
		    get_str(c, x->filename, sizeof(x->filename),
			    CT_PATH_LEN - 1) ||
		    get_u32(c, &n, CT_ARGS_LEN))
			return -1;
		if (n > c->len - c->pos)
			return cfail(c, "string runs past the end");
		memcpy(x->args, c->p + c->pos, n);
		c->pos += n;
		x->args_len = n;
		x->call = call;
		if (x->args_size < n)
			return cfail(c, "exec argv longer than its size");
		x->path_len = x->path_flags = 0;	/* unknown */
		x->interp_len = x->interp_flags = 0;
		if (c->r->hdr.version < 3)
			return 0;
		return get_path(c, x->path, &x->path_len, &x->path_flags) ||
		       get_path(c, x->interp, &x->interp_len,
				&x->interp_flags) ? -1 : 0;
	}
	if (get_u32(c, &it->exit.parent, UINT32_MAX) ||
	    get_uv(c, &life) || get_s32(c, &it->exit.code) ||
	    get_u32(c, &it->exit.group_dead, 1))
		return -1;
	it->exit.lifetime_ns = life;
	return 0;
}

static int read_event(struct cursor *c, struct ct_event *e)
{
	uint64_t ts, flags, latency, cg;
	uint32_t type, syscall, kind;
	int i;

	memset(e, 0, sizeof(*e));
	if (get_ts(c, &ts) || get_uv(c, &flags) || get_uv(c, &latency) ||
	    get_u32(c, &type, c->r->hdr.version >= 2 ? CT_EV_EXIT :
				 CT_EV_CLONE_FAILED))
		return -1;
	e->ts_ns = ts;
	e->flags = flags;
	e->latency_ns = latency;
	if (type < CT_EV_CLONE)
		return cfail(c, "unknown event type");
	e->type = type;
	if (get_u32(c, &e->cpu, UINT32_MAX) ||
	    get_u32(c, &e->ppid, UINT32_MAX) ||
	    get_u32(c, &e->ptid, UINT32_MAX) ||
	    get_u32(c, &e->pid, UINT32_MAX) ||
	    get_u32(c, &e->tid, UINT32_MAX) ||
	    get_u32(c, &e->ns_pid, UINT32_MAX) ||
	    get_u32(c, &e->ns_tid, UINT32_MAX) ||
	    get_s32(c, &e->err) || get_s32(c, &e->exit_signal) ||
	    get_u32(c, &syscall, CT_SC_NR - 1) ||
	    get_u32(c, &kind, CT_KIND_NR - 1))
		return -1;
	e->syscall = syscall;
	e->kind = kind;
	for (i = 0; i < CT_REF_NR; i++)
		if (get_s32(c, &e->refs[i]))
			return -1;
	if (get_str(c, e->pcomm, CT_COMM_LEN, CT_COMM_LEN) ||
	    get_str(c, e->comm, CT_COMM_LEN, CT_COMM_LEN))
		return -1;
	e->uid = e->gid = CT_ID_UNKNOWN;
	if (c->r->hdr.version >= 2) {
		if (get_u32(c, &e->uid, UINT32_MAX) ||
		    get_u32(c, &e->gid, UINT32_MAX) || get_uv(c, &cg))
			return -1;
		e->cgroup_id = cg;
	}
	if (c->r->hdr.version >= 4) {
		if (get_uv(c, &cg))
			return -1;
		e->cgroup1_id = cg;
	}
	if (e->type == CT_EV_CLONE_FAILED && e->err <= 0)
		return cfail(c, "failed creation without an errno");
	return 0;
}

static int read_diag(struct cursor *c, struct ct_diag *d)
{
	uint32_t syscall, kind;

	memset(d, 0, sizeof(*d));
	if (get_ts(c, &d->ts_ns) || get_u32(c, &d->ppid, UINT32_MAX) ||
	    get_u32(c, &d->ptid, UINT32_MAX) || get_s32(c, &d->err) ||
	    get_u32(c, &syscall, CT_SC_NR - 1) ||
	    get_u32(c, &kind, CT_KIND_NR - 1) ||
	    get_u32(c, &d->limit, CT_LIMIT_NR - 1) ||
	    get_uv(c, &d->uid) || get_uv(c, &d->nproc_count) ||
	    get_uv(c, &d->nproc_limit) || get_uv(c, &d->threads) ||
	    get_uv(c, &d->threads_max) || get_uv(c, &d->pid_max) ||
	    get_uv(c, &d->cg_current) || get_uv(c, &d->cg_max) ||
	    get_str(c, d->pcomm, CT_COMM_LEN, CT_COMM_LEN) ||
	    get_str(c, d->cg_path, CT_DIAG_PATH_LEN, CT_DIAG_PATH_LEN - 1))
		return -1;
	d->syscall = syscall;
	d->kind = kind;
	return 0;
}

static int read_kids(struct cursor *c, struct ct_target *t)
{
	uint32_t i, state = 0;	/* set by get_u32(); gcc -O2 cannot tell */

	if (get_u32(c, &t->all_kids, UINT32_MAX) ||
	    get_u32(c, &t->all_below, UINT32_MAX) ||
	    get_u32(c, &t->nkids, CT_TARGET_KIDS))
		return -1;
	if (t->follow ? t->all_below < t->all_kids : t->all_below != 0)
		return cfail(c, "fewer processes below a target than children");
	for (i = 0; i < t->nkids; i++) {
		struct ct_target_kid *k = &t->kids[i];

		if (get_u32(c, &k->pid, UINT32_MAX) ||
		    get_u32(c, &k->ppid, UINT32_MAX) ||
		    get_str(c, k->comm, CT_COMM_LEN, CT_COMM_LEN) ||
		    get_u32(c, &state, 127) ||
		    get_u32(c, &k->shares, (1U << CT_SHARE_NR) - 1))
			return -1;
		k->state = state;
		if (i < t->all_kids && k->ppid != t->pid)
			return cfail(c, "a target's child has another parent");
	}
	return 0;
}

/* A target's v1 cgroup (version 4): controller, path, ID. 0, or -1. */
static int read_target1(struct cursor *c, struct ct_target *t)
{
	t->cgroup1_ctrl[0] = '\0';
	t->cgroup1[0] = '\0';
	t->cgroup1_id = 0;
	if (c->r->hdr.version < 4)
		return 0;
	if (get_str(c, t->cgroup1_ctrl, sizeof(t->cgroup1_ctrl),
		    sizeof(t->cgroup1_ctrl) - 1) ||
	    get_str(c, t->cgroup1, sizeof(t->cgroup1),
		    sizeof(t->cgroup1) - 1) ||
	    get_uv(c, &t->cgroup1_id))
		return -1;
	if (t->cgroup1[0] && !t->cgroup1_ctrl[0])
		return cfail(c, "a target's cgroup1 path without a controller");
	return 0;
}

static int read_target(struct cursor *c, struct ct_target *t)
{
	uint32_t state, flags, uid, gid, i;

	if (get_u32(c, &t->pid, UINT32_MAX) ||
	    get_str(c, t->comm, CT_COMM_LEN, CT_COMM_LEN) ||
	    get_u32(c, &state, 127) || get_u32(c, &flags, 31) ||
	    get_u32(c, &uid, UINT32_MAX) || get_u32(c, &gid, UINT32_MAX) ||
	    get_u32(c, &t->all_threads, UINT32_MAX) ||
	    get_u32(c, &t->nthreads, CT_TARGET_THREADS))
		return -1;
	if (t->nthreads > t->all_threads)
		return cfail(c, "more threads listed than counted");
	t->state = state;
	t->kthread = flags & TARGET_KTHREAD;
	t->follow = flags & TARGET_FOLLOW;
	t->below_cut = flags & TARGET_CUT;
	t->kids_unknown = flags & TARGET_NO_KIDS;
	t->uid = flags & TARGET_IDS ? (int64_t)uid : -1;
	t->gid = flags & TARGET_IDS ? (int64_t)gid : -1;
	for (i = 0; i < t->nthreads; i++)
		if (get_u32(c, &t->threads[i], UINT32_MAX))
			return -1;
	if (read_kids(c, t) ||
	    get_str(c, t->cgroup, sizeof(t->cgroup), sizeof(t->cgroup) - 1) ||
	    get_uv(c, &t->cgroup_id) || read_target1(c, t))
		return -1;
	if (t->nkids > (t->follow ? t->all_below : t->all_kids))
		return cfail(c, "more processes listed than counted");
	if (t->kids_unknown && (t->all_kids || t->all_below))
		return cfail(c, "children counted but unknown");
	return 0;
}

/*
 * The frame at r->pos: checks that it fits, its checksum, and moves
 * r->pos past it. Returns its type, or -1.
 */
static int next_frame(struct ct_rec_reader *r, const uint8_t **payload,
		      size_t *len)
{
	const uint8_t *h = r->buf + r->pos;
	uint32_t n, crc;

	if (r->len - r->pos < FRAME_HDR)
		return fail(r, "truncated file: %zu bytes where a frame header of %d starts at byte %zu (the recording was cut off)",
			    r->len - r->pos, FRAME_HDR, r->pos);
	if (h[1] || h[2] || h[3])
		return fail(r, "corrupt frame header at byte %zu", r->pos);
	n = get_le32(h + 4);
	crc = get_le32(h + 8);
	if (n > CT_REC_MAX_FRAME)
		return fail(r, "corrupt frame at byte %zu: length %u exceeds %u",
			    r->pos, n, CT_REC_MAX_FRAME);
	if (n > r->len - r->pos - FRAME_HDR)
		return fail(r, "truncated file: the frame at byte %zu needs %u bytes, %zu remain (the recording was cut off)",
			    r->pos, n, r->len - r->pos - FRAME_HDR);
	/* the fuzzer (tests/fuzz) goes past checksums to reach the parser */
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	if (ct_crc32(h + FRAME_HDR, n) != crc)
		return fail(r, "corrupt frame at byte %zu: checksum mismatch",
			    r->pos);
#else
	(void)crc;
#endif
	*payload = h + FRAME_HDR;
	*len = n;
	r->pos += FRAME_HDR + n;
	return h[0];
}

static int read_header(struct ct_rec_reader *r, const uint8_t *p, size_t len,
		       size_t base)
{
	struct cursor c = { p, len, 0, r, "header", base };
	struct ct_rec_header *h = &r->hdr;
	unsigned int seen = 0;

	while (c.pos < c.len) {
		uint8_t tag = c.p[c.pos++];
		uint64_t n;
		size_t start;

		switch (tag) {
		case TAG_RELEASE:
			if (get_str(&c, h->release, sizeof(h->release),
				    sizeof(h->release) - 1))
				return -1;
			break;
		case TAG_HOSTNAME:
			if (get_str(&c, h->hostname, sizeof(h->hostname),
				    sizeof(h->hostname) - 1))
				return -1;
			break;
		case TAG_MODE:
			if (get_str(&c, h->mode, sizeof(h->mode),
				    sizeof(h->mode) - 1))
				return -1;
			break;
		case TAG_OPTIONS:
			if (get_str(&c, h->options, sizeof(h->options),
				    sizeof(h->options) - 1))
				return -1;
			break;
		case TAG_BOOT_TIME:
			if (get_uv(&c, &n))
				return -1;
			start = c.pos;
			if (n > c.len - c.pos)
				return cfail(&c, "field runs past the end");
			if (get_uv(&c, &h->boot_time_ns))
				return -1;
			if (c.pos - start != n)
				return cfail(&c, "bad boot time field");
			break;
		default:		/* a later version's field */
			if (get_uv(&c, &n))
				return -1;
			if (n > c.len - c.pos)
				return cfail(&c, "field runs past the end");
			c.pos += n;
			continue;
		}
		if (tag < 32)
			seen |= 1U << tag;
	}
	if ((seen & (1U << TAG_RELEASE | 1U << TAG_HOSTNAME |
		     1U << TAG_BOOT_TIME)) !=
	    (1U << TAG_RELEASE | 1U << TAG_HOSTNAME | 1U << TAG_BOOT_TIME))
		return fail(r, "corrupt header: kernel release, hostname or boot time missing");
	return 0;
}

int ct_rec_open(struct ct_rec_reader *r, const void *buf, size_t len)
{
	const uint8_t *payload;
	size_t n;
	int type;

	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
	if (len < 12 || memcmp(buf, CT_REC_MAGIC, 8))
		return fail(r, "not a clonetrace recording (no %s magic): record one with clonetrace -w FILE",
			    CT_REC_MAGIC);
	r->hdr.version = get_le32(r->buf + 8);
	if (r->hdr.version < 1 || r->hdr.version > CT_REC_VERSION)
		return fail(r, "recording version %u is not supported (this clonetrace reads versions 1 to %d): read it with a clonetrace that writes it",
			    r->hdr.version, CT_REC_VERSION);
	r->pos = 12;
	type = next_frame(r, &payload, &n);
	if (type < 0)
		return -1;
	if (type != CT_REC_HEADER)
		return fail(r, "corrupt file: the first frame is not the header");
	return read_header(r, payload, n, r->pos - n);
}

static int read_end(struct ct_rec_reader *r, const uint8_t *p, size_t len,
		    size_t base)
{
	struct cursor c = { p, len, 0, r, "end frame", base };
	struct ct_rec_end *e = &r->end;
	uint64_t off;

	if (get_uv(&c, &e->events) || get_uv(&c, &e->clones) ||
	    get_uv(&c, &e->failed) || get_uv(&c, &e->diags) ||
	    get_uv(&c, &e->lost) || get_uv(&c, &e->lost_follow) ||
	    get_uv(&c, &e->duration_ns) || get_uv(&c, &e->start_ns) ||
	    get_uv(&c, &off))
		return -1;
	e->real_offset_ns = unzigzag(off);
	if (r->hdr.version >= 2 && get_uv(&c, &e->lifecycle))
		return -1;
	if (c.pos != c.len)
		return cfail(&c, "trailing bytes");
	if (r->pos != r->len)
		return fail(r, "corrupt file: %zu bytes after the end frame",
			    r->len - r->pos);
	if (e->clones + e->failed != e->events)
		return fail(r, "corrupt end frame: counts do not add up");
	if (e->events != r->events || e->clones != r->clones ||
	    e->failed != r->failed || e->diags != r->diags)
		return fail(r, "corrupt file: the end frame counts %llu events (%llu created, %llu failed) and %llu diagnoses, the file holds %llu (%llu created, %llu failed) and %llu",
			    (unsigned long long)e->events,
			    (unsigned long long)e->clones,
			    (unsigned long long)e->failed,
			    (unsigned long long)e->diags,
			    (unsigned long long)r->events,
			    (unsigned long long)r->clones,
			    (unsigned long long)r->failed,
			    (unsigned long long)r->diags);
	if (e->lifecycle != r->lifecycle)
		return fail(r, "corrupt file: the end frame counts %llu exec and exit events, the file holds %llu",
			    (unsigned long long)e->lifecycle,
			    (unsigned long long)r->lifecycle);
	r->ended = true;
	return 0;
}

/* A cgroup1 item (version 4): its ID, controller and path. 0, or -1. */
static int read_cgroup1(struct cursor *c, struct ct_rec_item *it)
{
	if (get_uv(c, &it->cg_id) ||
	    get_str(c, it->cg_controller, sizeof(it->cg_controller),
		    sizeof(it->cg_controller) - 1) ||
	    get_str(c, it->cg_path, sizeof(it->cg_path), CT_REC_PATH_MAX))
		return -1;
	if (!it->cg_id || !it->cg_controller[0])
		return cfail(c, "cgroup1 ID 0 or no controller");
	return 0;
}

/* The item of type tag at c, counted. 0, or -1. */
static int read_item(struct cursor *c, uint64_t tag, struct ct_rec_item *it)
{
	struct ct_rec_reader *r = c->r;

	switch (tag) {
	case CT_REC_EVENT:
		if (read_event(c, &it->ev))
			return -1;
		if (it->ev.type == CT_EV_EXEC || it->ev.type == CT_EV_EXIT) {
			if (read_life(c, it))
				return -1;
			r->lifecycle++;
			break;
		}
		r->events++;
		if (it->ev.type == CT_EV_CLONE)
			r->clones++;
		else
			r->failed++;
		break;
	case CT_REC_DIAG:
		if (read_diag(c, &it->diag))
			return -1;
		r->diags++;
		break;
	case CT_REC_CGROUP:
		if (r->hdr.version < 2)
			return cfail(c, "unknown item type");
		if (get_uv(c, &it->cg_id) ||
		    get_str(c, it->cg_path, sizeof(it->cg_path),
			    CT_REC_PATH_MAX))
			return -1;
		if (!it->cg_id)
			return cfail(c, "cgroup ID 0");
		break;
	case CT_REC_TARGET:
		if (r->hdr.version < 3)
			return cfail(c, "unknown item type");
		if (read_target(c, &it->target))
			return -1;
		break;
	case CT_REC_CGROUP1:
		if (r->hdr.version < 4)
			return cfail(c, "unknown item type");
		return read_cgroup1(c, it);
	default:
		return cfail(c, "unknown item type");
	}
	return 0;
}

int ct_rec_next(struct ct_rec_reader *r, struct ct_rec_item *it)
{
	struct cursor c = { .r = r, .what = "item" };
	const uint8_t *payload;
	uint64_t tag;
	size_t n;
	int type;

	if (r->err[0])
		return -1;
	while (r->items_pos >= r->items_len) {
		if (r->ended)
			return 0;
		if (r->pos == r->len)
			return fail(r, "truncated file: no end frame after %llu events (the recording was cut off before clonetrace exited)",
				    (unsigned long long)r->events);
		type = next_frame(r, &payload, &n);
		if (type < 0)
			return -1;
		if (type == CT_REC_END) {
			if (read_end(r, payload, n, r->pos - n))
				return -1;
			return 0;
		}
		if (type != CT_REC_ITEMS)
			return fail(r, "corrupt file: unexpected frame type %d at byte %zu",
				    type, r->pos - n - FRAME_HDR);
		if (!n)
			return fail(r, "corrupt file: empty chunk at byte %zu",
				    r->pos - FRAME_HDR);
		r->items = payload;
		r->items_len = n;
		r->items_pos = 0;
		r->prev_ts = 0;
	}

	c.p = r->items;
	c.len = r->items_len;
	c.pos = r->items_pos;
	c.base = r->items - r->buf;
	memset(it, 0, sizeof(*it));
	if (get_uv(&c, &tag))
		return -1;
	if (read_item(&c, tag, it))
		return -1;
	it->type = tag;
	r->items_pos = c.pos;
	return 1;
}
