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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "decode.h"
#include "diagnose.h"
#include "escape.h"
#include "identity.h"
#include "json.h"
#include "outbuf.h"
#include "output.h"
#include "record.h"
#include "timeline.h"
#include "analysis.h"
#include "commands.h"
#include "util.h"

/*
 * The largest recording report reads into memory: at the ~45 bytes of a
 * recorded creation, some 20 million events.
 */
#define REPORT_MAX	(1U << 30)

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

struct report_opts {
	const char *file;
	unsigned int sections;
	struct ct_output_opts format;	/* -j, -T, -x */
	bool partial;
	long rows;
	const char *dot;
	const char *perfetto;		/* --perfetto FILE */
	const char *chrome;		/* --chrome FILE */
	bool sections_given;		/* -s */
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
"  clonetrace report --json -s stream,summary storm.ctr\n"
"  clonetrace report --perfetto storm.pftrace storm.ctr   # for ui.perfetto.dev\n";

enum {
	OPT_PARTIAL = 0x100,
	OPT_DOT,
	OPT_SPAWNERS,
	OPT_PERFETTO,
	OPT_CHROME,
};

static const struct argp_option opts[] = {
	{ "sections", 's', "LIST", 0,
	  "What to show, in this order: info,stream,summary,diag,spawners,"
	  "hist,tree (default: all)" },
	{ "spawners", OPT_SPAWNERS, "N", 0, "Rows of top spawners (default 10, 0: all)" },
	{ "dot", OPT_DOT, "FILE", 0, "Write the creation tree to FILE for Graphviz" },
	{ "partial", OPT_PARTIAL, NULL, 0,
	  "Show what precedes the damage of a cut-off or corrupt file" },
	{ "perfetto", OPT_PERFETTO, "FILE", 0,
	  "Write the timeline of the tasks' lives as a Perfetto trace to FILE "
	  "(and print nothing)" },
	{ "chrome", OPT_CHROME, "FILE", 0,
	  "Write the same timeline as Chrome trace-event JSON to FILE" },
	{},
};

static error_t parse_sections(struct report_opts *o,
			      const struct argp_state *state, const char *arg)
{
	const char *p = arg;
	size_t i;

	o->sections = 0;
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
			o->sections |= section_names[i].bit;
		p += n + (p[n] == ',');
	}
	if (!o->sections)
		return ct_usage_error(state, "empty section list");
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct report_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->format;
		break;
	case 's':
		o->sections_given = true;
		return parse_sections(o, state, arg);
	case OPT_SPAWNERS:
		return ct_opt_long(state, arg, "--spawners", 0, 1000000,
				   &o->rows);
	case OPT_DOT:
		if (ct_opt_nonempty(state, arg, "--dot file name"))
			return EINVAL;
		o->dot = arg;
		break;
	case OPT_PARTIAL:
		o->partial = true;
		break;
	case OPT_PERFETTO:
		if (ct_opt_nonempty(state, arg, "--perfetto file name"))
			return EINVAL;
		o->perfetto = arg;
		break;
	case OPT_CHROME:
		if (ct_opt_nonempty(state, arg, "--chrome file name"))
			return EINVAL;
		o->chrome = arg;
		break;
	case ARGP_KEY_ARG:
		if (o->file)
			return ct_usage_error(state, "one recording at a time");
		o->file = arg;
		break;
	case ARGP_KEY_END:
		if (!o->file)
			return ct_usage_error(state, "no recording given: clonetrace report FILE");
		if ((o->perfetto || o->chrome) &&
		    (o->sections_given || o->dot || o->partial))
			return ct_usage_error(state, "--perfetto and --chrome write the whole timeline only: give -s, --dot or --partial in a run of their own");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The recording's header: where, when and how it was made. */
static void info(FILE *f, const struct ct_rec_header *h, bool json)
{
	time_t sec = h->boot_time_ns / 1000000000ULL;
	char boot[64], host[sizeof(h->hostname) * 6], rel[sizeof(h->release) * 6];
	char mode[sizeof(h->mode) * 6], opts[sizeof(h->options) * 6];
	struct ct_json j;
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(boot, sizeof(boot), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!json) {
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

/* A report: the recording read once; the copy checked, then printed. */
struct report {
	struct report_opts opt;
	int fd;
	void *buf;
	size_t len;
	struct ct_rec_reader r;
	bool damaged;		/* --partial: shown up to the damage */
	uint64_t first_ts;
	uint64_t min_ts, max_ts;	/* --partial: the duration read */
	struct ct_outbuf ob;		/* standard output */
	struct ct_outfile dot;		/* --dot */
	struct ct_outfile perfetto, chrome;	/* --perfetto, --chrome */
	struct ct_output out;
	struct ct_stats stats;
	struct ct_analysis *analysis;
};

/*
 * The whole file read once into memory of our own, then checked and
 * printed from there: a recording rewritten while it is read (recorded
 * again to the same path: truncated, then written) can at worst fail the
 * check. A mapping of it would not do: a page past a truncation is
 * SIGBUS, and the two passes could each see another file.
 */
static int read_file(struct report *rp)
{
	const char *file = rp->opt.file;
	size_t size, len = 0;
	struct stat sb;
	char *buf, *more;
	ssize_t n;

	/*
	 * Not blocking: opening a FIFO nobody writes to waits for a writer
	 * (a device may too). What was opened is checked, then read.
	 */
	rp->fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (rp->fd < 0 || fstat(rp->fd, &sb))
		return ct_fail(CT_EXIT_FAILURE, "cannot read '%s': %s", file,
			       strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return ct_fail(CT_EXIT_FAILURE, "'%s': not a regular file: give the file clonetrace -w wrote",
			       file);
	if (fcntl(rp->fd, F_SETFL, fcntl(rp->fd, F_GETFL) & ~O_NONBLOCK))
		return ct_fail(CT_EXIT_FAILURE, "cannot read '%s': %s", file,
			       strerror(errno));
	/* one byte more than the file: its end is seen without a realloc */
	size = (uint64_t)sb.st_size < REPORT_MAX ? sb.st_size + 1 :
	       REPORT_MAX + 1;
	buf = malloc(size);
	if (!buf)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	rp->buf = buf;
	for (;;) {
		if (len == size) {	/* it grew since */
			if (size > REPORT_MAX)
				return ct_fail(CT_EXIT_FAILURE, "'%s': over %u MiB, more than report reads: report a shorter recording",
					       file, REPORT_MAX >> 20);
			size = size * 2 > REPORT_MAX + 1 ? REPORT_MAX + 1 :
			       size * 2;
			more = realloc(buf, size);
			if (!more)
				return ct_fail(CT_EXIT_FAILURE, "out of memory");
			rp->buf = buf = more;
		}
		n = read(rp->fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ct_fail(CT_EXIT_FAILURE, "cannot read '%s': %s",
				       file, strerror(errno));
		if (!n)
			break;
		len += n;
	}
	if (!len)
		return ct_fail(CT_EXIT_FAILURE, "'%s': empty file, not a recording",
			       file);
	rp->len = len;
	return CT_EXIT_OK;
}

/*
 * Pass 1: the whole file must be sound; with --partial, what precedes
 * the damage is shown (the status is still a failure).
 */
static int check(struct report *rp)
{
	struct ct_rec_reader *r = &rp->r;
	struct ct_rec_item it;
	int ret;

	if (!ct_rec_open(r, rp->buf, rp->len)) {
		while ((ret = ct_rec_next(r, &it)) > 0) {
			if (it.type != CT_REC_EVENT)
				continue;
			if (!rp->first_ts)
				rp->first_ts = it.ev.ts_ns;
			if (!rp->min_ts || it.ev.ts_ns < rp->min_ts)
				rp->min_ts = it.ev.ts_ns;
			if (it.ev.ts_ns > rp->max_ts)
				rp->max_ts = it.ev.ts_ns;
		}
		if (!ret)
			return CT_EXIT_OK;
	}
	if (!rp->opt.partial || !r->hdr.release[0])
		return ct_fail(CT_EXIT_FAILURE, "'%s': %s", rp->opt.file,
			       r->err);
	ct_msg("'%s': %s; showing the %" PRIu64 " events before it (--partial)",
	       rp->opt.file, r->err, r->events);
	rp->damaged = true;
	return CT_EXIT_OK;
}

/* The descriptor handed over to its new owner. */
static int take_fd(struct ct_outfile *f)
{
	int fd = f->fd;

	f->fd = -1;
	return fd;
}

static bool exporting(const struct report *rp)
{
	return rp->opt.perfetto || rp->opt.chrome;
}

/* The export files, once the recording is known to be sound. */
static int open_exports(struct report *rp)
{
	const struct report_opts *o = &rp->opt;

	if (ct_outfile_open(&rp->perfetto, o->perfetto, "--perfetto file") ||
	    ct_outfile_open(&rp->chrome, o->chrome, "--chrome file"))
		return CT_EXIT_FAILURE;
	if (ct_outfile_same(&rp->perfetto, rp->chrome.fd))
		return ct_fail(CT_EXIT_FAILURE, "the --perfetto and --chrome files are the same file: give each its own");
	if (ct_outfile_same(&rp->perfetto, rp->fd) ||
	    ct_outfile_same(&rp->chrome, rp->fd))
		return ct_fail(CT_EXIT_FAILURE, "the %s file is the recording '%s' itself: give another file",
			       ct_outfile_same(&rp->perfetto, rp->fd) ?
			       "--perfetto" : "--chrome", o->file);
	if (ct_outfile_commit(&rp->perfetto) ||
	    ct_outfile_commit(&rp->chrome))
		return CT_EXIT_FAILURE;
	return CT_EXIT_OK;
}

/* The file's timeline: pass 2 into the model. NULL: out of memory. */
static struct ct_timeline *build_timeline(struct report *rp)
{
	struct ct_timeline *t = ct_tl_new(&rp->r);	/* r: pass 1's end */
	struct ct_rec_item it;
	int err = t ? 0 : -ENOMEM;

	ct_rec_open(&rp->r, rp->buf, rp->len);
	while (!err && ct_rec_next(&rp->r, &it) > 0)
		err = ct_tl_feed(t, &it);
	if (!err)
		err = ct_tl_finish(t);
	if (err) {
		ct_tl_free(t);
		return NULL;
	}
	return t;
}

/*
 * --perfetto, --chrome: the timeline (timeline.h), written instead of
 * the report.
 */
static int export(struct report *rp)
{
	int64_t real_offset = rp->r.end.real_offset_ns;
	struct ct_timeline *t;
	int status;

	if (!exporting(rp))
		return CT_EXIT_OK;
	status = open_exports(rp);
	if (status)
		return status;
	t = build_timeline(rp);
	if (!t)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	if (rp->perfetto.fd >= 0 &&
	    ct_perfetto_write(t, take_fd(&rp->perfetto), rp->opt.perfetto,
			      real_offset))
		status = CT_EXIT_FAILURE;
	if (rp->chrome.fd >= 0 &&
	    ct_chrome_write(t, take_fd(&rp->chrome), rp->opt.chrome))
		status = CT_EXIT_FAILURE;
	ct_tl_free(t);
	/* the report itself is not printed */
	return status ? status : -1;
}

/* The printer and the analyses, set as the live tracer's were. */
static int setup(struct report *rp)
{
	const struct report_opts *o = &rp->opt;
	struct ct_analysis_opts an = {
		.diag = o->sections & SEC_DIAG,
		.hist = o->sections & SEC_HIST,
		.tree = o->sections & SEC_TREE,
		.spawners = (o->sections & SEC_SPAWNERS) ? o->rows : 0,
		.all_spawners = (o->sections & SEC_SPAWNERS) && !o->rows,
		.dot = o->dot,
	};

	if (ct_outfile_open(&rp->dot, o->dot, "--dot file"))
		return CT_EXIT_FAILURE;
	if (ct_outfile_same(&rp->dot, STDOUT_FILENO))
		return ct_fail(CT_EXIT_FAILURE, "the --dot file '%s' is standard output: give it its own",
			       o->dot);
	if (ct_outbuf_init(&rp->ob, STDOUT_FILENO))
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	if (ct_output_init(&rp->out, &rp->ob, &o->format, false))
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	if (rp->damaged) {
		rp->out.start_ns = rp->first_ts;
		rp->out.real_offset_ns = rp->r.hdr.boot_time_ns;
	} else {
		rp->out.start_ns = rp->r.end.start_ns;
		rp->out.real_offset_ns = rp->r.end.real_offset_ns;
	}
	rp->analysis = ct_analysis_new(&an);
	if (!rp->analysis)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	return CT_EXIT_OK;
}

/* A -p target as it was when the stream started, in the stream. */
static void print_target(struct report *rp, const struct ct_target *t)
{
	if (!(rp->opt.sections & SEC_STREAM))
		return;
	if (rp->opt.format.json)
		ct_context_json(t, rp->ob.f);
	else
		ct_context_human(t, rp->ob.f, "");
}

/* A recorded cgroup1 path; its hierarchy is the first one named. */
static int add_cgroup1(struct ct_cgroups *c, const struct ct_rec_item *it)
{
	if (!ct_cgroups_controller(c) &&
	    ct_cgroups_set_v1(c, it->cg_controller, NULL))
		return -ENOMEM;
	return ct_cgroups_add1(c, it->cg_id, it->cg_path);
}

/* Pass 2: the stream, and every event into the analyses. 0 or -errno. */
static int replay(struct report *rp)
{
	struct ct_diag_log *log = ct_analysis_diags(rp->analysis);
	struct ct_rec_item it;
	int err;

	ct_rec_open(&rp->r, rp->buf, rp->len);
	while (ct_rec_next(&rp->r, &it) > 0) {
		if (it.type == CT_REC_DIAG) {
			if (ct_diag_add(log, &it.diag))
				return -ENOMEM;
			continue;
		}
		if (it.type == CT_REC_TARGET) {
			print_target(rp, &it.target);
			ct_analysis_target(rp->analysis, &it.target);
			continue;
		}
		if (it.type == CT_REC_CGROUP) {
			if (ct_cgroups_add(rp->out.cgroups, it.cg_id,
					   it.cg_path))
				return -ENOMEM;
			continue;
		}
		if (it.type == CT_REC_CGROUP1) {
			if (add_cgroup1(rp->out.cgroups, &it))
				return -ENOMEM;
			continue;
		}
		ct_stats_count(&rp->stats, &it.ev);
		if (rp->opt.sections & SEC_STREAM) {
			err = ct_output_event(&rp->out, &it.ev);
			if (err)
				return err;
		}
		ct_analysis_feed(rp->analysis, &it.ev);
		if (ct_is_creation(&it.ev))
			ct_diag_account(log, &it.ev);
	}
	return 0;
}

/*
 * As live: the analyses, then the summary last. 0 or -errno. A damaged
 * recording lost its end frame (the recorded duration): its duration is
 * then the span of the events read, earliest to latest.
 */
static int conclude(struct report *rp)
{
	uint64_t duration = rp->damaged ? rp->max_ts - rp->min_ts :
					  rp->r.end.duration_ns;

	ct_analysis_print(rp->analysis, rp->ob.f, rp->opt.format.json,
			  duration);
	if (!(rp->opt.sections & SEC_SUMMARY))
		return ct_outbuf_flush(&rp->ob);
	rp->out.stats = rp->stats;
	rp->out.stats.lost = rp->damaged ? 0 : rp->r.end.lost;
	rp->out.stats.lost_follow = rp->damaged ? 0 : rp->r.end.lost_follow;
	return ct_output_summary(&rp->out, rp->r.hdr.mode, duration);
}

static int print(struct report *rp)
{
	int status = rp->damaged ? CT_EXIT_FAILURE : CT_EXIT_OK;
	int err;

	if (ct_outfile_commit(&rp->dot))
		return CT_EXIT_FAILURE;
	if (rp->opt.sections & SEC_INFO)
		info(rp->ob.f, &rp->r.hdr, rp->opt.format.json);
	err = replay(rp);
	if (!err)
		err = conclude(rp);
	if (err == -ENOMEM)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	if (err && err != -EPIPE) {	/* | head: end quietly */
		ct_outbuf_say_lost(&rp->ob, "standard output");
		status = CT_EXIT_FAILURE;
	}
	if (rp->dot.fd >= 0 &&
	    ct_analysis_dot(rp->analysis, take_fd(&rp->dot)))
		status = CT_EXIT_FAILURE;
	return status;
}

/* The phases, in order; each returns 0 to go on, else the exit status. */
static int (*const phases[])(struct report *rp) = {
	read_file, check, export, setup, print,
};

static const struct argp_child children[] = {
	{ &ct_output_argp, 0, NULL, 0 },
	{},
};

static const struct argp report_argp = {
	.options = opts,
	.parser = parse_opt,
	.args_doc = "FILE",
	.doc = doc,
	.children = children,
};

int ct_report_main(int argc, char **argv)
{
	struct report *rp = calloc(1, sizeof(*rp));
	size_t i;
	int status;

	if (!rp)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	rp->fd = -1;
	rp->dot.fd = -1;
	rp->perfetto.fd = rp->chrome.fd = -1;
	rp->opt = (struct report_opts){ .sections = ~0U, .rows = 10 };
	status = ct_parse_args(&report_argp, argc, argv, "clonetrace report",
			       &rp->opt);
	for (i = 0; !status && i < ARRAY_SIZE(phases); i++)
		status = phases[i](rp);
	if (status < 0)		/* the exports written: done */
		status = CT_EXIT_OK;
	ct_analysis_free(rp->analysis);
	ct_output_free(&rp->out);
	ct_outbuf_free(&rp->ob);
	ct_outfile_close(&rp->dot);
	ct_outfile_close(&rp->perfetto);
	ct_outfile_close(&rp->chrome);
	free(rp->buf);
	if (rp->fd >= 0)
		close(rp->fd);
	free(rp);
	return status;
}
