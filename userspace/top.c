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
 *
 * The metrics (--prometheus, --listen: exporter.c) take the totals by
 * syscall and kind and by errno each interval, and the per-cgroup rows
 * (top-N series, metrics.h). The cause of an EAGAIN or ENOMEM is
 * diagnosed as the tracer's --why does: the creators whose creations
 * fail are read from the failing map within a step (100 ms) of the
 * failure, while the limit is still likely to be there.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <ftw.h>
#include <pwd.h>
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
#include "outbuf.h"
#include "exporter.h"
#include "identity.h"
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
#define RESCAN_NS	1000000000ULL	/* new cgroups: look at most once a second */

struct top_opts {
	double duration;
	long count;
	long rows;
	bool json;
	int redraw;		/* -1: when stdout is a terminal */
	int verbose;
	bool no_syscalls;
	bool users;		/* --users: the view by creating uid */
	bool containers;	/* --containers: the view by container */
	bool children;		/* --children: what spawners' children became */
	enum ct_mode mode;
	struct ct_periodic periodic;	/* -i, --alert, --prometheus, --listen */
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
"  clonetrace top --prometheus /var/lib/node_exporter/clonetrace.prom\n"
"  clonetrace top --listen 9477 >/dev/null   # http://127.0.0.1:9477/metrics\n";

enum {
	OPT_MODE = 0x100,
	OPT_NO_REDRAW,
	OPT_NO_SYSCALLS,
	OPT_METRICS_CGROUPS,
	OPT_USERS,
	OPT_CONTAINERS,
	OPT_CHILDREN,
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
	{ "users", OPT_USERS, NULL, 0,
	  "Also the creations by user (the creator's real uid; counted in "
	  "the kernel only when asked)" },
	{ "containers", OPT_CONTAINERS, NULL, 0,
	  "Also the creations by container (the creators' cgroups summed "
	  "by the container their path names)" },
	{ "children", OPT_CHILDREN, NULL, 0,
	  "Also what each spawner's children became: execs, the programs "
	  "(comm), ends by exit status, median lifetime (loads the exec and "
	  "exit programs)" },
	{ "metrics-cgroups", OPT_METRICS_CGROUPS, "N", 0,
	  "Cgroups with series of their own in the metrics, the others "
	  "summed as \"other\" (default 20, at most 1000)" },
	{},
};

static error_t parse_mode(struct top_opts *o, struct argp_state *state,
			  const char *arg)
{
	int mode = ct_mode_parse(arg);

	if (mode < 0 ||
	    (mode != CT_MODE_AUTO && !(TOP_MODES & CT_MODE_BIT(mode))))
		return ct_usage_error(state, "unknown mode '%s': top supports auto, tp_btf and raw_tp",
				      arg);
	o->mode = mode;
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct top_opts *o = state->input;
	long n;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->periodic;
		break;
	case 'd':
		return ct_opt_seconds(state, arg, "duration", 0.001, 1e9,
				      &o->duration);
	case 'n':
		return ct_opt_long(state, arg, "count", 1, 100000000,
				   &o->count);
	case 'r':
		return ct_opt_long(state, arg, "rows", 0, 100000000, &o->rows);
	case 'j':
		o->json = true;
		break;
	case OPT_NO_REDRAW:
		o->redraw = 0;
		break;
	case OPT_MODE:
		return parse_mode(o, state, arg);
	case 'v':
		o->verbose++;
		break;
	case OPT_NO_SYSCALLS:
		o->no_syscalls = true;
		break;
	case OPT_USERS:
		o->users = true;
		break;
	case OPT_CONTAINERS:
		o->containers = true;
		break;
	case OPT_CHILDREN:
		o->children = true;
		break;
	case OPT_METRICS_CGROUPS:	/* the tracer has no cgroup series */
		if (ct_opt_long(state, arg, "--metrics-cgroups", 1,
				CT_METRICS_CGROUPS_MAX, &n))
			return EINVAL;
		o->periodic.metrics_cgroups = n;
		break;
	case ARGP_KEY_ARG:
		return ct_usage_error(state, "unexpected argument '%s'", arg);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- the session ---- */

struct parent_row {
	uint32_t pid;
	struct ct_top_parent v;
	uint64_t created;
};

/* the creator's cgroup v2 ID and v1 ID (k.id1: 0 when none is read) */
struct cgroup_row {
	struct ct_top_cgroup_key k;
	struct ct_top_cgroup v;
};

struct user_row {
	uint32_t uid;
	uint32_t pad;
	struct ct_top_user v;	/* at 8, as drain() writes */
};

/* --containers: cgroup rows summed by the container their path names */
struct container_row {
	struct ct_container c;
	uint64_t created, failed;
	uint32_t cgroups;
};

/* --children: the maps' rows, as drain() writes them */
struct kids_row {
	uint32_t spawner;
	uint32_t pad;
	struct ct_top_kids v;
};

struct code_row {
	struct ct_top_kid_code k;
	uint64_t n;
};

struct prog_row {
	struct ct_top_kid_prog k;	/* 20 bytes: the count at 24 */
	uint32_t pad;
	uint64_t n;
};

struct failing_row {
	uint32_t tgid;
	struct ct_top_failing v;	/* 8-byte aligned, as drain() writes */
};

/* One interval, read from the maps. */
struct sample {
	double secs;
	uint64_t kinds[CT_KIND_NR];		/* this interval */
	uint64_t created, failed;
	uint64_t errnos[CT_TOP_ERRNO];
	struct parent_row *parents;
	size_t nparents;
	struct cgroup_row *cgroups;
	size_t ncgroups;
	struct user_row *users;		/* --users */
	size_t nusers;
	struct container_row *containers;	/* --containers */
	size_t ncontainers;
	struct kids_row *kids;		/* --children */
	size_t nkids;
	struct code_row *codes;
	size_t ncodes;
	struct prog_row *progs;
	size_t nprogs;
};

/* cgroup v2 ids to paths: the inode numbers of the hierarchy's dirs. */
struct cgroup_names {
	char mnt[512];
	size_t mlen;
	struct {
		uint64_t id;
		char *path;
	} map[MAX_CGPATHS];
	size_t n;
	uint64_t scanned_ns;
};

struct top {
	struct top_opts opt;
	struct ct_outbuf ob;	/* standard output */
	FILE *f;		/* stdio over it */
	bool redraw;
	struct top_bpf *skel;
	bool failures;		/* failures are counted (syscall tracepoints) */
	const char *no_failures_why;	/* when not: "--no-syscalls"... */
	const char *syscalls_denied;	/* tracefs not readable: said */
	int ncpus;
	uint64_t *percpu;	/* one value per CPU, read from a map */
	uint64_t kinds[CT_KIND_NR];		/* cumulative */
	uint64_t errnos[CT_TOP_ERRNO];
	uint64_t limit_failures;	/* EAGAIN + ENOMEM, at the last step */
	uint32_t *pkeys;	/* keys of the maps being drained */
	struct ct_top_cgroup_key *ckeys;
	struct cgroup_row *mrows;	/* the metrics' rows, by v2 ID */
	struct ct_top_kid_prog *kkeys;	/* --children */
	struct failing_row *failing;
	struct ct_exporter x;	/* --prometheus, --listen */
	bool failed;		/* the metrics could not be written */
	struct ct_alerts *alerts;	/* --alert */
	struct cgroup_names cg;
	struct ct_cgroup1 cg1;		/* the v1 hierarchy counted */
	struct ct_cgroups *cg1_paths;	/* its IDs to paths; or NULL */
	struct sample s;
};

/* ---- attaching: top's part of the ladder (attach.c) ---- */

/* ct_attach_ops.load: open, choose the programs of mode, load, attach. */
static int top_load(enum ct_mode mode, const struct ct_probe *probe,
		    void *ctx, const char **why)
{
	struct top *t = ctx;
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

	/* the creator's syscall from its registers (task.bpf.h) */
	skel->rodata->have_task_pt_regs = probe->task_pt_regs;
	skel->rodata->thread_size = probe->thread_size;
	skel->rodata->count_users = t->opt.users;
	skel->rodata->cg1_on = t->cg1.controller[0];
	skel->rodata->cg1_ctrl = t->cg1.ctrl;
	ct_autoload_none(skel->obj);
	bpf_program__set_autoload(mode == CT_MODE_TP_BTF ?
				  skel->progs.top_newtask_btf :
				  skel->progs.top_newtask_raw, true);
	bpf_program__set_autoload(skel->progs.top_exec, t->opt.children);
	bpf_program__set_autoload(skel->progs.top_exit, t->opt.children);
	/* 5.10 has no bpf_get_current_task_btf(): the comm by helper there */
	skel->rodata->have_current_task_btf = probe->current_task_btf;
	on = ct_autoload_syscalls(probe, sys, ARRAY_SIZE(sys),
				  t->opt.no_syscalls);
	err = ct_load_skeleton(skel->skeleton, why);
	if (err) {
		top_bpf__destroy(skel);
		return err;
	}
	t->skel = skel;
	t->failures = on == ARRAY_SIZE(sys);
	t->no_failures_why = t->opt.no_syscalls ? "--no-syscalls" :
			     probe->tracefs_denied ? "tracefs not readable" :
			     "no syscall tracepoints";
	t->syscalls_denied = t->opt.no_syscalls || t->failures ? NULL :
			     ct_syscalls_denied(probe);
	return 0;
}

static const struct ct_attach_ops top_ops = {
	.modes = TOP_MODES,
	.helpers = true,	/* bpf_task_pt_regs(): the syscall */
	.fds = 30,		/* measured on 6.18 (docs/USAGE.md) */
	.load = top_load,
};

/* ---- cgroup v2 id -> path ---- */

static struct cgroup_names *scanning;	/* nftw() takes no context */

static int cg_visit(const char *path, const struct stat *sb, int type,
		    struct FTW *ftw)
{
	struct cgroup_names *cg = scanning;
	const char *rel = path + cg->mlen;

	if (type != FTW_D || cg->n >= MAX_CGPATHS)
		return 0;
	cg->map[cg->n].id = sb->st_ino;	/* the kernfs id on cgroup2 */
	cg->map[cg->n].path = strdup(*rel ? rel : "/");
	if (cg->map[cg->n].path)
		cg->n++;
	return 0;
}

static void cg_free(struct cgroup_names *cg)
{
	size_t i;

	for (i = 0; i < cg->n; i++)
		free(cg->map[i].path);
	cg->n = 0;
}

static void cg_scan(struct cgroup_names *cg, uint64_t now)
{
	cg->scanned_ns = now;
	if (!cg->mnt[0]) {
		if (ct_cgroup_mount(NULL, cg->mnt, sizeof(cg->mnt)))
			return;
		cg->mlen = strlen(cg->mnt);
	}
	cg_free(cg);
	scanning = cg;
	nftw(cg->mnt, cg_visit, 16, FTW_PHYS | FTW_MOUNT);
	scanning = NULL;
}

static const char *cg_path(struct cgroup_names *cg, uint64_t id,
			   uint64_t now)
{
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < cg->n; i++)
			if (cg->map[i].id == id)
				return cg->map[i].path;
		/* a new cgroup: rescan, at most once a second */
		if (pass || now - cg->scanned_ns < RESCAN_NS)
			break;
		cg_scan(cg, now);
	}
	return NULL;
}

