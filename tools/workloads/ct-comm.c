// SPDX-License-Identifier: GPL-2.0
/*
 * ct-comm: names itself (PR_SET_NAME) with strings that are hostile to a
 * text or JSON printer and forks once per name. The comm bytes are stated
 * in hex as the kernel stores them (read back with PR_GET_NAME, so the
 * 15-byte truncation is included); the checker derives the JSON string
 * that the documented escaping must produce.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ct-common.h"

static const char *const names[] = {
	"new\nline",
	"quo\"te'd",
	"back\\slash\\",
	"\x01" "ctl\x1b[7m\t\r",
	"del\x7f",
	"bad\xff\xfe" "utf8",
	"\xc3\xa9t\xc3\xa9",			/* valid two-byte UTF-8 */
	"\xf0\x9f\x98\x80" "emoji",		/* valid four-byte UTF-8 */
	"trunc456789012\xc3\xa9",		/* cut inside the last char */
	"part\xe2\x82" "A",			/* incomplete sequence */
	"sur\xed\xa0\x80" "gate",		/* UTF-16 surrogate */
	"over\xc0\xaf" "long",			/* overlong '/' */
	"big\xf4\x90\x80\x80",			/* above U+10FFFF */
	"nel\xc2\x85",				/* C1 control, valid UTF-8 */
	"rlo\xe2\x80\xae" "gpj.exe",		/* U+202E: reads backwards */
	"\xe2\x81\xa6" "lri\xe2\x80\x8f\xd8\x9c",	/* U+2066, U+200F, U+061C */
	"\\u0041%s%n<&>",			/* escapes and format chars */
};

int main(int argc, char **argv)
{
	char hex[33];
	size_t i;

	ct_start(argc, argv, "");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct ct_expect e;
		int fds[2];
		pid_t pid;

		if (prctl(PR_SET_NAME, names[i], 0, 0, 0))
			ct_die("PR_SET_NAME: %s", strerror(errno));
		ct_comm_hex(hex);
		ct_expect_init(&e, "raw fork with hostile comm");
		ct_pipe(fds);
		pid = ct_raw_fork();
		if (pid < 0)
			ct_die("fork: %s", strerror(errno));
		if (pid == 0) {
			ct_report(fds[1]);
			_exit(0);
		}
		close(fds[1]);
		ct_collect(fds[0], &e.child_ns);
		close(fds[0]);
		ct_reap(pid);

		e.syscall = "fork";
		e.kind = "process";
		e.exit_signal = SIGCHLD;
		e.child_pid = pid;
		e.child_tid = pid;
		e.comm_hex = hex;
		ct_refs_private(&e.refs);
		e.ns_new = "[]";
		ct_print_clone(&e);
	}
	ct_print_total();
	return 0;
}
