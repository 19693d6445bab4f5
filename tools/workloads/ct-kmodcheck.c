// SPDX-License-Identifier: GPL-2.0
/*
 * ct-kmodcheck: read the clonetrace module's debugfs files from many
 * threads at once for SECONDS and check every read against invariants
 * that hold however the tasks churn (tests/vm/15-kmod-churn.sh,
 * tests/vm/16-kmod-unload.sh).
 *
 *   ct-kmodcheck [options] SECONDS
 *	-H PID	  a holder process (ct-threadstorm hold): its threads are read
 *		  from /proc/PID/task at the start and must not change
 *	-L A,B	  two processes that share nothing (ct-churn exec-loop)
 *	-g N	  threads reading "groups" (default 1)
 *	-t N	  threads reading "tasks" (default 1)
 *	-p N	  threads each writing holder TIDs to a "pid" file of its own
 *		  and reading the picture back (default 0; needs -H)
 *	-s	  also two threads reading one shared "groups" fd and two
 *		  sharing one "pid" fd
 *	-o N	  threads opening, reading and closing every file (default 0)
 *	-u	  the module is loaded and unloaded meanwhile: a file that
 *		  cannot be opened (ENOENT, ENXIO) or read (EIO, ENODEV) is
 *		  not an error, and ids are not compared between reads
 *	-U KO	  (implies -u) a thread unloads the module (delete_module(),
 *		  retried while files are open) and loads KO again, in a loop
 *	-n N	  stop early once N reads of "groups" are done
 *
 * Every read of "groups": the header; per line 5 fields, members equal to
 * the TIDs listed, TIDs strictly increasing (no TID twice), no TID in two
 * groups of one type, refcount >= members and plausible (a count read from
 * freed, poisoned memory is not); no group other than nsproxy holding both
 * -L processes, or one of them with a holder thread; every group of a
 * holder thread (but nsproxy) is exactly the holder's threads.
 * Every read of "tasks": 13 fields per line, TIDs strictly increasing,
 * every holder thread listed once with the holder as its PID and the same
 * mm id as in "groups". Every "pid" read: the task written, and the other
 * holder threads sharing its mm. A fresh "pid" file shows the header only.
 *
 * Prints one summary line per file and the first violations; exit 0 when
 * nothing was violated, 1 otherwise, 99 on a usage or setup error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DIR_CT "/sys/kernel/debug/clonetrace"
#define MAX_HOLD 65536
#define MAX_SHOWN 20
#define REF_PLAUSIBLE 10000000L

static const char *const types[] = {
	"mm", "files", "fs", "sighand", "signal", "nsproxy", "io", "sysvsem",
};
#define NTYPES 8

static const char H_TASKS[] = "# clonetrace tasks v1: tid pid ppid kind comm mm files fs sighand signal nsproxy io sysvsem\n";
static const char H_GROUPS[] = "# clonetrace groups v1: type id refcount members tids\n";
static const char H_PID[] = "# clonetrace pid v1: task tid pid ppid kind comm; then per resource: type id refcount other_tids\n";

static struct {
	int hold_pid;
	int loops[2];
	int nloops;
	int ngroups, ntasks, npid, nopen;
	bool shared, unload;
	long seconds, max_groups;
	const char *ko;
} opt = { .ngroups = 1, .ntasks = 1 };

static int hold_tids[MAX_HOLD];
static int nhold;
static char hold_mm[17];	/* the holder's mm id seen in "tasks" */
static volatile int stop;

enum counter {
	C_GROUPS_READS, C_TASKS_READS, C_PID_READS, C_OPEN_READS,
	C_SHARED_READS, C_UNAVAILABLE, C_CYCLES, C_BUSY,
	C_ERRORS, C_FORMAT, C_FALSE, C_DUP, C_TWICE, C_REF, C_POISON,
	C_HOLDER, C_MISSING, C_ORDER, C_PID_WRONG, C_FRESH, C_NR,
};
static const char *const cname[C_NR] = {
	"groups reads", "tasks reads", "pid reads", "open/read/close",
	"shared-fd reads", "unavailable", "unload cycles",
	"unloads refused while busy",
	"errors", "malformed", "false groups", "duplicate tids",
	"tids in two groups", "refcount < members", "implausible refcounts",
	"holder groups wrong", "holder threads missing", "tids out of order",
	"pid pictures wrong", "fresh pid files not empty",
};
static long count[C_NR];
static int shown;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void violation(enum counter c, const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&count[c], 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&out_lock);
	if (shown++ < MAX_SHOWN) {
		fprintf(stderr, "ct-kmodcheck: %s: ", cname[c]);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&out_lock);
}

