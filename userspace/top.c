// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - "clonetrace top": creation rates per interval, counted in the
 * kernel (bpf/top.bpf.c), so that it keeps up at any creation rate.
 *
 * Each interval: the per-CPU kind and errno counters are summed and
 * differenced with the previous interval; the per-creator and per-cgroup
 * hash maps are read and their entries deleted (an increment that lands
 * between the read and the delete of an entry is lost; the per-CPU totals
 * never lose one). On a terminal the view is redrawn; otherwise one block
 * (or one JSON object) per interval is printed.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "alert.h"
#include "periodic.h"
#include "decode.h"
#include "escape.h"
#include "json.h"
#include "prom.h"
#include "attach.h"
#include "commands.h"
#include "proc.h"
#include "util.h"
#include "top.h"
#include "top.skel.h"

/* top has no fentry programs: kernel_clone() adds nothing to counts */
#define TOP_MODES	(CT_MODE_BIT(CT_MODE_TP_BTF) | CT_MODE_BIT(CT_MODE_RAW_TP))
#define STEP_MS		100
#define MAX_CGPATHS	4096

static struct {
	double duration;
	long count;
	long rows;
	bool json;
	int redraw;		/* -1: when stdout is a terminal */
	int verbose;
	bool no_syscalls;
	enum ct_mode mode;
} opt = {
	.rows = 10,
	.redraw = -1,
	.mode = CT_MODE_AUTO,
};

static const char doc[] =
"Creation rates per interval: totals, kinds, failures by errno, the top\n"
"creating processes and cgroups. Counted in the kernel, nothing streamed.\n"
"\n"
"USAGE: clonetrace top [OPTIONS]\n"
"\n"
"EXAMPLES:\n"
"  clonetrace top                      # redraw every second\n"
"  clonetrace top -i 5 -n 12 --json    # a minute of JSON lines\n"
"  clonetrace top --alert 5000 --alert-exec 'logger fork storm'\n"
"  clonetrace top --prometheus /var/lib/node_exporter/clonetrace.prom\n";

enum {
	OPT_MODE = 0x100,
	OPT_NO_REDRAW,
	OPT_NO_SYSCALLS,
};

