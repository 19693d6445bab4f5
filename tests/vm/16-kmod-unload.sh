#!/bin/sh
# 16-kmod-unload: rmmod/insmod cycles while the module is in use. For
# CT_UNLOAD_SECS seconds (default 20), ct-kmodcheck -U unloads the module
# (delete_module(), refused while a file is open, retried) and loads it
# again in a loop, while ct-churn storm runs and ct-kmodcheck's threads
# open, read and close every file (four open/read/close loops, readers of
# tasks and groups, two pid writers each on a file of its own). Every
# read that succeeds must be well-formed, nothing may hang, and there must
# be several cycles. The harness fails the run on any WARN, BUG or oops
# in dmesg, and the debug boot options (Makefile) catch use-after-free.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md section 2).

. "${0%/*}/lib.sh"
HOLD=/bin/ct-threadstorm
CHURN=/bin/ct-churn
CHECK=/bin/ct-kmodcheck
SECS=${CT_UNLOAD_SECS:-20}

need_root
need "$KO" "$HOLD" "$CHURN" "$CHECK"

pids=
cleanup() {
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	loaded && rmmod clonetrace
}

loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }
"$HOLD" hold 100 -t 600 >"$CT_OUT/holder.txt" 2>&1 &
H=$!
pids="$pids $H"
i=0
while ! grep -q '^ready ' "$CT_OUT/holder.txt" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 60 ] && { echo "FAIL: holder not ready"; cleanup; exit 1; }
	sleep 1
done

"$CHURN" storm "$SECS" -j 2 >"$CT_OUT/storm.txt" 2>&1 &
pids="$pids $!"
timeout $((SECS + 60)) "$CHECK" -U "$KO" -H "$H" -g 1 -t 1 -p 2 -o 4 "$SECS" \
	>"$CT_OUT/unload.txt" 2>"$CT_OUT/unload.err"
rc=$?
cat "$CT_OUT/unload.txt" "$CT_OUT/unload.err"
case $rc in
0) ok "no violation while loading and unloading" ;;
124 | 137 | 143) bad "ct-kmodcheck hung (timeout)" ;;
*) bad "ct-kmodcheck exited $rc: $(head -n 3 "$CT_OUT/unload.err")" ;;
esac
n=$(sed -n 's/^unload cycles: //p' "$CT_OUT/unload.txt")
[ "${n:-0}" -ge 3 ] && ok "$n rmmod/insmod cycles" ||
	bad "only ${n:-0} rmmod/insmod cycles in $SECS s"
# The unloads raced with open files: some were refused (EAGAIN).
n=$(sed -n 's/^unloads refused while busy: //p' "$CT_OUT/unload.txt")
[ "${n:-0}" -gt 0 ] && ok "$n unloads refused while a file was open" ||
	bad "no unload was ever refused: the readers never held a file open"
n=$(sed -n 's/^open\/read\/close: //p' "$CT_OUT/unload.txt")
[ "${n:-0}" -gt 0 ] && ok "$n open/read/close rounds" ||
	bad "no open/read/close round succeeded"

# Loaded again at the end, and still answering.
loaded || insmod "$KO" || bad "insmod after the cycles"
head -n 1 "$D/groups" | grep -q '^# clonetrace groups v1: ' &&
	ok "groups readable after the cycles" || bad "groups unreadable"

cleanup
exit $fail