static long bump(enum counter c)
{
	return __atomic_add_fetch(&count[c], 1, __ATOMIC_RELAXED);
}

static void usage(void)
{
	fprintf(stderr, "usage: ct-kmodcheck [-H PID] [-L A,B] [-g N] [-t N] [-p N] [-s] [-o N] [-u] SECONDS\n");
	exit(99);
}

/* An error an unloading module may cause, when -u allows it. */
static bool unavailable(int err)
{
	return opt.unload && (err == ENOENT || err == EIO || err == ENODEV ||
			      err == ENXIO);
}

/*
 * With -U, leave every file closed for a while between two uses: an open
 * file pins the module, and the unloader needs moments when none is.
 */
static void unload_gap(void)
{
	if (opt.ko)
		usleep(5000 + rand() % 15000);
}

/*
 * With -U, no debugfs open() runs during a delete_module() call. The
 * kernel drops a module's last reference before it marks the module
 * GOING (try_stop_module(), kernel/module/main.c); an open() in between
 * finds try_module_get() failing on a live module, and debugfs WARNs
 * "file owner did not clean up at exit" (full_proxy_open*(),
 * fs/debugfs/file.c), which panic_on_warn turns into a failed run. No
 * module can close that window (seen on sid's 7.2 under qemu TCG); what
 * the test is for stays: files held open refuse the unload, reads and
 * closes race it, opens race the load and every moment outside the call.
 */
static pthread_rwlock_t unload_gate;

static int gated_open(const char *path, int flags)
{
	int fd, err;

	if (opt.ko)
		pthread_rwlock_rdlock(&unload_gate);
	fd = open(path, flags);
	err = errno;
	if (opt.ko)
		pthread_rwlock_unlock(&unload_gate);
	errno = err;
	return fd;
}

static void gate_init(void)
{
	pthread_rwlockattr_t a;

	/* the unloader must not starve behind a stream of openers */
	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&unload_gate, &a);
	pthread_rwlockattr_destroy(&a);
}

/* Read @fd to the end into *@buf (grown as needed); -errno on failure. */
static ssize_t read_all(int fd, char **buf, size_t *cap)
{
	size_t len = 0;
	ssize_t n;

	for (;;) {
		if (len + 65536 + 1 > *cap) {
			*cap = (*cap ? *cap * 2 : 1 << 20);
			*buf = realloc(*buf, *cap);
			if (!*buf) {
				perror("ct-kmodcheck: realloc");
				exit(99);
			}
		}
		n = read(fd, *buf + len, 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	(*buf)[len] = '\0';
	return len;
}

/* Open and read a whole file; -errno on failure. */
static ssize_t slurp(const char *name, char **buf, size_t *cap)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), DIR_CT "/%s", name);
	fd = gated_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read_all(fd, buf, cap);
	close(fd);
	return n;
}

