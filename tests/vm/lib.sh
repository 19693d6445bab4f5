# SPDX-License-Identifier: GPL-2.0
# lib.sh - sourced by the guest tests (busybox sh): the names and checks
# they share. Exit statuses: 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).

KO=/lib/clonetrace/clonetrace.ko
D=/sys/kernel/debug/clonetrace
CT_OUT=${CT_OUT:-/tmp/$(basename "$0" .sh)}
mkdir -p "$CT_OUT"

fail=0
ok() { echo "ok:   $*"; }
bad() {
	echo "FAIL: $*"
	fail=1
}
loaded() { grep -q '^clonetrace ' /proc/modules; }

# need_root; need FILE...: skip unless root, unless every FILE exists.
need_root() {
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
}
need() {
	for f; do
		[ -e "$f" ] || { echo "SKIP: $f not installed"; exit 77; }
	done
}

# start_share_workload: $WL (ct-share-workload) in the background until it
# prints "ready"; sets wl_pid. Calls the script's cleanup and fails the
# test when it never gets there.
start_share_workload() {
	"$WL" -t 300 >"$CT_OUT/workload.txt" 2>&1 &
	wl_pid=$!
	i=0
	while ! grep -q '^ready$' "$CT_OUT/workload.txt" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 30 ] || ! kill -0 $wl_pid 2>/dev/null; then
			echo "FAIL: workload did not become ready:"
			cat "$CT_OUT/workload.txt"
			cleanup
			exit 1
		fi
		sleep 1
	done
	cat "$CT_OUT/workload.txt"
}

# debug_boot_report: say which of the kernel's memory and stall debugging
# options this boot has (make check-vm asks for them: see Makefile), so a
# log shows whether a use-after-free would have been caught.
debug_boot_report() {
	echo "cmdline: $(cat /proc/cmdline)"
	s=/sys/kernel/slab/kmalloc-64
	echo "slab kmalloc-64: sanity_checks $(cat $s/sanity_checks 2>/dev/null)" \
		"red_zone $(cat $s/red_zone 2>/dev/null)" \
		"poison $(cat $s/poison 2>/dev/null)"
	echo "softlockup_panic $(cat /proc/sys/kernel/softlockup_panic 2>/dev/null)," \
		"hung_task_panic $(cat /proc/sys/kernel/hung_task_panic 2>/dev/null)"
}
