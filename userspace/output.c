// SPDX-License-Identifier: GPL-2.0
/*
 * output.c - printing events: human columns or JSON lines.
 *
 * Human (80 columns, FLAGS last):
 *   TIME(s)   PCOMM           PID     TID     CPID    CTID    KIND    CALL   FLAGS
 * JSON: the contract in README.md ("JSON output"): keys never change
 * meaning; new keys may be added.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "output.h"

#define FLAGS_BUF	512
#define COMM_BUF	(CT_COMM_LEN * 8)

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

void ct_output_init(struct ct_output *out, FILE *f)
{
	struct timespec mono, real;

	memset(out, 0, sizeof(*out));
	out->f = f;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	out->start_ns = mono.tv_sec * 1000000000ULL + mono.tv_nsec;
	out->real_offset_ns = (int64_t)(real.tv_sec * 1000000000ULL +
					real.tv_nsec) - (int64_t)out->start_ns;
}

static void count(struct ct_stats *st, const struct ct_event *e)
{
	st->events++;
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

static void human_header(struct ct_output *out)
{
	fprintf(out->f, "%-*s %-15s %7s %7s %7s %7s %-7s %-6s %s\n",
		out->wallclock ? 15 : 10, out->wallclock ? "TIME" : "TIME(s)",
		"PCOMM", "PID", "TID", "CPID", "CTID", "KIND", "CALL", "FLAGS");
	out->header_done = true;
}

static void human_event(struct ct_output *out, const struct ct_event *e)
{
	char flags[FLAGS_BUF], comm[COMM_BUF], ts[80], sig[24];
	char cpid[16] = "-", ctid[16] = "-";

	if (!out->header_done)
		human_header(out);
	if (out->wallclock)
		wall_time(out, e->ts_ns, false, ts, sizeof(ts));
	else
		snprintf(ts, sizeof(ts), "%.6f",
			 e->ts_ns > out->start_ns ?
			 (e->ts_ns - out->start_ns) / 1e9 : 0.0);
	ct_escape_human(e->pcomm, sizeof(e->pcomm), comm, sizeof(comm));
	/* the TID bookkeeping flags are on the -x line: keep FLAGS short */
	ct_flags_str(e->flags & ~CT_TID_FLAGS_MASK, true, flags, sizeof(flags));
	if (!(e->flags & ~CT_TID_FLAGS_MASK) && e->exit_signal)
		flags[0] = '\0';
	if (e->type == CT_EV_CLONE) {
		snprintf(cpid, sizeof(cpid), "%u", e->pid);
		snprintf(ctid, sizeof(ctid), "%u", e->tid);
	}
	fprintf(out->f, "%-*s %-15s %7u %7u %7s %7s %-7s %-6s %s",
		out->wallclock ? 15 : 10, ts, comm, e->ppid, e->ptid,
		cpid, ctid, ct_kind_name(e->kind),
		ct_syscall_name(e->syscall), flags);
	if (e->exit_signal)
		fprintf(out->f, "%s%s", flags[0] ? "|" : "",
			ct_signal_name(e->exit_signal, sig, sizeof(sig)));
	if (e->type == CT_EV_CLONE_FAILED) {
		char name[32];

		fprintf(out->f, " = -1 %s (%s)",
			ct_errno_name(e->err, name, sizeof(name)),
			e->err < 512 ? strerror(e->err) : "kernel restart");
	}
	fputc('\n', out->f);
	if (!out->extended)
		return;

	/* second line: all flags, what the new task shares, latency */
	ct_flags_str(e->flags, false, flags, sizeof(flags));
	fprintf(out->f, "%*sflags=%s", out->wallclock ? 16 : 11, "", flags);
	if (e->type == CT_EV_CLONE) {
		int i;

		ct_escape_human(e->comm, sizeof(e->comm), comm, sizeof(comm));
		fprintf(out->f, " comm=%s", comm);
		if (e->ns_tid != e->tid)
			fprintf(out->f, " ns_pid=%u ns_tid=%u", e->ns_pid,
				e->ns_tid);
		for (i = 0; i < CT_REF_NR; i++) {
			if (e->refs[i] == CT_REF_ABSENT)
				fprintf(out->f, " %s=-", ref_keys[i]);
			else
				fprintf(out->f, " %s=%d", ref_keys[i],
					e->refs[i]);
		}
	}
	if (e->flags & CT_NS_FLAGS_MASK) {
		uint64_t bit;
		const char *sep = " ns_new=";

		for (bit = 1; bit; bit <<= 1) {
			const char *ns = (e->flags & bit) ? ct_ns_name(bit) : NULL;

			if (ns) {
				fprintf(out->f, "%s%s", sep, ns);
				sep = ",";
			}
		}
	}
	if (e->latency_ns)
		fprintf(out->f, " latency=%.1fus", e->latency_ns / 1e3);
	fprintf(out->f, " cpu=%u\n", e->cpu);
}