static const struct argp_option opts[] = {
	{ "count", 'n', "N", 0, "Stop after N intervals" },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS" },
	{ "rows", 'r', "N", 0, "Top creators shown (default 10, 0: all)" },
	{ "json", 'j', NULL, 0, "One JSON object per interval" },
	{ "no-redraw", OPT_NO_REDRAW, NULL, 0,
	  "Print blocks even on a terminal" },
	{ "mode", OPT_MODE, "MODE", 0, "auto (default), tp_btf or raw_tp" },
	{ "no-syscalls", OPT_NO_SYSCALLS, NULL, 0,
	  "No syscall tracepoints (they slow every syscall on the machine): "
	  "no failures" },
	{ "verbose", 'v', NULL, 0, "Say how it attached" },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'd':
		return ct_opt_seconds(state, arg, "duration", 0.001, 1e9,
				      &opt.duration);
	case 'n':
		return ct_opt_long(state, arg, "count", 1, 100000000,
				   &opt.count);
	case 'r':
		return ct_opt_long(state, arg, "rows", 0, 100000000, &opt.rows);
	case 'j':
		opt.json = true;
		break;
	case OPT_NO_REDRAW:
		opt.redraw = 0;
		break;
	case OPT_MODE: {
		int mode = ct_mode_parse(arg);

		if (mode < 0 || (mode != CT_MODE_AUTO &&
				 !(TOP_MODES & CT_MODE_BIT(mode))))
			return ct_usage_error(state, "unknown mode '%s': top supports auto, tp_btf and raw_tp",
					      arg);
		opt.mode = mode;
		break;
	}
	case 'v':
		opt.verbose++;
		break;
	case OPT_NO_SYSCALLS:
		opt.no_syscalls = true;
		break;
	case ARGP_KEY_ARG:
		return ct_usage_error(state, "unexpected argument '%s'", arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- attaching: top's part of the ladder (attach.c) ---- */

struct top_loaded {
	struct top_bpf *skel;
	bool failures;		/* every syscall exit tracepoint attached */
};

/* ct_attach_ops.load: open, choose the programs of mode, load, attach. */
static int top_load(enum ct_mode mode, const struct ct_probe *probe,
		    void *ctx, const char **why)
{
	struct top_loaded *out = ctx;
	struct top_bpf *skel = top_bpf__open();
	size_t on;
	int err;

	if (!skel) {
		*why = "cannot open the BPF object";
		return -errno;
	}
	const struct ct_tracepoint_prog sys[] = {
		{ "sys_exit_clone", skel->progs.top_exit_clone },
		{ "sys_exit_clone3", skel->progs.top_exit_clone3 },
		{ "sys_exit_fork", skel->progs.top_exit_fork },
		{ "sys_exit_vfork", skel->progs.top_exit_vfork },
	};

	ct_autoload_none(skel->obj);
	bpf_program__set_autoload(mode == CT_MODE_TP_BTF ?
				  skel->progs.top_newtask_btf :
				  skel->progs.top_newtask_raw, true);
	on = ct_autoload_syscalls(probe, sys, ARRAY_SIZE(sys),
				  opt.no_syscalls);
	err = ct_load_skeleton(skel->skeleton, why);
	if (err) {
		top_bpf__destroy(skel);
		return err;
	}
	out->skel = skel;
	out->failures = on == ARRAY_SIZE(sys);
	return 0;
}

static const struct ct_attach_ops top_ops = {
	.modes = TOP_MODES,
	.load = top_load,
};

/* ---- cgroup v2 id -> path ---- */

static struct {
	char mnt[512];
	size_t mlen;
	struct {
		uint64_t id;
		char *path;
	} map[MAX_CGPATHS];
	size_t n;
	uint64_t scanned_ns;
} cg;

static int cg_visit(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	const char *rel = path + cg.mlen;

	if (type != FTW_D || cg.n >= MAX_CGPATHS)
		return 0;
	cg.map[cg.n].id = sb->st_ino;	/* the kernfs id on cgroup2 */
	cg.map[cg.n].path = strdup(*rel ? rel : "/");
	if (cg.map[cg.n].path)
		cg.n++;
	return 0;
}

static void cg_scan(void)
{
	size_t i;

	if (!cg.mnt[0]) {
		if (ct_cgroup_mount(NULL, cg.mnt, sizeof(cg.mnt)))
			return;
		cg.mlen = strlen(cg.mnt);
	}
	for (i = 0; i < cg.n; i++)
		free(cg.map[i].path);
	cg.n = 0;
	nftw(cg.mnt, cg_visit, 16, FTW_PHYS | FTW_MOUNT);
}

static const char *cg_path(uint64_t id, uint64_t now)
{
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < cg.n; i++)
			if (cg.map[i].id == id)
				return cg.map[i].path;
		/* a new cgroup: rescan, at most once a second */
		if (pass || now - cg.scanned_ns < 1000000000ULL)
			break;
		cg_scan();
		cg.scanned_ns = now;
	}
	return NULL;
}

/* ---- one interval ---- */

struct parent_row {
	uint32_t pid;
	struct ct_top_parent v;
	uint64_t created;
};

struct cgroup_row {
	uint64_t id;
	struct ct_top_cgroup v;
};

struct sample {
	double secs;
	uint64_t kinds[CT_KIND_NR];		/* this interval */
	uint64_t created, failed;
	uint64_t errnos[CT_TOP_ERRNO];
	struct parent_row *parents;
	size_t nparents;
	struct cgroup_row *cgroups;
	size_t ncgroups;
};

static struct {
	struct top_bpf *skel;
	int ncpus;
	uint64_t *percpu;
	uint64_t kinds[CT_KIND_NR];		/* cumulative */
	uint64_t errnos[CT_TOP_ERRNO];
	struct ct_prom prom;
	bool failures;		/* failures are counted (syscall tracepoints) */
} tp;

/* An interval's failures by errno: "EAGAIN 3, ...", or a JSON object. */
static void put_errnos(const struct sample *s, struct ct_json *j)
{
	const char *sep = "";
	char name[32];
	uint32_t i;

	if (j)
		ct_json_open(j, "by_errno", '{');
	for (i = 0; i < CT_TOP_ERRNO; i++) {
		const char *e = i ? ct_errno_name(i, name, sizeof(name)) :
				"other";

		if (!s->errnos[i])
			continue;
		if (j)
			ct_json_u64(j, e, s->errnos[i]);
		else
			printf("%s%s %" PRIu64, sep, e, s->errnos[i]);
		sep = ", ";
	}
	if (j)
		ct_json_close(j);
}

/* A failure count in a column: "-" when failures are not counted. */
static const char *failed_col(uint64_t n, char *buf, size_t len)
{
	if (!tp.failures)
		return "-";
	snprintf(buf, len, "%" PRIu64, n);
	return buf;
}

