/* SPDX-License-Identifier: GPL-2.0 */
/*
 * record.h - the recording file (-w FILE) and its reader (report).
 *
 * Layout, all integers little-endian:
 *
 *   "CLNTRACE"  u32 version (5; versions 1 to 4 are read too)
 *   frame*      u8 type, u8 zero[3], u32 len, u32 crc32(payload), payload
 *
 * Frames: one HEADER (1) first, ITEMS (2) chunks, one END (3) last,
 * nothing after it. crc32 is IEEE 802.3's (zlib's). In the payloads, uv
 * is an unsigned LEB128 varint (7 bits a byte, low first, at most 10
 * bytes), sv a signed one (zigzag: (v << 1) ^ (v >> 63), then uv), str
 * a uv length then that many bytes (no NUL).
 *
 * HEADER: tagged fields, each a u8 tag then its value; a tag this
 * version does not know is followed by a uv length and skipped:
 *   1 kernel release (str)  2 hostname (str)  3 boot time: uv length,
 *   then uv CLOCK_REALTIME ns of boot  4 command line (str)
 *   5 attach mode (str). Tags 1 to 3 must be present.
 *
 * ITEMS: items, each a uv tag then its fields. ts is sv: the difference
 * from the previous item's ts in the same chunk (from 0 for the first),
 * so that every chunk decodes on its own.
 *   1 event: ts, uv flags, uv latency_ns, uv type, uv cpu, uv ppid,
 *     uv ptid, uv pid, uv tid, uv ns_pid, uv ns_tid, sv err,
 *     sv exit_signal, uv syscall, uv kind, sv refs[CT_REF_NR] (in
 *     enum ct_ref order), str pcomm, str comm, then (version 2) uv uid,
 *     uv gid, uv cgroup_id (struct ct_event's fields; syscall 5, unknown, is written from version 5 on
 *     (and read in any); version 1 has no
 *     identity: uid and gid read as CT_ID_UNKNOWN, cgroup_id as 0),
 *     then (version 4) uv cgroup1_id (0 before),
 *     then for type 3 (exec, version 2): uv parent, uv old_tid,
 *     uv args_size, uv call, str filename, str args (args_len bytes,
 *     NULs between words), then (version 3) the resolved paths: uv
 *     path_flags, str path (path_len bytes: its components, NUL after
 *     each), uv interp_flags, str interp (flags 0 and no bytes when
 *     unknown; version 2: unknown); for type 4 (exit): uv parent,
 *     uv lifetime_ns, sv code, uv group_dead (struct ct_exec_event's,
 *     ct_exit_event's)
 *   2 diagnosis: ts, uv ppid, uv ptid, sv err, uv syscall, uv kind,
 *     uv limit, uv uid, uv nproc_count, uv nproc_limit, uv threads,
 *     uv threads_max, uv pid_max, uv cg_current, uv cg_max, str pcomm,
 *     str cg_path (struct ct_diag's fields)
 *   3 cgroup (version 2): uv id, str path (at most CT_REC_PATH_MAX
 *     bytes): the path of a cgroup ID, written before the first event
 *     that names it
 *   4 target (version 3): a -p process as it was when tracing started
 *     (struct ct_target, context.h), before the first event: uv pid,
 *     str comm, uv state (/proc's letter, 0 gone), uv flags (1 kernel
 *     thread, 2 -f, 4 more than CT_TARGET_WALK below, 8 uid and gid
 *     known, 16 children unknown: no /proc/PID/task/TID/children), uv uid, uv gid, uv nr_threads, uv n, n x uv tid (n at most
 *     CT_TARGET_THREADS), uv nr_children, uv nr_below (-f), uv k, k x
 *     (uv pid, uv ppid, str comm, uv state, uv shares: bit enum ct_share; k at
 *     most CT_TARGET_KIDS), str cgroup path, uv cgroup id, then (version
 *     4) str cgroup1 controller (at most 15 bytes, "" no v1 hierarchy),
 *     str cgroup1 path ("" unknown), uv cgroup1 id (0 unknown)
 *   5 cgroup1 (version 4): uv id, str controller (at most 15 bytes),
 *     str path: the same for a cgroup1_id, with the v1 hierarchy's
 *     controller
 *
 * END: uv events, uv clones, uv failed, uv diags, uv lost,
 * uv lost_follow, uv duration_ns, uv start_ns (CLOCK_MONOTONIC at
 * start), sv real_offset_ns (CLOCK_REALTIME - CLOCK_MONOTONIC), then
 * (version 2) uv lifecycle (exec and exit events; events counts the
 * creations only). The counts repeat what the items hold, so that a lost
 * or cut chunk is noticed.
 *
 * The reader checks every length, value and checksum: a corrupt or
 * truncated file is refused with a message, never trusted.
 */