/* ---- one interval ---- */

static uint64_t sum_percpu(struct top *t, int fd, uint32_t key)
{
	uint64_t s = 0;
	int i;

	if (bpf_map_lookup_elem(fd, &key, t->percpu))
		return 0;
	for (i = 0; i < t->ncpus; i++)
		s += t->percpu[i];
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

/* The kernel's ENOTSUPP (include/linux/errno.h), not in user space's */
#define ENOTSUPP_KERNEL	524

/*
 * Read and delete every entry of a hash map into rows, each the key then
 * the value 8-byte aligned after it; returns the count.
 */
static size_t drain(int fd, size_t ksize, size_t max, void *keys,
		    void *rows, size_t rsize)
{
	char key[32], next[32];
	size_t voff = (ksize + 7) & ~(size_t)7;	/* the value, 8-aligned */
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
		if (!bpf_map_lookup_and_delete_elem(fd, k, row + voff)) {
			got++;
		} else if (errno == EINVAL || errno == ENOTSUPP_KERNEL ||
			   errno == EOPNOTSUPP) {
			/*
			 * Hash maps take the combined call from 5.14 on;
			 * before, two calls: a creation counted between
			 * them is lost.
			 */
			if (!bpf_map_lookup_elem(fd, k, row + voff)) {
				bpf_map_delete_elem(fd, k);
				got++;
			}
		}
	}
	return got;
}

/*
 * The per-CPU totals, differenced with the last interval's; the metrics
 * take them as they are.
 */
