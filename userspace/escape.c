// SPDX-License-Identifier: GPL-2.0
/*
 * escape.c - the escaper for JSON strings and terminals (escape.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (need > n)
		return 0;
	for (i = 1; i < need; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

/* The code point of the well-formed sequence at s, n bytes long. */
static unsigned int code_point(const unsigned char *s, size_t n)
{
	static const unsigned char lead[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned int cp = s[0] & lead[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * A control though valid UTF-8 (n > 1 bytes): C1 (U+0080..U+009F), or a
 * bidirectional-text control, which reorders what a terminal shows
 * after it: U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069.
 */
static bool is_control(const unsigned char *s, size_t n)
{
	unsigned int cp;

	if (n > 3)
		return false;
	cp = code_point(s, n);
	return cp < 0xa0 || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Does the byte (a complete character) pass as it is? */
static bool plain(unsigned char c, enum ct_escape how)
{
	return c >= 0x20 && c < 0x7f && c != '\\' &&
	       !(how == CT_ESC_JSON && c == '"');
}

/*
 * The escape of the character at s (n bytes: 1, or more for a control
 * is_control() finds) into tmp. A control character: C0, DEL, C1, bidi,
 * or '\' / '"'.
 */
static void control(const unsigned char *s, size_t n, enum ct_escape how,
		    char *tmp, size_t len)
{
	unsigned int cp = code_point(s, n);
	size_t i, off = 0;

	if (s[0] == '\\' || s[0] == '"')
		snprintf(tmp, len, "\\%c", s[0]);
	else if (s[0] == '\n')
		snprintf(tmp, len, "\\n");
	else if (s[0] == '\t')
		snprintf(tmp, len, "\\t");
	else if (s[0] == '\r')
		snprintf(tmp, len, "\\r");
	else if (how == CT_ESC_JSON)
		snprintf(tmp, len, "\\u%04x", cp);
	else	/* keep the bytes visible as they are */
		for (i = 0; i < n && off < len; i++)
			off += snprintf(tmp + off, len - off, "\\x%02x", s[i]);
}

/* A label: the terminal's text, its '\' and '"' escaped once more. */
struct label_sink {
	ct_sink_fn *sink;
	void *ctx;
};

static void to_label(void *ctx, const char *p, size_t n)
{
	struct label_sink *l = ctx;
	size_t i, run = 0;

	for (i = 0; i < n; i++) {
		if (p[i] != '\\' && p[i] != '"') {
			run++;
			continue;
		}
		if (run)
			l->sink(l->ctx, p + i - run, run);
		run = 0;
		l->sink(l->ctx, p[i] == '"' ? "\\\"" : "\\\\", 2);
	}
	if (run)
		l->sink(l->ctx, p + n - run, run);
}

void ct_escape(const char *str, size_t max, enum ct_escape how,
	       ct_sink_fn *sink, void *ctx)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t len = strnlen(str, max), i = 0, run = 0;

	if (how == CT_ESC_LABEL) {
		struct label_sink l = { sink, ctx };

		ct_escape(str, max, CT_ESC_TERMINAL, to_label, &l);
		return;
	}
	while (i < len) {
		size_t n = utf8_len(s + i, len - i);
		char tmp[16];

		if ((n == 1 && plain(s[i], how)) ||
		    (n > 1 && !is_control(s + i, n))) {
			i += n;		/* passes: part of the run */
			run += n;
			continue;
		}
		if (run)
			sink(ctx, (const char *)s + i - run, run);
		run = 0;
		if (n) {
			control(s + i, n, how, tmp, sizeof(tmp));
		} else {
			/* not UTF-8: the literal text \xNN */
			snprintf(tmp, sizeof(tmp),
				 how == CT_ESC_JSON ? "\\\\x%02x" : "\\x%02x",
				 s[i]);
			n = 1;
		}
		sink(ctx, tmp, strlen(tmp));
		i += n;
	}
	if (run)
		sink(ctx, (const char *)s + i - run, run);
}

struct buf_sink {
	char *buf;
	size_t len, off;
	bool full;
};

static void to_buf(void *ctx, const char *p, size_t n)
{
	struct buf_sink *b = ctx;

	if (b->full || b->off + n >= b->len) {
		b->full = true;		/* the text ends before this piece */
		return;
	}
	memcpy(b->buf + b->off, p, n);
	b->off += n;
}

size_t ct_escape_buf(const char *s, size_t max, enum ct_escape how,
		     char *buf, size_t buflen)
{
	struct buf_sink b = { buf, buflen, 0, false };

	if (!buflen)
		return 0;
	ct_escape(s, max, how, to_buf, &b);
	buf[b.off] = '\0';
	return b.off;
}
