// SPDX-License-Identifier: GPL-2.0
/*
 * tree.c - the creation tree.
 *
 * Nodes live in one array and refer to each other by index (0: none), so
 * that growing the array moves nothing that matters. A child is always
 * added after its parent, so the array is in topological order: walking
 * it backwards finishes every child before its parent (subtree counts and
 * signatures, no recursion). Printing recurses, but never deeper than
 * CT_TREE_MAX_DEPTH.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "escape.h"
#include "json.h"
#include "tree.h"

#define FLAGS_BUF	512
#define COMM_BUF	(CT_COMM_LEN * 8)

enum role {
	ROLE_ROOT,	/* a creator not seen being created */
	ROLE_CREATED,
	ROLE_FAILED,
};

struct node {
	uint64_t flags;
	uint64_t created;	/* creations it made (direct children) */
	uint64_t below;		/* all nodes under it */
	uint64_t sig;		/* of the node and its subtree */
	uint32_t parent, first, last, next;
	uint32_t pid, tid;
	int32_t err;
	uint16_t kind, syscall;
	uint8_t role;
	uint8_t exited;		/* -e exit: code and life_ns are set */
	uint8_t existing;	/* a -p target or one below it, at start */
	int32_t code;		/* wait status of the process's end */
	uint64_t life_ns;	/* its lifetime */
	uint64_t lost;		/* creations lost (ring buffer full) */
	char *prog;		/* -e exec: the last program it exec'd */
	char comm[CT_COMM_LEN];
};

struct ct_tree {
	struct node *nodes;	/* [0] unused */
	uint32_t n, cap, max;
	uint32_t first_root, last_root;
	uint64_t dropped;
	bool done;		/* counts and signatures are current */
	/* TGID -> node index: open addressing, linear probing */
	uint32_t *keys, *vals;
	uint32_t slots, used;
	uint32_t dot_id;
};

struct ct_tree *ct_tree_new(uint32_t max_nodes)
{
	struct ct_tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max = max_nodes ? max_nodes : CT_TREE_MAX_NODES;
	t->n = 1;
	return t;
}

void ct_tree_free(struct ct_tree *t)
{
	uint32_t i;

	if (!t)
		return;
	for (i = 1; i < t->n; i++)
		free(t->nodes[i].prog);
	free(t->nodes);
	free(t->keys);
	free(t->vals);
	free(t);
}

uint64_t ct_tree_nodes(const struct ct_tree *t)
{
	return t->n - 1;
}

static uint32_t hash32(uint32_t k)
{
	return k * 0x9e3779b1U;
}

static uint32_t map_get(struct ct_tree *t, uint32_t tgid)
{
	uint32_t i;

	if (!t->slots)
		return 0;
	for (i = hash32(tgid) & (t->slots - 1); t->vals[i];
	     i = (i + 1) & (t->slots - 1))
		if (t->keys[i] == tgid)
			return t->vals[i];
	return 0;
}

static int map_put(struct ct_tree *t, uint32_t tgid, uint32_t idx);

static int map_grow(struct ct_tree *t)
{
	uint32_t *keys = t->keys, *vals = t->vals, slots = t->slots, i;

	t->slots = slots ? slots * 2 : 1024;
	t->keys = calloc(t->slots, sizeof(*t->keys));
	t->vals = calloc(t->slots, sizeof(*t->vals));
	if (!t->keys || !t->vals) {
		free(t->keys);
		free(t->vals);
		t->keys = keys;
		t->vals = vals;
		t->slots = slots;
		return -ENOMEM;
	}
	t->used = 0;
	for (i = 0; i < slots; i++)
		if (vals[i])
			map_put(t, keys[i], vals[i]);
	free(keys);
	free(vals);
	return 0;
}

static int map_put(struct ct_tree *t, uint32_t tgid, uint32_t idx)
{
	uint32_t i;

	if ((t->used + 1) * 2 > t->slots && map_grow(t))
		return -ENOMEM;
	for (i = hash32(tgid) & (t->slots - 1); t->vals[i];
	     i = (i + 1) & (t->slots - 1)) {
		if (t->keys[i] == tgid) {
			t->vals[i] = idx;
			return 0;
		}
	}
	t->keys[i] = tgid;
	t->vals[i] = idx;
	t->used++;
	return 0;
}