static void collect_totals(struct top *t, struct sample *s)
{
	int kfd = bpf_map__fd(t->skel->maps.kinds);
	int efd = bpf_map__fd(t->skel->maps.errnos);
	uint64_t kinds[CT_KIND_NR] = {};
	uint32_t i, sc;

	s->created = s->failed = 0;
	for (sc = 0; sc <= CT_TOP_SC_UNKNOWN; sc++) {
		for (i = 0; i < CT_KIND_NR; i++) {
			uint64_t v = sum_percpu(t, kfd, sc * CT_KIND_NR + i);

			kinds[i] += v;
			t->x.m.created[sc][i] = v;
		}
	}
	for (i = 0; i < CT_KIND_NR; i++) {
		s->kinds[i] = kinds[i] - t->kinds[i];
		t->kinds[i] = kinds[i];
		s->created += s->kinds[i];
	}
	for (i = 0; i < CT_TOP_ERRNO; i++) {
		uint64_t v = sum_percpu(t, efd, i);

		s->errnos[i] = v - t->errnos[i];
		t->errnos[i] = v;
		if (i < CT_METRICS_ERRNO)
			t->x.m.failed[i] = v;
		s->failed += s->errnos[i];
	}
}

/*
 * Every step, when creations failed with EAGAIN or ENOMEM since the
 * last: the creators read from the failing map (and deleted), and the
 * cause of their failures diagnosed (metrics.c, at most once a second
 * per creator).
 */
static void collect_causes(struct top *t, uint64_t now)
{
	struct failing_row *rows = t->failing;
	int efd = bpf_map__fd(t->skel->maps.errnos);
	uint64_t n = sum_percpu(t, efd, EAGAIN) + sum_percpu(t, efd, ENOMEM);
	size_t i, got;

	if (n == t->limit_failures)
		return;
	t->limit_failures = n;
	got = drain(bpf_map__fd(t->skel->maps.failing), sizeof(uint32_t),
		    CT_TOP_FAILING, t->pkeys, rows, sizeof(*rows));
	for (i = 0; i < got; i++) {
		if (rows[i].v.again)
			ct_metrics_cause(&t->x.m, rows[i].tgid, EAGAIN,
					 rows[i].v.again, now);
		if (rows[i].v.nomem)
			ct_metrics_cause(&t->x.m, rows[i].tgid, ENOMEM,
					 rows[i].v.nomem, now);
	}
}

static int cg_by_id(const void *a, const void *b)
{
	const struct cgroup_row *x = a, *y = b;

	return x->k.id < y->k.id ? -1 : x->k.id > y->k.id;
}

/* The interval's cgroups to the metrics' top-N series. */
static void metrics_cgroups(struct top *t, const struct sample *s,
			    uint64_t now)
{
	size_t i;

	/*
	 * A cgroup's label is fixed when it gets its series: one created
	 * since the last scan (which cg_path() repeats at most once a
	 * second) would be "(id N)" for good. So a cgroup not known yet
	 * makes one scan now, at most one an interval.
	 */
	for (i = 0; i < s->ncgroups; i++) {
		if (!cg_path(&t->cg, s->cgroups[i].k.id, now)) {
			cg_scan(&t->cg, now);
			break;
		}
	}
	/* the series are by cgroup v2: the rows of one v2 ID summed */
	memcpy(t->mrows, s->cgroups, s->ncgroups * sizeof(*t->mrows));
	qsort(t->mrows, s->ncgroups, sizeof(*t->mrows), cg_by_id);
	ct_metrics_cgroups_begin(&t->x.m);
	for (i = 0; i < s->ncgroups; i++) {
		struct cgroup_row *r = &t->mrows[i];

		if (i + 1 < s->ncgroups && r[1].k.id == r->k.id) {
			r[1].v.created += r->v.created;
			r[1].v.failed += r->v.failed;
			continue;
		}
		ct_metrics_cgroup(&t->x.m, r->k.id, cg_path(&t->cg, r->k.id,
							    now),
				  r->v.created, r->v.failed);
	}
	ct_metrics_cgroups_end(&t->x.m);
}

static int user_by_created(const void *a, const void *b)
{
	const struct user_row *x = a, *y = b;

	if (x->v.created != y->v.created)
		return x->v.created < y->v.created ? 1 : -1;
	if (x->v.failed != y->v.failed)
		return x->v.failed < y->v.failed ? 1 : -1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int container_by_created(const void *a, const void *b)
{
	const struct container_row *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->failed != y->failed)
		return x->failed < y->failed ? 1 : -1;
	return strcmp(x->c.id, y->c.id);
}

/* The v1 path of a row; NULL: none read, or gone. */
static const char *cg1_path(struct top *t, const struct cgroup_row *r)
{
	return r->k.id1 ? ct_cgroups_path1(t->cg1_paths, r->k.id1, NULL) :
			  NULL;
}

/* The container of a row: its v2 path names, else its v1 path. */
static bool row_container(struct top *t, const struct cgroup_row *r,
			  uint64_t now, struct ct_container *c)
{
	const char *path = cg_path(&t->cg, r->k.id, now);

	if (path && ct_container_parse(path, strlen(path), c) && c->id[0])
		return true;
	path = cg1_path(t, r);
	return path && ct_container_parse(path, strlen(path), c) && c->id[0];
}

/* --containers: the interval's cgroups in a container, summed by it. */
static void collect_containers(struct top *t, struct sample *s,
			       uint64_t now)
{
	size_t i, k;

	s->ncontainers = 0;
	for (i = 0; i < s->ncgroups; i++) {
		const struct cgroup_row *r = &s->cgroups[i];
		struct ct_container c;
		struct container_row *row;

		if (!row_container(t, r, now, &c))
			continue;	/* in no container (or not known) */
		for (k = 0; k < s->ncontainers; k++)
			if (!strcmp(s->containers[k].c.id, c.id))
				break;
		row = &s->containers[k];
		if (k == s->ncontainers) {
			memset(row, 0, sizeof(*row));
			row->c = c;
			s->ncontainers++;
		}
		row->created += r->v.created;
		row->failed += r->v.failed;
		row->cgroups++;
	}
	qsort(s->containers, s->ncontainers, sizeof(*s->containers),
	      container_by_created);
}

static int kids_by_exits(const void *a, const void *b)
{
	const struct kids_row *x = a, *y = b;

	if (x->v.exits != y->v.exits)
		return x->v.exits < y->v.exits ? 1 : -1;
	if (x->v.execs != y->v.execs)
		return x->v.execs < y->v.execs ? 1 : -1;
	return x->spawner < y->spawner ? -1 : x->spawner > y->spawner;
}

static int progs_by_count(const void *a, const void *b)
{
	const struct prog_row *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strncmp(x->k.comm, y->k.comm, CT_COMM_LEN);
}

static int codes_by_code(const void *a, const void *b)
{
	const struct code_row *x = a, *y = b;

	return x->k.code < y->k.code ? -1 : x->k.code > y->k.code;
}

