// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - the JSON writer (json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "escape.h"
#include "json.h"

void ct_json_init(struct ct_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void to_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

/* A quoted, escaped string. */
static void quoted(struct ct_json *j, const char *s, size_t max)
{
	fputc('"', j->f);
	ct_escape(s, max, CT_ESC_JSON, to_file, j->f);
	fputc('"', j->f);
}

/* Before a value: the comma after a sibling, then "key": in an object. */
static void member(struct ct_json *j, const char *key)
{
	if (j->depth) {
		if (!j->first[j->depth - 1])
			fputc(',', j->f);
		j->first[j->depth - 1] = false;
	}
	if (key) {
		quoted(j, key, SIZE_MAX);
		fputc(':', j->f);
	}
}

void ct_json_open(struct ct_json *j, const char *key, char kind)
{
	member(j, key);
	fputc(kind, j->f);
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
	fputc(j->depth < CT_JSON_DEPTH ? j->close[j->depth] : '}', j->f);
	if (!j->depth)
		fputc('\n', j->f);	/* one record, one line */
}

void ct_json_strn(struct ct_json *j, const char *key, const char *s,
		  size_t max)
{
	member(j, key);
	if (s)
		quoted(j, s, max);
	else
		fputs("null", j->f);
}

void ct_json_str(struct ct_json *j, const char *key, const char *s)
{
	ct_json_strn(j, key, s, SIZE_MAX);
}

void ct_json_u64(struct ct_json *j, const char *key, uint64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void ct_json_i64(struct ct_json *j, const char *key, int64_t v)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void ct_json_num(struct ct_json *j, const char *key, double v, int decimals)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void ct_json_bool(struct ct_json *j, const char *key, bool v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void ct_json_null(struct ct_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}
