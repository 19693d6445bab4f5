#!/bin/sh
# 00-smoke: the VM is usable for the other tests -- right kernel, debugfs
# and tracefs mounted, kernel BTF present.  Prints what it found.
# Exit 0 pass, 1 fail (tests/vm protocol: docs/CONTRACTS.md).

fail=0

# is_mounted DIR TYPE: DIR appears in /proc/mounts with file system TYPE.
is_mounted() {
	awk -v d="$1" -v t="$2" '$2 == d && $3 == t { found = 1 } END { exit !found }' \
		/proc/mounts
}

check() {
	if "$@"; then
		echo "ok:   $*"
	else
		echo "FAIL: $*"
		fail=1
	fi
}

echo "uname: $(uname -a)"
# The host says which release it booted (ct.release=, as CT_KERNEL_RELEASE).
if [ -n "${CT_KERNEL_RELEASE:-}" ] && [ "$(uname -r)" = "$CT_KERNEL_RELEASE" ]; then
	echo "ok:   kernel release $(uname -r) (matrix kernel ${CT_KERNEL:-?})"
else
	echo "FAIL: kernel release $(uname -r), the host booted '${CT_KERNEL_RELEASE:-}'"
	fail=1
fi

check is_mounted /sys/kernel/debug debugfs
check is_mounted /sys/kernel/tracing tracefs
check test -r /sys/kernel/tracing/available_events
check test -s /sys/kernel/btf/vmlinux
echo "btf: $(wc -c </sys/kernel/btf/vmlinux 2>/dev/null) bytes"
echo "task_newtask: $(grep -c '^task:task_newtask$' /sys/kernel/tracing/available_events 2>/dev/null)"
echo "CT_OUT=$CT_OUT"
grep -E 'debugfs|tracefs|cgroup' /proc/mounts

# Leave an artifact to prove that /out reaches the host.
uname -r >"$CT_OUT/uname.txt"

exit $fail
