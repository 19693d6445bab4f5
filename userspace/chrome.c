// SPDX-License-Identifier: GPL-2.0
/*
 * chrome.c - report --chrome: a timeline (timeline.h) as Chrome's
 * trace-event JSON, {"traceEvents":[...]}, one event a line: what
 * chrome://tracing, Perfetto's UI and other viewers load.
 *
 * Per process life an "M" process_name, per task life an "M"
 * thread_name (the name it had last: an exec renames); each life an "X"
 * (complete) event, each creation an "s" flow event on the creator's
 * thread and its "f" (bp "e": bound to the slice it lands in) at the new
 * task's begin; execs, failed execs, failed creations and lost events
 * "i" instants. Times in microseconds of CLOCK_MONOTONIC, with the
 * nanoseconds as decimals.
 *
 * The format has no lives: a PID is one process for the whole file. A
 * PID or TID used again in the recording keeps its number for its first
 * life only; later lives get synthetic IDs above any PID the kernel
 * gives (PID_MAX_LIMIT, 4194304), and their names say the real one.
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
#include "json.h"
#include "outbuf.h"
#include "timeline.h"
#include "util.h"

#define SYNTHETIC_BASE	4194304U	/* PID_MAX_LIMIT */

struct chrome {
	const struct ct_timeline *t;
	struct ct_outbuf ob;
	struct ct_json j;
	uint32_t *cpid, *ctid;	/* the IDs in the file, by proc, by task */
	bool any;		/* an event written */
};

/* ---- the IDs ---- */

/* id if no life had it yet, else the next synthetic one. */
static uint32_t claim(struct ct_tl_map *used, uint32_t id, uint32_t *next,
		      int *err)
{
	uint32_t v;

	if (ct_tl_map_get(used, id, &v))
		return (*next)++;
	if (ct_tl_map_put(used, id, 1))
		*err = -ENOMEM;
	return id;
}

/*
 * The first life to use an ID keeps it, in the order the recording
 * named them; every other gets a synthetic one. A leader's TID is its
 * process's ID.
 */
static int assign_ids(struct chrome *c)
{
	const struct ct_timeline *t = c->t;
	struct ct_tl_map *used = ct_tl_map_new();
	uint32_t next = SYNTHETIC_BASE;
	bool *done = calloc(t->nprocs + 1, sizeof(*done));
	int err = 0;
	size_t i;

	c->cpid = calloc(t->nprocs + 1, sizeof(*c->cpid));
	c->ctid = calloc(t->ntasks + 1, sizeof(*c->ctid));
	if (!used || !done || !c->cpid || !c->ctid)
		err = -ENOMEM;
	for (i = 0; !err && i < t->ntasks; i++) {
		const struct ct_tl_task *k = &t->tasks[i];

		if (!done[k->proc]) {
			done[k->proc] = true;
			c->cpid[k->proc] = claim(used, k->pid, &next, &err);
		}
		if (k->tid == k->pid)
			c->ctid[i] = c->cpid[k->proc];
		else
			c->ctid[i] = claim(used, k->tid, &next, &err);
	}
	ct_tl_map_free(used);
	free(done);
	return err;
}

/* ---- the events ---- */

/* An event's record opened, with what every phase has. */
static void ev_open(struct chrome *c, char ph, const char *name, uint64_t ts,
		    uint32_t pid, uint32_t tid)
{
	char p[2] = { ph };

	if (c->any)
		fputc(',', c->ob.f);
	c->any = true;
	ct_json_open(&c->j, NULL, '{');
	ct_json_str(&c->j, "ph", p);
	ct_json_str(&c->j, "name", name);
	ct_json_str(&c->j, "cat", "clonetrace");
	ct_json_u64(&c->j, "pid", pid);
	ct_json_u64(&c->j, "tid", tid);
	if (ph != 'M')
		ct_json_num(&c->j, "ts", ts / 1000.0, 3);
}

