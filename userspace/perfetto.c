// SPDX-License-Identifier: GPL-2.0
/*
 * perfetto.c - report --perfetto: a timeline (timeline.h) as a Perfetto
 * trace, with a protobuf encoder of our own.
 *
 * Why our own: the subset is small (varints, length-delimited fields and
 * fixed64s, a dozen messages) and libprotobuf or Perfetto's SDK would be
 * a dependency of the whole tool for one option. The field numbers are
 * those of Perfetto's published protos (protos/perfetto/trace/...); the
 * messages used, and nothing more, are in tests/perfetto_subset.proto,
 * which the tests decode the output with.
 *
 * The trace: a Trace is packets (field 1), each a TracePacket on one
 * sequence (trusted_packet_sequence_id 1). The first packet is a
 * ClockSnapshot that makes CLOCK_MONOTONIC, the recording's clock, the
 * trace's clock (with CLOCK_REALTIME beside it, from the recording's
 * offset, for the wall time); it clears the sequence's incremental state,
 * and every packet after it says it needs that state (it uses none: the
 * flag keeps a reader that joins late from reading half a sequence).
 * Every timestamp says its clock (timestamp_clock_id MONOTONIC).
 *
 * Tracks: one per process life (ProcessDescriptor) and per task life
 * (ThreadDescriptor, parent_uuid its process's); an exec sends the
 * descriptors again, same UUIDs, with the new name. A task's life is a
 * slice; its creation a flow (flow_ids) from an instant on its creator's
 * track to the slice's begin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "outbuf.h"
#include "timeline.h"
#include "util.h"

/* Field numbers (Perfetto's protos) */
enum {
	TRACE_PACKET		= 1,

	PKT_CLOCK_SNAPSHOT	= 6,
	PKT_TIMESTAMP		= 8,
	PKT_SEQUENCE_ID		= 10,	/* trusted_packet_sequence_id */
	PKT_TRACK_EVENT		= 11,
	PKT_SEQUENCE_FLAGS	= 13,
	PKT_CLOCK_ID		= 58,	/* timestamp_clock_id */
	PKT_TRACK_DESCRIPTOR	= 60,

	CLOCKS_CLOCK		= 1,	/* ClockSnapshot.clocks */
	CLOCKS_PRIMARY		= 2,	/* primary_trace_clock */
	CLOCK_ID		= 1,	/* ClockSnapshot.Clock */
	CLOCK_TIMESTAMP		= 2,

	TD_UUID			= 1,	/* TrackDescriptor */
	TD_NAME			= 2,
	TD_PROCESS		= 3,
	TD_THREAD		= 4,
	TD_PARENT_UUID		= 5,
	PD_PID			= 1,	/* ProcessDescriptor */
	PD_PROCESS_NAME		= 6,
	THD_PID			= 1,	/* ThreadDescriptor */
	THD_TID			= 2,
	THD_THREAD_NAME		= 5,

	TE_DEBUG_ANNOTATIONS	= 4,	/* TrackEvent */
	TE_TYPE			= 9,
	TE_TRACK_UUID		= 11,
	TE_CATEGORIES		= 22,
	TE_NAME			= 23,
	TE_FLOW_IDS		= 47,	/* fixed64 */

	DA_INT			= 4,	/* DebugAnnotation */
	DA_STRING		= 6,
	DA_NAME			= 10,
};

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_LEN = 2 };

enum {	/* TrackEvent.Type */
	TYPE_SLICE_BEGIN	= 1,
	TYPE_SLICE_END		= 2,
	TYPE_INSTANT		= 3,
};

enum {	/* BuiltinClock */
	BUILTIN_REALTIME	= 1,
	BUILTIN_MONOTONIC	= 3,
};

enum {	/* TracePacket.SequenceFlags */
	SEQ_INCREMENTAL_STATE_CLEARED	= 1,
	SEQ_NEEDS_INCREMENTAL_STATE	= 2,
};

