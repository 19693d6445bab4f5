// SPDX-License-Identifier: GPL-2.0
/*
 * ct-storm - create and reap tasks as fast as possible (the benchmark's
 * workload, tools/bench/bench).
 *
 *   ct-storm -k thread|fork|vfork|clone_vm|fork_exec [-w 1|2]
 *            (-n COUNT | -d SECONDS)
 *            [-o IDSFILE]
 *
 * Each worker (worker 0 is the main thread; worker 1 a pthread) creates a
 * task (fork_exec: a fork whose child execs /bin/true, the shape of a
 * script's storm) and reaps or joins it, in a loop, until COUNT creations were made
 * in all or SECONDS passed. Every child's TID (= its PID for the process
 * kinds) goes into a preallocated per-worker array, written to IDSFILE at
 * the end as native int32s (worker 0's, then worker 1's), so that the
 * harness can check what a tracer saw without slowing the storm down.
 *
 * Last, one JSON line on stdout: kind, workers, pid, created, failed,
 * elapsed_s, rate (creations per second), cpu_s (this process and its
 * reaped children), helpers (TIDs of the worker threads the storm created
 * for itself: also task creations, but not storm ones).
 *
 * Exit status: 0 done, 2 usage, 99 the storm itself failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS	2
#define CLONE_STACK	(64 * 1024)
#define MAX_FAIL_RUN	10000	/* consecutive failures: give up */
#define DEFAULT_CAP	(16UL << 20)	/* ids per worker in -d mode */

enum kind { K_THREAD, K_FORK, K_VFORK, K_CLONE_VM, K_FORK_EXEC };

static const char *const kind_names[] = {
	[K_THREAD]	= "thread",
	[K_FORK]	= "fork",
	[K_VFORK]	= "vfork",
	[K_CLONE_VM]	= "clone_vm",
	[K_FORK_EXEC]	= "fork_exec",
};

struct worker {
	pthread_t thread;
	pid_t tid;
	int32_t *ids;		/* preallocated, cap entries */
	unsigned long cap;
	unsigned long quota;	/* -n: creations for this worker */
	unsigned long created;
	unsigned long failed;
	char *stack;		/* clone_vm: the child's stack */
	int err;		/* nonzero: gave up with this errno */
};