static uint32_t new_node(struct ct_tree *t)
{
	if (t->n >= t->max) {
		t->dropped++;
		return 0;
	}
	if (t->n >= t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 1024;
		struct node *nodes;

		if (cap > t->max + 1)
			cap = t->max + 1;
		nodes = realloc(t->nodes, cap * sizeof(*nodes));
		if (!nodes) {
			t->dropped++;
			return 0;
		}
		t->nodes = nodes;
		t->cap = cap;
	}
	memset(&t->nodes[t->n], 0, sizeof(t->nodes[0]));
	return t->n++;
}

static void link_child(struct ct_tree *t, uint32_t parent, uint32_t child)
{
	struct node *c = &t->nodes[child];

	c->parent = parent;
	if (!parent) {
		if (t->last_root)
			t->nodes[t->last_root].next = child;
		else
			t->first_root = child;
		t->last_root = child;
		return;
	}
	if (t->nodes[parent].last)
		t->nodes[t->nodes[parent].last].next = child;
	else
		t->nodes[parent].first = child;
	t->nodes[parent].last = child;
}

/*
 * -e exec,exit: what a process node became. Only processes seen in the
 * tree (created, or creators) are annotated; a thread's exec or exit
 * names its process (its TGID), the end is the last thread's.
 */
static void tree_life(struct ct_tree *t, const struct ct_event *e)
{
	uint32_t i = map_get(t, e->pid);
	struct node *n;

	if (!i)
		return;
	n = &t->nodes[i];
	if (e->type == CT_EV_EXEC) {
		const struct ct_exec_event *x = (const void *)e;
		char text[CT_PATH_TEXT], *prog;

		if (e->err)
			return;
		prog = strdup(ct_exec_program(x, text, sizeof(text)));
		if (!prog)
			return;
		free(n->prog);
		n->prog = prog;
	} else {
		const struct ct_exit_event *x = (const void *)e;

		if (!x->group_dead)
			return;
		n->exited = 1;
		n->code = x->code;
		n->life_ns = x->lifetime_ns;
	}
	t->done = false;
}

int ct_tree_add(struct ct_tree *t, const struct ct_event *e)
{
	uint32_t parent, child;
	struct node *c;

	if (e->type == CT_EV_EXEC || e->type == CT_EV_EXIT) {
		tree_life(t, e);
		return 0;
	}
	parent = map_get(t, e->ppid);
	t->done = false;
	if (!parent) {
		parent = new_node(t);
		if (!parent)
			return -ENOSPC;
		t->nodes[parent].role = ROLE_ROOT;
		t->nodes[parent].pid = e->ppid;
		t->nodes[parent].tid = e->ppid;
		link_child(t, 0, parent);
		if (map_put(t, e->ppid, parent))
			return -ENOMEM;
	}
	/* the name it creates under is its latest (an exec renames it) */
	memcpy(t->nodes[parent].comm, e->pcomm, CT_COMM_LEN);

	child = new_node(t);
	if (!child)
		return -ENOSPC;
	c = &t->nodes[child];
	c->flags = e->flags;
	c->kind = e->kind;
	c->syscall = e->syscall;
	if (e->type == CT_EV_CLONE) {
		c->role = ROLE_CREATED;
		c->pid = e->pid;
		c->tid = e->tid;
		memcpy(c->comm, e->comm, CT_COMM_LEN);
	} else {
		c->role = ROLE_FAILED;
		c->err = e->err;
		memcpy(c->comm, e->pcomm, CT_COMM_LEN);
	}
	link_child(t, parent, child);
	/* a new process: its own creations hang under it (a reused TGID
	 * now names the new one) */
	if (e->type == CT_EV_CLONE && e->kind != CT_KIND_THREAD &&
	    map_put(t, e->pid, child))
		return -ENOMEM;
	return 0;
}

int ct_tree_existing(struct ct_tree *t, uint32_t pid, uint32_t ppid,
		     const char *comm)
{
	uint32_t parent = ppid ? map_get(t, ppid) : 0, i = map_get(t, pid);

	if (i) {		/* a process listed twice: the first wins */
		t->nodes[i].existing = 1;
		return 0;
	}
	i = new_node(t);
	if (!i)
		return -ENOSPC;
	t->nodes[i].role = ROLE_ROOT;	/* not seen being created */
	t->nodes[i].existing = 1;
	t->nodes[i].pid = pid;
	t->nodes[i].tid = pid;
	memcpy(t->nodes[i].comm, comm, CT_COMM_LEN);
	link_child(t, parent, i);
	t->done = false;
	return map_put(t, pid, i) ? -ENOMEM : 0;
}