static bool is_holder(int tid)
{
	int lo = 0, hi = nhold;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (hold_tids[mid] == tid)
			return true;
		if (hold_tids[mid] < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool is_loop(int tid)
{
	return opt.nloops && (tid == opt.loops[0] || tid == opt.loops[1]);
}

static int type_index(const char *t)
{
	int i;

	for (i = 0; i < NTYPES; i++)
		if (!strcmp(t, types[i]))
			return i;
	return -1;
}

/* ---- groups ---- */

struct seen {
	unsigned char *mark;	/* per TID: bit i = in a group of type i */
	size_t cap;
};

static bool seen_set(struct seen *s, int tid, int type)
{
	bool was;

	if ((size_t)tid >= s->cap) {
		size_t ncap = (size_t)tid * 2 + 1024;

		s->mark = realloc(s->mark, ncap);
		if (!s->mark)
			exit(99);
		memset(s->mark + s->cap, 0, ncap - s->cap);
		s->cap = ncap;
	}
	was = s->mark[tid] & (1u << type);
	s->mark[tid] |= 1u << type;
	return was;
}

static void check_groups(char *text, struct seen *seen, bool compare_ids)
{
	char *line, *save = NULL;

	if (strncmp(text, H_GROUPS, sizeof(H_GROUPS) - 1)) {
		violation(C_FORMAT, "groups header: %.80s", text);
		return;
	}
	if (seen->mark)
		memset(seen->mark, 0, seen->cap);
	for (line = strtok_r(text + sizeof(H_GROUPS) - 1, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char type[16], id[17], ref[24], *tids, *p, *end;
		int members, n = 0, prev = 0, t, loops = 0, holders = 0;
		int others = 0, first = 0;
		bool holder_group;
		long r;

		if (sscanf(line, "%15s %16s %23s %d", type, id, ref, &members) != 4 ||
		    (t = type_index(type)) < 0) {
			violation(C_FORMAT, "groups line: %.80s", line);
			continue;
		}
		tids = line;
		for (n = 0; n < 4; n++) {
			tids = strchr(tids, ' ');
			if (!tids)
				break;
			tids++;
		}
		if (!tids) {
			violation(C_FORMAT, "groups line: %.80s", line);
			continue;
		}
		n = 0;
		for (p = tids; *p; p = end) {
			int tid = strtol(p, &end, 10);

			if (end == p || (*end && *end != ',')) {
				violation(C_FORMAT, "groups tids: %.80s", line);
				break;
			}
			if (*end == ',')
				end++;
			if (!n)
				first = tid;
			n++;
			if (tid <= prev)
				violation(C_DUP, "%s %s: tid %d after %d",
					  type, id, tid, prev);
			prev = tid;
			if (seen_set(seen, tid, t))
				violation(C_TWICE, "%s: tid %d in two groups",
					  type, tid);
			if (is_loop(tid))
				loops++;
			else if (is_holder(tid))
				holders++;
			else
				others++;
		}
		if (n != members)
			violation(C_FORMAT, "%s %s: members %d, %d tids",
				  type, id, members, n);
		if (strcmp(ref, "?")) {
			r = strtol(ref, &end, 10);
			if (*end || r < members)
				violation(C_REF, "%s %s: refcount %s, %d members",
					  type, id, ref, members);
			if (r > REF_PLAUSIBLE)
				violation(C_POISON, "%s %s: refcount %ld",
					  type, id, r);
		}
		if (!strcmp(type, "nsproxy"))
			continue;
		if (loops > 1 || (loops && holders))
			violation(C_FALSE, "%s %s: %d members, %d of them -L processes, %d holder threads (first %d)",
				  type, id, members, loops, holders, first);
		holder_group = holders > 0;
		if (holder_group && (holders != nhold || others || loops))
			violation(C_HOLDER, "%s %s: %d holder threads of %d, %d others",
				  type, id, holders, nhold, others + loops);
		if (compare_ids && holder_group && !strcmp(type, "mm")) {
			char want[sizeof(hold_mm)];

			pthread_mutex_lock(&out_lock);
			memcpy(want, hold_mm, sizeof(want));
			pthread_mutex_unlock(&out_lock);
			if (want[0] && strcmp(id, want))
				violation(C_HOLDER, "mm id %s in groups, %s in tasks",
					  id, want);
		}
	}
}

static void *groups_reader(void *arg)
{
	struct seen seen = { 0 };
	size_t cap = 0;
	char *buf = NULL;
	ssize_t n;

	(void)arg;
	while (!stop) {
		unload_gap();
		n = slurp("groups", &buf, &cap);
		if (n < 0) {
			if (unavailable(-n)) {
				bump(C_UNAVAILABLE);
				usleep(1000);
			} else {
				violation(C_ERRORS, "groups: %s", strerror(-n));
			}
			continue;
		}
		if (bump(C_GROUPS_READS) >= opt.max_groups && opt.max_groups)
			stop = 1;
		check_groups(buf, &seen, !opt.unload);
	}
	free(buf);
	free(seen.mark);
	return NULL;
}

/* ---- tasks ---- */

static void check_tasks(char *text)
{
	char *line, *save = NULL, *mm0 = NULL;
	int prev = 0, found = 0;

	if (strncmp(text, H_TASKS, sizeof(H_TASKS) - 1)) {
		violation(C_FORMAT, "tasks header: %.80s", text);
		return;
	}
	for (line = strtok_r(text + sizeof(H_TASKS) - 1, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[16], *p, *s2 = NULL;
		int nf = 0, tid, i;

		for (p = strtok_r(line, " ", &s2); p && nf < 16;
		     p = strtok_r(NULL, " ", &s2))
			f[nf++] = p;
		if (nf != 13) {
			violation(C_FORMAT, "tasks line with %d fields", nf);
			continue;
		}
		tid = atoi(f[0]);
		if (tid <= prev)
			violation(C_ORDER, "tasks: tid %d after %d", tid, prev);
		prev = tid;
		for (i = 5; i < 13; i++) {
			char *c = strchr(f[i], ':');

			if (c && c[1] != '?' && atol(c + 1) > REF_PLAUSIBLE)
				violation(C_POISON, "tasks: tid %d: %s", tid, f[i]);
		}
		if (!is_holder(tid))
			continue;
		found++;
		if (atoi(f[1]) != opt.hold_pid)
			violation(C_HOLDER, "tasks: holder thread %d has pid %s",
				  tid, f[1]);
		if (!mm0)
			mm0 = f[5];
		else if (strncmp(mm0, f[5], 16))
			violation(C_HOLDER, "tasks: holder thread %d mm %s, not %s",
				  tid, f[5], mm0);
	}
	if (nhold && found != nhold)
		violation(C_MISSING, "tasks: %d of %d holder threads listed",
			  found, nhold);
	if (mm0 && !hold_mm[0] && !opt.unload) {
		pthread_mutex_lock(&out_lock);
		snprintf(hold_mm, sizeof(hold_mm), "%.16s", mm0);
		pthread_mutex_unlock(&out_lock);
	}
}

static void *tasks_reader(void *arg)
{
	size_t cap = 0;
	char *buf = NULL;
	ssize_t n;

	(void)arg;
	while (!stop) {
		unload_gap();
		n = slurp("tasks", &buf, &cap);
		if (n < 0) {
			if (unavailable(-n)) {
				bump(C_UNAVAILABLE);
				usleep(1000);
			} else {
				violation(C_ERRORS, "tasks: %s", strerror(-n));
			}
			continue;
		}
		bump(C_TASKS_READS);
		check_tasks(buf);
	}
	free(buf);
	return NULL;
}

/* ---- pid ---- */

/* The picture of @tid: its task line and the mm line's other TIDs. */
static void check_pid(const char *text, int tid)
{
	const char *task, *mm;
	int t, p, i, n = 0;

	if (strncmp(text, H_PID, sizeof(H_PID) - 1)) {
		violation(C_FORMAT, "pid header: %.80s", text);
		return;
	}
	task = text + sizeof(H_PID) - 1;
	if (sscanf(task, "task %d %d", &t, &p) != 2 || t != tid ||
	    p != opt.hold_pid) {
		violation(C_PID_WRONG, "wrote %d, read '%.60s'", tid, task);
		return;
	}
	/* "mm ID REFCOUNT OTHERS": count the TIDs of the fourth field */
	mm = strstr(task, "\nmm ");
	for (i = 0; mm && i < 3; i++)
		mm = strchr(mm + 1, ' ');
	if (mm && mm[1] != '-')
		for (n = 1, mm++; *mm && *mm != '\n'; mm++)
			n += *mm == ',';
	if (n != nhold - 1)
		violation(C_PID_WRONG, "pid %d: %d other tids share its mm, expected %d",
			  tid, n, nhold - 1);
}

static void *pid_writer(void *arg)
{
	unsigned int seed = (unsigned int)(long)arg;
	char path[] = DIR_CT "/pid", num[16];
	size_t cap = 0;
	char *buf = NULL;
	ssize_t n;
	int fd, tid;

	while (!stop) {
		unload_gap();
		fd = gated_open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (unavailable(errno)) {
				bump(C_UNAVAILABLE);
				usleep(1000);
			} else {
				violation(C_ERRORS, "open pid: %s", strerror(errno));
			}
			continue;
		}
		/* A fresh file has no selection, whatever others wrote. */
		n = read_all(fd, &buf, &cap);
		if (n >= 0 && strcmp(buf, H_PID))
			violation(C_FRESH, "a fresh pid file read '%.60s'",
				  buf + (n > (ssize_t)sizeof(H_PID) - 1 ?
					 sizeof(H_PID) - 1 : 0));
		for (int i = 0; i < (opt.ko ? 1 : 8) && !stop; i++) {
			tid = hold_tids[rand_r(&seed) % nhold];
			snprintf(num, sizeof(num), "%d\n", tid);
			if (write(fd, num, strlen(num)) < 0) {
				if (!unavailable(errno))
					violation(C_ERRORS, "write %d to pid: %s",
						  tid, strerror(errno));
				break;
			}
			n = read_all(fd, &buf, &cap);
			if (n < 0) {
				if (!unavailable(-n))
					violation(C_ERRORS, "read pid %d: %s",
						  tid, strerror(-n));
				break;
			}
			bump(C_PID_READS);
			check_pid(buf, tid);
		}
		close(fd);
	}
	free(buf);
	return NULL;
}

/* ---- one fd, two readers ---- */

static int shared_groups_fd = -1, shared_pid_fd = -1;

static void *shared_reader(void *arg)
{
	int fd = (long)arg == 0 ? shared_groups_fd : shared_pid_fd;
	char buf[1024], num[16];
	ssize_t n;

	while (!stop) {
		if (fd == shared_pid_fd && nhold) {
			snprintf(num, sizeof(num), "%d",
				 hold_tids[rand() % nhold]);
			if (write(fd, num, strlen(num)) < 0 &&
			    !unavailable(errno))
				violation(C_ERRORS, "shared pid write: %s",
					  strerror(errno));
		}
		for (;;) {
			n = read(fd, buf, sizeof(buf));
			if (n < 0) {
				if (!unavailable(errno) && errno != ESRCH)
					violation(C_ERRORS, "shared read: %s",
						  strerror(errno));
				break;
			}
			if (n == 0)
				break;
		}
		bump(C_SHARED_READS);
		lseek(fd, 0, SEEK_SET);
	}
	return NULL;
}

/* ---- open, read, close ---- */

static void *open_loop(void *arg)
{
	static const char *const files[] = { "tasks", "groups", "pid" };
	static const char *const heads[] = { H_TASKS, H_GROUPS, H_PID };
	size_t cap = 0;
	char *buf = NULL;
	ssize_t n;
	int i = (int)(long)arg;

	while (!stop) {
		i = (i + 1) % 3;
		unload_gap();
		n = slurp(files[i], &buf, &cap);
		if (n < 0) {
			if (unavailable(-n)) {
				bump(C_UNAVAILABLE);
				usleep(1000);
			} else {
				violation(C_ERRORS, "%s: %s", files[i],
					  strerror(-n));
			}
			continue;
		}
		bump(C_OPEN_READS);
		if (strncmp(buf, heads[i], strlen(heads[i])))
			violation(C_FORMAT, "%s header: %.60s", files[i], buf);
	}
	free(buf);
	return NULL;
}

/* ---- rmmod/insmod cycles ---- */

/* delete_module() with no open() beside it (unload_gate); 0 or -1. */
static int delete_gated(void)
{
	int r, err;

	pthread_rwlock_wrlock(&unload_gate);
	r = syscall(SYS_delete_module, "clonetrace", O_NONBLOCK);
	err = errno;
	pthread_rwlock_unlock(&unload_gate);
	errno = err;
	return r;
}

static void *unloader(void *arg)
{
	struct timespec a, b;
	int fd;

	(void)arg;
	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		/* Refused (EAGAIN) while a file is open: its user pins us. */
		while (!stop && delete_gated()) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EBUSY) {
				violation(C_ERRORS, "delete_module: %s",
					  strerror(errno));
				return NULL;
			}
			bump(C_BUSY);
			sched_yield();
		}
		if (stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &b);
		usleep(20000);
		fd = open(opt.ko, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
			violation(C_ERRORS, "finit_module %s: %s", opt.ko,
				  strerror(errno));
			return NULL;
		}
		close(fd);
		bump(C_CYCLES);
		usleep(50000);
	}
	return NULL;
}