/* --children: the interval's execs and ends by spawner. */
static void collect_children(struct top *t, struct sample *s)
{
	s->nkids = drain(bpf_map__fd(t->skel->maps.kids), sizeof(uint32_t),
			 CT_TOP_KIDS, t->pkeys, s->kids, sizeof(*s->kids));
	s->ncodes = drain(bpf_map__fd(t->skel->maps.kid_codes),
			  sizeof(struct ct_top_kid_code), CT_TOP_KID_ROWS,
			  t->kkeys, s->codes, sizeof(*s->codes));
	s->nprogs = drain(bpf_map__fd(t->skel->maps.kid_progs),
			  sizeof(struct ct_top_kid_prog), CT_TOP_KID_ROWS,
			  t->kkeys, s->progs, sizeof(*s->progs));
	qsort(s->kids, s->nkids, sizeof(*s->kids), kids_by_exits);
	qsort(s->progs, s->nprogs, sizeof(*s->progs), progs_by_count);
	qsort(s->codes, s->ncodes, sizeof(*s->codes), codes_by_code);
}

static void collect(struct top *t, struct sample *s, uint64_t now)
{
	size_t j;
	int k;

	collect_totals(t, s);
	s->nparents = drain(bpf_map__fd(t->skel->maps.parents),
			    sizeof(uint32_t), CT_TOP_PARENTS, t->pkeys,
			    s->parents, sizeof(struct parent_row));
	for (j = 0; j < s->nparents; j++) {
		struct parent_row *r = &s->parents[j];

		r->created = 0;
		for (k = 0; k < CT_KIND_NR; k++)
			r->created += r->v.created[k];
	}
	qsort(s->parents, s->nparents, sizeof(*s->parents), by_created);
	s->ncgroups = drain(bpf_map__fd(t->skel->maps.cgroups),
			    sizeof(*t->ckeys), CT_TOP_CGROUPS, t->ckeys,
			    s->cgroups, sizeof(struct cgroup_row));
	qsort(s->cgroups, s->ncgroups, sizeof(*s->cgroups), cg_by_created);
	if (t->opt.users) {
		s->nusers = drain(bpf_map__fd(t->skel->maps.users),
				  sizeof(uint32_t), CT_TOP_USERS, t->pkeys,
				  s->users, sizeof(struct user_row));
		qsort(s->users, s->nusers, sizeof(*s->users),
		      user_by_created);
	}
	if (t->opt.containers)
		collect_containers(t, s, now);
	if (t->opt.children)
		collect_children(t, s);
}

/* ---- printing ---- */

/* An interval's failures by errno: "EAGAIN 3, ...", or a JSON object. */
static void put_errnos(FILE *f, const struct sample *s, struct ct_json *j)
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
			fprintf(f, "%s%s %" PRIu64, sep, e, s->errnos[i]);
		sep = ", ";
	}
	if (j)
		ct_json_close(j);
}

/* A failure count in a column: "-" when failures are not counted. */
static const char *failed_col(const struct top *t, uint64_t n, char *buf,
			      size_t len)
{
	if (!t->failures)
		return "-";
	snprintf(buf, len, "%" PRIu64, n);
	return buf;
}

/* A failure count in JSON: null when failures are not counted. */
static void put_failed(const struct top *t, struct ct_json *j, uint64_t n)
{
	if (t->failures)
		ct_json_u64(j, "failed", n);
	else
		ct_json_null(j, "failed");
}

static double per_sec(uint64_t n, double secs)
{
	return secs > 0 ? n / secs : 0;
}

static size_t shown(const struct top *t, size_t n)
{
	long rows = t->opt.rows;

	return rows && (size_t)rows < n ? (size_t)rows : n;
}

/* A row's "cgroup_v1":{"controller","id","path"}, or null. */
static void json_cgroup1(struct top *t, struct ct_json *j,
			 const struct cgroup_row *c)
{
	if (!c->k.id1) {
		ct_json_null(j, "cgroup_v1");
		return;
	}
	ct_json_open(j, "cgroup_v1", '{');
	ct_json_str(j, "controller", t->cg1.controller);
	ct_json_u64(j, "id", c->k.id1);
	ct_json_str(j, "path", cg1_path(t, c));
	ct_json_close(j);
}

static void json_kinds(struct ct_json *j, const uint64_t *kinds)
{
	int k;

	ct_json_open(j, "by_kind", '{');
	for (k = 0; k < CT_KIND_NR; k++)
		ct_json_u64(j, ct_kind_name(k), kinds[k]);
	ct_json_close(j);
}

/* The name of uid, or NULL when the user database has none. */
static const char *user_name(uint32_t uid, char *buf, size_t len)
{
	struct passwd pw, *res = NULL;

	if (getpwuid_r(uid, &pw, buf, len, &res) || !res)
		return NULL;
	return res->pw_name;
}

static void json_users(const struct top *t, struct ct_json *j,
		       const struct sample *s)
{
	char buf[1024];
	size_t i;

	ct_json_open(j, "users", '[');
	for (i = 0; i < shown(t, s->nusers); i++) {
		const struct user_row *u = &s->users[i];

		ct_json_open(j, NULL, '{');
		ct_json_u64(j, "uid", u->uid);
		ct_json_str(j, "name", user_name(u->uid, buf, sizeof(buf)));
		ct_json_u64(j, "created", u->v.created);
		ct_json_num(j, "rate", per_sec(u->v.created, s->secs), 1);
		put_failed(t, j, u->v.failed);
		ct_json_close(j);
	}
	ct_json_close(j);
}

static void json_containers(const struct top *t, struct ct_json *j,
			    const struct sample *s)
{
	size_t i;

	ct_json_open(j, "containers", '[');
	for (i = 0; i < shown(t, s->ncontainers); i++) {
		const struct container_row *c = &s->containers[i];

		ct_json_open(j, NULL, '{');
		ct_json_str(j, "id", c->c.id);
		ct_json_str(j, "runtime", c->c.runtime);
		ct_json_str(j, "pod_uid", c->c.pod_uid[0] ? c->c.pod_uid : NULL);
		ct_json_u64(j, "cgroups", c->cgroups);
		ct_json_u64(j, "created", c->created);
		ct_json_num(j, "rate", per_sec(c->created, s->secs), 1);
		put_failed(t, j, c->failed);
		ct_json_close(j);
	}
	ct_json_close(j);
}

