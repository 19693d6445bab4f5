// SPDX-License-Identifier: GPL-2.0
/*
 * ct-pidwait: a writer of the clonetrace module's "pid" file that waits
 * for a read of the same open file must die at once on SIGKILL
 * (tests/vm/19-kmod-readtime.sh).
 *
 *   ct-pidwait PID
 *	Open /sys/kernel/debug/clonetrace/pid, select PID, and fork a
 *	reader that reads the file to its end with pread(): it holds the
 *	file's lock while it builds its snapshot. 300 ms later fork a writer
 *	that selects PID again with write(), wait until it sleeps in the
 *	kernel, SIGKILL it and time how long it takes to exit. Prints
 *	"writer exited N ms after SIGKILL, reader still reading: yes|no".
 *	(The reader uses pread() because read() and write() on one open
 *	file wait for each other first on the file's position lock, in the
 *	VFS and uninterruptibly; pread() does not take it, and seq_file
 *	refuses pwrite().)
 *
 * Exit 0: the writer exited within 250 ms while the reader was still
 * reading; 1: it took longer; 77: the reader finished too soon (or the
 * writer never waited) to tell; 99: usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PID_FILE "/sys/kernel/debug/clonetrace/pid"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* The state letter of /proc/PID/stat, or 0 if it cannot be read. */
static char state_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Has the child @pid exited (reaped here if so)? */
static int exited(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == pid;
}

int main(int argc, char **argv)
{
	pid_t reader, writer;
	char sel[32], buf[65536];
	long t0, dt;
	int fd, len, reading, i;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: ct-pidwait PID\n");
		return 99;
	}
	len = snprintf(sel, sizeof(sel), "%d\n", atoi(argv[1]));
	fd = open(PID_FILE, O_RDWR);
	if (fd < 0 || write(fd, sel, len) != len) {
		fprintf(stderr, "ct-pidwait: selecting %s in %s: %s\n",
			argv[1], PID_FILE, strerror(errno));
		return 99;
	}

	reader = fork();
	if (reader < 0)
		return 99;
	if (!reader) {
		off_t off = 0;
		ssize_t n;

		while ((n = pread(fd, buf, sizeof(buf), off)) > 0)
			off += n;
		_exit(n < 0);
	}
	sleep_ms(300);

	writer = fork();
	if (writer < 0)
		return 99;
	if (!writer)
		_exit(write(fd, sel, len) == len ? 0 : 1);

	/* The writer sleeps on the file's lock while the reader builds. */
	for (i = 0; i < 1000 && state_of(writer) != 'D'; i++) {
		if (exited(writer) || state_of(reader) == 'Z')
			break;
		sleep_ms(1);
	}
	if (state_of(writer) != 'D') {
		printf("the writer never waited for the reader (writer %c, reader %c)\n",
		       state_of(writer) ? state_of(writer) : '-',
		       state_of(reader) ? state_of(reader) : '-');
		kill(writer, SIGKILL);
		kill(reader, SIGKILL);
		return 77;
	}

	t0 = now_ms();
	kill(writer, SIGKILL);
	while (!exited(writer) && now_ms() - t0 < 30000)
		sleep_ms(1);
	dt = now_ms() - t0;
	reading = !exited(reader) && state_of(reader) != 'Z';
	printf("writer exited %ld ms after SIGKILL, reader still reading: %s\n",
	       dt, reading ? "yes" : "no");
	waitpid(reader, NULL, 0);
	if (dt <= 250 && reading)
		return 0;
	return dt > 250 ? 1 : 77;
}