/* A failure count in JSON: null when failures are not counted. */
static void put_failed(struct ct_json *j, uint64_t n)
{
	if (tp.failures)
		ct_json_u64(j, "failed", n);
	else
		ct_json_null(j, "failed");
}

static uint64_t sum_percpu(int fd, uint32_t key)
{
	uint64_t s = 0;
	int i;

	if (bpf_map_lookup_elem(fd, &key, tp.percpu))
		return 0;
	for (i = 0; i < tp.ncpus; i++)
		s += tp.percpu[i];
	return s;
}

static int by_created(const void *a, const void *b)
{
	const struct parent_row *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->v.failed != y->v.failed)
		return x->v.failed < y->v.failed ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int cg_by_created(const void *a, const void *b)
{
	const struct cgroup_row *x = a, *y = b;

	if (x->v.created != y->v.created)
		return x->v.created < y->v.created ? 1 : -1;
	return x->v.failed < y->v.failed ? 1 : x->v.failed > y->v.failed ?
	       -1 : 0;
}

/* Read and delete every entry of a hash map; returns the count. */
static size_t drain(int fd, size_t ksize, size_t vsize, size_t max,
		    void *keys, void *rows, size_t rsize)
{
	char key[8], next[8];
	size_t n = 0, i, got = 0;
	void *prev = NULL;

	while (n < max && !bpf_map_get_next_key(fd, prev, next)) {
		memcpy((char *)keys + n * ksize, next, ksize);
		memcpy(key, next, ksize);
		prev = key;
		n++;
	}
	for (i = 0; i < n; i++) {
		char *row = (char *)rows + got * rsize;
		void *k = (char *)keys + i * ksize;

		memcpy(row, k, ksize);
		/* the value follows the key in each row, 8-byte aligned */
		if (!bpf_map_lookup_and_delete_elem(fd, k, row + 8))
			got++;
	}
	(void)vsize;
	return got;
}

static int collect(struct sample *s)
{
	int kfd = bpf_map__fd(tp.skel->maps.kinds);
	int efd = bpf_map__fd(tp.skel->maps.errnos);
	static uint32_t pkeys[CT_TOP_PARENTS];
	static uint64_t ckeys[CT_TOP_CGROUPS];
	uint32_t i;
	size_t j;

	s->created = s->failed = 0;
	for (i = 0; i < CT_KIND_NR; i++) {
		uint64_t v = sum_percpu(kfd, i);

		s->kinds[i] = v - tp.kinds[i];
		tp.kinds[i] = v;
		tp.prom.by_kind[i] = v;
		s->created += s->kinds[i];
	}
	for (i = 0; i < CT_TOP_ERRNO; i++) {
		uint64_t v = sum_percpu(efd, i);

		s->errnos[i] = v - tp.errnos[i];
		tp.errnos[i] = v;
		tp.prom.failed[i] = v;
		s->failed += s->errnos[i];
	}
	s->nparents = drain(bpf_map__fd(tp.skel->maps.parents),
			    sizeof(uint32_t), sizeof(struct ct_top_parent),
			    CT_TOP_PARENTS, pkeys, s->parents,
			    sizeof(struct parent_row));
	for (j = 0; j < s->nparents; j++) {
		struct parent_row *r = &s->parents[j];
		int k;

		r->created = 0;
		for (k = 0; k < CT_KIND_NR; k++)
			r->created += r->v.created[k];
	}
	qsort(s->parents, s->nparents, sizeof(*s->parents), by_created);
	s->ncgroups = drain(bpf_map__fd(tp.skel->maps.cgroups),
			    sizeof(uint64_t), sizeof(struct ct_top_cgroup),
			    CT_TOP_CGROUPS, ckeys, s->cgroups,
			    sizeof(struct cgroup_row));
	qsort(s->cgroups, s->ncgroups, sizeof(*s->cgroups), cg_by_created);
	return 0;
}

static double per_sec(uint64_t n, double secs)
{
	return secs > 0 ? n / secs : 0;
}

static size_t shown(size_t n)
{
	return opt.rows && (size_t)opt.rows < n ? (size_t)opt.rows : n;
}

static void json_kinds(struct ct_json *j, const uint64_t *kinds)
{
	int k;

	ct_json_open(j, "by_kind", '{');
	for (k = 0; k < CT_KIND_NR; k++)
		ct_json_u64(j, ct_kind_name(k), kinds[k]);
	ct_json_close(j);
}