/* The bounds in usecs of the log-linear bucket b (top.h): [lo, hi). */
static void life_bounds(uint32_t b, uint64_t *lo, uint64_t *hi)
{
	uint32_t k, sub;

	if (b < 2 * CT_TOP_LIFE_SUB) {
		*lo = b;
		*hi = b + 1;
		return;
	}
	k = b / CT_TOP_LIFE_SUB + CT_TOP_LIFE_SHIFT - 1;
	sub = b % CT_TOP_LIFE_SUB;
	*lo = (uint64_t)(CT_TOP_LIFE_SUB + sub) << (k - CT_TOP_LIFE_SHIFT);
	*hi = *lo + (1ULL << (k - CT_TOP_LIFE_SHIFT));
}

/* The bucket holding the lifetime of rank r (from 0, ascending). */
static uint32_t rank_bucket(const struct ct_top_kids *k, uint64_t r)
{
	uint64_t seen = 0;
	uint32_t b;

	for (b = 0; b < CT_TOP_LIFE_BUCKETS - 1; b++) {
		seen += k->life[b];
		if (seen > r)
			break;
	}
	return b;
}

/*
 * The bounds in usecs of the median lifetime, [*min, *max): the bucket
 * of the middle lifetime, or with an even count the mean of the two
 * middle ones' buckets. Each bucket is at most 1/CT_TOP_LIFE_SUB of its
 * values wide, so the middle of the bounds is within 1/(2 *
 * CT_TOP_LIFE_SUB) of the true median (docs/JSON.md). False without ends.
 */
static bool life_median(const struct ct_top_kids *k, double *min,
			double *max)
{
	uint64_t n = 0, lo[2], hi[2];
	uint32_t b;

	for (b = 0; b < CT_TOP_LIFE_BUCKETS; b++)
		n += k->life[b];
	if (!n)
		return false;
	life_bounds(rank_bucket(k, (n - 1) / 2), &lo[0], &hi[0]);
	life_bounds(rank_bucket(k, n / 2), &lo[1], &hi[1]);
	*min = (lo[0] + lo[1]) / 2.0;
	*max = (hi[0] + hi[1]) / 2.0;
	return true;
}

/* The log2 slots of the buckets: slot s from 2^s (0 for s = 0) to 2^(s+1). */
static void life_log2(const struct ct_top_kids *k,
		      uint64_t slots[CT_TOP_LIFE_LOG2])
{
	uint64_t lo, hi;
	uint32_t b, s;

	memset(slots, 0, CT_TOP_LIFE_LOG2 * sizeof(*slots));
	for (b = 0; b < CT_TOP_LIFE_BUCKETS; b++) {
		if (!k->life[b])
			continue;
		life_bounds(b, &lo, &hi);
		for (s = 0; s + 1 < CT_TOP_LIFE_LOG2 && lo >> (s + 1); s++)
			;
		slots[s] += k->life[b];
	}
}

#define KID_PROGS	5	/* programs named per spawner */

/*
 * --children: the median lifetime (the middle of its bounds, rounded)
 * and its bounds, null without ends; the lifetimes by log2 slot.
 */
static void json_lifetimes(struct ct_json *j, const struct ct_top_kids *k)
{
	uint64_t slots[CT_TOP_LIFE_LOG2];
	double min, max;
	int s;

	if (life_median(k, &min, &max)) {
		ct_json_u64(j, "lifetime_median_us",
			    (uint64_t)((min + max) / 2 + 0.5));
		ct_json_u64(j, "lifetime_median_min_us", (uint64_t)min);
		ct_json_u64(j, "lifetime_median_max_us",
			    (uint64_t)(max + 0.5));
	} else {
		ct_json_null(j, "lifetime_median_us");
		ct_json_null(j, "lifetime_median_min_us");
		ct_json_null(j, "lifetime_median_max_us");
	}
	life_log2(k, slots);
	ct_json_open(j, "lifetime_log2_us", '[');
	for (s = 0; s < CT_TOP_LIFE_LOG2; s++) {
		if (!slots[s])
			continue;
		ct_json_open(j, NULL, '{');
		ct_json_u64(j, "min", s ? 1ULL << s : 0);
		ct_json_u64(j, "max", 1ULL << (s + 1));
		ct_json_u64(j, "count", slots[s]);
		ct_json_close(j);
	}
	ct_json_close(j);
}

static void json_children(const struct top *t, struct ct_json *j,
			  const struct sample *s)
{
	char name[32];
	size_t i, p, shown_progs;

	ct_json_open(j, "children", '[');
	for (i = 0; i < shown(t, s->nkids); i++) {
		const struct kids_row *k = &s->kids[i];

		ct_json_open(j, NULL, '{');
		ct_json_u64(j, "pid", k->spawner);
		ct_json_u64(j, "execs", k->v.execs);
		ct_json_u64(j, "exits", k->v.exits);
		ct_json_open(j, "programs", '[');
		for (p = 0, shown_progs = 0; p < s->nprogs &&
		     shown_progs < KID_PROGS; p++) {
			if (s->progs[p].k.spawner != k->spawner)
				continue;
			ct_json_open(j, NULL, '{');
			ct_json_strn(j, "comm", s->progs[p].k.comm, CT_COMM_LEN);
			ct_json_u64(j, "count", s->progs[p].n);
			ct_json_close(j);
			shown_progs++;
		}
		ct_json_close(j);
		ct_json_open(j, "exit_status", '{');
		for (p = 0; p < s->ncodes; p++)
			if (s->codes[p].k.spawner == k->spawner)
				ct_json_u64(j, ct_wait_status_name(s->codes[p].k.code, name,
							 sizeof(name)),
					    s->codes[p].n);
		ct_json_close(j);
		json_lifetimes(j, &k->v);
		ct_json_close(j);
	}
	ct_json_close(j);
}

static void print_json(struct top *t, const struct sample *s, uint64_t now)
{
	struct ct_json j;
	struct timespec ts;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	ct_json_init(&j, t->f);
	ct_json_open(&j, NULL, '{');
	ct_json_str(&j, "event", "top");
	ct_json_num(&j, "time", ts.tv_sec + ts.tv_nsec / 1000000 / 1e3, 3);
	ct_json_num(&j, "interval_s", s->secs, 6);
	ct_json_u64(&j, "created", s->created);
	ct_json_num(&j, "rate", per_sec(s->created, s->secs), 1);
	json_kinds(&j, s->kinds);
	put_failed(t, &j, s->failed);
	if (t->failures)
		put_errnos(t->f, s, &j);
	else
		ct_json_null(&j, "by_errno");
	ct_json_u64(&j, "parents", s->nparents);
	ct_json_open(&j, "spawners", '[');
	for (i = 0; i < shown(t, s->nparents); i++) {
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
		put_failed(t, &j, r->v.failed);
		json_kinds(&j, kinds);
		ct_json_close(&j);
	}
	ct_json_close(&j);
	ct_json_open(&j, "cgroups", '[');
	for (i = 0; i < shown(t, s->ncgroups); i++) {
		const struct cgroup_row *c = &s->cgroups[i];

		ct_json_open(&j, NULL, '{');
		ct_json_u64(&j, "id", c->k.id);
		ct_json_str(&j, "path", cg_path(&t->cg, c->k.id, now));
		json_cgroup1(t, &j, c);
		ct_json_u64(&j, "created", c->v.created);
		ct_json_num(&j, "rate", per_sec(c->v.created, s->secs), 1);
		put_failed(t, &j, c->v.failed);
		ct_json_close(&j);
	}
	ct_json_close(&j);
	if (t->opt.users)
		json_users(t, &j, s);
	if (t->opt.containers)
		json_containers(t, &j, s);
	if (t->opt.children)
		json_children(t, &j, s);
	ct_json_close(&j);
}

