/* SPDX-License-Identifier: GPL-2.0 */
/*
 * decode.h - turning the numbers of an event into names: clone flags,
 * kinds, syscalls, errno and signal names. (Strings are made safe to
 * print by escape.h.)
 */
#ifndef CT_DECODE_H
#define CT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct_event.h"

/* Name of a kind (enum ct_kind) as used in JSON and the human output. */
const char *ct_kind_name(unsigned int kind);
/* "threads": the tree's runs of siblings. */
const char *ct_kind_plural(unsigned int kind);
/* What a task of this kind is (explain). */
const char *ct_kind_text(unsigned int kind);
/* Parse a kind name; -1 when unknown. */
int ct_kind_parse(const char *name);
/* All kind names separated by commas, for messages. */
const char *ct_kind_list(void);

const char *ct_syscall_name(unsigned int syscall);
const char *ct_syscall_label(unsigned int syscall);

/*
 * Write the decoded clone flags ("CLONE_VM|CLONE_FS|0x8000000000") into
 * buf; "0" when none. With strip_prefix the "CLONE_" prefix is left out.
 */
void ct_flags_str(uint64_t flags, bool strip_prefix, char *buf, size_t len);
/*
 * One token of a flag expression ("CLONE_VM|fs|SIGCHLD|0x400" is four):
 * a number (0x3d0f00, 17), a flag name with or without CLONE_ in any
 * case, or a signal name (SIGCHLD). A name is a flag before it is a
 * signal: "SIGHAND" is CLONE_SIGHAND. 0 with *bits (number, flag) or
 * *sig (signal) set; -EINVAL for anything else, "" too.
 */
int ct_flag_token(const char *tok, uint64_t *bits, int *sig);
/* A row of the flag table (clone_flags.h). */
struct ct_flag {
	uint64_t value;
	const char *name;	/* "CLONE_VM" */
	const char *ns;		/* namespace flags: "mnt", ...; else NULL */
	unsigned int class;	/* CT_FL_* */
	int since;		/* CT_KV() of the first release; 0: old */
	const char *meaning;
};

/* The known flags in bit order: the i-th, NULL after the last. */
const struct ct_flag *ct_flag_at(size_t i);
/* The /proc/PID/ns name of a namespace flag ("pid", "mnt", ...); NULL. */
const char *ct_ns_name(uint64_t flag);

/* "EAGAIN" (or "E513" for a number without a name) into buf. */
const char *ct_errno_name(int err, char *buf, size_t len);
/* "SIGCHLD" into buf; "0" for no signal. */
const char *ct_signal_name(int sig, char *buf, size_t len);
/* A wait status's name into buf: "0", "3", "SIGKILL", "SIGSEGV+core". */
const char *ct_wait_status_name(int32_t code, char *buf, size_t len);

/*
 * An exec's resolved path (ct_event.h: its components, the file's own
 * name first) as text into buf (at least CT_PATH_TEXT bytes):
 * "/usr/bin/true"; ".../b/prog" when its top is lost (truncated);
 * " (deleted)" after an unlinked file's, as /proc/PID/exe shows it.
 * NULL when the path is unknown (no CT_PATH_KNOWN).
 */
#define CT_PATH_TEXT	(CT_PATH_LEN + 16)
const char *ct_exec_path(const char *comp, size_t len, unsigned int flags,
			 char *buf, size_t size);

/*
 * The program a successful exec ran, as the tree and --spawners name
 * it: its resolved path, else (a script's, whose file the kernel let go
 * before the tracepoint) the file name as given. buf: CT_PATH_TEXT bytes.
 */
const char *ct_exec_program(const struct ct_exec_event *x, char *buf,
			    size_t size);

#endif /* CT_DECODE_H */