static enum kind kind;
static int nworkers = 1;
static uint64_t deadline_ns;	/* 0: count mode */
static pthread_barrier_t start_barrier;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("ct-storm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(99);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* thread kind: the new thread stores its own TID in its slot. */
static void *thread_fn(void *slot)
{
	*(int32_t *)slot = (int32_t)syscall(SYS_gettid);
	return NULL;
}

static int clone_vm_fn(void *arg __attribute__((unused)))
{
	return 0;
}

/* One creation and its reaping; the child's ID, or -errno. */
static long create_one(struct worker *w, int32_t *slot)
{
	pthread_t t;
	pid_t pid;
	int err;

	switch (kind) {
	case K_THREAD:
		err = pthread_create(&t, NULL, thread_fn, slot);
		if (err)
			return -err;
		pthread_join(t, NULL);
		return *slot;
	case K_FORK:
		pid = fork();
		if (pid == 0)
			_exit(0);
		break;
	case K_VFORK:
		pid = vfork();
		if (pid == 0)
			_exit(0);
		break;
	case K_FORK_EXEC:
		pid = fork();
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		break;
	case K_CLONE_VM:
		pid = clone(clone_vm_fn, w->stack + CLONE_STACK,
			    CLONE_VM | SIGCHLD, NULL);
		break;
	default:
		return -EINVAL;
	}
	if (pid < 0)
		return -errno;
	while (waitpid(pid, NULL, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return pid;
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	unsigned long fail_run = 0;

	w->tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&start_barrier);
	while (w->created < w->cap) {
		long id;

		if (deadline_ns) {
			if (now_ns() >= deadline_ns)
				break;
		} else if (w->created >= w->quota) {
			break;
		}
		id = create_one(w, &w->ids[w->created]);
		if (id < 0) {
			w->failed++;
			if (++fail_run >= MAX_FAIL_RUN) {
				w->err = (int)-id;
				break;
			}
			continue;
		}
		fail_run = 0;
		w->ids[w->created++] = (int32_t)id;
	}
	return NULL;
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: ct-storm -k thread|fork|vfork|clone_vm|fork_exec [-w 1|2] "
		"(-n COUNT | -d SECONDS) [-o IDSFILE]\n");
	exit(status);
}

static void write_ids(const char *path, struct worker *ws)
{
	int fd, i;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot write %s: %s", path, strerror(errno));
	for (i = 0; i < nworkers; i++) {
		const char *p = (const char *)ws[i].ids;
		size_t left = ws[i].created * sizeof(int32_t);

		while (left) {
			ssize_t n = write(fd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				die("cannot write %s: %s", path,
				    strerror(errno));
			p += n;
			left -= n;
		}
	}
	if (close(fd))
		die("cannot write %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
	struct worker ws[MAX_WORKERS] = {};
	unsigned long count = 0, created = 0, failed = 0;
	const char *ids_path = NULL;
	double duration = 0, elapsed, cpu;
	struct rusage self, kids;
	uint64_t t0, t1;
	int opt, i, kind_set = 0;
	char *end;

	while ((opt = getopt(argc, argv, "k:w:n:d:o:h")) != -1) {
		switch (opt) {
		case 'k':
			for (i = 0; i < (int)(sizeof(kind_names) /
					      sizeof(kind_names[0])); i++)
				if (!strcmp(optarg, kind_names[i]))
					break;
			if (i == (int)(sizeof(kind_names) /
				       sizeof(kind_names[0])))
				usage(2);
			kind = i;
			kind_set = 1;
			break;
		case 'w':
			nworkers = atoi(optarg);
			if (nworkers < 1 || nworkers > MAX_WORKERS)
				usage(2);
			break;
		case 'n':
			errno = 0;
			count = strtoul(optarg, &end, 10);
			if (errno || *end || !count || count > 1UL << 32)
				usage(2);
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || !(duration > 0) || duration > 3600)
				usage(2);
			break;
		case 'o':
			ids_path = optarg;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (!kind_set || !count == !(duration > 0) || optind != argc)
		usage(2);

	for (i = 0; i < nworkers; i++) {
		struct worker *w = &ws[i];

		w->quota = count / nworkers + (i < (int)(count % nworkers));
		w->cap = count ? w->quota : DEFAULT_CAP;
		/* untouched pages cost nothing: map the worst case */
		w->ids = mmap(NULL, w->cap * sizeof(int32_t),
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			      -1, 0);
		if (w->ids == MAP_FAILED)
			die("mmap: %s", strerror(errno));
		if (kind == K_CLONE_VM) {
			w->stack = malloc(CLONE_STACK);
			if (!w->stack)
				die("out of memory");
		}
	}
	/*
	 * One worker: this thread. Two: two new threads, so that both create
	 * from a non-leader thread alike; all start on one barrier.
	 */
	if (pthread_barrier_init(&start_barrier, NULL,
				 nworkers > 1 ? nworkers + 1 : 1))
		die("pthread_barrier_init failed");
	for (i = 0; i < nworkers && nworkers > 1; i++)
		if (pthread_create(&ws[i].thread, NULL, worker_run, &ws[i]))
			die("cannot start worker %d", i);
	t0 = now_ns();
	if (duration > 0)
		deadline_ns = t0 + (uint64_t)(duration * 1e9);
	if (nworkers == 1) {
		worker_run(&ws[0]);
	} else {
		pthread_barrier_wait(&start_barrier);
		for (i = 0; i < nworkers; i++)
			pthread_join(ws[i].thread, NULL);
	}
	t1 = now_ns();

	for (i = 0; i < nworkers; i++) {
		created += ws[i].created;
		failed += ws[i].failed;
		if (ws[i].err)
			fprintf(stderr, "ct-storm: worker %d gave up: %s\n",
				i, strerror(ws[i].err));
	}
	if (ids_path)
		write_ids(ids_path, ws);
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	cpu = self.ru_utime.tv_sec + self.ru_stime.tv_sec +
	      kids.ru_utime.tv_sec + kids.ru_stime.tv_sec +
	      (self.ru_utime.tv_usec + self.ru_stime.tv_usec +
	       kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
	elapsed = (t1 - t0) / 1e9;
	printf("{\"kind\":\"%s\",\"workers\":%d,\"pid\":%d,\"created\":%lu,"
	       "\"failed\":%lu,\"elapsed_s\":%.6f,\"rate\":%.1f,"
	       "\"cpu_s\":%.6f,\"helpers\":[",
	       kind_names[kind], nworkers, (int)getpid(), created, failed,
	       elapsed, elapsed > 0 ? created / elapsed : 0.0, cpu);
	for (i = 0; i < nworkers && nworkers > 1; i++)
		printf("%s%d", i ? "," : "", (int)ws[i].tid);
	printf("]}\n");
	return ws[0].err || ws[nworkers - 1].err ? 99 : 0;
}
