// SPDX-License-Identifier: GPL-2.0
/*
 * ct-cgroup.c - v1 pids cgroup helpers for the workloads (ct-cgroup.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ct-cgroup.h"

int ct_cg_write(const char *dir, const char *file, const char *val)
{
	char path[PATH_MAX];
	ssize_t len = (ssize_t)strlen(val);
	int fd, ret = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

int ct_cg_own_pids(char *buf, size_t size)
{
	char line[PATH_MAX + 64];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *c = strstr(line, ":pids:");

		if (!c)
			continue;
		c[6 + strcspn(c + 6, "\n")] = '\0';
		snprintf(buf, size, "%s", c + 6);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}
