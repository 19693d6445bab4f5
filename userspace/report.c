// SPDX-License-Identifier: GPL-2.0
/*
 * report.c - "clonetrace report FILE": a recording (clonetrace -w FILE)
 * shown offline: the event stream and summary as the live tracer prints
 * them (output.c), then failure diagnoses, top spawners, histograms and
 * the tree (sections.c), all from the same code as live.
 *
 * The whole file is checked before anything is printed: a corrupt or
 * truncated recording is refused with the reader's message (--partial
 * shows what precedes the damage instead).
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "diagnose.h"
#include "escape.h"
#include "json.h"
#include "output.h"
#include "record.h"
#include "sections.h"
#include "commands.h"
#include "util.h"

enum section {
	SEC_INFO	= 1 << 0,
	SEC_STREAM	= 1 << 1,
	SEC_SUMMARY	= 1 << 2,
	SEC_DIAG	= 1 << 3,
	SEC_SPAWNERS	= 1 << 4,
	SEC_HIST	= 1 << 5,
	SEC_TREE	= 1 << 6,
};

static const struct {
	const char *name;
	unsigned int bit;
} section_names[] = {
	{ "info", SEC_INFO },
	{ "stream", SEC_STREAM },
	{ "summary", SEC_SUMMARY },
	{ "diag", SEC_DIAG },
	{ "spawners", SEC_SPAWNERS },
	{ "hist", SEC_HIST },
	{ "tree", SEC_TREE },
};

static struct {
	const char *file;
	unsigned int sections;
	bool json;
	bool wallclock;
	bool extended;
	bool partial;
	long rows;
	const char *dot;
} rep = {
	.sections = ~0U,
	.rows = 10,
};

static const char doc[] =
"Show a recording made with clonetrace -w FILE: the event stream and\n"
"summary as the live tracer printed them, the failure diagnoses, the top\n"
"spawners, the latency histograms and the creation tree.\n"
"\n"
"USAGE: clonetrace report [OPTIONS] FILE\n"
"\n"
"EXAMPLES:\n"
"  clonetrace report storm.ctr               # everything\n"
"  clonetrace report -s spawners,tree storm.ctr\n"
"  clonetrace report --json -s stream,summary storm.ctr\n";

enum {
	OPT_PARTIAL = 0x100,
	OPT_DOT,
	OPT_SPAWNERS,
};

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "One JSON object per line" },
	{ "wallclock", 'T', NULL, 0, "Print wall-clock time" },
	{ "extended", 'x', NULL, 0, "Human stream: the second line per event" },
	{ "sections", 's', "LIST", 0,
	  "What to show, in this order: info,stream,summary,diag,spawners,"
	  "hist,tree (default: all)" },
	{ "spawners", OPT_SPAWNERS, "N", 0, "Rows of top spawners (default 10, 0: all)" },
	{ "dot", OPT_DOT, "FILE", 0, "Write the creation tree to FILE for Graphviz" },
	{ "partial", OPT_PARTIAL, NULL, 0,
	  "Show what precedes the damage of a cut-off or corrupt file" },
	{},
};

static error_t parse_sections(const struct argp_state *state,
			      const char *arg)
{
	const char *p = arg;
	size_t i;

	rep.sections = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		for (i = 0; i < ARRAY_SIZE(section_names); i++)
			if (strlen(section_names[i].name) == n &&
			    !strncmp(p, section_names[i].name, n))
				break;
		if (n && i == ARRAY_SIZE(section_names))
			return ct_usage_error(state, "unknown section '%.*s': expected info, stream, summary, diag, spawners, hist or tree",
					      (int)n, p);
		if (n)
			rep.sections |= section_names[i].bit;
		p += n + (p[n] == ',');
	}
	if (!rep.sections)
		return ct_usage_error(state, "empty section list");
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j':
		rep.json = true;
		break;
	case 'T':
		rep.wallclock = true;
		break;
	case 'x':
		rep.extended = true;
		break;
	case 's':
		return parse_sections(state, arg);
	case OPT_SPAWNERS:
		return ct_opt_long(state, arg, "--spawners", 0, 1000000,
				   &rep.rows);
	case OPT_DOT:
		if (ct_opt_nonempty(state, arg, "--dot file name"))
			return EINVAL;
		rep.dot = arg;
		break;
	case OPT_PARTIAL:
		rep.partial = true;
		break;
	case ARGP_KEY_ARG:
		if (rep.file)
			return ct_usage_error(state, "one recording at a time");
		rep.file = arg;
		break;
	case ARGP_KEY_END:
		if (!rep.file)
			return ct_usage_error(state, "no recording given: clonetrace report FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The recording's header: where, when and how it was made. */
static void info(FILE *f, const struct ct_rec_header *h)
{
	time_t sec = h->boot_time_ns / 1000000000ULL;
	char boot[64], host[sizeof(h->hostname) * 6], rel[sizeof(h->release) * 6];
	char mode[sizeof(h->mode) * 6], opts[sizeof(h->options) * 6];
	struct ct_json j;
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(boot, sizeof(boot), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!rep.json) {
		ct_escape_human(h->hostname, sizeof(h->hostname), host,
				sizeof(host));
		ct_escape_human(h->release, sizeof(h->release), rel,
				sizeof(rel));
		ct_escape_human(h->mode, sizeof(h->mode), mode, sizeof(mode));
		ct_escape_human(h->options, sizeof(h->options), opts,
				sizeof(opts));
		fprintf(f, "recording: version %u, host %s, kernel %s, booted %s, mode %s\n"
			"options: %s\n", h->version, host, rel, boot, mode, opts);
		return;
	}
	ct_json_init(&j, f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "recording");
	ct_json_u64(&j, "version", h->version);
	ct_json_strn(&j, "hostname", h->hostname, sizeof(h->hostname));
	ct_json_strn(&j, "release", h->release, sizeof(h->release));
	ct_json_str(&j, "boot_time", boot);
	ct_json_u64(&j, "boot_time_ns", h->boot_time_ns);
	ct_json_strn(&j, "mode", h->mode, sizeof(h->mode));
	ct_json_strn(&j, "options", h->options, sizeof(h->options));
	ct_json_close(&j);
}