static void print_json(const struct sample *s, uint64_t now)
{
	struct ct_json j;
	struct timespec ts;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	ct_json_init(&j, stdout);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "top");
	ct_json_num(&j, "time", ts.tv_sec + ts.tv_nsec / 1000000 / 1e3, 3);
	ct_json_num(&j, "interval_s", s->secs, 6);
	ct_json_u64(&j, "created", s->created);
	ct_json_num(&j, "rate", per_sec(s->created, s->secs), 1);
	json_kinds(&j, s->kinds);
	put_failed(&j, s->failed);
	if (tp.failures)
		put_errnos(s, &j);
	else
		ct_json_null(&j, "by_errno");
	ct_json_u64(&j, "parents", s->nparents);
	ct_json_open(&j, "spawners", '[');
	for (i = 0; i < shown(s->nparents); i++) {
		const struct parent_row *r = &s->parents[i];
		uint64_t kinds[CT_KIND_NR];
		int k;

		for (k = 0; k < CT_KIND_NR; k++)
			kinds[k] = r->v.created[k];
		ct_json_open(&j, NULL, '{');
		ct_json_u64(&j, "pid", r->pid);
		ct_json_strn(&j, "comm", r->v.comm, CT_COMM_LEN);
		ct_json_u64(&j, "created", r->created);
		ct_json_num(&j, "rate", per_sec(r->created, s->secs), 1);
		put_failed(&j, r->v.failed);
		json_kinds(&j, kinds);
		ct_json_close(&j);
	}
	ct_json_close(&j);
	ct_json_open(&j, "cgroups", '[');
	for (i = 0; i < shown(s->ncgroups); i++) {
		const struct cgroup_row *c = &s->cgroups[i];

		ct_json_open(&j, NULL, '{');
		ct_json_u64(&j, "id", c->id);
		ct_json_str(&j, "path", cg_path(c->id, now));
		ct_json_u64(&j, "created", c->v.created);
		ct_json_num(&j, "rate", per_sec(c->v.created, s->secs), 1);
		put_failed(&j, c->v.failed);
		ct_json_close(&j);
	}
	ct_json_close(&j);
	ct_json_close(&j);
}

