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
