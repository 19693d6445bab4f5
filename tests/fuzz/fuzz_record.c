// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_record.c - libFuzzer target for the recording reader
 * (userspace/record.c): any bytes must be either read completely or
 * refused with a message, never crash, hang or read out of bounds; an
 * exec's recorded path decodes within its buffer (userspace/decode.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "record.h"

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* a recorded exec path: in bounds, and decoded within CT_PATH_TEXT */
static void check_path(const char *comp, size_t len, unsigned int flags)
{
	char text[CT_PATH_TEXT];

	CHECK(len <= CT_PATH_LEN && flags <= CT_PATH_ALL);
	CHECK(!len || (flags & CT_PATH_KNOWN));
	if (ct_exec_path(comp, len, flags, text, sizeof(text)))
		CHECK(memchr(text, 0, sizeof(text)));
	else
		CHECK(!(flags & CT_PATH_KNOWN));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_rec_reader r;
	struct ct_rec_item it;
	uint64_t events = 0, diags = 0, lifecycle = 0;
	int ret;

	if (ct_rec_open(&r, data, size)) {
		CHECK(r.err[0]);
		return 0;
	}
	CHECK(memchr(r.hdr.release, 0, sizeof(r.hdr.release)));
	CHECK(memchr(r.hdr.options, 0, sizeof(r.hdr.options)));
	while ((ret = ct_rec_next(&r, &it)) > 0) {
		if (it.type == CT_REC_EVENT) {
			CHECK(it.ev.kind < CT_KIND_NR);
			CHECK(it.ev.syscall < CT_SC_NR);
			CHECK(it.ev.type >= CT_EV_CLONE &&
			      it.ev.type <= CT_EV_EXIT);
			if (it.ev.type == CT_EV_EXEC) {
				CHECK(it.exec.args_len <= CT_ARGS_LEN);
				CHECK(it.exec.args_len <= it.exec.args_size);
				CHECK(memchr(it.exec.filename, 0,
					     sizeof(it.exec.filename)));
				check_path(it.exec.path, it.exec.path_len,
					   it.exec.path_flags);
				check_path(it.exec.interp, it.exec.interp_len,
					   it.exec.interp_flags);
			}
			/* the end frame counts creations and exec/exit apart */
			if (it.ev.type >= CT_EV_EXEC)
				lifecycle++;
			else
				events++;
		} else if (it.type == CT_REC_TARGET) {
			const struct ct_target *t = &it.target;

			CHECK(t->nthreads <= CT_TARGET_THREADS &&
			      t->nthreads <= t->all_threads);
			CHECK(t->nkids <= CT_TARGET_KIDS);
			CHECK(t->nkids <= (t->follow ? t->all_below :
					   t->all_kids));
			CHECK(!t->follow || t->all_below >= t->all_kids);
			CHECK(memchr(t->cgroup, 0, sizeof(t->cgroup)));
			CHECK(memchr(t->cgroup1, 0, sizeof(t->cgroup1)));
			CHECK(memchr(t->cgroup1_ctrl, 0,
				     sizeof(t->cgroup1_ctrl)));
			CHECK(!t->cgroup1[0] || t->cgroup1_ctrl[0]);
		} else if (it.type == CT_REC_CGROUP ||
			   it.type == CT_REC_CGROUP1) {
			CHECK(it.cg_id);
			CHECK(it.type == CT_REC_CGROUP || it.cg_controller[0]);
			CHECK(memchr(it.cg_path, 0, sizeof(it.cg_path)));
		} else {
			CHECK(it.type == CT_REC_DIAG);
			CHECK(it.diag.limit < CT_LIMIT_NR);
			CHECK(memchr(it.diag.cg_path, 0,
				     sizeof(it.diag.cg_path)));
			diags++;
		}
	}
	if (ret == 0) {
		/* a file read to its end agrees with its end frame */
		CHECK(r.ended);
		CHECK(r.end.events == events && r.end.diags == diags);
		CHECK(r.end.lifecycle == lifecycle);
	} else {
		CHECK(r.err[0]);
	}
	return 0;
}
