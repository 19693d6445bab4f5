// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - printing events: human columns or JSON lines, the summary,
 * and the options that choose (-j, -T, -x).
 *
 * Human (columns: docs/USAGE.md), FLAGS last:
 *   TIME(s)    PCOMM               PID     TID    CPID    CTID KIND    CALL   FLAGS
 * JSON: the contract in docs/JSON.md: keys never change meaning; new
 * keys may be added. Every JSON line goes through the writer (json.c):
 * an event line into one buffer, written in one piece (the hot path),
 * with its comms and flag names escaped once and cached.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "escape.h"
#include "identity.h"
#include "json.h"
#include "output.h"


static const char *const ref_keys[CT_REF_NR] = {
	[CT_REF_MM_USERS]	= "mm_users",
	[CT_REF_MM_COUNT]	= "mm_count",
	[CT_REF_FILES]		= "files",
	[CT_REF_FS]		= "fs",
	[CT_REF_SIGHAND]	= "sighand",
	[CT_REF_SIGNAL_LIVE]	= "signal_live",
	[CT_REF_NR_THREADS]	= "nr_threads",
	[CT_REF_NSPROXY]	= "nsproxy",
};

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "One JSON object per line" },
	{ "wallclock", 'T', NULL, 0, "Print wall-clock time" },
	{ "extended", 'x', NULL, 0,
	  "Human output: a second line per event with comm, refcounts, "
	  "namespaces, latency" },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct ct_output_opts *o = state->input;

	switch (key) {
	case 'j':
		o->json = true;
		break;
	case 'T':
		o->wallclock = true;
		break;
	case 'x':
		o->extended = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp ct_output_argp = {
	.options = options,
	.parser = parse_opt,
};

int ct_output_init(struct ct_output *out, struct ct_outbuf *ob,
		   const struct ct_output_opts *o, bool resolve)
{
	struct timespec mono, real;

	memset(out, 0, sizeof(*out));
	out->ob = ob;
	out->f = ob->f;
	out->json = o->json;
	out->wallclock = o->wallclock;
	out->extended = o->extended;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	out->start_ns = mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	out->real_offset_ns = (int64_t)(real.tv_sec * 1000000000ULL +
					real.tv_nsec) - (int64_t)out->start_ns;
	out->cgroups = ct_cgroups_new(resolve);
	return out->cgroups ? 0 : -ENOMEM;
}

void ct_output_free(struct ct_output *out)
{
	ct_cgroups_free(out->cgroups);
	out->cgroups = NULL;
}

void ct_stats_count(struct ct_stats *st, const struct ct_event *e)
{
	st->events++;
	if (e->type == CT_EV_EXEC) {
		if (e->err)
			st->exec_failed++;
		else
			st->execs++;
		return;
	}
	if (e->type == CT_EV_EXIT) {
		st->exits++;
		return;
	}
	if (e->type == CT_EV_CLONE)
		st->clones++;
	else
		st->failed++;
	if (e->kind < CT_KIND_NR)
		st->by_kind[e->kind]++;
	if (e->syscall < CT_SC_NR)
		st->by_syscall[e->syscall]++;
}

/* Wall-clock "HH:MM:SS.uuuuuu" or ISO 8601 for JSON. */
static void wall_time(const struct ct_output *out, uint64_t ts_ns, bool iso,
		      char *buf, size_t len)
{
	int64_t real = (int64_t)ts_ns + out->real_offset_ns;
	time_t sec = real / 1000000000LL;
	long usec = (real % 1000000000LL) / 1000;
	struct tm tm;
	char tmp[64];

	if (iso) {
		gmtime_r(&sec, &tm);
		strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%06ldZ", tmp, usec);
	} else {
		localtime_r(&sec, &tm);
		strftime(tmp, sizeof(tmp), "%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%06ld", tmp, usec);
	}
}

/*
 * The event printers build each line in one buffer and write it with one
 * fwrite(): in a storm the collector spends its time here, and stdio's
 * printf machinery was three quarters of it.
 */
struct line {
	size_t n;
	char b[4096];
};

static void put(struct line *l, const char *p, size_t n)
{
	if (n > sizeof(l->b) - l->n)
		n = sizeof(l->b) - l->n;	/* cannot happen: bounded fields */
	memcpy(l->b + l->n, p, n);
	l->n += n;
}

#define PUT_LIT(l, lit)	put(l, lit, sizeof(lit) - 1)

static void put_str(struct line *l, const char *p)
{
	put(l, p, strlen(p));
}

static void put_u64(struct line *l, uint64_t v)
{
	char t[20];
	int i = sizeof(t);

	do {
		t[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put(l, t + i, sizeof(t) - i);
}

static void put_s64(struct line *l, int64_t v)
{
	if (v < 0) {
		PUT_LIT(l, "-");
		put_u64(l, -(uint64_t)v);
	} else {
		put_u64(l, v);
	}
}

/* p padded with spaces to width, on the right (left-aligned) or left */
static void put_pad(struct line *l, const char *p, int width, bool left)
{
	static const char spaces[] = "                                ";
	int n = strlen(p), pad = width > n ? width - n : 0;

	if (!left)
		put(l, spaces, pad);
	put(l, p, n);
	if (left)
		put(l, spaces, pad);
}

static void put_u32_pad(struct line *l, uint32_t v, int width)
{
	char t[16];
	int i = sizeof(t) - 1;

	t[i] = '\0';
	do {
		t[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put_pad(l, t + i, width, false);
}

/* The flag names of flags; json: escaped for a JSON string, once. */
static const char *cached_flags(struct ct_flags_cache *c, uint64_t flags,
				bool strip, bool json)
{
	char names[sizeof(c->str)];

	if (!c->valid || c->flags != flags) {
		ct_flags_str(flags, strip, names, sizeof(names));
		ct_escape_buf(names, sizeof(names),
			      json ? CT_ESC_JSON : CT_ESC_TERMINAL, c->str,
			      sizeof(c->str));
		c->flags = flags;
		c->valid = true;
	}
	return c->str;
}

static const char *cached_comm(struct ct_comm_cache *c, const char *raw,
			       bool json)
{
	if (!c->valid || memcmp(c->raw, raw, CT_COMM_LEN)) {
		ct_escape_buf(raw, CT_COMM_LEN,
			      json ? CT_ESC_JSON : CT_ESC_TERMINAL, c->str,
			      sizeof(c->str));
		memcpy(c->raw, raw, CT_COMM_LEN);
		c->valid = true;
	}
	return c->str;
}

/* -x: the names of the namespaces created, after first, sep between. */
static void put_ns_names(struct line *l, uint64_t flags, const char *first,
			 const char *sep)
{
	const char *pre = first;
	uint64_t bit;

	if (!(flags & CT_NS_FLAGS_MASK))
		return;
	for (bit = 1; bit; bit <<= 1) {
		const char *ns = (flags & bit) ? ct_ns_name(bit) : NULL;

		if (!ns)
			continue;
		put_str(l, pre);
		put_str(l, ns);
		pre = sep;
	}
}

static int write_line(struct ct_output *out, const struct line *l)
{
	return ct_outbuf_write(out->ob, l->b, l->n);
}

static void human_header(struct ct_output *out, struct line *l)
{
	l->n = snprintf(l->b, sizeof(l->b),
			"%-*s %-15s %7s %7s %7s %7s %-7s %-6s %s\n",
			out->wallclock ? 15 : 10,
			out->wallclock ? "TIME" : "TIME(s)", "PCOMM", "PID",
			"TID", "CPID", "CTID", "KIND", "CALL", "FLAGS");
	out->header_done = true;
}

/* Seconds since start with 6 decimals, rounded as printf("%.6f") does. */
static void put_rel_time(struct line *l, const struct ct_output *out,
			 uint64_t ts_ns)
{
	uint64_t d = ts_ns > out->start_ns ? ts_ns - out->start_ns : 0;
	uint64_t us = (d + 500) / 1000;
	char frac[8];
	int i;

	put_u64(l, us / 1000000);
	frac[0] = '.';
	for (i = 6; i >= 1; i--) {
		frac[i] = '0' + us % 10;
		us /= 10;
	}
	put(l, frac, 7);
}

/* The FLAGS column: what is shared or created, the exit signal, a failure. */
static void put_human_flags(struct line *l, struct ct_output *out,
			    const struct ct_event *e)
{
	/* the TID bookkeeping flags are on the -x line: keep FLAGS short */
	uint64_t shown = e->flags & ~CT_TID_FLAGS_MASK;
	char sig[24], name[32];

	if (shown || !e->exit_signal)
		put_str(l, cached_flags(&out->cache.human_flags, shown, true,
					false));
	if (e->exit_signal) {
		if (shown)
			PUT_LIT(l, "|");
		put_str(l, ct_signal_name(e->exit_signal, sig, sizeof(sig)));
	}
	if (e->type == CT_EV_CLONE_FAILED) {
		PUT_LIT(l, " = -1 ");
		put_str(l, ct_errno_name(e->err, name, sizeof(name)));
		PUT_LIT(l, " (");
		put_str(l, e->err < 512 ? strerror(e->err) : "kernel restart");
		PUT_LIT(l, ")");
	}
	PUT_LIT(l, "\n");
}

/* -x: cgroup_v1=CONTROLLER:PATH (#ID when gone) */
static void put_human_cgroup1(struct line *l, struct ct_output *out,
			      const struct ct_event *e)
{
	const char *ctrl = ct_cgroups_controller(out->cgroups);
	const char *path;
	char buf[1024];

	if (!e->cgroup1_id || !ctrl)
		return;
	PUT_LIT(l, " cgroup_v1=");
	put_str(l, ctrl);
	PUT_LIT(l, ":");
	path = ct_cgroups_path1(out->cgroups, e->cgroup1_id, NULL);
	if (!path) {
		PUT_LIT(l, "#");
		put_u64(l, e->cgroup1_id);
		return;
	}
	ct_escape_buf(path, 512, CT_ESC_TERMINAL, buf, sizeof(buf));
	put_str(l, buf);
}

/*
 * -x: uid=U gid=G cgroup=PATH [cgroup_v1=CONTROLLER:PATH]
 * [container=RUNTIME:ID12] [pod=UID]
 */
static void put_human_identity(struct line *l, struct ct_output *out,
			       const struct ct_event *e)
{
	const struct ct_container *c;
	const char *path;
	char buf[1024];

	if (e->uid != CT_ID_UNKNOWN) {
		PUT_LIT(l, " uid=");
		put_u64(l, e->uid);
		PUT_LIT(l, " gid=");
		put_u64(l, e->gid);
	}
	if (e->cgroup_id) {
		path = ct_cgroups_path(out->cgroups, e->cgroup_id, NULL);
		PUT_LIT(l, " cgroup=");
		if (path) {
			ct_escape_buf(path, 512, CT_ESC_TERMINAL, buf,
				      sizeof(buf));
			put_str(l, buf);
		} else {
			PUT_LIT(l, "#");
			put_u64(l, e->cgroup_id);
		}
	}
	put_human_cgroup1(l, out, e);
	c = ct_cgroups_container_of(out->cgroups, e->cgroup_id,
				    e->cgroup1_id);
	if (c && c->runtime) {
		PUT_LIT(l, " container=");
		put_str(l, c->runtime);
		PUT_LIT(l, ":");
		put(l, c->id, 12);	/* as docker ps shows it */
	}
	if (c && c->pod_uid[0]) {
		PUT_LIT(l, " pod=");
		put_str(l, c->pod_uid);
	}
}

/* -x: all flags, what the new task shares, latency, CPU. */
static void put_human_extended(struct line *l, struct ct_output *out,
			       const struct ct_event *e)
{
	int i;

	put(l, "                ", out->wallclock ? 16 : 11);
	if (!ct_is_creation(e)) {	/* exec, exit: where and whose */
		PUT_LIT(l, "cpu=");
		put_u64(l, e->cpu);
		put_human_identity(l, out, e);
		PUT_LIT(l, "\n");
		return;
	}
	PUT_LIT(l, "flags=");
	put_str(l, cached_flags(&out->cache.full_flags, e->flags, false,
				false));
	if (e->type == CT_EV_CLONE) {
		PUT_LIT(l, " comm=");
		put_str(l, cached_comm(&out->cache.comm, e->comm, false));
		if (e->ns_tid != e->tid) {
			PUT_LIT(l, " ns_pid=");
			put_u64(l, e->ns_pid);
			PUT_LIT(l, " ns_tid=");
			put_u64(l, e->ns_tid);
		}
		for (i = 0; i < CT_REF_NR; i++) {
			PUT_LIT(l, " ");
			put_str(l, ref_keys[i]);
			if (e->refs[i] == CT_REF_ABSENT) {
				PUT_LIT(l, "=-");
			} else {
				PUT_LIT(l, "=");
				put_s64(l, e->refs[i]);
			}
		}
	}
	put_ns_names(l, e->flags, " ns_new=", ",");
	if (e->latency_ns) {
		/* microseconds with one decimal, rounded like "%.1f" */
		uint64_t tenths = (e->latency_ns + 50) / 100;

		PUT_LIT(l, " latency=");
		put_u64(l, tenths / 10);
		PUT_LIT(l, ".");
		put_u64(l, tenths % 10);
		PUT_LIT(l, "us");
	}
	PUT_LIT(l, " cpu=");
	put_u64(l, e->cpu);
	put_human_identity(l, out, e);
	PUT_LIT(l, "\n");
}

static const char *exec_call_name(unsigned int call)
{
	return call == CT_EXEC_EXECVE ? "execve" :
	       call == CT_EXEC_EXECVEAT ? "execveat" : NULL;
}

/* The argv of an exec, escaped, each word after a space. */
static void put_human_args(struct line *l, const struct ct_exec_event *x)
{
	size_t i = 0, n = x->args_len < CT_ARGS_LEN ? x->args_len : CT_ARGS_LEN;
	char buf[CT_ARGS_LEN * 4 + 1];

	while (i < n) {
		size_t w = strnlen(x->args + i, n - i);

		ct_escape_buf(x->args + i, w, CT_ESC_TERMINAL, buf, sizeof(buf));
		PUT_LIT(l, " ");
		put_str(l, buf);
		i += w + 1;
	}
	if (x->args_size > n)
		PUT_LIT(l, "...");
}

/* " path=/usr/bin/true": a resolved path, when known */
static void put_human_path(struct line *l, const char *key, const char *comp,
			   size_t len, unsigned int flags)
{
	char text[CT_PATH_TEXT], buf[CT_PATH_TEXT * 4 + 1];

	if (!ct_exec_path(comp, len, flags, text, sizeof(text)))
		return;
	ct_escape_buf(text, sizeof(text), CT_ESC_TERMINAL, buf, sizeof(buf));
	put_str(l, key);
	put_str(l, buf);
}

/* exec: FILE ARGS [path=P] [interp=I]; or FILE = -1 ERRNO (text) */
static void put_human_exec(struct line *l, const struct ct_exec_event *x)
{
	char buf[CT_PATH_LEN * 4 + 1], name[32];

	ct_escape_buf(x->filename, CT_PATH_LEN, CT_ESC_TERMINAL, buf,
		      sizeof(buf));
	put_str(l, buf);
	if (x->ev.err) {
		PUT_LIT(l, " = -1 ");
		put_str(l, ct_errno_name(x->ev.err, name, sizeof(name)));
		PUT_LIT(l, " (");
		put_str(l, strerror(x->ev.err));
		PUT_LIT(l, ")");
	} else {
		put_human_args(l, x);
		if (x->old_tid != x->ev.tid) {
			PUT_LIT(l, " (from thread ");
			put_u64(l, x->old_tid);
			PUT_LIT(l, ")");
		}
		put_human_path(l, " path=", x->path, x->path_len,
			       x->path_flags);
		put_human_path(l, " interp=", x->interp, x->interp_len,
			       x->interp_flags);
	}
	PUT_LIT(l, "\n");
}

/* exit: exit=N or signal=SIG [core], lifetime=S.UUUUUUs [last_thread] */
static void put_human_exit(struct line *l, const struct ct_exit_event *x)
{
	char sig[24];
	uint64_t us = (x->lifetime_ns + 500) / 1000;
	char frac[8];
	int i;

	if (x->code & 0x7f) {
		PUT_LIT(l, "signal=");
		put_str(l, ct_signal_name(x->code & 0x7f, sig, sizeof(sig)));
		if (x->code & 0x80)
			PUT_LIT(l, " core");
	} else {
		PUT_LIT(l, "exit=");
		put_u64(l, (x->code >> 8) & 0xff);
	}
	PUT_LIT(l, " lifetime=");
	put_u64(l, us / 1000000);
	frac[0] = '.';
	for (i = 6; i >= 1; i--) {
		frac[i] = '0' + us % 10;
		us /= 10;
	}
	put(l, frac, 7);
	PUT_LIT(l, "s");
	if (x->group_dead)
		PUT_LIT(l, " last_thread");
	PUT_LIT(l, "\n");
}

static int human_event(struct ct_output *out, const struct ct_event *e)
{
	int tw = out->wallclock ? 15 : 10;
	struct line l = { 0 };
	char ts[80];
	int err;

	if (!out->header_done) {
		human_header(out, &l);
		err = write_line(out, &l);
		if (err && err != -EINTR)	/* -EINTR: kept */
			return err;
		l.n = 0;
	}
	if (out->wallclock) {
		wall_time(out, e->ts_ns, false, ts, sizeof(ts));
		put_str(&l, ts);
	} else {
		put_rel_time(&l, out, e->ts_ns);
	}
	if ((int)l.n < tw)
		put(&l, "                ", tw - l.n);
	PUT_LIT(&l, " ");
	put_pad(&l, cached_comm(&out->cache.pcomm, e->pcomm, false), 15,
		true);
	PUT_LIT(&l, " ");
	put_u32_pad(&l, e->ppid, 7);
	PUT_LIT(&l, " ");
	put_u32_pad(&l, e->ptid, 7);
	PUT_LIT(&l, " ");
	if (e->type == CT_EV_CLONE) {
		put_u32_pad(&l, e->pid, 7);
		PUT_LIT(&l, " ");
		put_u32_pad(&l, e->tid, 7);
	} else {
		PUT_LIT(&l, "      -       -");
	}
	PUT_LIT(&l, " ");
	if (e->type == CT_EV_EXEC) {
		const struct ct_exec_event *x = (const void *)e;
		const char *call = exec_call_name(x->call);

		PUT_LIT(&l, "exec    ");
		put_pad(&l, call ? call : "-", 6, true);
		PUT_LIT(&l, " ");
		put_human_exec(&l, x);
	} else if (e->type == CT_EV_EXIT) {
		PUT_LIT(&l, "exit    -      ");
		put_human_exit(&l, (const void *)e);
	} else {
		put_pad(&l, ct_kind_name(e->kind), 7, true);
		PUT_LIT(&l, " ");
		put_pad(&l, ct_syscall_label(e->syscall), 6, true);
		PUT_LIT(&l, " ");
		put_human_flags(&l, out, e);
	}
	if (out->extended)
		put_human_extended(&l, out, e);
	return write_line(out, &l);
}

/* "child":{...},"refs":{...} of a creation; null for a failure. */
static void json_child(struct ct_json *j, struct ct_output *out,
		       const struct ct_event *e)
{
	int i;

	if (e->type != CT_EV_CLONE) {
		ct_json_null(j, "child");
		ct_json_null(j, "refs");
		return;
	}
	ct_json_open(j, "child", '{');
	ct_json_u64(j, "pid", e->pid);
	ct_json_u64(j, "tid", e->tid);
	ct_json_escaped(j, "comm", cached_comm(&out->cache.comm, e->comm, true));
	ct_json_u64(j, "ns_pid", e->ns_pid);
	ct_json_u64(j, "ns_tid", e->ns_tid);
	ct_json_close(j);
	ct_json_open(j, "refs", '{');
	for (i = 0; i < CT_REF_NR; i++) {
		if (e->refs[i] == CT_REF_ABSENT)
			ct_json_null(j, ref_keys[i]);
		else
			ct_json_i64(j, ref_keys[i], e->refs[i]);
	}
	ct_json_close(j);
}

/* The names of the namespaces created, in bit order. */
static void json_ns_new(struct ct_json *j, uint64_t flags)
{
	uint64_t bit;

	ct_json_open(j, "ns_new", '[');
	for (bit = 1; bit && (flags & CT_NS_FLAGS_MASK); bit <<= 1) {
		const char *ns = (flags & bit) ? ct_ns_name(bit) : NULL;

		if (ns)
			ct_json_str(j, NULL, ns);
	}
	ct_json_close(j);
}

/* "cgroup_v1":{"controller","id","path"}, null when not known */
static void json_cgroup1(struct ct_json *j, struct ct_output *out,
			 const struct ct_event *e)
{
	const char *ctrl = ct_cgroups_controller(out->cgroups);
	const char *path;

	if (!e->cgroup1_id || !ctrl) {
		ct_json_null(j, "cgroup_v1");
		return;
	}
	path = ct_cgroups_path1(out->cgroups, e->cgroup1_id, NULL);
	ct_json_cgroup(j, "cgroup_v1", ctrl, e->cgroup1_id, path, 512);
}

/*
 * "uid","gid","cgroup":{"id","path"},"cgroup_v1":{...},"container":
 * {"runtime","id","pod_uid"}: null where not known; container null when
 * the paths name none.
 */
static void json_identity(struct ct_json *j, struct ct_output *out,
			  const struct ct_event *e)
{
	const struct ct_container *c;
	const char *path;

	if (e->uid == CT_ID_UNKNOWN) {
		ct_json_null(j, "uid");
		ct_json_null(j, "gid");
	} else {
		ct_json_u64(j, "uid", e->uid);
		ct_json_u64(j, "gid", e->gid);
	}
	if (!e->cgroup_id) {
		ct_json_null(j, "cgroup");
	} else {
		path = ct_cgroups_path(out->cgroups, e->cgroup_id, NULL);
		ct_json_cgroup(j, "cgroup", NULL, e->cgroup_id, path, 512);
	}
	json_cgroup1(j, out, e);
	c = ct_cgroups_container_of(out->cgroups, e->cgroup_id,
				    e->cgroup1_id);
	if (!c) {
		ct_json_null(j, "container");
		return;
	}
	ct_json_open(j, "container", '{');
	if (c->runtime) {
		ct_json_str(j, "runtime", c->runtime);
		ct_json_str(j, "id", c->id);
	} else {
		ct_json_null(j, "runtime");
		ct_json_null(j, "id");
	}
	if (c->pod_uid[0])
		ct_json_str(j, "pod_uid", c->pod_uid);
	else
		ct_json_null(j, "pod_uid");
	ct_json_close(j);
}

/* "task":{...} of a lifecycle event, and its kind and parent. */
static void json_task(struct ct_json *j, struct ct_output *out,
		      const struct ct_event *t, uint32_t parent)
{
	ct_json_str(j, "kind", ct_kind_name(t->kind));
	ct_json_open(j, "task", '{');
	ct_json_u64(j, "pid", t->pid);
	ct_json_u64(j, "tid", t->tid);
	ct_json_escaped(j, "comm", cached_comm(&out->cache.comm, t->comm, true));
	ct_json_u64(j, "ns_pid", t->ns_pid);
	ct_json_u64(j, "ns_tid", t->ns_tid);
	ct_json_u64(j, "ppid", parent);
	ct_json_close(j);
}

/* "path" or "interp" of an exec: null when unknown (failures too) */
static void json_path(struct ct_json *j, const char *key,
		      const struct ct_exec_event *x, const char *comp,
		      size_t len, unsigned int flags)
{
	char text[CT_PATH_TEXT];

	if (!x->ev.err && ct_exec_path(comp, len, flags, text, sizeof(text)))
		ct_json_strn(j, key, text, sizeof(text));
	else
		ct_json_null(j, key);
}

static void json_exec(struct ct_json *j, struct ct_output *out,
		      const struct ct_exec_event *x)
{
	const char *call = exec_call_name(x->call);
	size_t i = 0, n = x->args_len < CT_ARGS_LEN ? x->args_len : CT_ARGS_LEN;
	char name[32];

	if (call)
		ct_json_str(j, "syscall", call);
	else
		ct_json_null(j, "syscall");
	json_task(j, out, &x->ev, x->parent);
	ct_json_strn(j, "filename", x->filename, CT_PATH_LEN);
	json_path(j, "path", x, x->path, x->path_len, x->path_flags);
	json_path(j, "interp", x, x->interp, x->interp_len, x->interp_flags);
	if (x->ev.err) {
		ct_json_null(j, "old_tid");
		ct_json_null(j, "argv");
		ct_json_null(j, "argv_truncated");
		ct_json_i64(j, "errno", x->ev.err);
		ct_json_str(j, "error",
			    ct_errno_name(x->ev.err, name, sizeof(name)));
		return;
	}
	ct_json_u64(j, "old_tid", x->old_tid);
	ct_json_open(j, "argv", '[');
	while (i < n) {
		size_t w = strnlen(x->args + i, n - i);

		ct_json_strn(j, NULL, x->args + i, w);
		i += w + 1;
	}
	ct_json_close(j);
	ct_json_bool(j, "argv_truncated", x->args_size > n);
	ct_json_null(j, "errno");
	ct_json_null(j, "error");
}

static void json_exit(struct ct_json *j, struct ct_output *out,
		      const struct ct_exit_event *x)
{
	char sig[24];

	ct_json_null(j, "syscall");
	json_task(j, out, &x->ev, x->parent);
	ct_json_i64(j, "code", x->code);
	if (x->code & 0x7f) {
		ct_json_null(j, "exit_status");
		ct_json_str(j, "signal", ct_signal_name(x->code & 0x7f, sig,
							 sizeof(sig)));
	} else {
		ct_json_u64(j, "exit_status", (x->code >> 8) & 0xff);
		ct_json_null(j, "signal");
	}
	ct_json_bool(j, "core_dumped", x->code & 0x80);
	ct_json_u64(j, "lifetime_ns", x->lifetime_ns);
	ct_json_bool(j, "last_thread", x->group_dead);
}

/* Every JSON line's start, into buf: ts_ns, the wall time if asked, cpu. */
static void json_head(struct ct_json *j, char *buf, size_t cap,
		      struct ct_output *out, const struct ct_event *e)
{
	char name[80];

	ct_json_init_buf(j, buf, cap);
	ct_json_open(j, NULL, '{');
	ct_json_u64(j, "ts_ns", e->ts_ns);
	if (out->wallclock) {
		wall_time(out, e->ts_ns, true, name, sizeof(name));
		ct_json_str(j, "time", name);
	}
	ct_json_u64(j, "cpu", e->cpu);
}

/* exec and exit: their own keys (docs/JSON.md), the same identity. */
static int json_life(struct ct_output *out, const struct ct_event *e)
{
	struct ct_json j;
	char buf[16384];

	json_head(&j, buf, sizeof(buf), out, e);
	if (e->type == CT_EV_EXEC) {
		ct_json_str(&j, "event", "exec");
		json_exec(&j, out, (const void *)e);
	} else {
		ct_json_str(&j, "event", "exit");
		json_exit(&j, out, (const void *)e);
	}
	json_identity(&j, out, e);
	ct_json_close(&j);
	return ct_outbuf_write(out->ob, buf, ct_json_len(&j));
}

/* The JSON line: the writer (json.c), into one buffer, one write. */
static int json_event(struct ct_output *out, const struct ct_event *e)
{
	struct ct_json j;
	char buf[16384], name[80];

	if (!ct_is_creation(e))
		return json_life(out, e);

	json_head(&j, buf, sizeof(buf), out, e);
	ct_json_str(&j, "event",
		    e->type == CT_EV_CLONE ? "clone" : "clone_failed");
	ct_json_str(&j, "syscall", ct_syscall_name(e->syscall));
	ct_json_str(&j, "kind", ct_kind_name(e->kind));
	ct_json_u64(&j, "flags", e->flags);
	ct_json_escaped(&j, "flags_str",
			cached_flags(&out->cache.json_flags, e->flags, false,
				     true));
	ct_json_i64(&j, "exit_signal", e->exit_signal);
	ct_json_open(&j, "parent", '{');
	ct_json_u64(&j, "pid", e->ppid);
	ct_json_u64(&j, "tid", e->ptid);
	ct_json_escaped(&j, "comm",
			cached_comm(&out->cache.pcomm, e->pcomm, true));
	ct_json_close(&j);
	json_child(&j, out, e);
	json_ns_new(&j, e->flags);
	if (e->type == CT_EV_CLONE_FAILED) {
		ct_json_i64(&j, "errno", e->err);
		ct_json_str(&j, "error",
			    ct_errno_name(e->err, name, sizeof(name)));
	}
	if (e->latency_ns)
		ct_json_u64(&j, "latency_ns", e->latency_ns);
	else
		ct_json_null(&j, "latency_ns");
	json_identity(&j, out, e);
	ct_json_close(&j);
	return ct_outbuf_write(out->ob, buf, ct_json_len(&j));
}

int ct_output_event(struct ct_output *out, const struct ct_event *e)
{
	ct_stats_count(&out->stats, e);
	return out->json ? json_event(out, e) : human_event(out, e);
}

/* "lost_by_creator":[{"pid":N,"comm":S,"lost":N},...],"lost_other":N */
static void lost_by_json(struct ct_json *j, struct ct_output *out)
{
	const struct ct_lost_by *l = out->lost_by;
	size_t i;

	ct_json_open(j, "lost_by_creator", '[');
	for (i = 0; i < l->n; i++) {
		ct_json_open(j, NULL, '{');
		ct_json_u64(j, "pid", l->v[i].pid);
		ct_json_escaped(j, "comm", cached_comm(&out->cache.pcomm,
						       l->v[i].comm, true));
		ct_json_u64(j, "lost", l->v[i].lost);
		ct_json_close(j);
	}
	ct_json_close(j);
	ct_json_u64(j, "lost_other", l->other);
}

/* "clonetrace: creations lost by creator: 4215 (nginx) 57, ..." */
#define LOST_BY_SHOWN	8

static void lost_by_human(FILE *f, struct ct_output *out)
{
	const struct ct_lost_by *l = out->lost_by;
	char comm[CT_COMM_LEN * 4 + 1];
	size_t i;

	if (!l->n)
		return;
	fprintf(f, "clonetrace: creations lost by creator:");
	for (i = 0; i < l->n && i < LOST_BY_SHOWN; i++) {
		ct_escape_human(l->v[i].comm, CT_COMM_LEN, comm, sizeof(comm));
		fprintf(f, "%s %u (%s) %" PRIu64, i ? "," : "", l->v[i].pid,
			comm, l->v[i].lost);
	}
	if (l->n > LOST_BY_SHOWN)
		fprintf(f, ", %zu more creators", l->n - LOST_BY_SHOWN);
	if (l->other)
		fprintf(f, "; %" PRIu64 " other events", l->other);
	fputc('\n', f);
}

int ct_output_summary(struct ct_output *out, const char *mode,
		      uint64_t duration_ns)
{
	const struct ct_stats *st = &out->stats;
	FILE *f = out->json ? out->f : stderr;
	int i, err = 0;

	if (!out->json) {	/* the events first, the summary after */
		err = ct_outbuf_flush(out->ob);
		if (err == -EPIPE)
			return err;	/* | head: end quietly */
	}
	if (out->json) {
		struct ct_json j;

		ct_json_init(&j, f);
		ct_json_open(&j, NULL, '{');
		ct_json_str(&j, "event", "summary");
		ct_json_u64(&j, "events", st->events);
		ct_json_u64(&j, "clones", st->clones);
		if (out->failures_unseen)	/* not 0: not counted */
			ct_json_null(&j, "failed");
		else
			ct_json_u64(&j, "failed", st->failed);
		ct_json_u64(&j, "execs", st->execs);
		ct_json_u64(&j, "exec_failed", st->exec_failed);
		ct_json_u64(&j, "exits", st->exits);
		ct_json_u64(&j, "lost", st->lost);
		if (out->lost_by)
			lost_by_json(&j, out);
		ct_json_u64(&j, "lost_follow", st->lost_follow);
		ct_json_u64(&j, "duration_ns", duration_ns);
		ct_json_str(&j, "mode", mode);
		ct_json_open(&j, "by_kind", '{');
		for (i = 0; i < CT_KIND_NR; i++)
			ct_json_u64(&j, ct_kind_name(i), st->by_kind[i]);
		ct_json_close(&j);
		ct_json_open(&j, "by_syscall", '{');
		for (i = 0; i < CT_SC_NR; i++)
			ct_json_u64(&j, ct_syscall_name(i), st->by_syscall[i]);
		ct_json_close(&j);
		ct_json_close(&j);
	} else {
		const char *sep = "";

		fprintf(f, "clonetrace: %" PRIu64 " events in %.3f s: %"
			PRIu64 " created, ", st->events, duration_ns / 1e9,
			st->clones);
		if (out->failures_unseen)
			fprintf(f, "failures not seen (%s)", out->failures_unseen);
		else
			fprintf(f, "%" PRIu64 " failed", st->failed);
		fprintf(f, ", %" PRIu64 " lost (", st->lost);
		for (i = 0; i < CT_KIND_NR; i++) {
			if (!st->by_kind[i])
				continue;
			fprintf(f, "%s%s %" PRIu64, sep, ct_kind_name(i),
				st->by_kind[i]);
			sep = ", ";
		}
		fprintf(f, "%s)", *sep ? "" : "none");
		if (st->execs || st->exec_failed || st->exits)
			fprintf(f, ", %" PRIu64 " execs, %" PRIu64
				" failed execs, %" PRIu64 " exits", st->execs,
				st->exec_failed, st->exits);
		fprintf(f, "\n");
		if (out->lost_by)
			lost_by_human(f, out);
	}
	return out->json ? ct_outbuf_flush(out->ob) : err;
}
