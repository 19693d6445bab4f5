// SPDX-License-Identifier: GPL-2.0
/*
 * proc.c - reading /proc and the cgroup file systems (proc.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc.h"

int ct_proc_status(pid_t pid, struct ct_proc_status *st)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->uid = CT_NUM_UNKNOWN;
	st->threads = 1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (!strncmp(line, "Name:\t", 6)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(st->name, sizeof(st->name), "%.63s", line + 6);
		} else if (sscanf(line, "Tgid: %d", &st->tgid) == 1 ||
			   sscanf(line, "PPid: %d", &st->ppid) == 1) {
			continue;
		} else if (sscanf(line, "Uid: %llu", &v) == 1) {
			st->uid = v;
		} else if (sscanf(line, "Threads: %llu", &v) == 1) {
			st->threads = v;
		} else if (sscanf(line, "CapEff: %llx", &v) == 1) {
			st->cap_eff = v;
		} else if (!strncmp(line, "VmSize:", 7)) {
			st->has_mm = true;
		}
	}
	fclose(f);
	return st->tgid ? 0 : -ESRCH;
}

pid_t ct_tgid_of(pid_t pid)
{
	struct ct_proc_status st;

	return ct_proc_status(pid, &st) ? 0 : st.tgid;
}

bool ct_process_alive(pid_t tgid)
{
	struct pollfd p = { .events = POLLIN };
	bool alive;

	p.fd = syscall(SYS_pidfd_open, tgid, 0);
	if (p.fd < 0)
		return errno != ESRCH && ct_tgid_of(tgid) == tgid;
	alive = poll(&p, 1, 0) == 0;
	close(p.fd);
	return alive;
}

bool ct_group_alive(pid_t pgid)
{
	struct dirent *d;
	bool alive = false;
	DIR *proc;

	if (kill(-pgid, 0))
		return false;
	proc = opendir("/proc");
	if (!proc)
		return true;
	while (!alive && (d = readdir(proc))) {
		char path[300], buf[512], *p;
		int pgrp = 0, fd;
		ssize_t n;
		char state;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* "pid (comm) state ppid pgrp ...": comm may hold anything */
		p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2)
			alive = pgrp == pgid && state != 'Z' && state != 'X';
	}
	closedir(proc);
	return alive;
}

/* A number, or "max"/"unlimited" as CT_NUM_UNLIMITED. */
static uint64_t parse_number(const char *s)
{
	char *end;
	uint64_t v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!strncmp(s, "max", 3) || !strncmp(s, "unlimited", 9))
		return CT_NUM_UNLIMITED;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return CT_NUM_UNKNOWN;
	return v;
}

uint64_t ct_read_number(const char *path)
{
	char buf[64];
	FILE *f = fopen(path, "r");
	uint64_t v = CT_NUM_UNKNOWN;

	if (!f)
		return v;
	if (fgets(buf, sizeof(buf), f))
		v = parse_number(buf);
	fclose(f);
	return v;
}

uint64_t ct_nr_threads(void)
{
	unsigned long running, total;
	FILE *f = fopen("/proc/loadavg", "r");
	uint64_t v = CT_NUM_UNKNOWN;

	if (!f)
		return v;
	if (fscanf(f, "%*s %*s %*s %lu/%lu", &running, &total) == 2)
		v = total;
	fclose(f);
	return v;
}

uint64_t ct_nproc_limit(pid_t pid)
{
	char path[64], line[256];
	uint64_t v = CT_NUM_UNKNOWN;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	f = fopen(path, "r");
	if (!f)
		return v;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Max processes", 13)) {
			v = parse_number(line + 13);
			break;
		}
	}
	fclose(f);
	return v;
}

bool ct_has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);
	const char *p = opts;

	while (p && *p) {
		if (!strncmp(p, opt, n) && (p[n] == ',' || !p[n]))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

int ct_cgroup_mount(const char *controller, char *buf, size_t len)
{
	char line[1024], dir[512], type[64], opts[512];
	FILE *f = fopen("/proc/self/mounts", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %511s %63s %511s", dir, type, opts) != 3)
			continue;
		if (controller ? !strcmp(type, "cgroup") &&
				 ct_has_opt(opts, controller) :
				 !strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", dir);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int ct_cgroup_of(pid_t pid, const char *controller, char *mnt, size_t mlen,
		 char *path, size_t plen)
{
	char file[64], line[1024], v2path[512] = "";
	bool v1 = false;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	f = fopen(file, "r");
	if (!f)
		return -1;
	/* "ID:CONTROLLERS:PATH"; cgroup2 is "0::PATH" */
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2;

		if (!c1)
			continue;
		c2 = strchr(c1 + 1, ':');
		if (!c2)
			continue;
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		*c2 = '\0';
		if (ct_has_opt(c1 + 1, controller)) {
			snprintf(path, plen, "%s", c2 + 1);
			v1 = true;
			break;
		}
		if (!strcmp(line, "0") || !strncmp(line, "0:", 2))
			snprintf(v2path, sizeof(v2path), "%s", c2 + 1);
	}
	fclose(f);
	if (v1)
		return ct_cgroup_mount(controller, mnt, mlen);
	if (!v2path[0] || ct_cgroup_mount(NULL, mnt, mlen))
		return -1;
	snprintf(path, plen, "%s", v2path);
	return 0;
}
