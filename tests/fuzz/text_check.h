/* SPDX-License-Identifier: GPL-2.0 */
/* text_check.h - checks of clonetrace's output for the fuzzers. */
#ifndef CT_TEXT_CHECK_H
#define CT_TEXT_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* One JSON value per line, every line ended by '\n', UTF-8 strings. */
bool json_lines_valid(const char *buf, size_t len);
/* Valid UTF-8, no C0 control but '\n', no DEL, no C1 control. */
bool text_clean(const char *buf, size_t len);

#endif /* CT_TEXT_CHECK_H */