static void to_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

/* "16:14:17  created 25404.6/s: process 0.0/s, ...; failed 0.0/s" */
static void human_totals(const struct top *t, const struct sample *s)
{
	uint64_t other = s->created - s->kinds[CT_KIND_PROCESS] -
			 s->kinds[CT_KIND_THREAD] - s->kinds[CT_KIND_VFORK];
	time_t now = time(NULL);
	char clock[32];
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fprintf(t->f, "%s  created %.1f/s: process %.1f/s, thread %.1f/s, vfork %.1f/s, other %.1f/s; ",
	       clock, per_sec(s->created, s->secs),
	       per_sec(s->kinds[CT_KIND_PROCESS], s->secs),
	       per_sec(s->kinds[CT_KIND_THREAD], s->secs),
	       per_sec(s->kinds[CT_KIND_VFORK], s->secs),
	       per_sec(other, s->secs));
	if (t->failures)
		fprintf(t->f, "failed %.1f/s", per_sec(s->failed, s->secs));
	else
		fprintf(t->f, "failed n/a (%s)", t->no_failures_why);
	if (s->failed) {
		fputs(" (", t->f);
		put_errnos(t->f, s, NULL);
		fputc(')', t->f);
	}
	fputc('\n', t->f);
}

static void human_parents(const struct top *t, const struct sample *s)
{
	char comm[CT_COMM_LEN * 8], num[24];
	size_t i;

	fprintf(t->f, "%7s %-16s %10s %8s %8s %7s %7s %7s\n", "PID", "COMM",
	       "RATE/s", "PROCESS", "THREAD", "VFORK", "OTHER", "FAILED");
	for (i = 0; i < shown(t, s->nparents); i++) {
		const struct parent_row *r = &s->parents[i];
		const __u64 *k = r->v.created;

		ct_escape_human(r->v.comm, CT_COMM_LEN, comm, sizeof(comm));
		fprintf(t->f, "%7u %-16s %10.1f %8" PRIu64 " %8" PRIu64 " %7"
			PRIu64 " %7" PRIu64 " %7s\n", r->pid, comm,
		       per_sec(r->created, s->secs),
		       (uint64_t)k[CT_KIND_PROCESS],
		       (uint64_t)k[CT_KIND_THREAD], (uint64_t)k[CT_KIND_VFORK],
		       (uint64_t)(r->created - k[CT_KIND_PROCESS] -
				  k[CT_KIND_THREAD] - k[CT_KIND_VFORK]),
		       failed_col(t, r->v.failed, num, sizeof(num)));
	}
}

/* After the v2 path: "  CONTROLLER:PATH" of the row's v1 cgroup. */
static void human_cgroup1(struct top *t, const struct cgroup_row *c)
{
	const char *p = cg1_path(t, c);

	if (!c->k.id1)
		return;
	fprintf(t->f, "  %s:", t->cg1.controller);
	if (p)
		ct_escape(p, SIZE_MAX, CT_ESC_TERMINAL, to_file, t->f);
	else
		fprintf(t->f, "(id %" PRIu64 ")", (uint64_t)c->k.id1);
}

static void human_cgroups(struct top *t, const struct sample *s,
			  uint64_t now)
{
	char num[24];
	size_t i;

	if (!s->ncgroups)
		return;
	fprintf(t->f, "%10s %7s  %s\n", "RATE/s", "FAILED", "CGROUP");
	for (i = 0; i < shown(t, s->ncgroups); i++) {
		const struct cgroup_row *c = &s->cgroups[i];
		const char *p = cg_path(&t->cg, c->k.id, now);

		fprintf(t->f, "%10.1f %7s  ", per_sec(c->v.created, s->secs),
			failed_col(t, c->v.failed, num, sizeof(num)));
		if (p)
			ct_escape(p, SIZE_MAX, CT_ESC_TERMINAL, to_file, t->f);
		else
			fprintf(t->f, "(id %" PRIu64 ")", (uint64_t)c->k.id);
		human_cgroup1(t, c);
		fputc('\n', t->f);
	}
}

static void human_users(struct top *t, const struct sample *s)
{
	char num[24], buf[1024];
	const char *name;
	size_t i;

	if (!s->nusers)
		return;
	fprintf(t->f, "%10s %7s  %s\n", "RATE/s", "FAILED", "USER");
	for (i = 0; i < shown(t, s->nusers); i++) {
		const struct user_row *u = &s->users[i];

		fprintf(t->f, "%10.1f %7s  ", per_sec(u->v.created, s->secs),
			failed_col(t, u->v.failed, num, sizeof(num)));
		name = user_name(u->uid, buf, sizeof(buf));
		if (name) {
			ct_escape(name, SIZE_MAX, CT_ESC_TERMINAL, to_file,
				  t->f);
			fprintf(t->f, "(%u)\n", u->uid);
		} else {
			fprintf(t->f, "%u\n", u->uid);
		}
	}
}

static void human_containers(struct top *t, const struct sample *s)
{
	char num[24];
	size_t i;

	if (!s->ncontainers)
		return;
	fprintf(t->f, "%10s %7s  %s\n", "RATE/s", "FAILED", "CONTAINER");
	for (i = 0; i < shown(t, s->ncontainers); i++) {
		const struct container_row *c = &s->containers[i];

		fprintf(t->f, "%10.1f %7s  %s %.12s", per_sec(c->created, s->secs),
			failed_col(t, c->failed, num, sizeof(num)),
			c->c.runtime ? c->c.runtime : "-", c->c.id);
		if (c->c.pod_uid[0])
			fprintf(t->f, " pod %s", c->c.pod_uid);
		fputc('\n', t->f);
	}
}

