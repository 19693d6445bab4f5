// SPDX-License-Identifier: GPL-2.0
/*
 * targets.c - the -p/-f/-c target protocol with the BPF side (targets.h).
 */
#include <errno.h>
#include <stdio.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clonetrace.skel.h"
#include "ct_event.h"
#include "proc.h"
#include "targets.h"

int ct_targets_resolve(struct ct_pids *pids, int verbose)
{
	int i;

	for (i = 0; i < pids->n; i++) {
		pid_t tgid = ct_tgid_of(pids->pid[i]);

		struct ct_proc_status st;

		if (tgid && !ct_process_alive(tgid) &&
		    !ct_proc_status(tgid, &st))
			return ct_fail(CT_EXIT_FAILURE, "process %d has exited: a zombie its parent %d has not reaped, nothing to trace (check the PID with ps)",
				       pids->pid[i], st.ppid);
		if (!tgid || !ct_process_alive(tgid))
			return ct_fail(CT_EXIT_FAILURE, "no such process: %d (check the PID with ps)",
				       pids->pid[i]);
		if (tgid != pids->pid[i] && verbose)
			ct_msg("%d is a thread of process %d: tracing the process",
			       pids->pid[i], tgid);
		pids->pid[i] = tgid;
	}
	return CT_EXIT_OK;
}

int ct_targets_add(struct clonetrace_bpf *skel, pid_t tgid)
{
	int fd = bpf_map__fd(skel->maps.targets);
	__u8 one = 1;

	/* the prefilter byte first: BPF tests it before the map */
	skel->bss->target_hint[(uint32_t)tgid & (CT_TARGET_HINTS - 1)] = 1;
	if (bpf_map_update_elem(fd, &tgid, &one, BPF_NOEXIST))
		return errno == EEXIST ? 0 : -errno;	/* listed twice */
	/*
	 * Exited meanwhile? If our delete wins, nobody counted it; if BPF's
	 * exit hook deleted it first, it has subtracted one already, so the
	 * add below balances that.
	 */
	if (!ct_process_alive(tgid) && bpf_map_delete_elem(fd, &tgid) == 0)
		return 0;
	__sync_fetch_and_add(&skel->bss->targets_alive, 1);
	return 0;
}

void ct_targets_recheck(struct clonetrace_bpf *skel,
			const struct ct_pids *pids)
{
	int fd = bpf_map__fd(skel->maps.targets), i;

	/* whoever deletes the entry, BPF or us, uncounts it, once */
	for (i = 0; i < pids->n; i++)
		if (!ct_process_alive(pids->pid[i]) &&
		    bpf_map_delete_elem(fd, &pids->pid[i]) == 0)
			__sync_fetch_and_add(&skel->bss->targets_alive, -1);
}

int64_t ct_targets_alive(const struct clonetrace_bpf *skel)
{
	return skel->bss->targets_alive;
}

void ct_targets_say_gone(const struct ct_pids *pids, bool follow)
{
	char list[CT_MAX_PIDS * 12] = "";
	size_t off = 0;
	int i;

	for (i = 0; i < pids->n && off < sizeof(list); i++)
		off += snprintf(list + off, sizeof(list) - off, "%s%d",
				i ? "," : "", pids->pid[i]);
	ct_msg("every traced process has exited (PID %s%s)", list,
	       follow ? " and descendants" : "");
}