#define SEQUENCE	1
#define PB_DEPTH	8
/* the track of the recording itself: its lost events */
#define LOST_UUID	0x636c6f6e65747263ULL	/* "clonetrc" */

/* ---- the encoder: one packet at a time, into a growing buffer ---- */

struct pb {
	uint8_t *buf;
	size_t len, cap;
	size_t open[PB_DEPTH];		/* where each open message starts */
	int field[PB_DEPTH];
	int depth;
	bool nomem;
};

static void pb_room(struct pb *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	uint8_t *p;

	if (b->len + n <= b->cap || b->nomem)
		return;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->buf, cap);
	if (!p) {
		b->nomem = true;
		return;
	}
	b->buf = p;
	b->cap = cap;
}

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (v & 0x7f) | 0x80;
		v >>= 7;
	}
	*p++ = v;
	return p;
}

static void pb_raw_varint(struct pb *b, uint64_t v)
{
	pb_room(b, 10);
	if (!b->nomem)
		b->len = put_varint(b->buf + b->len, v) - b->buf;
}

static void pb_tag(struct pb *b, int field, int wire)
{
	pb_raw_varint(b, (uint64_t)field << 3 | wire);
}

/* uint32, uint64, enum, and an int32/int64 (negative: ten bytes) */
static void pb_varint(struct pb *b, int field, uint64_t v)
{
	pb_tag(b, field, WIRE_VARINT);
	pb_raw_varint(b, v);
}

static void pb_fixed64(struct pb *b, int field, uint64_t v)
{
	int i;

	pb_tag(b, field, WIRE_FIXED64);
	pb_room(b, 8);
	if (b->nomem)
		return;
	for (i = 0; i < 8; i++)
		b->buf[b->len++] = v >> (8 * i);
}