static long bad_count(void)
{
	long n = 0;
	int i;

	for (i = C_ERRORS; i < C_NR; i++)
		n += count[i];
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	return (*(const int *)a > *(const int *)b) -
	       (*(const int *)a < *(const int *)b);
}

static void read_holder(void)
{
	char path[64];
	struct dirent *d;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", opt.hold_pid);
	dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "ct-kmodcheck: %s: %s\n", path, strerror(errno));
		exit(99);
	}
	while ((d = readdir(dir)) && nhold < MAX_HOLD)
		if (d->d_name[0] != '.')
			hold_tids[nhold++] = atoi(d->d_name);
	closedir(dir);
	qsort(hold_tids, nhold, sizeof(int), cmp_int);
}

static int start(pthread_t *th, int *nth, void *(*fn)(void *), long arg)
{
	if (pthread_create(&th[*nth], NULL, fn, (void *)arg)) {
		fprintf(stderr, "ct-kmodcheck: pthread_create failed\n");
		exit(99);
	}
	return ++*nth;
}

int main(int argc, char **argv)
{
	pthread_t th[256];
	int nth = 0, c, i;
	struct timespec ts;

	while ((c = getopt(argc, argv, "H:L:g:t:p:so:uU:n:")) != -1) {
		switch (c) {
		case 'H':
			opt.hold_pid = atoi(optarg);
			break;
		case 'L':
			if (sscanf(optarg, "%d,%d", &opt.loops[0],
				   &opt.loops[1]) != 2)
				usage();
			opt.nloops = 2;
			break;
		case 'g':
			opt.ngroups = atoi(optarg);
			break;
		case 't':
			opt.ntasks = atoi(optarg);
			break;
		case 'p':
			opt.npid = atoi(optarg);
			break;
		case 's':
			opt.shared = true;
			break;
		case 'o':
			opt.nopen = atoi(optarg);
			break;
		case 'u':
			opt.unload = true;
			break;
		case 'U':
			opt.unload = true;
			opt.ko = optarg;
			break;
		case 'n':
			opt.max_groups = atol(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	opt.seconds = atol(argv[optind]);
	if (opt.seconds <= 0 || opt.ngroups + opt.ntasks + opt.npid +
	    opt.nopen + 4 > 256 || (opt.npid && !opt.hold_pid))
		usage();
	gate_init();
	if (opt.hold_pid)
		read_holder();
	if (opt.shared) {
		shared_groups_fd = open(DIR_CT "/groups", O_RDONLY | O_CLOEXEC);
		shared_pid_fd = open(DIR_CT "/pid", O_RDWR | O_CLOEXEC);
		if (shared_groups_fd < 0 || shared_pid_fd < 0) {
			perror("ct-kmodcheck: open shared fds");
			return 99;
		}
	}

	for (i = 0; i < opt.ntasks; i++)
		start(th, &nth, tasks_reader, i);
	for (i = 0; i < opt.ngroups; i++)
		start(th, &nth, groups_reader, i);
	for (i = 0; i < opt.npid; i++)
		start(th, &nth, pid_writer, i + 1);
	for (i = 0; i < opt.nopen; i++)
		start(th, &nth, open_loop, i);
	if (opt.shared)
		for (i = 0; i < 4; i++)
			start(th, &nth, shared_reader, i / 2);
	if (opt.ko)
		start(th, &nth, unloader, 0);

	for (i = 1; i <= opt.seconds * 10 && !stop; i++) {
		ts.tv_sec = 0;
		ts.tv_nsec = 100000000;
		nanosleep(&ts, NULL);
		if (i % 100 == 0)
			fprintf(stderr, "ct-kmodcheck: %d s: %ld groups reads, %ld tasks reads, %ld violations\n",
				i / 10, count[C_GROUPS_READS],
				count[C_TASKS_READS], bad_count());
	}
	stop = 1;
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (opt.shared) {
		close(shared_groups_fd);
		close(shared_pid_fd);
	}

	printf("holder threads: %d\n", nhold);
	for (i = 0; i < C_NR; i++)
		printf("%s: %ld\n", cname[i], count[i]);
	return bad_count() ? 1 : 0;
}