/* usecs in three digits and a unit: "850us", "65.2ms", "3.10s" */
static void human_us(char *buf, size_t len, double us)
{
	const char *unit = "us";

	if (us >= 999.5e3) {
		us /= 1e6;
		unit = "s";
	} else if (us >= 999.5) {
		us /= 1e3;
		unit = "ms";
	}
	if (us < 9.995 && strcmp(unit, "us"))
		snprintf(buf, len, "%.2f%s", us, unit);
	else if (us < 99.95 && strcmp(unit, "us"))
		snprintf(buf, len, "%.1f%s", us, unit);
	else
		snprintf(buf, len, "%.0f%s", us, unit);
}

static void human_children(struct top *t, const struct sample *s)
{
	char name[32], comm[CT_COMM_LEN * 4], life[48];
	double min, max;
	size_t i, p, n;

	if (!s->nkids)
		return;
	fprintf(t->f, "%7s %7s %11s  %s\n", "EXITS", "EXECS", "MEDIAN LIFE",
		"SPAWNER: PROGRAMS; EXIT STATUS");
	for (i = 0; i < shown(t, s->nkids); i++) {
		const struct kids_row *k = &s->kids[i];

		if (life_median(&k->v, &min, &max))
			human_us(life, sizeof(life), (min + max) / 2);
		else
			snprintf(life, sizeof(life), "-");
		fprintf(t->f, "%7" PRIu64 " %7" PRIu64 " %11s  %u:",
			(uint64_t)k->v.exits, (uint64_t)k->v.execs, life,
			k->spawner);
		for (p = 0, n = 0; p < s->nprogs && n < KID_PROGS; p++) {
			if (s->progs[p].k.spawner != k->spawner)
				continue;
			ct_escape_human(s->progs[p].k.comm, CT_COMM_LEN, comm,
					sizeof(comm));
			fprintf(t->f, "%s %s\u00d7%" PRIu64, n ? "," : "", comm,
				s->progs[p].n);
			n++;
		}
		fputs(n ? ";" : " -;", t->f);
		for (p = 0; p < s->ncodes; p++)
			if (s->codes[p].k.spawner == k->spawner)
				fprintf(t->f, " %s\u00d7%" PRIu64,
					ct_wait_status_name(s->codes[p].k.code, name,
						  sizeof(name)),
					s->codes[p].n);
		fputc('\n', t->f);
	}
}

static void print_human(struct top *t, const struct sample *s, uint64_t now)
{
	if (t->redraw)
		fputs("\033[H\033[2J", t->f);
	human_totals(t, s);
	human_parents(t, s);
	human_cgroups(t, s, now);
	if (t->opt.users)
		human_users(t, s);
	if (t->opt.containers)
		human_containers(t, s);
	if (t->opt.children)
		human_children(t, s);
	if (!t->redraw)
		fputc('\n', t->f);
}

/* container:, cgroup: each cgroup's creations to the alert of its name */
static void observe_cgroups(struct top *t, const struct sample *s,
			    uint64_t now)
{
	bool container = ct_alerts_scope(t->alerts) == CT_ALERT_CONTAINER;
	char unknown[32];
	size_t i;

	for (i = 0; i < s->ncgroups; i++) {
		const struct cgroup_row *r = &s->cgroups[i];
		const char *path = cg_path(&t->cg, r->k.id, now);
		struct ct_container c;

		if (!r->v.created)
			continue;
		if (container) {
			if (!row_container(t, r, now, &c))
				continue;	/* in no container */
			ct_alerts_observe_named(t->alerts, c.id, c.runtime,
						r->v.created, s->secs);
			continue;
		}
		if (!path) {
			snprintf(unknown, sizeof(unknown), "(id %" PRIu64 ")",
				 (uint64_t)r->k.id);
			path = unknown;
		}
		ct_alerts_observe_named(t->alerts, path, NULL, r->v.created,
					s->secs);
	}
}

/* The interval's rates to the alerts. */
static void observe_rates(struct top *t, const struct sample *s,
			  uint64_t now)
{
	size_t i;

	ct_alerts_begin(t->alerts);
	if (ct_alerts_total(t->alerts)) {
		ct_alerts_observe(t->alerts, 0, NULL, s->created, s->secs);
	} else if (ct_alerts_scope(t->alerts) >= CT_ALERT_CONTAINER) {
		observe_cgroups(t, s, now);
	} else {
		for (i = 0; i < s->nparents; i++)
			if (s->parents[i].created)
				ct_alerts_observe(t->alerts, s->parents[i].pid,
						  s->parents[i].v.comm,
						  s->parents[i].created,
						  s->secs);
	}
	ct_alerts_end(t->alerts);
}

/* ---- the command ---- */

