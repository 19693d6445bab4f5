// SPDX-License-Identifier: GPL-2.0
/*
 * outbuf.c - the output buffer and the output files (outbuf.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "outbuf.h"
#include "util.h"

#define OUTBUF_BYTES	(64 * 1024)

/* stdio's writes land in the buffer; a failure is the buffer's to say */
static ssize_t cookie_write(void *cookie, const char *p, size_t n)
{
	ct_outbuf_write(cookie, p, n);
	return n;
}

int ct_outbuf_init(struct ct_outbuf *o, int fd)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->tty = isatty(fd);
	o->cap = OUTBUF_BYTES;
	o->buf = malloc(o->cap);
	o->f = fopencookie(o, "w", (cookie_io_functions_t){
		.write = cookie_write,
	});
	if (!o->buf || !o->f) {
		ct_outbuf_free(o);
		return -ENOMEM;
	}
	/* unbuffered: every piece goes to the buffer, in order */
	setvbuf(o->f, NULL, _IONBF, 0);
	return 0;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t lines = 0;
	const char *nl;

	while (n && (nl = memchr(p, '\n', n))) {
		lines++;
		n -= nl + 1 - p;
		p = nl + 1;
	}
	return lines + (n > 0);
}

/* The output failed: nothing more is written, what is left is counted. */
static int fail(struct ct_outbuf *o, int err)
{
	o->err = err;
	o->lost_lines += count_lines(o->buf, o->len);
	o->len = 0;
	return err;
}

/*
 * After a stop request, while ending: has the output had its chance? A
 * second stop signal, or the alarm of a write without progress.
 */
static bool give_up(void)
{
	return ct_stop_count() > 1 || ct_alarm_rang();
}

int ct_outbuf_flush(struct ct_outbuf *o)
{
	size_t off = 0;
	int err = 0;

	while (off < o->len && !o->err) {
		bool bounded = o->ending && ct_stop_signal();
		ssize_t n;

		if (!o->ending && ct_stop_signal()) {
			err = -EINTR;	/* stop first, write later */
			break;
		}
		if (bounded)
			ct_alarm(CT_STALL_SECS);
		n = write(o->fd, o->buf + off, o->len - off);
		if (bounded)
			ct_alarm(0);
		if (n > 0) {
			off += n;
		} else if (n < 0 && errno == EINTR) {
			/* a stop while ending makes the next write bounded */
			if ((bounded || o->ending) && give_up())
				err = -ETIMEDOUT;
		} else {
			err = n < 0 ? -errno : -EIO;
		}
		if (err && err != -EINTR)
			break;
	}
	memmove(o->buf, o->buf + off, o->len - off);
	o->len -= off;
	if (err && err != -EINTR)
		return fail(o, err);
	return o->err ? o->err : err;
}

int ct_outbuf_write(struct ct_outbuf *o, const void *p, size_t n)
{
	int err;

	if (o->err) {
		o->lost_lines += count_lines(p, n);
		return o->err;
	}
	if (o->len + n > o->cap) {
		err = ct_outbuf_flush(o);
		if (err && err != -EINTR)
			return ct_outbuf_write(o, p, n);	/* counted */
	}
	if (o->len + n > o->cap) {
		/* a stop keeps what the flush could not write */
		size_t cap = o->cap * 2 > o->len + n ? o->cap * 2 : o->len + n;
		char *b = realloc(o->buf, cap);

		if (!b)
			return fail(o, -ENOMEM);
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	if (o->tty || (!o->ending && ct_stop_signal()))
		return ct_outbuf_flush(o);
	return 0;
}

void ct_outbuf_ending(struct ct_outbuf *o)
{
	o->ending = true;
}

void ct_outbuf_say_lost(const struct ct_outbuf *o, const char *what)
{
	if (o->err == -ETIMEDOUT)
		ct_msg("%s not read for %d s after the stop request: %" PRIu64 " lines not written",
		       what, CT_STALL_SECS, o->lost_lines);
	else if (o->err && o->err != -EPIPE)
		ct_msg("writing %s: %s", what, strerror(-o->err));
}

void ct_outbuf_free(struct ct_outbuf *o)
{
	if (o->f)
		fclose(o->f);
	free(o->buf);
	o->f = NULL;
	o->buf = NULL;
}

/*
 * An existing entry in a sticky directory that everyone can write (/tmp)
 * owned by neither us nor the directory's owner was put there by someone
 * else: a symlink would let them choose which file root truncates and
 * writes, a FIFO would block the run, a file of theirs would be read by
 * them. The kernel refuses the first (fs.protected_symlinks, and
 * protected_regular, protected_fifos) only when those sysctls are set;
 * this refuses all three whatever they say. Nobody but that owner can
 * replace the entry between this check and the open (the sticky bit).
 */
static bool planted(const char *path, const struct stat *st)
{
	char dir[PATH_MAX];
	struct stat d;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return false;	/* open() says ENAMETOOLONG */
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';		/* "/name": the root */
	else
		*slash = '\0';
	if (stat(dir, &d) || !(d.st_mode & S_ISVTX) || !(d.st_mode & S_IWOTH))
		return false;
	return st->st_uid != geteuid() && st->st_uid != d.st_uid;
}

int ct_outfile_open(struct ct_outfile *f, const char *path, const char *what)
{
	struct stat st;
	int tries = 0;

	f->path = path;
	f->what = what;
	f->fd = -1;
	f->created = f->committed = false;
	if (!path)
		return CT_EXIT_OK;
	do {
		f->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (f->fd >= 0) {
			f->created = true;
			break;
		}
		if (errno != EEXIST)
			break;
		if (lstat(path, &st))
			continue;	/* removed since: create it after all */
		if (planted(path, &st))
			return ct_fail(CT_EXIT_FAILURE,
				       "refusing to write %s '%s': it is a %s owned by uid %u in a directory everyone can write (a planted name): remove it or choose another path",
				       what, path, S_ISLNK(st.st_mode) ? "symlink" :
				       S_ISREG(st.st_mode) ? "file" : "special file",
				       (unsigned int)st.st_uid);
		/* a link of ours may point to a file yet to be made */
		f->fd = open(path, O_WRONLY | O_CLOEXEC |
			     (S_ISLNK(st.st_mode) ? O_CREAT : 0), 0644);
		break;
	} while (++tries < 8);
	if (f->fd < 0 && errno == EINTR && ct_stop_signal())
		return CT_EXIT_FAILURE;	/* a FIFO's open, stopped: no error */
	if (f->fd < 0)
		return ct_fail(CT_EXIT_FAILURE, "cannot write %s '%s': %s",
			       what, path, strerror(errno));
	return CT_EXIT_OK;
}

int ct_outfile_commit(struct ct_outfile *f)
{
	struct stat st;

	if (f->fd < 0 || f->committed)
		return CT_EXIT_OK;
	f->committed = true;
	if (f->created || fstat(f->fd, &st) || !S_ISREG(st.st_mode) ||
	    !ftruncate(f->fd, 0))
		return CT_EXIT_OK;
	return ct_fail(CT_EXIT_FAILURE, "cannot truncate %s '%s': %s",
		       f->what, f->path, strerror(errno));
}

static bool dev_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

bool ct_outfile_same(const struct ct_outfile *f, int fd)
{
	struct stat a, b;

	if (f->fd < 0 || fd < 0 || fstat(f->fd, &a) || fstat(fd, &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino && !dev_null(&a);
}

void ct_outfile_close(struct ct_outfile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->created && !f->committed)	/* leave nothing */
		unlink(f->path);
	f->created = false;
}