int ct_tree_lost(struct ct_tree *t, uint32_t tgid, const char *comm,
		 uint64_t lost)
{
	uint32_t i = map_get(t, tgid);

	if (!i) {		/* every creation it made was lost */
		i = new_node(t);
		if (!i)
			return -ENOSPC;
		t->nodes[i].role = ROLE_ROOT;
		t->nodes[i].pid = tgid;
		t->nodes[i].tid = tgid;
		memcpy(t->nodes[i].comm, comm, CT_COMM_LEN);
		link_child(t, 0, i);
		if (map_put(t, tgid, i))
			return -ENOMEM;
	}
	t->nodes[i].lost = lost;
	t->done = false;
	return 0;
}

/* FNV-1a */
static uint64_t mix(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void finish(struct ct_tree *t)
{
	uint32_t i, c;

	if (t->done)
		return;
	for (i = t->n - 1; i >= 1; i--) {
		struct node *n = &t->nodes[i];
		uint64_t h = 0xcbf29ce484222325ULL;

		h = mix(h, &n->role, sizeof(n->role));
		h = mix(h, &n->kind, sizeof(n->kind));
		h = mix(h, &n->syscall, sizeof(n->syscall));
		h = mix(h, &n->flags, sizeof(n->flags));
		h = mix(h, &n->err, sizeof(n->err));
		h = mix(h, n->comm, strnlen(n->comm, CT_COMM_LEN));
		/* what it became, but not how long it lived */
		if (n->prog)
			h = mix(h, n->prog, strlen(n->prog) + 1);
		h = mix(h, &n->exited, sizeof(n->exited));
		if (n->exited)
			h = mix(h, &n->code, sizeof(n->code));
		h = mix(h, &n->lost, sizeof(n->lost));
		h = mix(h, &n->existing, sizeof(n->existing));
		if (n->role == ROLE_ROOT)	/* roots are distinct tasks */
			h = mix(h, &n->pid, sizeof(n->pid));
		n->created = 0;
		n->below = 0;
		for (c = n->first; c; c = t->nodes[c].next) {
			n->created++;
			n->below += 1 + t->nodes[c].below;
			h = mix(h, &t->nodes[c].sig, sizeof(uint64_t));
		}
		n->sig = h;
	}
	t->done = true;
}

/* How many siblings from i on look the same. */
static uint64_t run_length(struct ct_tree *t, uint32_t i, uint32_t *after)
{
	uint64_t sig = t->nodes[i].sig, n = 0;

	while (i && t->nodes[i].sig == sig) {
		n++;
		i = t->nodes[i].next;
	}
	*after = i;
	return n;
}

/* The shortest and longest lifetime in a run of count from n. */
static void run_life(const struct ct_tree *t, const struct node *n,
		     uint64_t count, uint64_t *lo, uint64_t *hi)
{
	*lo = *hi = n->life_ns;
	while (--count && n->next) {
		n = &t->nodes[n->next];
		if (n->life_ns < *lo)
			*lo = n->life_ns;
		if (n->life_ns > *hi)
			*hi = n->life_ns;
	}
}

/* " exec=PROG exit=3 lifetime=0.012000s": -e exec,exit annotations. */
static size_t life_label(const struct ct_tree *t, const struct node *n,
			 uint64_t count, char *buf, size_t len)
{
	char prog[CT_PATH_TEXT * 4], how[32];
	uint64_t lo, hi;
	size_t off = 0;

	if (n->prog) {
		ct_escape_human(n->prog, strlen(n->prog), prog, sizeof(prog));
		off += snprintf(buf + off, len - off, " exec=%s", prog);
	}
	if (!n->exited || off >= len)
		return off;
	off += snprintf(buf + off, len - off, " %s=%s",
			n->code & 0x7f ? "signal" : "exit",
			ct_wait_status_name(n->code, how, sizeof(how)));
	if (off >= len)
		return off;
	run_life(t, n, count, &lo, &hi);
	if (count > 1 && lo != hi)
		off += snprintf(buf + off, len - off,
				" lifetime=%.6f-%.6fs", lo / 1e9, hi / 1e9);
	else
		off += snprintf(buf + off, len - off, " lifetime=%.6fs",
				lo / 1e9);
	return off;
}

/* The text of one line, without the branch drawing. */
static void label(const struct ct_tree *t, const struct node *n,
		  uint64_t count, char *buf, size_t len)
{
	char comm[COMM_BUF], flags[FLAGS_BUF], err[32], what[COMM_BUF + 32];
	size_t off = 0;

	ct_escape_human(n->comm, CT_COMM_LEN, comm, sizeof(comm));
	if (n->role == ROLE_ROOT) {
		off = snprintf(buf, len, "%s(%u)%s", comm, n->pid,
			       n->existing ? " existing at start" : "");
		goto counts;
	}
	ct_flags_str(n->flags, true, flags, sizeof(flags));
	if (n->role == ROLE_FAILED)
		snprintf(what, sizeof(what), "%s", comm);
	else if (n->kind == CT_KIND_THREAD)
		snprintf(what, sizeof(what), "{%s}(%u)", comm, n->tid);
	else
		snprintf(what, sizeof(what), "%s(%u)", comm, n->pid);
	if (count > 1) {
		/* the run shows its first member's PID */
		off = snprintf(buf, len, "\u00d7%" PRIu64 " %s%s %s %s [%s]",
			       count, n->role == ROLE_FAILED ? "failed " : "",
			       ct_kind_plural(n->kind), what,
			       ct_syscall_label(n->syscall), flags);
	} else {
		off = snprintf(buf, len, "%s%s %s %s [%s]",
			       n->role == ROLE_FAILED ? "failed " : "", what,
			       ct_kind_name(n->kind),
			       ct_syscall_label(n->syscall), flags);
	}
	if (n->role == ROLE_FAILED && off < len)
		off += snprintf(buf + off, len - off, " = %s",
				ct_errno_name(n->err, err, sizeof(err)));
counts:
	if (off < len)
		off += life_label(t, n, count, buf + off, len - off);
	if (n->created && off < len)
		off += snprintf(buf + off, len - off,
				" (%screated %" PRIu64 ", %" PRIu64 " below)",
				count > 1 ? "each " : "", n->created, n->below);
	if (n->lost && off < len)	/* a hole: these are not shown */
		snprintf(buf + off, len - off, " [%s%" PRIu64 " creations lost]",
			 count > 1 ? "each " : "", n->lost);
}

static void print_children(struct ct_tree *t, FILE *f, uint32_t first,
			   char *prefix, size_t plen, int depth)
{
	char line[FLAGS_BUF + CT_PATH_LEN * 4 + 320];
	uint32_t i = first, after;

	while (i) {
		uint64_t count = run_length(t, i, &after);
		bool last = !after;

		label(t, &t->nodes[i], count, line, sizeof(line));
		fprintf(f, "%s%s%s\n", prefix, last ? "`-" : "|-", line);
		if (t->nodes[i].first) {
			if (depth >= CT_TREE_MAX_DEPTH) {
				fprintf(f, "%s%s`-... %" PRIu64 " below, deeper than %d levels\n",
					prefix, last ? "  " : "| ",
					t->nodes[i].below, CT_TREE_MAX_DEPTH);
			} else {
				memcpy(prefix + plen, last ? "  " : "| ", 3);
				print_children(t, f, t->nodes[i].first, prefix,
					       plen + 2, depth + 1);
				prefix[plen] = '\0';
			}
		}
		i = after;
	}
}

void ct_tree_print(struct ct_tree *t, FILE *f)
{
	char prefix[2 * CT_TREE_MAX_DEPTH + 8] = "";
	char line[FLAGS_BUF + CT_PATH_LEN * 4 + 320];
	uint32_t r;

	finish(t);
	fprintf(f, "CREATION TREE: %" PRIu64 " nodes", ct_tree_nodes(t));
	if (t->dropped)
		fprintf(f, ", %" PRIu64 " creations not shown (more than %u nodes)",
			t->dropped, t->max);
	fputc('\n', f);
	for (r = t->first_root; r; r = t->nodes[r].next) {
		label(t, &t->nodes[r], 1, line, sizeof(line));
		fprintf(f, "%s\n", line);
		print_children(t, f, t->nodes[r].first, prefix, 0, 1);
	}
}

/* What a node is: roots were not seen being created. */
static void json_what(struct ct_json *j, const struct node *n)
{
	char flags[FLAGS_BUF], err[32];

	if (n->role == ROLE_ROOT) {
		ct_json_u64(j, "pid", n->pid);
		ct_json_u64(j, "tid", n->tid);
		ct_json_null(j, "kind");
		ct_json_null(j, "syscall");
		ct_json_null(j, "flags");
		ct_json_null(j, "error");
		return;
	}
	if (n->role == ROLE_FAILED) {
		ct_json_null(j, "pid");
		ct_json_null(j, "tid");
	} else {
		ct_json_u64(j, "pid", n->pid);
		ct_json_u64(j, "tid", n->tid);
	}
	ct_flags_str(n->flags, false, flags, sizeof(flags));
	ct_json_str(j, "kind", ct_kind_name(n->kind));
	ct_json_str(j, "syscall", ct_syscall_name(n->syscall));
	ct_json_u64(j, "flags", n->flags);
	ct_json_str(j, "flags_str", flags);
	ct_json_str(j, "error", n->role == ROLE_FAILED ?
		    ct_errno_name(n->err, err, sizeof(err)) : NULL);
}

/* -e exec,exit: the program and the end; null when not seen. */
static void json_life(const struct ct_tree *t, struct ct_json *j,
		      const struct node *n, uint64_t count)
{
	char sig[24];
	uint64_t lo, hi;

	ct_json_str(j, "exec", n->prog);
	if (!n->exited) {
		ct_json_null(j, "exit_status");
		ct_json_null(j, "signal");
		ct_json_null(j, "core_dumped");
		ct_json_null(j, "lifetime_ns");
		ct_json_null(j, "lifetime_min_ns");
		ct_json_null(j, "lifetime_max_ns");
		return;
	}
	if (n->code & 0x7f) {
		ct_json_null(j, "exit_status");
		ct_json_str(j, "signal", ct_signal_name(n->code & 0x7f, sig,
							 sizeof(sig)));
	} else {
		ct_json_u64(j, "exit_status", (n->code >> 8) & 0xff);
		ct_json_null(j, "signal");
	}
	ct_json_bool(j, "core_dumped", n->code & 0x80);
	run_life(t, n, count, &lo, &hi);
	ct_json_u64(j, "lifetime_ns", n->life_ns);
	ct_json_u64(j, "lifetime_min_ns", lo);
	ct_json_u64(j, "lifetime_max_ns", hi);
}

static void json_node(struct ct_tree *t, struct ct_json *j, uint32_t i,
		      uint64_t count, int depth)
{
	const struct node *n = &t->nodes[i];
	uint32_t c, after;

	ct_json_open(j, NULL, '{');
	ct_json_u64(j, "count", count);
	ct_json_strn(j, "comm", n->comm, CT_COMM_LEN);
	json_what(j, n);
	json_life(t, j, n, count);
	ct_json_u64(j, "created", n->created);
	ct_json_u64(j, "below", n->below);
	if (n->lost)
		ct_json_u64(j, "lost", n->lost);
	if (n->existing)
		ct_json_bool(j, "existing", true);
	ct_json_open(j, "children", '[');
	if (depth < CT_TREE_MAX_DEPTH) {
		for (c = n->first; c; c = after)
			json_node(t, j, c, run_length(t, c, &after), depth + 1);
	}
	ct_json_close(j);
	ct_json_close(j);
}

void ct_tree_json(struct ct_tree *t, FILE *f)
{
	struct ct_json j;
	uint32_t r;

	finish(t);
	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "tree");
	ct_json_u64(&j, "nodes", ct_tree_nodes(t));
	ct_json_u64(&j, "dropped", t->dropped);
	ct_json_i64(&j, "max_depth", CT_TREE_MAX_DEPTH);
	ct_json_open(&j, "roots", '[');
	for (r = t->first_root; r; r = t->nodes[r].next)
		json_node(t, &j, r, 1, 1);
	ct_json_close(&j);
	ct_json_close(&j);
}