/* Read the whole file: 0 and the end frame, or -1 (r->err). */
static int check(const void *buf, size_t len, struct ct_rec_reader *r,
		 uint64_t *first_ts)
{
	struct ct_rec_item it;
	int ret;

	if (ct_rec_open(r, buf, len))
		return -1;
	*first_ts = 0;
	while ((ret = ct_rec_next(r, &it)) > 0)
		if (!*first_ts && it.type == CT_REC_EVENT)
			*first_ts = it.ev.ts_ns;
	return ret;
}

int ct_report_main(int argc, char **argv)
{
	struct argp argp = {
		.options = opts,
		.parser = parse_opt,
		.args_doc = "FILE",
		.doc = doc,
	};
	struct ct_sections sec = {};
	struct ct_rec_reader r;
	struct ct_rec_item it;
	struct ct_output out;
	struct ct_stats stats = {};
	uint64_t first_ts = 0, duration;
	void *buf = MAP_FAILED;
	struct stat sb;
	bool damaged = false;
	int fd, status = CT_EXIT_FAILURE, ret;

	if (ct_parse_args(&argp, argc, argv, "clonetrace report", NULL))
		return CT_EXIT_USAGE;

	fd = open(rep.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ct_msg("cannot read '%s': %s", rep.file,
			strerror(errno));
		return CT_EXIT_FAILURE;
	}
	if (fstat(fd, &sb)) {
		ct_msg("cannot read '%s': %s", rep.file,
			strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0) {
		ct_msg("'%s': %s", rep.file,
			S_ISREG(sb.st_mode) ? "empty file, not a recording" :
			"not a regular file");
		goto cleanup;
	}
	buf = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (buf == MAP_FAILED) {
		ct_msg("cannot read '%s': %s", rep.file,
			strerror(errno));
		goto cleanup;
	}

	/* pass 1: the whole file must be sound */
	if (check(buf, sb.st_size, &r, &first_ts)) {
		if (!rep.partial || !r.hdr.release[0]) {
			ct_msg("'%s': %s", rep.file,
				r.err);
			goto cleanup;
		}
		ct_msg("'%s': %s; showing the %" PRIu64
			" events before it (--partial)", rep.file, r.err,
			r.events);
		damaged = true;
	}

	/* pass 2: print */
	ct_output_init(&out, stdout);
	out.json = rep.json;
	out.wallclock = rep.wallclock;
	out.extended = rep.extended;
	if (damaged) {
		out.start_ns = first_ts;
		out.real_offset_ns = r.hdr.boot_time_ns;
	} else {
		out.start_ns = r.end.start_ns;
		out.real_offset_ns = r.end.real_offset_ns;
	}
	sec.diag = rep.sections & SEC_DIAG;
	sec.hist = rep.sections & SEC_HIST;
	sec.tree = rep.sections & SEC_TREE;
	sec.spawners = (rep.sections & SEC_SPAWNERS) ? rep.rows : 0;
	sec.all_spawners = (rep.sections & SEC_SPAWNERS) && !rep.rows;
	sec.dot = rep.dot;
	if (ct_sections_init(&sec)) {
		ct_msg("out of memory");
		goto cleanup;
	}
	if (rep.sections & SEC_INFO)
		info(stdout, &r.hdr);
	ct_rec_open(&r, buf, sb.st_size);
	while ((ret = ct_rec_next(&r, &it)) > 0) {
		if (it.type == CT_REC_DIAG) {
			if (ct_diag_add(&it.diag)) {
				ct_msg("out of memory");
				goto cleanup;
			}
			continue;
		}
		ct_stats_count(&stats, &it.ev);
		if (rep.sections & SEC_STREAM) {
			ret = ct_output_event(&out, &it.ev);
			if (ret == -EPIPE) {
				status = CT_EXIT_OK;
				goto cleanup;
			}
			if (ret) {
				ct_msg("writing: %s",
					strerror(-ret));
				goto cleanup;
			}
		}
		ct_diag_account(&it.ev);
		ct_sections_feed(&it.ev);
	}
	duration = damaged ? 0 : r.end.duration_ns;
	/* as live: the analysis sections, then the summary last */
	ret = ct_sections_print(stdout, rep.json, duration);
	if (ret && ret != -EPIPE)
		goto cleanup;
	if (rep.sections & SEC_SUMMARY) {
		out.stats = stats;
		out.stats.lost = damaged ? 0 : r.end.lost;
		out.stats.lost_follow = damaged ? 0 : r.end.lost_follow;
		ret = ct_output_summary(&out, r.hdr.mode, duration);
		if (ret && ret != -EPIPE) {
			ct_msg("writing: %s",
				strerror(-ret));
			goto cleanup;
		}
	}
	status = damaged ? CT_EXIT_FAILURE : CT_EXIT_OK;
cleanup:
	if (buf != MAP_FAILED)
		munmap(buf, sb.st_size);
	close(fd);
	if (fflush(stdout) == EOF && errno != EPIPE && status == CT_EXIT_OK)
		status = CT_EXIT_FAILURE;
	return status;
}