static void pb_bytes(struct pb *b, int field, const void *p, size_t n)
{
	pb_tag(b, field, WIRE_LEN);
	pb_raw_varint(b, n);
	pb_room(b, n);
	if (b->nomem)
		return;
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static void pb_str(struct pb *b, int field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

/*
 * A nested message: its fields are written where it starts, and its tag
 * and length go in front of them when it is closed.
 */
static void pb_open(struct pb *b, int field)
{
	b->open[b->depth] = b->len;
	b->field[b->depth++] = field;
}

static void pb_close(struct pb *b)
{
	size_t start = b->open[--b->depth], n = b->len - start, h;
	uint64_t tag = (uint64_t)b->field[b->depth] << 3 | WIRE_LEN;
	uint8_t head[20], *p;

	if (b->nomem)
		return;
	p = put_varint(put_varint(head, tag), n);
	h = p - head;
	pb_room(b, h);
	if (b->nomem)
		return;
	memmove(b->buf + start + h, b->buf + start, n);
	memcpy(b->buf + start, head, h);
	b->len += h;
}

/* ---- the packets ---- */

struct writer {
	const struct ct_timeline *t;
	struct pb b;
	struct ct_outbuf ob;
	bool first;		/* the sequence's first packet */
};

/* A TracePacket; timed: at ts of CLOCK_MONOTONIC. */
static void packet_open(struct writer *w, bool timed, uint64_t ts)
{
	pb_open(&w->b, TRACE_PACKET);
	pb_varint(&w->b, PKT_SEQUENCE_ID, SEQUENCE);
	pb_varint(&w->b, PKT_SEQUENCE_FLAGS, w->first ?
		  SEQ_INCREMENTAL_STATE_CLEARED : SEQ_NEEDS_INCREMENTAL_STATE);
	w->first = false;
	if (timed) {
		pb_varint(&w->b, PKT_TIMESTAMP, ts);
		pb_varint(&w->b, PKT_CLOCK_ID, BUILTIN_MONOTONIC);
	}
}

/* A packet is done: to the output once it is some size. */
static int packet_close(struct writer *w)
{
	int err;

	pb_close(&w->b);
	if (w->b.nomem)
		return -ENOMEM;
	if (w->b.len < 60000)
		return 0;
	err = ct_outbuf_write(&w->ob, w->b.buf, w->b.len);
	w->b.len = 0;
	return err;
}

static void clock_snapshot(struct writer *w, const struct ct_timeline *t,
			   int64_t real_offset)
{
	struct pb *b = &w->b;

	packet_open(w, false, 0);
	pb_open(b, PKT_CLOCK_SNAPSHOT);
	pb_open(b, CLOCKS_CLOCK);
	pb_varint(b, CLOCK_ID, BUILTIN_MONOTONIC);
	pb_varint(b, CLOCK_TIMESTAMP, t->start);
	pb_close(b);
	if (real_offset) {
		pb_open(b, CLOCKS_CLOCK);
		pb_varint(b, CLOCK_ID, BUILTIN_REALTIME);
		pb_varint(b, CLOCK_TIMESTAMP, t->start + real_offset);
		pb_close(b);
	}
	pb_varint(b, CLOCKS_PRIMARY, BUILTIN_MONOTONIC);
	pb_close(b);
}

static void annotation_str(struct pb *b, const char *name, const char *s)
{
	pb_open(b, TE_DEBUG_ANNOTATIONS);
	pb_str(b, DA_NAME, name);
	pb_str(b, DA_STRING, s);
	pb_close(b);
}

static void annotation_int(struct pb *b, const char *name, int64_t v)
{
	pb_open(b, TE_DEBUG_ANNOTATIONS);
	pb_str(b, DA_NAME, name);
	pb_varint(b, DA_INT, v);
	pb_close(b);
}

static void proc_track(struct writer *w, const struct ct_tl_proc *p,
		       uint64_t ts, const char *name)
{
	char text[CT_PATH_TEXT * 4];

	packet_open(w, true, ts);
	pb_open(&w->b, PKT_TRACK_DESCRIPTOR);
	pb_varint(&w->b, TD_UUID, p->uuid);
	pb_open(&w->b, TD_PROCESS);
	pb_varint(&w->b, PD_PID, p->pid);
	pb_str(&w->b, PD_PROCESS_NAME,
	       ct_tl_text(name, CT_PATH_TEXT, text, sizeof(text)));
	pb_close(&w->b);
	pb_close(&w->b);
}

static void thread_track(struct writer *w, const struct ct_tl_task *k,
			 uint64_t ts, const char *name)
{
	const struct ct_tl_proc *p = &w->t->procs[k->proc];
	char text[CT_PATH_TEXT * 4];

	packet_open(w, true, ts);
	pb_open(&w->b, PKT_TRACK_DESCRIPTOR);
	pb_varint(&w->b, TD_UUID, k->uuid);
	pb_varint(&w->b, TD_PARENT_UUID, p->uuid);
	pb_open(&w->b, TD_THREAD);
	pb_varint(&w->b, THD_PID, k->pid);
	pb_varint(&w->b, THD_TID, k->tid);
	pb_str(&w->b, THD_THREAD_NAME,
	       ct_tl_text(name, CT_PATH_TEXT, text, sizeof(text)));
	pb_close(&w->b);
	pb_close(&w->b);
}

/* A TrackEvent's packet opened, up to its annotations and flows. */
static void event_open(struct writer *w, uint64_t ts, uint64_t track,
		       int type, const char *name)
{
	packet_open(w, true, ts);
	pb_open(&w->b, PKT_TRACK_EVENT);
	pb_varint(&w->b, TE_TYPE, type);
	pb_varint(&w->b, TE_TRACK_UUID, track);
	if (type == TYPE_SLICE_END)
		return;
	pb_str(&w->b, TE_CATEGORIES, "clonetrace");
	pb_str(&w->b, TE_NAME, name);
}

static void event_close(struct writer *w)
{
	pb_close(&w->b);	/* TrackEvent */
}

/* The clone request's own annotations: flags, kind, syscall. */
static void request(struct pb *b, uint64_t flags, unsigned int kind,
		    unsigned int syscall)
{
	char fl[1024];

	ct_flags_str(flags, false, fl, sizeof(fl));
	annotation_str(b, "clone_flags", fl);
	annotation_str(b, "kind", ct_kind_name(kind));
	annotation_str(b, "syscall", ct_syscall_name(syscall));
}

static void life_begin(struct writer *w, const struct ct_tl_task *k)
{
	char name[64], sig[32];

	ct_tl_life_name(k, name, sizeof(name));
	event_open(w, k->begin, k->uuid, TYPE_SLICE_BEGIN, name);
	annotation_int(&w->b, "pid", k->pid);
	annotation_int(&w->b, "tid", k->tid);
	if (k->flow)
		pb_fixed64(&w->b, TE_FLOW_IDS, k->flow);
	if (k->creator != CT_TL_NONE && !k->continued) {
		request(&w->b, k->flags, k->kind, k->syscall);
		annotation_str(&w->b, "exit_signal",
			       ct_signal_name(k->exit_signal, sig,
					      sizeof(sig)));
		annotation_int(&w->b, "creator_tid",
			       w->t->tasks[k->creator].tid);
	}
	event_close(w);
}

/* How a life ended, as annotations (merged with its begin's). */
static void life_end(struct writer *w, const struct ct_tl_task *k)
{
	char st[32];

	event_open(w, k->end, k->uuid, TYPE_SLICE_END, NULL);
	if (k->exited) {
		annotation_str(&w->b, "exit",
			       ct_wait_status_name(k->code, st, sizeof(st)));
		if (k->code & 0x7f)
			annotation_str(&w->b, "exit_signal_received",
				       ct_signal_name(k->code & 0x7f, st,
						      sizeof(st)));
		else
			annotation_int(&w->b, "exit_status",
				       (k->code >> 8) & 0xff);
		annotation_int(&w->b, "last_thread", k->group_dead);
	} else {
		annotation_str(&w->b, "exit", k->execd_away ?
			       "exec: the process goes on in its leader's TID" :
			       k->replaced ? "not recorded (its TID was created again)" :
			       "alive at the end of the recording");
	}
	event_close(w);
}

static void create(struct writer *w, const struct ct_tl_task *k,
		   const struct ct_tl_task *child)
{
	char name[64];

	if (child->continued)
		snprintf(name, sizeof(name), "exec: goes on as %u",
			 child->tid);
	else
		snprintf(name, sizeof(name), "create %s %u",
			 ct_kind_name(child->kind), child->tid);
	event_open(w, child->begin, k->uuid, TYPE_INSTANT, name);
	pb_fixed64(&w->b, TE_FLOW_IDS, child->flow);
	annotation_int(&w->b, "child_tid", child->tid);
	if (!child->continued)
		request(&w->b, child->flags, child->kind, child->syscall);
	event_close(w);
}

static void exec_mark(struct writer *w, const struct ct_tl_mark *m,
		      const struct ct_tl_task *k)
{
	const struct ct_tl_exec *d = &w->t->execs[m->x];
	char name[CT_PATH_TEXT * 4 + 16], text[CT_ARGS_LEN * 4], e[32];

	if (m->type == CT_TL_EXEC) {
		/* the tracks renamed from now on */
		if (k->tid == k->pid) {
			proc_track(w, &w->t->procs[k->proc], m->ts, d->name);
			packet_close(w);	/* a failure stays: the last says it */
		}
		thread_track(w, k, m->ts, d->name);
		packet_close(w);
		snprintf(name, sizeof(name), "exec %s",
			 ct_tl_text(d->name, sizeof(d->name), text,
				    sizeof(text)));
	} else {
		snprintf(name, sizeof(name), "exec failed: %s",
			 ct_errno_name(d->err, e, sizeof(e)));
	}
	event_open(w, m->ts, k->uuid, TYPE_INSTANT, name);
	annotation_str(&w->b, "filename",
		       ct_tl_text(d->program, sizeof(d->program), text,
				  sizeof(text)));
	if (m->type == CT_TL_EXEC) {
		annotation_str(&w->b, "argv",
			       ct_tl_text(d->argv, sizeof(d->argv), text,
					  sizeof(text)));
		if (d->old_tid != k->tid)
			annotation_int(&w->b, "old_tid", d->old_tid);
	} else {
		annotation_str(&w->b, "errno", e);
	}
	event_close(w);
}

static void failed(struct writer *w, const struct ct_tl_mark *m,
		   const struct ct_tl_task *k)
{
	char name[64], e[32];

	ct_errno_name(m->err, e, sizeof(e));
	snprintf(name, sizeof(name), "create failed: %s", e);
	event_open(w, m->ts, k->uuid, TYPE_INSTANT, name);
	annotation_str(&w->b, "errno", e);
	request(&w->b, m->flags, m->kind, m->syscall);
	event_close(w);
}

static void lost(struct writer *w, const struct ct_tl_mark *m)
{
	char name[96];

	packet_open(w, true, m->ts);
	pb_open(&w->b, PKT_TRACK_DESCRIPTOR);
	pb_varint(&w->b, TD_UUID, LOST_UUID);
	pb_str(&w->b, TD_NAME, "clonetrace: lost events");
	pb_close(&w->b);
	packet_close(w);	/* a failure stays: the last says it */
	snprintf(name, sizeof(name), "lost %" PRIu64 " events, %" PRIu64
		 " of -f's following", m->x, m->y);
	event_open(w, m->ts, LOST_UUID, TYPE_INSTANT, name);
	annotation_int(&w->b, "lost", m->x);
	annotation_int(&w->b, "lost_follow", m->y);
	event_close(w);
}

static int one_mark(struct writer *w, const struct ct_tl_mark *m)
{
	const struct ct_timeline *t = w->t;
	const struct ct_tl_task *k = m->task < t->ntasks ? &t->tasks[m->task] :
				     NULL;

	switch (m->type) {
	case CT_TL_PROC:
		proc_track(w, &t->procs[m->task], m->ts,
			   t->procs[m->task].first);
		break;
	case CT_TL_THREAD:
		thread_track(w, k, m->ts, k->first);
		break;
	case CT_TL_BEGIN:
		life_begin(w, k);
		break;
	case CT_TL_END:
		life_end(w, k);
		break;
	case CT_TL_CREATE:
		create(w, k, &t->tasks[m->x]);
		break;
	case CT_TL_EXEC:
	case CT_TL_EXEC_FAILED:
		exec_mark(w, m, k);
		break;
	case CT_TL_FAILED:
		failed(w, m, k);
		break;
	case CT_TL_LOST:
		lost(w, m);
		break;
	}
	return packet_close(w);
}

int ct_perfetto_write(const struct ct_timeline *t, int fd, const char *path,
		      int64_t real_offset)
{
	struct writer w = { .t = t, .first = true };
	int err = 0;
	size_t i;

	if (ct_outbuf_init(&w.ob, fd)) {
		close(fd);
		return ct_fail(-1, "out of memory");
	}
	clock_snapshot(&w, t, real_offset);
	err = packet_close(&w);
	for (i = 0; !err && i < t->nmarks; i++)
		err = one_mark(&w, &t->marks[i]);
	if (!err && w.b.len)
		err = ct_outbuf_write(&w.ob, w.b.buf, w.b.len);
	if (!err)
		err = ct_outbuf_flush(&w.ob);
	free(w.b.buf);
	if (err == -ENOMEM) {
		ct_msg("out of memory");
	} else if (err) {
		char what[PATH_MAX + 32];

		snprintf(what, sizeof(what), "--perfetto file '%s'", path);
		ct_outbuf_say_lost(&w.ob, what);
	}
	ct_outbuf_free(&w.ob);
	if (close(fd) && !err) {
		ct_msg("writing --perfetto file '%s': %s", path,
		       strerror(errno));
		err = -EIO;
	}
	return err ? -1 : 0;
}