/* A label inside a DOT double-quoted string. */
static void dot_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static uint32_t dot_node(struct ct_tree *t, FILE *f, uint32_t i,
			 uint64_t count, int depth)
{
	char line[FLAGS_BUF + CT_PATH_LEN * 4 + 320];
	uint32_t id = ++t->dot_id, c, after;

	label(t, &t->nodes[i], count, line, sizeof(line));
	fprintf(f, "  n%u [label=\"", id);
	dot_label(f, line);
	fprintf(f, "\"%s];\n", t->nodes[i].role == ROLE_FAILED ?
		", color=red" : "");
	if (depth >= CT_TREE_MAX_DEPTH)
		return id;
	for (c = t->nodes[i].first; c; c = after) {
		uint64_t k = run_length(t, c, &after);
		uint32_t cid = dot_node(t, f, c, k, depth + 1);

		fprintf(f, "  n%u -> n%u;\n", id, cid);
	}
	return id;
}

void ct_tree_dot(struct ct_tree *t, FILE *f)
{
	uint32_t r;

	finish(t);
	t->dot_id = 0;
	fputs("digraph clonetrace {\n"
	      "  rankdir=LR;\n"
	      "  node [shape=box, fontname=\"monospace\"];\n", f);
	for (r = t->first_root; r; r = t->nodes[r].next)
		dot_node(t, f, r, 1, 1);
	fputs("}\n", f);
}