static void names(struct chrome *c)
{
	const struct ct_timeline *t = c->t;
	char name[CT_PATH_TEXT + 32], text[CT_PATH_TEXT * 4];
	size_t i;

	for (i = 0; i < t->nprocs; i++) {
		const struct ct_tl_proc *p = &t->procs[i];

		ct_tl_text(ct_tl_proc_name(t, p), CT_PATH_TEXT, text,
			   sizeof(text));
		if (c->cpid[i] != p->pid)
			snprintf(name, sizeof(name), "%.*s (pid %u)",
				 CT_PATH_TEXT, text, p->pid);
		else
			snprintf(name, sizeof(name), "%.*s", CT_PATH_TEXT,
				 text);
		ev_open(c, 'M', "process_name", 0, c->cpid[i], c->cpid[i]);
		ct_json_open(&c->j, "args", '{');
		ct_json_str(&c->j, "name", name);
		ct_json_close(&c->j);
		ct_json_close(&c->j);
	}
	for (i = 0; i < t->ntasks; i++) {
		const struct ct_tl_task *k = &t->tasks[i];

		ct_tl_text(ct_tl_task_name(t, k), CT_PATH_TEXT, text,
			   sizeof(text));
		if (c->ctid[i] != k->tid)
			snprintf(name, sizeof(name), "%.*s (tid %u)",
				 CT_PATH_TEXT, text, k->tid);
		else
			snprintf(name, sizeof(name), "%.*s", CT_PATH_TEXT,
				 text);
		ev_open(c, 'M', "thread_name", 0, c->cpid[k->proc],
			c->ctid[i]);
		ct_json_open(&c->j, "args", '{');
		ct_json_str(&c->j, "name", name);
		ct_json_close(&c->j);
		ct_json_close(&c->j);
	}
}

static void request(struct chrome *c, uint64_t flags, unsigned int kind,
		    unsigned int syscall)
{
	char fl[1024];

	ct_flags_str(flags, false, fl, sizeof(fl));
	ct_json_str(&c->j, "clone_flags", fl);
	ct_json_str(&c->j, "kind", ct_kind_name(kind));
	ct_json_str(&c->j, "syscall", ct_syscall_name(syscall));
}

static void life_end(struct chrome *c, const struct ct_tl_task *k)
{
	char st[32];

	if (!k->exited) {
		ct_json_str(&c->j, "exit", k->execd_away ?
			    "exec: the process goes on in its leader's TID" :
			    k->replaced ? "not recorded (its TID was created again)" :
			    "alive at the end of the recording");
		return;
	}
	ct_json_str(&c->j, "exit", ct_wait_status_name(k->code, st,
						       sizeof(st)));
	if (k->code & 0x7f)
		ct_json_str(&c->j, "exit_signal_received",
			    ct_signal_name(k->code & 0x7f, st, sizeof(st)));
	else
		ct_json_u64(&c->j, "exit_status", (k->code >> 8) & 0xff);
	ct_json_u64(&c->j, "last_thread", k->group_dead);
}

/* A life: one complete event. */
static void life(struct chrome *c, uint32_t i)
{
	const struct ct_tl_task *k = &c->t->tasks[i];
	char name[64], sig[32];

	ct_tl_life_name(k, name, sizeof(name));
	ev_open(c, 'X', name, k->begin, c->cpid[k->proc], c->ctid[i]);
	ct_json_num(&c->j, "dur", (k->end - k->begin) / 1000.0, 3);
	ct_json_open(&c->j, "args", '{');
	ct_json_u64(&c->j, "pid", k->pid);
	ct_json_u64(&c->j, "tid", k->tid);
	if (k->creator != CT_TL_NONE && !k->continued) {
		request(c, k->flags, k->kind, k->syscall);
		ct_json_str(&c->j, "exit_signal",
			    ct_signal_name(k->exit_signal, sig, sizeof(sig)));
		ct_json_u64(&c->j, "creator_tid", c->t->tasks[k->creator].tid);
	}
	life_end(c, k);
	ct_json_close(&c->j);
	ct_json_close(&c->j);
}

/* A creation: the flow from the creator's thread to the new life. */
static void flow(struct chrome *c, uint32_t from, uint32_t i)
{
	const struct ct_tl_task *k = &c->t->tasks[i];
	const struct ct_tl_task *p = &c->t->tasks[from];

	ev_open(c, 's', "create", k->begin, c->cpid[p->proc], c->ctid[from]);
	ct_json_u64(&c->j, "id", k->flow);
	ct_json_close(&c->j);
	ev_open(c, 'f', "create", k->begin, c->cpid[k->proc], c->ctid[i]);
	ct_json_u64(&c->j, "id", k->flow);
	ct_json_str(&c->j, "bp", "e");
	ct_json_close(&c->j);
}

