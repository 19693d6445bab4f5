/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - the JSON writer: every JSON record clonetrace prints goes
 * through it, the event lines of the hot path included (output.c builds
 * each into a buffer of its own with ct_json_init_buf()). Every string
 * value goes through the escaper (escape.c); keys are the program's own
 * names (identifiers, kind and errno names), copied as they are. One
 * record is one line: closing the outermost object ends the line, and a
 * record written to a FILE goes out in one piece when it fits the
 * writer's buffer.
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
#define CT_JSON_BUF	4096

struct ct_json {
	FILE *f;		/* NULL: the record stays in the caller's buf */
	char *buf;
	size_t len, cap;
	bool cut;		/* the caller's buf was too small */
	int depth;
	char close[CT_JSON_DEPTH];	/* '}' or ']' of each open level */
	bool first[CT_JSON_DEPTH];	/* nothing written in it yet */
	char own[CT_JSON_BUF];		/* f's buffer */
};

/* Records to f. */
void ct_json_init(struct ct_json *j, FILE *f);
/*
 * One record into buf (cap bytes), for the caller to write: its length
 * is ct_json_len(), 0 if it did not fit (never for a bounded record).
 */
void ct_json_init_buf(struct ct_json *j, char *buf, size_t cap);
size_t ct_json_len(const struct ct_json *j);

/*
 * The values below take the key's length from the key (strlen() of a
 * literal costs nothing once inlined: the event lines count every call).
 */
void ct_json_open_k(struct ct_json *j, const char *key, size_t klen,
		    char kind);
void ct_json_strn_k(struct ct_json *j, const char *key, size_t klen,
		    const char *s, size_t max);
void ct_json_escaped_k(struct ct_json *j, const char *key, size_t klen,
		       const char *s);
void ct_json_u64_k(struct ct_json *j, const char *key, size_t klen,
		   uint64_t v);
void ct_json_i64_k(struct ct_json *j, const char *key, size_t klen,
		   int64_t v);
void ct_json_num_k(struct ct_json *j, const char *key, size_t klen,
		   double v, int decimals);
void ct_json_bool_k(struct ct_json *j, const char *key, size_t klen, bool v);
void ct_json_null_k(struct ct_json *j, const char *key, size_t klen);

#define CT_JSON_KLEN(key)	((key) ? __builtin_strlen(key) : 0)

/* Open an object ('{') or an array ('['); ct_json_close() ends it. */
static inline void ct_json_open(struct ct_json *j, const char *key,
				char kind)
{
	ct_json_open_k(j, key, CT_JSON_KLEN(key), kind);
}

void ct_json_close(struct ct_json *j);

/* A string (NULL: null), at most max bytes of it (up to a NUL). */
static inline void ct_json_strn(struct ct_json *j, const char *key,
				const char *s, size_t max)
{
	ct_json_strn_k(j, key, CT_JSON_KLEN(key), s, max);
}

static inline void ct_json_str(struct ct_json *j, const char *key,
			       const char *s)
{
	ct_json_strn_k(j, key, CT_JSON_KLEN(key), s, SIZE_MAX);
}

/*
 * A string already escaped for JSON by ct_escape() (CT_ESC_JSON): a
 * rendering kept in a cache, escaped once.
 */
static inline void ct_json_escaped(struct ct_json *j, const char *key,
				   const char *s)
{
	ct_json_escaped_k(j, key, CT_JSON_KLEN(key), s);
}

static inline void ct_json_u64(struct ct_json *j, const char *key,
			       uint64_t v)
{
	ct_json_u64_k(j, key, CT_JSON_KLEN(key), v);
}

static inline void ct_json_i64(struct ct_json *j, const char *key,
			       int64_t v)
{
	ct_json_i64_k(j, key, CT_JSON_KLEN(key), v);
}

/* A number with that many decimals ("%.*f"); null when not finite. */
static inline void ct_json_num(struct ct_json *j, const char *key, double v,
			       int decimals)
{
	ct_json_num_k(j, key, CT_JSON_KLEN(key), v, decimals);
}

static inline void ct_json_bool(struct ct_json *j, const char *key, bool v)
{
	ct_json_bool_k(j, key, CT_JSON_KLEN(key), v);
}

static inline void ct_json_null(struct ct_json *j, const char *key)
{
	ct_json_null_k(j, key, CT_JSON_KLEN(key));
}

/*
 * A cgroup: key:{["controller":ctrl,]"id":id,"path":path}; ctrl NULL
 * leaves it out, id 0 and path NULL are null (path at most max bytes).
 * One shape for every cgroup the JSON shows (events, -p targets).
 */
void ct_json_cgroup(struct ct_json *j, const char *key, const char *ctrl,
		    uint64_t id, const char *path, size_t max);

#endif /* CT_JSON_H */
