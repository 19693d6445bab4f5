// SPDX-License-Identifier: GPL-2.0
/*
 * decode.c - names for the numbers in an event, and comm rendering.
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
};

const char *ct_syscall_name(unsigned int syscall)
{
	return syscall < CT_SC_NR ? syscall_names[syscall] : "unknown";
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

const struct ct_flag *ct_flag_of(uint64_t value)
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
	const struct ct_flag *f = ct_flag_of(flag);

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

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (need > n)
		return 0;
	for (i = 1; i < need; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

/* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F. */
static bool is_c1(const unsigned char *s, size_t n)
{
	return n == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

/* Append a rendering of comm bytes; json selects the JSON escaping. */
static void escape(const char *str, size_t len, char *buf, size_t buflen,
		   bool json)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, off = 0;

	if (!buflen)
		return;
	while (i < len && s[i]) {
		char tmp[16];
		size_t n = utf8_len(s + i, strnlen(str + i, len - i));
		const char *out = tmp;
		size_t outlen;

		if (n > 1 && !is_c1(s + i, n)) {
			out = (const char *)s + i;
			outlen = n;
		} else if (n == 1 && s[i] >= 0x20 && s[i] < 0x7f &&
			   s[i] != '\\' && !(json && s[i] == '"')) {
			out = (const char *)s + i;
			outlen = 1;
		} else if (n == 1 || is_c1(s + i, n)) {
			/* a control character: C0, DEL, C1, or '\' / '"' */
			unsigned int cp = n == 1 ? s[i] : s[i + 1];

			if (s[i] == '\\' || (json && s[i] == '"'))
				snprintf(tmp, sizeof(tmp), "\\%c", s[i]);
			else if (s[i] == '\n')
				snprintf(tmp, sizeof(tmp), "\\n");
			else if (s[i] == '\t')
				snprintf(tmp, sizeof(tmp), "\\t");
			else if (s[i] == '\r')
				snprintf(tmp, sizeof(tmp), "\\r");
			else if (json)
				snprintf(tmp, sizeof(tmp), "\\u%04x", cp);
			else if (n == 1)
				snprintf(tmp, sizeof(tmp), "\\x%02x", cp);
			else	/* keep the bytes visible as they are */
				snprintf(tmp, sizeof(tmp), "\\x%02x\\x%02x",
					 s[i], s[i + 1]);
			outlen = strlen(tmp);
			if (!n)
				n = 1;
		} else {
			/* not UTF-8: the literal text \xNN */
			snprintf(tmp, sizeof(tmp), json ? "\\\\x%02x" : "\\x%02x",
				 s[i]);
			outlen = strlen(tmp);
			n = 1;
		}
		if (off + outlen >= buflen)
			break;
		memcpy(buf + off, out, outlen);
		off += outlen;
		i += n;
	}
	buf[off] = '\0';
}

void ct_escape_human(const char *s, size_t len, char *buf, size_t buflen)
{
	escape(s, len, buf, buflen, false);
}

void ct_escape_json(const char *s, size_t len, char *buf, size_t buflen)
{
	escape(s, len, buf, buflen, true);
}