static int top_start(struct top *t)
{
	struct ct_alert_cfg cfg = t->opt.periodic.alert;
	enum ct_mode mode;

	if (ct_attach_check("clonetrace top"))
		return CT_EXIT_FAILURE;
	if (!ct_stdout_writable())
		return ct_fail(CT_EXIT_FAILURE, "standard output is closed: redirect it (>/dev/null to keep only --prometheus)");
	ct_libbpf_verbosity(t->opt.verbose);
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0)
		return ct_fail(CT_EXIT_FAILURE, "cannot count the CPUs");
	t->percpu = calloc(t->ncpus, sizeof(uint64_t));
	t->pkeys = calloc(CT_TOP_PARENTS, sizeof(*t->pkeys));
	t->ckeys = calloc(CT_TOP_CGROUPS, sizeof(*t->ckeys));
	t->mrows = calloc(CT_TOP_CGROUPS, sizeof(*t->mrows));
	/* the v1 hierarchy (identity.h: the rule), when the kernel has one */
	if (!ct_cgroup1_choose(&t->cg1)) {
		t->cg1_paths = ct_cgroups_new(true);
		if (t->cg1_paths &&
		    ct_cgroups_set_v1(t->cg1_paths, t->cg1.controller,
				      t->cg1.mnt))
			return ct_fail(CT_EXIT_FAILURE, "out of memory");
	}
	t->s.parents = calloc(CT_TOP_PARENTS, sizeof(*t->s.parents));
	t->s.cgroups = calloc(CT_TOP_CGROUPS, sizeof(*t->s.cgroups));
	t->failing = calloc(CT_TOP_FAILING, sizeof(*t->failing));
	t->s.users = calloc(CT_TOP_USERS, sizeof(*t->s.users));
	t->kkeys = calloc(CT_TOP_KID_ROWS, sizeof(*t->kkeys));
	t->s.kids = calloc(CT_TOP_KIDS, sizeof(*t->s.kids));
	t->s.codes = calloc(CT_TOP_KID_ROWS, sizeof(*t->s.codes));
	t->s.progs = calloc(CT_TOP_KID_ROWS, sizeof(*t->s.progs));
	t->s.containers = calloc(CT_TOP_CGROUPS, sizeof(*t->s.containers));
	if (ct_outbuf_init(&t->ob, STDOUT_FILENO))
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	t->f = t->ob.f;
	cfg.f = t->f;
	cfg.json = t->opt.json;
	if (cfg.rate)
		t->alerts = ct_alerts_new(&cfg);
	if (!t->percpu || !t->pkeys || !t->ckeys || !t->mrows ||
	    (t->cg1.controller[0] && !t->cg1_paths) || !t->s.parents ||
	    !t->s.cgroups || !t->failing || !t->s.users ||
	    !t->s.containers || !t->kkeys || !t->s.kids || !t->s.codes ||
	    !t->s.progs || (cfg.rate && !t->alerts))
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	/*
	 * the metrics file can be written and the endpoint listens, or
	 * nothing starts (as the tracer)
	 */
	if (ct_exporter_start(&t->x, &t->opt.periodic, "top",
			      t->opt.verbose))
		return CT_EXIT_FAILURE;
	t->x.m.per_cgroup = true;
	if (ct_attach(&top_ops, t->opt.mode, t->opt.verbose, t, &mode))
		return CT_EXIT_FAILURE;
	ct_exporter_attached(&t->x, ct_mode_name(mode), t->failures,
			     t->skel->obj);
	if (ct_exporter_publish(&t->x, true))
		t->failed = true;
	/*
	 * asked to stop before counting started: nothing to show. Checked
	 * before "tracing" is said: once said, a stop ends the run as
	 * every later one does (status 0, the last interval shown).
	 */
	if (ct_stop_signal())
		return 128 + ct_stop_signal();
	/* not only with -v: the failed column would say nothing of why */
	if (t->syscalls_denied)
		ct_msg("%s", t->syscalls_denied);
	if (t->opt.verbose) {
		ct_msg("attach mode %s%s%s%s", ct_mode_name(mode),
		       t->failures ? "" : " (",
		       t->failures ? "" : t->no_failures_why,
		       t->failures ? "" : ": no failures)");
		ct_msg("tracing");
	}
	return CT_EXIT_OK;
}

/*
 * One interval: read, print, alert, publish the metrics (up: still
 * counting; false in the last). 0; -EINTR when a stop request
 * interrupted the output (what was printed is kept); or the output's
 * failure.
 */
static int interval(struct top *t, uint64_t now, double secs, bool up)
{
	t->s.secs = secs;
	collect(t, &t->s, now);
	if (t->opt.json)
		print_json(t, &t->s, now);
	else
		print_human(t, &t->s, now);
	if (t->alerts)
		observe_rates(t, &t->s, now);
	if (t->x.on) {
		if (t->failures)
			collect_causes(t, now);
		metrics_cgroups(t, &t->s, now);
		if (ct_exporter_publish(&t->x, up))
			t->failed = true;
	}
	return ct_outbuf_flush(&t->ob);
}

/*
 * Every interval until -n, -d, a stop signal or an output failure; then
 * top's stop path: the signal on to the alert commands, the programs
 * detached, a last shorter interval (nothing goes uncounted), the
 * output flushed (bounded after a stop request, outbuf.h), the alert
 * commands stopped and reaped.
 */
static int top_loop(struct top *t)
{
	uint64_t start, last, deadline = 0, now;
	long intervals = 0;
	bool counted = false;
	int err = 0, sig;

	start = last = now = ct_now_ns();
	if (t->opt.duration > 0)
		deadline = start + (uint64_t)(t->opt.duration * 1e9);
	cg_scan(&t->cg, start);
	while (!err) {
		usleep(STEP_MS * 1000);
		now = ct_now_ns();
		if (ct_stop_signal() || (deadline && now >= deadline))
			break;
		if (t->alerts)
			ct_alerts_reap(t->alerts);
		if (t->x.on && t->failures)
			collect_causes(t, now);
		if (now - last < (uint64_t)(t->opt.periodic.interval * 1e9))
			continue;
		err = interval(t, now, (now - last) / 1e9, true);
		last = now;
		counted = t->opt.count && ++intervals >= t->opt.count;
		if (counted)
			break;
	}

	sig = ct_stop_signal();
	if (sig)
		ct_alerts_signal(t->alerts, sig);
	top_bpf__detach(t->skel);
	ct_outbuf_ending(&t->ob);
	if (!counted && (!err || err == -EINTR)) {
		now = ct_now_ns();
		interval(t, now, (now - last) / 1e9, false);
	} else if (ct_exporter_publish(&t->x, false)) {
		t->failed = true;	/* the last values: up 0 */
	}
	ct_outbuf_flush(&t->ob);
	ct_alerts_stop(t->alerts, sig ? sig : SIGTERM);
	if (t->ob.err && t->ob.err != -EPIPE) {	/* | head: quietly */
		ct_outbuf_say_lost(&t->ob, "standard output");
		return CT_EXIT_FAILURE;
	}
	return t->failed ? CT_EXIT_FAILURE : CT_EXIT_OK;
}

static const struct argp_child children[] = {
	{ &ct_periodic_argp, 0, NULL, 0 },
	{},
};

static const struct argp top_argp = {
	.options = opts,
	.parser = parse_opt,
	.doc = doc,
	.children = children,
};

int ct_top_main(int argc, char **argv)
{
	struct top *t = calloc(1, sizeof(*t));
	int status;

	if (!t)
		return ct_fail(CT_EXIT_FAILURE, "out of memory");
	t->opt = (struct top_opts){
		.rows = 10, .redraw = -1, .mode = CT_MODE_AUTO,
	};
	ct_catch_stop_signals();
	status = ct_parse_args(&top_argp, argc, argv, "clonetrace top",
			       &t->opt);
	t->redraw = t->opt.redraw < 0 ?
		    !t->opt.json && isatty(STDOUT_FILENO) : t->opt.redraw;
	if (!status)
		status = top_start(t);
	if (!status)
		status = top_loop(t);
	ct_exporter_free(&t->x);
	top_bpf__destroy(t->skel);
	ct_alerts_free(t->alerts);
	ct_outbuf_free(&t->ob);
	cg_free(&t->cg);
	free(t->percpu);
	free(t->pkeys);
	free(t->ckeys);
	free(t->mrows);
	ct_cgroups_free(t->cg1_paths);
	free(t->failing);
	free(t->s.parents);
	free(t->s.cgroups);
	free(t->s.users);
	free(t->kkeys);
	free(t->s.kids);
	free(t->s.codes);
	free(t->s.progs);
	free(t->s.containers);
	free(t);
	return status;
}