static void instant(struct chrome *c, const struct ct_tl_mark *m)
{
	const struct ct_timeline *t = c->t;
	const struct ct_tl_task *k = &t->tasks[m->task];
	const struct ct_tl_exec *d = m->type == CT_TL_FAILED ? NULL :
				     &t->execs[m->x];
	char name[CT_PATH_TEXT * 4 + 32], text[CT_PATH_TEXT * 4], e[32];

	if (m->type == CT_TL_FAILED)
		snprintf(name, sizeof(name), "create failed: %s",
			 ct_errno_name(m->err, e, sizeof(e)));
	else if (m->type == CT_TL_EXEC_FAILED)
		snprintf(name, sizeof(name), "exec failed: %s",
			 ct_errno_name(d->err, e, sizeof(e)));
	else
		snprintf(name, sizeof(name), "exec %s",
			 ct_tl_text(d->name, sizeof(d->name), text,
				    sizeof(text)));
	ev_open(c, 'i', name, m->ts, c->cpid[k->proc], c->ctid[m->task]);
	ct_json_str(&c->j, "s", "t");
	ct_json_open(&c->j, "args", '{');
	if (m->type == CT_TL_FAILED) {
		ct_json_str(&c->j, "errno", e);
		request(c, m->flags, m->kind, m->syscall);
	} else {
		ct_json_str(&c->j, "filename",
			    ct_tl_text(d->program, sizeof(d->program), text,
				       sizeof(text)));
		if (m->type == CT_TL_EXEC_FAILED) {
			ct_json_str(&c->j, "errno", e);
		} else {
			ct_json_str(&c->j, "argv", d->argv);
			if (d->old_tid != k->tid)
				ct_json_u64(&c->j, "old_tid", d->old_tid);
		}
	}
	ct_json_close(&c->j);
	ct_json_close(&c->j);
}

static void lost(struct chrome *c, const struct ct_tl_mark *m)
{
	char name[96];

	snprintf(name, sizeof(name), "lost %" PRIu64 " events, %" PRIu64
		 " of -f's following", m->x, m->y);
	ev_open(c, 'i', name, m->ts, 0, 0);
	ct_json_str(&c->j, "s", "g");
	ct_json_open(&c->j, "args", '{');
	ct_json_u64(&c->j, "lost", m->x);
	ct_json_u64(&c->j, "lost_follow", m->y);
	ct_json_close(&c->j);
	ct_json_close(&c->j);
}

static void events(struct chrome *c)
{
	const struct ct_timeline *t = c->t;
	size_t i;

	for (i = 0; i < t->nmarks && !c->ob.err; i++) {
		const struct ct_tl_mark *m = &t->marks[i];

		switch (m->type) {
		case CT_TL_BEGIN:
			life(c, m->task);
			break;
		case CT_TL_CREATE:
			flow(c, m->task, m->x);
			break;
		case CT_TL_EXEC:
		case CT_TL_EXEC_FAILED:
		case CT_TL_FAILED:
			instant(c, m);
			break;
		case CT_TL_LOST:
			lost(c, m);
			break;
		default:	/* tracks and ends: in the names and lives */
			break;
		}
	}
}

int ct_chrome_write(const struct ct_timeline *t, int fd, const char *path)
{
	struct chrome c = { .t = t };
	int err;

	if (ct_outbuf_init(&c.ob, fd) || assign_ids(&c)) {
		ct_outbuf_free(&c.ob);
		free(c.cpid);
		free(c.ctid);
		close(fd);
		return ct_fail(-1, "out of memory");
	}
	ct_json_init(&c.j, c.ob.f);
	fputs("{\"traceEvents\":[\n", c.ob.f);
	names(&c);
	events(&c);
	fputs("]}\n", c.ob.f);
	err = ct_outbuf_flush(&c.ob);
	if (err) {
		char what[PATH_MAX + 32];

		snprintf(what, sizeof(what), "--chrome file '%s'", path);
		ct_outbuf_say_lost(&c.ob, what);
	}
	ct_outbuf_free(&c.ob);
	free(c.cpid);
	free(c.ctid);
	if (close(fd) && !err) {
		ct_msg("writing --chrome file '%s': %s", path,
		       strerror(errno));
		err = -EIO;
	}
	return err ? -1 : 0;
}
