/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timeline.h - a recording as a timeline of task lives, for the exports
 * of report (--perfetto: perfetto.c, --chrome: chrome.c).
 *
 * Every task the recording names is one struct ct_tl_task: one life of
 * one TID, from its creation (or the recording's start, for a task that
 * existed: "existing") to its exit (or the recording's end: alive). A
 * TID used again after an exit, or created again while an earlier life
 * was still open (its exit not recorded), is a new task: the lives of a
 * reused PID never merge. Processes likewise (struct ct_tl_proc), one
 * per life of a TGID.
 *
 * What happened at an instant is a mark (struct ct_tl_mark): a track
 * (process or thread) starts, a life begins or ends, a creation (the
 * source of the flow to its task's life), an exec (the task and its
 * process renamed from then on), a failed exec, a failed creation, the
 * lost events. ct_tl_finish() puts the marks in time order: at one time
 * descriptors first, then begins (a creation before the life it begins),
 * instants, ends.
 *
 * Times are the recording's: CLOCK_MONOTONIC nanoseconds.
 */
#ifndef CT_TIMELINE_H
#define CT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "record.h"

#define CT_TL_NONE	UINT32_MAX

struct ct_tl_proc {
	uint32_t pid;
	uint32_t nth;		/* earlier lives of this PID in the recording */
	uint64_t begin;		/* its first task's begin */
	uint64_t uuid;		/* its Perfetto track */
	bool existing;		/* running when the recording started */
	char first[CT_COMM_LEN + 1];	/* its name at the start */
	uint32_t renamed;	/* execs[] of its last exec; CT_TL_NONE: none */
};

struct ct_tl_task {
	uint32_t pid, tid;
	uint32_t nth;		/* earlier lives of this TID */
	uint32_t proc;		/* index in procs[] */
	uint32_t creator;	/* index in tasks[]; CT_TL_NONE: not created */
	uint64_t begin, end;
	uint64_t uuid;
	uint64_t flow;		/* from its creator's mark; 0: none */
	uint64_t flags;		/* clone flags of its creation */
	int32_t exit_signal;
	int32_t code;		/* exited: wait status */
	uint16_t syscall, kind;
	bool existing;		/* running when the recording started */
	bool exited;		/* its exit recorded */
	bool replaced;		/* its TID created again: its exit unrecorded */
	bool execd_away;	/* a thread that exec'd: it became the leader */
	bool continued;		/* the leader's TID again, after an exec */
	bool group_dead;	/* the last thread of its process */
	char first[CT_COMM_LEN + 1];	/* its comm at its begin */
	uint32_t renamed;	/* execs[] of its last exec; CT_TL_NONE: none */
};

enum ct_tl_mark_type {
	CT_TL_PROC,		/* proc: its track starts */
	CT_TL_THREAD,		/* task: its track starts */
	CT_TL_BEGIN,		/* task: its life begins */
	CT_TL_CREATE,		/* task created x (flow source) */
	CT_TL_EXEC,		/* task exec'd: execs[x] */
	CT_TL_EXEC_FAILED,	/* task's exec failed: execs[x] */
	CT_TL_FAILED,		/* task's creation request failed: err ... */
	CT_TL_LOST,		/* x events lost, y of -f's following */
	CT_TL_END,		/* task: its life ends */
};

struct ct_tl_mark {
	uint64_t ts;
	uint32_t seq;		/* order of making, for equal times */
	uint8_t type;		/* enum ct_tl_mark_type */
	uint8_t rank;		/* its place among the marks of one time */
	uint32_t task;		/* CT_TL_PROC: the proc */
	uint64_t x, y;
	/* CT_TL_FAILED: the request */
	uint64_t flags;
	int32_t err;
	uint16_t syscall, kind;
};

struct ct_tl_exec {
	int32_t err;		/* a failed exec's errno; 0 */
	uint32_t old_tid;
	char name[CT_PATH_TEXT];	/* the program's base name */
	char program[CT_PATH_TEXT];	/* its path (or file name) */
	char argv[CT_ARGS_LEN + 1];	/* words joined by spaces */
};

struct ct_timeline {
	uint64_t start, end;	/* of the recording (and of every mark) */
	uint64_t lost, lost_follow;
	struct ct_tl_proc *procs;
	size_t nprocs, procs_cap;
	struct ct_tl_task *tasks;
	size_t ntasks, tasks_cap;
	struct ct_tl_mark *marks;
	size_t nmarks, marks_cap;
	struct ct_tl_exec *execs;
	size_t nexecs, execs_cap;
	uint64_t flows;
	struct ct_tl_map *live_tid, *live_pid;	/* the open lives */
	struct ct_tl_map *seen_tid, *seen_pid;	/* lives counted */
	int err;		/* -ENOMEM once memory ran out */
};

/* A timeline of the recording read by r (checked whole). NULL: ENOMEM. */
struct ct_timeline *ct_tl_new(const struct ct_rec_reader *r);
/* An item of the recording, in order. 0, or -ENOMEM. */
int ct_tl_feed(struct ct_timeline *t, const struct ct_rec_item *it);
/* Every life closed, the marks in time order. 0, or -ENOMEM. */
int ct_tl_finish(struct ct_timeline *t);
void ct_tl_free(struct ct_timeline *t);

/* A map of u32 keys to u32 values (TIDs, PIDs). */
struct ct_tl_map *ct_tl_map_new(void);
bool ct_tl_map_get(const struct ct_tl_map *m, uint32_t key, uint32_t *val);
int ct_tl_map_put(struct ct_tl_map *m, uint32_t key, uint32_t val);
void ct_tl_map_free(struct ct_tl_map *m);

/* The names a task and a process have at the end. */
const char *ct_tl_task_name(const struct ct_timeline *t,
			    const struct ct_tl_task *k);
const char *ct_tl_proc_name(const struct ct_timeline *t,
			    const struct ct_tl_proc *p);

/* A name made printable (valid UTF-8, no controls) into buf. */
/* A life's slice name, the same in both exports: "thread 4101", ... */
void ct_tl_life_name(const struct ct_tl_task *k, char *buf, size_t len);
const char *ct_tl_text(const char *s, size_t max, char *buf, size_t size);

/*
 * The Perfetto trace (perfetto.c) and the Chrome trace-event JSON
 * (chrome.c) of a finished timeline, written to fd (closed); path for
 * messages, real_offset CLOCK_REALTIME - CLOCK_MONOTONIC (0: unknown).
 * 0, or the failure said and -1.
 */
int ct_perfetto_write(const struct ct_timeline *t, int fd, const char *path,
		      int64_t real_offset);
int ct_chrome_write(const struct ct_timeline *t, int fd, const char *path);

#endif /* CT_TIMELINE_H */
