/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - the JSON writer: every JSON record clonetrace prints goes
 * through it (the event lines of output.c build their own buffer, with
 * the same escaper, escape.c). One record is one line: closing the
 * outermost object ends the line.
 *
 *	struct ct_json j;
 *
 *	ct_json_init(&j, stdout);
 *	ct_json_open(&j, NULL, '{');
 *	ct_json_str(&j, "event", "summary");
 *	ct_json_open(&j, "by_kind", '{');
 *	ct_json_u64(&j, "thread", 3);
 *	ct_json_close(&j);
 *	ct_json_close(&j);	-> {"event":"summary","by_kind":{"thread":3}}
 *
 * key is NULL for the elements of an array and for the record itself.
 */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Deep enough for the tree: two levels a node, CT_TREE_MAX_DEPTH nodes. */
#define CT_JSON_DEPTH	256

struct ct_json {
	FILE *f;
	int depth;
	char close[CT_JSON_DEPTH];	/* '}' or ']' of each open level */
	bool first[CT_JSON_DEPTH];	/* nothing written in it yet */
};

void ct_json_init(struct ct_json *j, FILE *f);
/* Open an object ('{') or an array ('['); ct_json_close() ends it. */
void ct_json_open(struct ct_json *j, const char *key, char kind);
void ct_json_close(struct ct_json *j);

/* A string (NULL: null), at most max bytes of it (up to a NUL). */
void ct_json_strn(struct ct_json *j, const char *key, const char *s,
		  size_t max);
void ct_json_str(struct ct_json *j, const char *key, const char *s);
void ct_json_u64(struct ct_json *j, const char *key, uint64_t v);
void ct_json_i64(struct ct_json *j, const char *key, int64_t v);
/* A number with that many decimals ("%.*f"); null when not finite. */
void ct_json_num(struct ct_json *j, const char *key, double v, int decimals);
void ct_json_bool(struct ct_json *j, const char *key, bool v);
void ct_json_null(struct ct_json *j, const char *key);

#endif /* CT_JSON_H */