#ifndef CT_RECORD_H
#define CT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "ct_event.h"
#include "diagnose.h"

#define CT_REC_MAGIC		"CLNTRACE"
#define CT_REC_VERSION		5
#define CT_REC_PATH_MAX		4096
#define CT_REC_MAX_FRAME	(1U << 20)

enum ct_rec_frame {
	CT_REC_HEADER	= 1,
	CT_REC_ITEMS	= 2,
	CT_REC_END	= 3,
};

enum ct_rec_item_type {
	CT_REC_EVENT	= 1,
	CT_REC_DIAG	= 2,
	CT_REC_CGROUP	= 3,
	CT_REC_TARGET	= 4,
	CT_REC_CGROUP1	= 5,
};

struct ct_rec_header {
	uint32_t version;
	uint64_t boot_time_ns;		/* CLOCK_REALTIME of boot */
	char release[65];		/* uname -r */
	char hostname[65];
	char mode[16];			/* attach mode */
	char options[1024];		/* the command line */
};

struct ct_rec_end {
	uint64_t events;
	uint64_t clones;
	uint64_t failed;
	uint64_t diags;
	uint64_t lost;
	uint64_t lost_follow;
	uint64_t lifecycle;		/* exec and exit events */
	uint64_t duration_ns;
	uint64_t start_ns;		/* CLOCK_MONOTONIC at start */
	int64_t real_offset_ns;		/* REALTIME - MONOTONIC */
};

/* ---- writer ---- */

struct ct_rec_writer {
	int fd;
	uint8_t *buf;			/* the ITEMS chunk being filled */
	size_t len;
	uint64_t prev_ts;
	uint64_t events, clones, failed, diags, lifecycle;
	int err;			/* first write error, -errno */
};

/*
 * Start a recording in fd (an empty file, opened by the caller; the
 * writer closes it): the magic and the HEADER frame. 0 or -errno.
 */
int ct_rec_create(struct ct_rec_writer *w, int fd,
		  const struct ct_rec_header *h);
int ct_rec_event(struct ct_rec_writer *w, const struct ct_event *e);
int ct_rec_diag(struct ct_rec_writer *w, const struct ct_diag *d);
/* A -p target's attach context (version 3), before the first event. */
int ct_rec_target(struct ct_rec_writer *w, const struct ct_target *t);
/* The path of cgroup id, before the first event naming it. */
int ct_rec_cgroup(struct ct_rec_writer *w, uint64_t id, const char *path);
/* The same for a cgroup1_id in the hierarchy of controller. */
int ct_rec_cgroup1(struct ct_rec_writer *w, uint64_t id,
		   const char *controller, const char *path);
/* Write the pending chunk (done by the main loop's tick). */
int ct_rec_flush(struct ct_rec_writer *w);
/* Flush, write END (counts are the writer's), close. */
int ct_rec_close(struct ct_rec_writer *w, struct ct_rec_end *end);
/*
 * Close without END, after an error: the file reads as cut off (report
 * --partial shows what it holds).
 */
void ct_rec_abandon(struct ct_rec_writer *w);

/* ---- reader ---- */

struct ct_rec_item {
	int type;			/* enum ct_rec_item_type */
	union {				/* by ev.type */
		struct ct_event ev;
		struct ct_exec_event exec;
		struct ct_exit_event exit;
	};
	struct ct_diag diag;
	uint64_t cg_id;			/* CT_REC_CGROUP, CT_REC_CGROUP1 */
	char cg_path[CT_REC_PATH_MAX + 1];
	struct ct_target target;	/* CT_REC_TARGET */
	char cg_controller[16];		/* CT_REC_CGROUP1 */
};

struct ct_rec_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;			/* next frame */
	const uint8_t *items;		/* current ITEMS payload */
	size_t items_len;
	size_t items_pos;
	uint64_t prev_ts;
	uint64_t events, clones, failed, diags, lifecycle;
	bool ended;
	struct ct_rec_header hdr;
	struct ct_rec_end end;
	char err[256];
};

/* Check the magic, version and HEADER; -1 with r->err set. */
int ct_rec_open(struct ct_rec_reader *r, const void *buf, size_t len);
/* 1: an item; 0: END reached and verified; -1: r->err says why. */
int ct_rec_next(struct ct_rec_reader *r, struct ct_rec_item *it);

uint32_t ct_crc32(const void *buf, size_t len);

#endif /* CT_RECORD_H */
