/* SPDX-License-Identifier: GPL-2.0 */
/*
 * escape.h - strings from the kernel or the system (comm, cgroup paths,
 * hostnames, command lines) made safe to print: inside a JSON string, or
 * on a terminal. The one escaper of clonetrace: the JSON writer (json.c)
 * and the event printers (output.c) use it.
 *
 * JSON: valid UTF-8 passes through, except the C1 controls (U+0080 to
 * U+009F) and the bidirectional-text controls (U+061C, U+200E, U+200F,
 * U+202A..U+202E, U+2066..U+2069: they reorder what a terminal shows);
 * '"', '\' and every control character (C0, DEL, C1, bidi) are JSON
 * escapes (\n, \t, \r, \u00XX, \u202e); each byte that is not valid
 * UTF-8 becomes the four characters \xNN, written "\\xNN" in JSON. The
 * result is always valid JSON and valid UTF-8 (docs/JSON.md, "Strings").
 *
 * Terminal: printable ASCII and valid UTF-8 pass, '\' becomes \\, \n \t
 * \r are themselves, other controls and bytes that are not UTF-8 \xNN
 * (a C1 or bidi control shows its bytes: \xc2\x85, \xe2\x80\xae).
 *
 * Label: a Prometheus label value (metrics.c) whose value is the
 * terminal's text (printable, valid UTF-8, and one text for one name:
 * two cgroups never share a series), written in the exposition's own
 * escapes: '\' as \\ and '"' as \".
 */
#ifndef CT_ESCAPE_H
#define CT_ESCAPE_H

#include <stddef.h>

enum ct_escape {
	CT_ESC_JSON,
	CT_ESC_TERMINAL,
	CT_ESC_LABEL,
};

/* Where escaped text goes: n bytes at p. */
typedef void ct_sink_fn(void *ctx, const char *p, size_t n);

/* Escape s: at most max bytes, up to its first NUL. */
void ct_escape(const char *s, size_t max, enum ct_escape how,
	       ct_sink_fn *sink, void *ctx);
/*
 * The same into buf, always terminated; when buf is too small the text
 * ends before the escape that does not fit. Returns the length.
 */
size_t ct_escape_buf(const char *s, size_t max, enum ct_escape how,
		     char *buf, size_t buflen);

/* A comm or other name for a terminal. */
static inline size_t ct_escape_human(const char *s, size_t max, char *buf,
				     size_t buflen)
{
	return ct_escape_buf(s, max, CT_ESC_TERMINAL, buf, buflen);
}

#endif /* CT_ESCAPE_H */