static void print_human(const struct sample *s, uint64_t now, bool redraw)
{
	char comm[CT_COMM_LEN * 8], clock[32], num[24];
	uint64_t other;
	struct tm tm;
	time_t t = time(NULL);
	size_t i;

	localtime_r(&t, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	if (redraw)
		fputs("\033[H\033[2J", stdout);
	other = s->created - s->kinds[CT_KIND_PROCESS] -
		s->kinds[CT_KIND_THREAD] - s->kinds[CT_KIND_VFORK];
	printf("%s  created %.1f/s: process %.1f/s, thread %.1f/s, vfork %.1f/s, other %.1f/s; ",
	       clock, per_sec(s->created, s->secs),
	       per_sec(s->kinds[CT_KIND_PROCESS], s->secs),
	       per_sec(s->kinds[CT_KIND_THREAD], s->secs),
	       per_sec(s->kinds[CT_KIND_VFORK], s->secs),
	       per_sec(other, s->secs));
	if (tp.failures)
		printf("failed %.1f/s", per_sec(s->failed, s->secs));
	else
		fputs("failed n/a (--no-syscalls)", stdout);
	if (s->failed) {
		fputs(" (", stdout);
		put_errnos(s, NULL);
		fputc(')', stdout);
	}
	fputc('\n', stdout);
	printf("%7s %-16s %10s %8s %8s %7s %7s %7s\n", "PID", "COMM",
	       "RATE/s", "PROCESS", "THREAD", "VFORK", "OTHER", "FAILED");
	for (i = 0; i < shown(s->nparents); i++) {
		const struct parent_row *r = &s->parents[i];

		ct_escape_human(r->v.comm, CT_COMM_LEN, comm, sizeof(comm));
		printf("%7u %-16s %10.1f %8" PRIu64 " %8" PRIu64 " %7" PRIu64
		       " %7" PRIu64 " %7s\n", r->pid, comm,
		       per_sec(r->created, s->secs),
		       (uint64_t)r->v.created[CT_KIND_PROCESS],
		       (uint64_t)r->v.created[CT_KIND_THREAD],
		       (uint64_t)r->v.created[CT_KIND_VFORK],
		       (uint64_t)(r->created - r->v.created[CT_KIND_PROCESS] -
				  r->v.created[CT_KIND_THREAD] -
				  r->v.created[CT_KIND_VFORK]),
		       failed_col(r->v.failed, num, sizeof(num)));
	}
	if (s->ncgroups) {
		printf("%10s %7s  %s\n", "RATE/s", "FAILED", "CGROUP");
		for (i = 0; i < shown(s->ncgroups); i++) {
			const struct cgroup_row *c = &s->cgroups[i];
			const char *p = cg_path(c->id, now);

			printf("%10.1f %7s  ",
			       per_sec(c->v.created, s->secs),
			       failed_col(c->v.failed, num, sizeof(num)));
			if (p)
				printf("%s\n", p);
			else
				printf("(id %" PRIu64 ")\n", c->id);
		}
	}
	if (!redraw)
		fputc('\n', stdout);
}

static void alerts(const struct sample *s)
{
	size_t i;

	ct_alert_begin();
	if (ct_alert_total()) {
		ct_alert_observe(0, NULL, s->created, s->secs);
	} else {
		for (i = 0; i < s->nparents; i++)
			if (s->parents[i].created)
				ct_alert_observe(s->parents[i].pid,
						 s->parents[i].v.comm,
						 s->parents[i].created,
						 s->secs);
	}
	ct_alert_end();
}

int ct_top_main(int argc, char **argv)
{
	static const struct argp_child children[] = {
		{ &ct_periodic_argp, 0, NULL, 0 },
		{},
	};
	struct argp argp = {
		.options = opts,
		.parser = parse_opt,
		.doc = doc,
		.children = children,
	};
	struct sample s = {};
	uint64_t start, last, deadline = 0, now;
	long intervals = 0;
	struct top_loaded loaded = {};
	enum ct_mode mode;
	bool redraw;
	int err, status = CT_EXIT_FAILURE;

	if (ct_parse_args(&argp, argc, argv, "clonetrace top", NULL))
		return CT_EXIT_USAGE;
	redraw = opt.redraw < 0 ? !opt.json && isatty(STDOUT_FILENO) :
		 opt.redraw;

	if (ct_attach_check("clonetrace top"))
		return CT_EXIT_FAILURE;
	ct_libbpf_verbosity(opt.verbose);
	tp.ncpus = libbpf_num_possible_cpus();
	if (tp.ncpus <= 0) {
		ct_msg("cannot count the CPUs");
		return CT_EXIT_FAILURE;
	}
	tp.percpu = calloc(tp.ncpus, sizeof(uint64_t));
	s.parents = calloc(CT_TOP_PARENTS, sizeof(*s.parents));
	s.cgroups = calloc(CT_TOP_CGROUPS, sizeof(*s.cgroups));
	if (!tp.percpu || !s.parents || !s.cgroups) {
		ct_msg("out of memory");
		goto cleanup;
	}

	if (ct_attach(&top_ops, opt.mode, opt.verbose, &loaded, &mode))
		goto cleanup;
	tp.skel = loaded.skel;
	tp.failures = loaded.failures;
	if (opt.verbose) {
		ct_msg("attach mode %s%s", ct_mode_name(mode),
		       tp.failures ? "" : " (no syscall tracepoints: no failures)");
		ct_msg("tracing");
	}
	if (ct_periodic.alert.rate) {
		ct_periodic.alert.f = stdout;
		ct_periodic.alert.json = opt.json;
		ct_alert_setup(&ct_periodic.alert);
	}
	tp.prom.source = "top";

	ct_catch_stop_signals();
	start = last = ct_now_ns();
	if (opt.duration > 0)
		deadline = start + (uint64_t)(opt.duration * 1e9);
	cg_scan();
	cg.scanned_ns = start;

	for (;;) {
		bool stop;

		usleep(STEP_MS * 1000);
		now = ct_now_ns();
		stop = ct_stop_signal() || (deadline && now >= deadline);
		if (!stop && now - last < (uint64_t)(ct_periodic.interval * 1e9)) {
			ct_alert_reap(false);
			continue;
		}
		/* a last, shorter interval at exit: nothing goes uncounted */
		s.secs = (now - last) / 1e9;
		last = now;
		collect(&s);
		if (opt.json)
			print_json(&s, now);
		else
			print_human(&s, now, redraw);
		if (ct_alert_enabled())
			alerts(&s);
		if (fflush(stdout) == EOF && errno == EPIPE) {
			status = CT_EXIT_OK;
			goto cleanup;
		}
		if (ct_periodic.prometheus) {
			err = ct_prom_write(ct_periodic.prometheus, &tp.prom);
			if (err)
				ct_msg("cannot write '%s': %s",
					ct_periodic.prometheus, strerror(-err));
		}
		intervals++;
		if (stop || (opt.count && intervals >= opt.count))
			break;
	}
	ct_alert_reap(false);
	status = CT_EXIT_OK;
cleanup:
	top_bpf__destroy(tp.skel);
	free(tp.percpu);
	free(s.parents);
	free(s.cgroups);
	return status;
}
