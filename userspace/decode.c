// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - names for the numbers in an event: kinds and flags from the
 * tables of bpf/clone_flags.h, syscalls, errno and signal names (decode.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ct_event.h"
#include "decode.h"
#include "util.h"

/* From the kind table (clone_flags.h). */
static const struct {
	const char *name, *plural, *text;
} kinds[CT_KIND_NR] = {
#define KIND_ROW(id, name, plural, text)	\
	[CT_KIND_##id] = { #name, #plural, text },
	CT_KINDS(KIND_ROW)
#undef KIND_ROW
};

const char *ct_kind_name(unsigned int kind)
{
	return kind < CT_KIND_NR ? kinds[kind].name : "unknown";
}

const char *ct_kind_plural(unsigned int kind)
{
	return kind < CT_KIND_NR ? kinds[kind].plural : "unknown";
}

const char *ct_kind_text(unsigned int kind)
{
	return kind < CT_KIND_NR ? kinds[kind].text : "unknown";
}

int ct_kind_parse(const char *name)
{
	int i;

	for (i = 0; i < CT_KIND_NR; i++)
		if (!strcmp(name, kinds[i].name))
			return i;
	return -1;
}

const char *ct_kind_list(void)
{
	/* ",process,thread,...": the names after the first comma */
#define KIND_LIST_ROW(id, name, ...)	"," #name
	static const char list[] = CT_KINDS(KIND_LIST_ROW);
#undef KIND_LIST_ROW

	return list + 1;
}

static const char *const syscall_names[CT_SC_NR] = {
	[CT_SC_KERNEL]	= "kernel",
	[CT_SC_FORK]	= "fork",
	[CT_SC_VFORK]	= "vfork",
	[CT_SC_CLONE]	= "clone",
	[CT_SC_CLONE3]	= "clone3",
	[CT_SC_UNKNOWN]	= "unknown",
};

const char *ct_syscall_name(unsigned int syscall)
{
	return syscall < CT_SC_NR ? syscall_names[syscall] : "unknown";
}

/* The human CALL column's: "?" for a syscall not seen (docs/USAGE.md). */
const char *ct_syscall_label(unsigned int syscall)
{
	return syscall < CT_SC_UNKNOWN ? syscall_names[syscall] : "?";
}

/* From the flag table (clone_flags.h), in bit order. */
static const struct ct_flag flag_table[] = {
#define FLAG_ROW(id, bit, cls, ns, since, meaning)	\
	{ 1ULL << (bit), "CLONE_" #id, ns, cls, since, meaning },
	CT_CLONE_FLAGS(FLAG_ROW)
#undef FLAG_ROW
};

const struct ct_flag *ct_flag_at(size_t i)
{
	return i < ARRAY_SIZE(flag_table) ? &flag_table[i] : NULL;
}

/* The flag of one bit; NULL when unknown. */
static const struct ct_flag *flag_of(uint64_t value)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(flag_table); i++)
		if (flag_table[i].value == value)
			return &flag_table[i];
	return NULL;
}

void ct_flags_str(uint64_t flags, bool strip_prefix, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	if (!len)
		return;
	buf[0] = '\0';
	if (!flags) {
		snprintf(buf, len, "0");
		return;
	}
	for (i = 0; i < ARRAY_SIZE(flag_table); i++) {
		const char *name = flag_table[i].name;

		if (!(flags & flag_table[i].value))
			continue;
		flags &= ~flag_table[i].value;
		if (strip_prefix)
			name += strlen("CLONE_");
		n = snprintf(buf + off, len - off, "%s%s", off ? "|" : "", name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += n;
	}
	if (flags)	/* bits this version does not know: show them raw */
		snprintf(buf + off, len - off, "%s%#llx", off ? "|" : "",
			 (unsigned long long)flags);
}

static int parse_flag_name(const char *t, uint64_t *value)
{
	size_t i;

	if (!strncasecmp(t, "CLONE_", 6))
		t += 6;
	for (i = 0; i < ARRAY_SIZE(flag_table); i++) {
		if (!strcasecmp(t, flag_table[i].name + 6)) {
			*value = flag_table[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_signal_name(const char *t)
{
	int sig;

	if (strncasecmp(t, "SIG", 3))
		return -EINVAL;
	for (sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && !strcasecmp(t + 3, abbrev))
			return sig;
	}
	return -EINVAL;
}

int ct_flag_token(const char *t, uint64_t *bits, int *sig)
{
	char *end;
	int n;

	*bits = 0;
	*sig = 0;
	if (isdigit((unsigned char)*t)) {
		errno = 0;
		*bits = strtoull(t, &end, 0);
		return errno || *end ? -EINVAL : 0;
	}
	if (parse_flag_name(t, bits) == 0)
		return 0;
	n = parse_signal_name(t);
	if (n < 0)
		return -EINVAL;
	*sig = n;
	return 0;
}

const char *ct_ns_name(uint64_t flag)
{
	const struct ct_flag *f = flag_of(flag);

	return f ? f->ns : NULL;
}

const char *ct_errno_name(int err, char *buf, size_t len)
{
	/* include/linux/errno.h: never seen by user space, but by us */
	static const char *const kernel_only[] = {
		[0] = "ERESTARTSYS", [1] = "ERESTARTNOINTR",
		[2] = "ERESTARTNOHAND", [3] = "ENOIOCTLCMD",
		[4] = "ERESTART_RESTARTBLOCK",
	};
	const char *name = strerrorname_np(err);

	if (!name && err >= 512 && err <= 516)
		name = kernel_only[err - 512];
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "E%d", err);
	return buf;
}

const char *ct_signal_name(int sig, char *buf, size_t len)
{
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (sig <= 0)
		snprintf(buf, len, "0");
	else if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "%d", sig);
	return buf;
}

const char *ct_wait_status_name(int32_t code, char *buf, size_t len)
{
	char sig[24];

	if (!(code & 0x7f))
		snprintf(buf, len, "%d", (code >> 8) & 0xff);
	else
		snprintf(buf, len, "%s%s",
			 ct_signal_name(code & 0x7f, sig, sizeof(sig)),
			 code & 0x80 ? "+core" : "");
	return buf;
}

const char *ct_exec_path(const char *comp, size_t len, unsigned int flags,
			 char *buf, size_t size)
{
	size_t start[CT_PATH_LEN], n = 0, i = 0, off = 0;

	if (!(flags & CT_PATH_KNOWN) || size < CT_PATH_TEXT)
		return NULL;
	if (len > CT_PATH_LEN)
		len = CT_PATH_LEN;
	while (i < len) {		/* where each component begins */
		start[n++] = i;
		i += strnlen(comp + i, len - i) + 1;
	}
	if (flags & CT_PATH_TRUNCATED)
		off += snprintf(buf + off, size - off, "...");
	while (n--) {
		size_t w = strnlen(comp + start[n], len - start[n]);

		buf[off++] = '/';
		memcpy(buf + off, comp + start[n], w);
		off += w;
	}
	if (!off)
		buf[off++] = '/';
	buf[off] = '\0';
	if (flags & CT_PATH_DELETED)
		snprintf(buf + off, size - off, " (deleted)");
	return buf;
}

const char *ct_exec_program(const struct ct_exec_event *x, char *buf,
			    size_t size)
{
	if (!ct_exec_path(x->path, x->path_len, x->path_flags, buf, size))
		snprintf(buf, size, "%.*s", CT_PATH_LEN, x->filename);
	return buf;
}
