// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - the JSON writer (json.h). Everything is appended to a buffer:
 * the caller's (an event line), or the writer's own, written to the FILE
 * when full and when the record ends.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "escape.h"
#include "json.h"

static void init(struct ct_json *j, FILE *f, char *buf, size_t cap)
{
	j->f = f;
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->cut = false;
	j->depth = 0;
}

void ct_json_init(struct ct_json *j, FILE *f)
{
	init(j, f, j->own, sizeof(j->own));
}

void ct_json_init_buf(struct ct_json *j, char *buf, size_t cap)
{
	init(j, NULL, buf, cap);
}

size_t ct_json_len(const struct ct_json *j)
{
	return j->cut ? 0 : j->len;
}

static void flush(struct ct_json *j)
{
	if (j->f && j->len)
		fwrite(j->buf, 1, j->len, j->f);
	if (j->f)
		j->len = 0;
}

/* Room for n more bytes, flushing to the FILE when needed. */
static bool make_room(struct ct_json *j, size_t n)
{
	flush(j);
	if (n <= j->cap - j->len)
		return true;
	if (!j->f)
		j->cut = true;		/* cannot happen: bounded records */
	return false;
}

static inline bool room(struct ct_json *j, size_t n)
{
	return n <= j->cap - j->len || make_room(j, n);
}

/* Short copies (keys, digits) without a call: most pieces are short. */
static inline void copy(char *d, const char *p, size_t n)
{
	if (n > 16) {
		memcpy(d, p, n);
		return;
	}
	while (n--)
		*d++ = *p++;
}

static void put(struct ct_json *j, const char *p, size_t n)
{
	if (!room(j, n)) {
		if (j->f)
			fwrite(p, 1, n, j->f);	/* larger than the buffer */
		return;
	}
	copy(j->buf + j->len, p, n);
	j->len += n;
}

static inline void putc1(struct ct_json *j, char c)
{
	if (room(j, 1))
		j->buf[j->len++] = c;
}

static void sink(void *ctx, const char *p, size_t n)
{
	put(ctx, p, n);
}

/* A quoted, escaped string. */
static void quoted(struct ct_json *j, const char *s, size_t max)
{
	putc1(j, '"');
	ct_escape(s, max, CT_ESC_JSON, sink, j);
	putc1(j, '"');
}

/*
 * Before a value: the comma after a sibling, then "key": in an object.
 * Keys are the program's names: copied, not escaped.
 */
static void member(struct ct_json *j, const char *key, size_t n)
{
	char *d;

	if (!room(j, n + 4))
		return;
	d = j->buf + j->len;
	if (j->depth && j->depth <= CT_JSON_DEPTH) {
		if (!j->first[j->depth - 1])
			*d++ = ',';
		j->first[j->depth - 1] = false;
	}
	if (key) {
		*d++ = '"';
		copy(d, key, n);
		d += n;
		*d++ = '"';
		*d++ = ':';
	}
	j->len = d - j->buf;
}

void ct_json_open_k(struct ct_json *j, const char *key, size_t klen,
		    char kind)
{
	member(j, key, klen);
	putc1(j, kind);
	if (j->depth < CT_JSON_DEPTH) {
		j->close[j->depth] = kind == '[' ? ']' : '}';
		j->first[j->depth] = true;
	}
	j->depth++;
}

void ct_json_close(struct ct_json *j)
{
	if (!j->depth)
		return;
	j->depth--;
	putc1(j, j->depth < CT_JSON_DEPTH ? j->close[j->depth] : '}');
	if (!j->depth) {
		putc1(j, '\n');	/* one record, one line */
		flush(j);
	}
}

void ct_json_strn_k(struct ct_json *j, const char *key, size_t klen,
		    const char *s, size_t max)
{
	member(j, key, klen);
	if (s)
		quoted(j, s, max);
	else
		put(j, "null", 4);
}

void ct_json_escaped_k(struct ct_json *j, const char *key, size_t klen,
		       const char *s)
{
	member(j, key, klen);
	putc1(j, '"');
	put(j, s, strlen(s));
	putc1(j, '"');
}

/* Digits without printf, which the event lines cannot afford. */
static void put_u64(struct ct_json *j, uint64_t v)
{
	char t[20];
	int i = sizeof(t);

	do {
		t[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put(j, t + i, sizeof(t) - i);
}

void ct_json_u64_k(struct ct_json *j, const char *key, size_t klen,
		   uint64_t v)
{
	member(j, key, klen);
	put_u64(j, v);
}

void ct_json_i64_k(struct ct_json *j, const char *key, size_t klen,
		   int64_t v)
{
	member(j, key, klen);
	if (v < 0) {
		putc1(j, '-');
		put_u64(j, -(uint64_t)v);
	} else {
		put_u64(j, v);
	}
}

void ct_json_num_k(struct ct_json *j, const char *key, size_t klen,
		   double v, int decimals)
{
	char t[64];
	int n;

	member(j, key, klen);
	if (!isfinite(v)) {
		put(j, "null", 4);
		return;
	}
	n = snprintf(t, sizeof(t), "%.*f", decimals, v);
	if (n > 0 && n < (int)sizeof(t))
		put(j, t, n);
	else
		put(j, "null", 4);
}

void ct_json_bool_k(struct ct_json *j, const char *key, size_t klen, bool v)
{
	member(j, key, klen);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void ct_json_null_k(struct ct_json *j, const char *key, size_t klen)
{
	member(j, key, klen);
	put(j, "null", 4);
}

void ct_json_cgroup(struct ct_json *j, const char *key, const char *ctrl,
		    uint64_t id, const char *path, size_t max)
{
	ct_json_open(j, key, '{');
	if (ctrl)
		ct_json_str(j, "controller", ctrl);
	if (id)
		ct_json_u64(j, "id", id);
	else
		ct_json_null(j, "id");
	if (path)
		ct_json_strn(j, "path", path, max);
	else
		ct_json_null(j, "path");
	ct_json_close(j);
}
