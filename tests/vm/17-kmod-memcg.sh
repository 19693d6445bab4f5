#!/bin/sh
# 17-kmod-memcg: the snapshot behind groups is memory the reader asked
# for: it is charged to the reader's memory cgroup (__GFP_ACCOUNT) while
# the read is in progress, and freed as soon as the read reaches its end,
# although the file stays open. A shell in a cgroup v2 memory cgroup of
# its own reads the header of groups (which takes the snapshot) while a
# holder keeps CT_MEMCG_THREADS (default 3000) threads, then the rest;
# memory.current is read with shell builtins before, in the middle and
# after. The snapshot takes about 280 bytes a task.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md section 2).

. "${0%/*}/lib.sh"
HOLD=/bin/ct-threadstorm
N=${CT_MEMCG_THREADS:-3000}
CG=/tmp/ct-cg2

need_root
need "$KO" "$HOLD"
mkdir -p "$CG"
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none "$CG" ||
	{ echo "SKIP: cannot mount cgroup2"; exit 77; }
grep -qw memory "$CG/cgroup.controllers" ||
	{ echo "SKIP: no memory controller in cgroup2"; umount "$CG"; exit 77; }

old_max=$(cat /proc/sys/kernel/threads-max)
[ "$old_max" -lt $((N * 3)) ] && echo $((N * 3)) >/proc/sys/kernel/threads-max
hp=
cleanup() {
	[ -n "$hp" ] && kill -KILL "$hp" 2>/dev/null && wait "$hp" 2>/dev/null
	rmdir "$CG/ct-reader" 2>/dev/null
	umount "$CG" 2>/dev/null
	echo "$old_max" >/proc/sys/kernel/threads-max
	loaded && rmmod clonetrace
}

loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }
"$HOLD" hold "$N" -t 600 >"$CT_OUT/holder.txt" 2>&1 &
hp=$!
i=0
while ! grep -q '^ready ' "$CT_OUT/holder.txt" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 120 ] && { echo "FAIL: holder not ready"; cleanup; exit 1; }
	sleep 1
done

echo +memory >"$CG/cgroup.subtree_control"
mkdir -p "$CG/ct-reader"
# In the cgroup: builtins only, so that no other process charges it.
sh -c '
	echo $$ >"$1/cgroup.procs"
	read -r base <"$1/memory.current"
	exec 3<"$2/groups"
	read -r hdr <&3
	read -r mid <"$1/memory.current"
	while read -r l <&3; do :; done
	read -r end <"$1/memory.current"
	exec 3<&-
	echo "$base $mid $end $hdr"
' sh "$CG/ct-reader" "$D" >"$CT_OUT/memcg.txt" 2>&1
cat "$CT_OUT/memcg.txt"
set -- $(cat "$CT_OUT/memcg.txt")
base=$1 mid=$2 end=$3
want=$((N * 280 / 2))
if [ -n "$end" ] && [ "$mid" -ge $((base + want)) ]; then
	ok "a read in progress charges its cgroup $((mid - base)) bytes (>= $want)"
else
	bad "a read in progress charges its cgroup $((mid - base)) bytes, expected >= $want"
fi
if [ -n "$end" ] && [ $((end - base)) -lt $(((mid - base) / 4)) ]; then
	ok "at the end of the read, $((end - base)) bytes are left charged"
else
	bad "at the end of the read (file still open), $((end - base)) of $((mid - base)) bytes are still charged"
fi

cleanup
exit $fail
