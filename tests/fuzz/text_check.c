// SPDX-License-Identifier: GPL-2.0
/*
 * text_check.c - what the fuzzers require of clonetrace's output, written
 * independently of userspace/json.c and escape.c:
 *
 *   json_lines_valid()  every line is one JSON value (RFC 8259), whose
 *                       strings are valid UTF-8 without raw controls;
 *   text_clean()        valid UTF-8 without a control character other
 *                       than newline (C0, DEL, C1): safe on a terminal.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "text_check.h"

#define MAX_DEPTH	512

struct cur {
	const unsigned char *p, *end;
};

/* Length of a well-formed UTF-8 character at p, or 0. */
static size_t utf8(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if ((size_t)(end - p) < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static bool lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n))
		return false;
	c->p += n;
	return true;
}

static bool hex4(struct cur *c)
{
	int i;

	for (i = 0; i < 4; i++, c->p++)
		if (c->p >= c->end || !strchr("0123456789abcdefABCDEF", *c->p) ||
		    !*c->p)
			return false;
	return true;
}

static bool string(struct cur *c)
{
	if (!lit(c, "\""))
		return false;
	while (c->p < c->end && *c->p != '"') {
		size_t n;

		if (*c->p < 0x20)
			return false;		/* a raw control */
		if (*c->p == '\\') {
			c->p++;
			if (c->p >= c->end)
				return false;
			if (*c->p == 'u') {
				c->p++;
				if (!hex4(c))
					return false;
				continue;
			}
			if (!strchr("\"\\/bfnrt", *c->p) || !*c->p)
				return false;
			c->p++;
			continue;
		}
		n = utf8(c->p, c->end);
		if (!n)
			return false;
		c->p += n;
	}
	return lit(c, "\"");
}

static bool number(struct cur *c)
{
	const unsigned char *start;

	lit(c, "-");
	start = c->p;
	if (lit(c, "0")) {
		;
	} else {
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return false;
	}
	if (lit(c, ".")) {
		start = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return false;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (!lit(c, "+"))
			lit(c, "-");
		start = c->p;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
		if (c->p == start)
			return false;
	}
	return true;
}

static bool value(struct cur *c, int depth);

static bool members(struct cur *c, int depth, char close, bool object)
{
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		ws(c);
		if (object) {
			if (!string(c))
				return false;
			ws(c);
			if (!lit(c, ":"))
				return false;
		}
		if (!value(c, depth + 1))
			return false;
		ws(c);
		if (lit(c, ","))
			continue;
		return c->p < c->end && *c->p++ == (unsigned char)close;
	}
}

static bool value(struct cur *c, int depth)
{
	if (depth > MAX_DEPTH)
		return false;
	ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
		c->p++;
		return members(c, depth, '}', true);
	case '[':
		c->p++;
		return members(c, depth, ']', false);
	case '"':
		return string(c);
	case 't':
		return lit(c, "true");
	case 'f':
		return lit(c, "false");
	case 'n':
		return lit(c, "null");
	default:
		return number(c);
	}
}

bool json_lines_valid(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	const unsigned char *end = p + len;

	if (!len || buf[len - 1] != '\n')
		return false;
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', end - p);
		struct cur c = { p, nl };

		if (!value(&c, 0))
			return false;
		ws(&c);
		if (c.p != nl)
			return false;
		p = nl + 1;
	}
	return true;
}

bool text_clean(const char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)buf;
	const unsigned char *end = p + len;

	while (p < end) {
		size_t n = utf8(p, end);

		if (!n)
			return false;
		if (n == 1 && ((*p < 0x20 && *p != '\n') || *p == 0x7f))
			return false;
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			return false;	/* C1 */
		p += n;
	}
	return true;
}
