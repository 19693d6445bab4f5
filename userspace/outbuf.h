/* SPDX-License-Identifier: GPL-2.0 */
/*
 * outbuf.h - where the long-running commands write (the tracer's events
 * and analyses, top's intervals), and the files named on their command
 * lines.
 *
 * struct ct_outbuf is a buffer in front of a file descriptor. A stop
 * request never waits for the output, or a reader that stalls would
 * keep the BPF programs attached: the stop signals interrupt a blocked
 * write (util.c), the bytes not yet written stay in the buffer, and
 * ct_outbuf_write() returns -EINTR so that the command stops at once.
 * Once the command has detached (ct_outbuf_ending()), writes block as
 * usual, except after a stop request: then a write that makes no
 * progress for CT_STALL_SECS, or a second stop signal, gives the output
 * up (-ETIMEDOUT), and what could not be written is counted.
 *
 * The first failure is kept and ends writing: -EPIPE when the reader has
 * gone (| head), -ETIMEDOUT when given up, else the write's -errno.
 */
#ifndef CT_OUTBUF_H
#define CT_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CT_STALL_SECS	2

struct ct_outbuf {
	int fd;
	bool tty;		/* written at once, line by line */
	bool ending;		/* detached: bounded writes after a stop */
	char *buf;
	size_t len, cap;
	int err;		/* the first failure, -errno; 0: none */
	uint64_t lost_lines;	/* lines never written after a failure */
	FILE *f;		/* stdio over the buffer, for the printers */
};

/* Buffer fd (not closed by ct_outbuf_free()): 0, or -ENOMEM. */
int ct_outbuf_init(struct ct_outbuf *o, int fd);
/*
 * Append n bytes; written when the buffer is full (a terminal: at once).
 * 0; -EINTR when a stop request is pending (the bytes are kept: stop and
 * call ct_outbuf_ending()); or the failure, once one happened.
 */
int ct_outbuf_write(struct ct_outbuf *o, const void *p, size_t n);
/* Write what is buffered: 0, -EINTR or the failure, as above. */
int ct_outbuf_flush(struct ct_outbuf *o);
/* The command has detached: from now on a stop request bounds writes. */
void ct_outbuf_ending(struct ct_outbuf *o);
/*
 * Say the failure, if any but -EPIPE: "writing WHAT: ERROR", or, when
 * given up, how many lines were not written.
 */
void ct_outbuf_say_lost(const struct ct_outbuf *o, const char *what);
void ct_outbuf_free(struct ct_outbuf *o);

/*
 * A file named on the command line (-o, -w, --dot): created, or opened
 * without truncating, so that a run that fails before it starts leaves
 * no file and no damage; an existing file is emptied by
 * ct_outfile_commit(), once the run has started.
 */
struct ct_outfile {
	const char *path;	/* NULL: not given */
	const char *what;	/* "output file", for messages */
	int fd;			/* -1: not open, or handed over */
	bool created;		/* by this run */
	bool committed;		/* the run started: the file stays */
};

/* CT_EXIT_OK, or CT_EXIT_FAILURE with the reason said. */
int ct_outfile_open(struct ct_outfile *f, const char *path,
		    const char *what);
int ct_outfile_commit(struct ct_outfile *f);
/*
 * Is the file the same as the open descriptor fd (the same inode)? Two
 * outputs of one run must differ, /dev/null apart.
 */
bool ct_outfile_same(const struct ct_outfile *f, int fd);
/*
 * Close the descriptor, unless it was handed over (f->fd = -1); remove
 * the file when this run created it and never committed it.
 */
void ct_outfile_close(struct ct_outfile *f);

#endif /* CT_OUTBUF_H */
