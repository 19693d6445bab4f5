#!/bin/sh
# 13-kmod-scale: a process with CT_SCALE_THREADS (default 5000) threads is
# listed completely: the lines of "tasks" for its TGID equal the entries of
# /proc/PID/task, also when read in small pieces; its mm group has every
# thread as a member with mm_users to match; its pid picture lists every
# other thread.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).

. "${0%/*}/lib.sh"
WL=/bin/ct-threadstorm
N=${CT_SCALE_THREADS:-5000}

expect() {
	if [ "$2" = "$3" ]; then
		ok "$1 = $3"
	else
		bad "$1 = '$2', expected '$3'"
	fi
}

need_root
need "$KO" "$WL"

loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }

# threads-max scales with memory (a small guest allows ~2000 threads).
old_max=$(cat /proc/sys/kernel/threads-max)
[ "$old_max" -lt $((N * 2)) ] && echo $((N * 2)) >/proc/sys/kernel/threads-max
echo "threads-max $(cat /proc/sys/kernel/threads-max) (was $old_max), pid_max $(cat /proc/sys/kernel/pid_max)"
grep -E 'MemTotal|MemAvailable' /proc/meminfo

wl_pid=
cleanup() {
	[ -n "$wl_pid" ] && kill -TERM "$wl_pid" 2>/dev/null && wait "$wl_pid"
	echo "$old_max" >/proc/sys/kernel/threads-max
	loaded && rmmod clonetrace
}

"$WL" hold "$N" -t 600 >"$CT_OUT/workload.txt" 2>&1 &
wl_pid=$!
i=0
while ! grep -q '^ready ' "$CT_OUT/workload.txt" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 120 ] || ! kill -0 $wl_pid 2>/dev/null; then
		echo "FAIL: workload did not start $N threads:"
		cat "$CT_OUT/workload.txt"
		grep -E 'MemTotal|MemAvailable' /proc/meminfo
		cleanup
		exit 1
	fi
	sleep 1
done
cat "$CT_OUT/workload.txt"
P=$wl_pid
grep -E 'MemAvailable' /proc/meminfo

nproc=$(ls /proc/$P/task | wc -l)
expect "threads in /proc/$P/task" "$nproc" $((N + 1))

cat "$D/tasks" >"$CT_OUT/tasks.txt" || bad "reading tasks"
n=$(awk -v p=$P 'NR > 1 && $2 == p' "$CT_OUT/tasks.txt" | wc -l)
expect "tasks lines for pid $P" "$n" "$nproc"
u=$(awk -v p=$P 'NR > 1 && $2 == p { print $1 }' "$CT_OUT/tasks.txt" | sort -u | wc -l)
expect "distinct tids for pid $P" "$u" "$nproc"
# the set of TIDs is /proc's
ls /proc/$P/task | sort -n >"$CT_OUT/proc-tids.txt"
awk -v p=$P 'NR > 1 && $2 == p { print $1 }' "$CT_OUT/tasks.txt" | sort -n \
	>"$CT_OUT/mod-tids.txt"
cmp -s "$CT_OUT/proc-tids.txt" "$CT_OUT/mod-tids.txt" &&
	ok "tids equal /proc/$P/task" || bad "tids differ from /proc/$P/task"
awk 'NR > 2 && $1 <= prev { bad = 1 } { prev = $1 } END { exit bad }' \
	"$CT_OUT/tasks.txt" && ok "tids strictly increasing" ||
	bad "tids not strictly increasing"

# small reads: seq_file must resume exactly where each read stopped
dd if="$D/tasks" of="$CT_OUT/tasks-small.txt" bs=100 2>/dev/null
n=$(awk -v p=$P 'NR > 1 && $2 == p' "$CT_OUT/tasks-small.txt" | wc -l)
expect "tasks lines for pid $P, 100-byte reads" "$n" "$nproc"
nbad=$(awk 'NR > 1 && NF != 13' "$CT_OUT/tasks-small.txt" | wc -l)
expect "malformed lines in 100-byte reads" "$nbad" 0

# groups: the mm, signal and sighand objects have every thread as member
cat "$D/groups" >"$CT_OUT/groups.txt" || bad "reading groups"
mmid=$(awk -v p=$P 'NR > 1 && $1 == p { sub(/:.*/, "", $6); print $6 }' "$CT_OUT/tasks.txt")
set -- $(awk -v id="$mmid" '$1 == "mm" && $2 == id { print $3, $4 }' "$CT_OUT/groups.txt")
expect "mm group refcount and members" "$1 $2" "$nproc $nproc"
for r in sighand signal; do
	set -- $(awk -v r=$r -v p=$P '$1 == r && index("," $5 ",", "," p ",") { print $3, $4 }' \
		"$CT_OUT/groups.txt")
	expect "$r group refcount and members" "$1 $2" "$nproc $nproc"
done

# pid: the main thread shares its mm with every other thread
exec 3<>"$D/pid"
echo $P >&3 || bad "writing $P to pid"
cat <&3 >"$CT_OUT/pid.txt" || bad "reading pid"
exec 3>&-
n=$(awk '$1 == "mm" { print split($4, t, ",") }' "$CT_OUT/pid.txt")
expect "other tids sharing mm in pid" "$n" $((nproc - 1))

cleanup
exit $fail