static void json_event(struct ct_output *out, const struct ct_event *e)
{
	char flags[FLAGS_BUF], comm[COMM_BUF], name[80];
	FILE *f = out->f;
	const char *sep = "";
	uint64_t bit;
	int i;

	ct_flags_str(e->flags, false, flags, sizeof(flags));
	fprintf(f, "{\"ts_ns\":%" PRIu64 ",", (uint64_t)e->ts_ns);
	if (out->wallclock) {
		wall_time(out, e->ts_ns, true, name, sizeof(name));
		fprintf(f, "\"time\":\"%s\",", name);
	}
	fprintf(f, "\"cpu\":%u,\"event\":\"%s\",\"syscall\":\"%s\","
		"\"kind\":\"%s\",\"flags\":%" PRIu64 ",\"flags_str\":\"%s\","
		"\"exit_signal\":%d,",
		e->cpu, e->type == CT_EV_CLONE ? "clone" : "clone_failed",
		ct_syscall_name(e->syscall), ct_kind_name(e->kind),
		(uint64_t)e->flags, flags, e->exit_signal);
	ct_escape_json(e->pcomm, sizeof(e->pcomm), comm, sizeof(comm));
	fprintf(f, "\"parent\":{\"pid\":%u,\"tid\":%u,\"comm\":\"%s\"},",
		e->ppid, e->ptid, comm);
	if (e->type == CT_EV_CLONE) {
		ct_escape_json(e->comm, sizeof(e->comm), comm, sizeof(comm));
		fprintf(f, "\"child\":{\"pid\":%u,\"tid\":%u,\"comm\":\"%s\","
			"\"ns_pid\":%u,\"ns_tid\":%u},\"refs\":{",
			e->pid, e->tid, comm, e->ns_pid, e->ns_tid);
		for (i = 0; i < CT_REF_NR; i++) {
			if (e->refs[i] == CT_REF_ABSENT)
				fprintf(f, "%s\"%s\":null", i ? "," : "",
					ref_keys[i]);
			else
				fprintf(f, "%s\"%s\":%d", i ? "," : "",
					ref_keys[i], e->refs[i]);
		}
		fputs("},", f);
	} else {
		fputs("\"child\":null,\"refs\":null,", f);
	}
	fputs("\"ns_new\":[", f);
	for (bit = 1; bit; bit <<= 1) {
		const char *ns = (e->flags & bit) ? ct_ns_name(bit) : NULL;

		if (ns) {
			fprintf(f, "%s\"%s\"", sep, ns);
			sep = ",";
		}
	}
	fputs("],", f);
	if (e->type == CT_EV_CLONE_FAILED)
		fprintf(f, "\"errno\":%d,\"error\":\"%s\",", e->err,
			ct_errno_name(e->err, name, sizeof(name)));
	if (e->latency_ns)
		fprintf(f, "\"latency_ns\":%" PRIu64 "}\n",
			(uint64_t)e->latency_ns);
	else
		fputs("\"latency_ns\":null}\n", f);
}

int ct_output_event(struct ct_output *out, const struct ct_event *e)
{
	count(&out->stats, e);
	if (out->json)
		json_event(out, e);
	else
		human_event(out, e);
	return ferror(out->f) ? -errno : 0;
}

int ct_output_summary(struct ct_output *out, const char *mode,
		      uint64_t duration_ns)
{
	const struct ct_stats *st = &out->stats;
	FILE *f = out->json ? out->f : stderr;
	int i;

	if (out->json) {
		fprintf(f, "{\"event\":\"summary\",\"events\":%" PRIu64
			",\"clones\":%" PRIu64 ",\"failed\":%" PRIu64
			",\"lost\":%" PRIu64 ",\"lost_follow\":%" PRIu64
			",\"duration_ns\":%" PRIu64 ",\"mode\":\"%s\","
			"\"by_kind\":{",
			st->events, st->clones, st->failed, st->lost,
			st->lost_follow, duration_ns, mode);
		for (i = 0; i < CT_KIND_NR; i++)
			fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "",
				ct_kind_name(i), st->by_kind[i]);
		fputs("},\"by_syscall\":{", f);
		for (i = 0; i < CT_SC_NR; i++)
			fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "",
				ct_syscall_name(i), st->by_syscall[i]);
		fputs("}}\n", f);
	} else {
		const char *sep = "";

		fprintf(f, "clonetrace: %" PRIu64 " events in %.3f s: %"
			PRIu64 " created, %" PRIu64 " failed, %" PRIu64
			" lost (",
			st->events, duration_ns / 1e9, st->clones, st->failed,
			st->lost);
		for (i = 0; i < CT_KIND_NR; i++) {
			if (!st->by_kind[i])
				continue;
			fprintf(f, "%s%s %" PRIu64, sep, ct_kind_name(i),
				st->by_kind[i]);
			sep = ", ";
		}
		fprintf(f, "%s)\n", *sep ? "" : "none");
	}
	if (fflush(out->f) == EOF)
		return -errno;
	return 0;
}
