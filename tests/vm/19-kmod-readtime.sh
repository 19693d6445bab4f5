#!/bin/sh
# 19-kmod-readtime: how long reads of tasks, groups and pid take with
# CT_SCALE_THREADS (default 2000) threads held while ct-churn storms, with
# one reader of each file running at once for CT_READ_SECS seconds
# (default 20). Every read must succeed and start with its header; the
# times (from /proc/uptime, 10 ms steps) go to the log and readtime.txt.
# With watchdog_thresh=1 softlockup_panic=1 on the kernel command line
# (CT_VM_APPEND), a loop that holds a CPU for 2 s panics the guest. Then
# a writer of pid waiting for a read of the same open file must die within
# 250 ms of SIGKILL (ct-pidwait; told only where reads take over a second:
# 30,000 threads).
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md section 2).

. "${0%/*}/lib.sh"
HOLD=/bin/ct-threadstorm
CHURN=/bin/ct-churn
WAIT=/bin/ct-pidwait
N=${CT_SCALE_THREADS:-2000}
SECS=${CT_READ_SECS:-20}

need_root
need "$KO" "$HOLD" "$CHURN" "$WAIT"
echo "cmdline: $(cat /proc/cmdline)"
echo "watchdog_thresh $(cat /proc/sys/kernel/watchdog_thresh 2>/dev/null)," \
	"softlockup_panic $(cat /proc/sys/kernel/softlockup_panic 2>/dev/null)"

old_max=$(cat /proc/sys/kernel/threads-max)
[ "$old_max" -lt $((N * 2)) ] && echo $((N * 2)) >/proc/sys/kernel/threads-max
old_pid_max=$(cat /proc/sys/kernel/pid_max)
[ "$old_pid_max" -lt $((N * 4)) ] && echo $((N * 4)) >/proc/sys/kernel/pid_max
pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	echo "$old_max" >/proc/sys/kernel/threads-max
	echo "$old_pid_max" >/proc/sys/kernel/pid_max
	loaded && rmmod clonetrace
}

loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }
"$HOLD" hold "$N" -t 1800 >"$CT_OUT/holder.txt" 2>&1 &
H=$!
pids="$pids $H"
i=0
while ! grep -q '^ready ' "$CT_OUT/holder.txt" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $H 2>/dev/null; then
		echo "FAIL: holder did not start $N threads: $(cat "$CT_OUT/holder.txt")"
		grep -E 'MemTotal|MemAvailable' /proc/meminfo
		cleanup
		exit 1
	fi
	sleep 1
done
echo "holder $H: $(cat "$CT_OUT/holder.txt"), $(ls /proc | grep -c '^[0-9]') processes"
grep -E 'MemTotal|MemAvailable' /proc/meminfo

# now: /proc/uptime in hundredths of a second.
now() { awk '{ sub(/\./, "", $1); print $1 + 0 }' /proc/uptime; }

# reader FILE: read FILE (pid: select the holder first) until SECS have
# passed; one line "FILE TIME_CS STATUS" per read.
reader() {
	end=$(($(now) + SECS * 100))
	while [ "$(now)" -lt $end ]; do
		t0=$(now)
		if [ "$1" = pid ]; then
			{ echo "$H" >&4 && cat <&4 >"$CT_OUT/$1.out"; } 4<>"$D/pid"
		else
			cat "$D/$1" >"$CT_OUT/$1.out"
		fi
		st=$?
		head -n 1 "$CT_OUT/$1.out" | grep -q "^# clonetrace $1 v" || st=99
		echo "$1 $(($(now) - t0)) $st"
	done >"$CT_OUT/$1.times"
}

"$CHURN" storm $((SECS + 5)) -j 2 >"$CT_OUT/storm.txt" 2>&1 &
pids="$pids $!"
rp=
for f in tasks groups pid; do
	reader $f &
	rp="$rp $!"
done
for p in $rp; do wait "$p"; done

: >"$CT_OUT/readtime.txt"
for f in tasks groups pid; do
	sort -n -k2 "$CT_OUT/$f.times" | awk -v f=$f -v n=$N '
		{ t[NR] = $2; if ($3 != 0) bad++ }
		END {
			if (!NR) { print f, "no reads"; exit 1 }
			printf "%s: %d threads held, %d reads, median %.2f s, max %.2f s, %d failed\n",
				f, n, NR, t[int((NR + 1) / 2)] / 100, t[NR] / 100, bad
			exit bad > 0
		}' >>"$CT_OUT/readtime.txt" && ok "$f: every read succeeded" ||
		bad "$f: failed reads: $(awk '$3 != 0' "$CT_OUT/$f.times" | head -n 3)"
done
cat "$CT_OUT/readtime.txt"
rm -f "$CT_OUT"/*.out

# A writer of pid waiting for a read of the same open file (the reader
# holds the file's lock while it builds its snapshot) dies at once on
# SIGKILL (mutex_lock_killable()), not when the snapshot is built: told
# only where a snapshot takes over a second (30,000 threads).
"$WAIT" "$H" >"$CT_OUT/pidwait.txt" 2>&1
rc=$?
cat "$CT_OUT/pidwait.txt"
case $rc in
0) ok "a writer waiting for a read of the same file dies at once on SIGKILL" ;;
77) echo "note: ct-pidwait could not tell at $N threads (reads too short)" ;;
*) bad "ct-pidwait exited $rc: $(cat "$CT_OUT/pidwait.txt")" ;;
esac

cleanup
exit $fail
