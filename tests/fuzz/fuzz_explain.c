// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_explain.c - libFuzzer target for "clonetrace explain FLAGS"
 * (userspace/explain.c): the expression parser, the kernel's rules and
 * both printers, as the command runs them. The first byte chooses the
 * options (--json, --syscall clone, --as-init, --kernel), the rest is
 * FLAGS. Whatever FLAGS is, explain exits 0 (accepted), 1 (refused) or
 * 2 (cannot parse, with nothing on stdout), and what it prints is valid
 * JSON lines (--json) or text without control characters.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "text_check.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static char *const kernels[] = {
	"--kernel=5.2", "--kernel=5.10", "--kernel=6.1", "--kernel=6.18",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[10], *expr, *out = NULL;
	size_t outlen = 0;
	FILE *saved = stdout;
	int argc = 0, status;
	uint8_t mode;

	if (!size)
		return 0;
	mode = data[0];
	expr = strndup((const char *)data + 1, size - 1);
	if (!expr)
		return 0;
	argv[argc++] = "explain";
	if (mode & 1)
		argv[argc++] = "--json";
	if (mode & 2)
		argv[argc++] = "--syscall=clone";
	if (mode & 4)
		argv[argc++] = "--as-init";
	argv[argc++] = kernels[(mode >> 3) & 3];
	argv[argc++] = "--";
	argv[argc++] = expr;
	argv[argc] = NULL;

	stdout = open_memstream(&out, &outlen);
	CHECK(stdout);
	status = ct_explain_main(argc, argv);
	fclose(stdout);
	stdout = saved;

	CHECK(status >= 0 && status <= 2);
	if (status == 2)
		CHECK(outlen == 0);
	else if (mode & 1)
		CHECK(json_lines_valid(out, outlen) && !memchr(out, '\n',
							       outlen - 1));
	else
		CHECK(outlen && text_clean(out, outlen));
	free(out);
	free(expr);
	return 0;
}
