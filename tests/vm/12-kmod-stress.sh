#!/bin/sh
# 12-kmod-stress: readers of tasks, groups and pid loop while
# /bin/ct-threadstorm creates and ends threads, processes, CLONE_VM
# children and vfork children for CT_STRESS_SECS seconds (default 20);
# every read must succeed and be well-formed. Then unloading: rmmod while
# files are held open must return promptly (refused: the open files pin
# the module), succeed once they are closed, and rmmod racing against a
# tight open/read loop must not hang either. The harness scans dmesg for
# WARN/BUG/Oops/lockdep afterwards.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).

. "${0%/*}/lib.sh"
WL=/bin/ct-threadstorm
SECS=${CT_STRESS_SECS:-20}

need_root
need "$KO" "$WL"

loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }
STOP=$CT_OUT/stop
rm -f "$STOP"

# reader NAME FILE: read FILE in a loop until $STOP exists; count reads and
# record any failed or malformed read in $CT_OUT/NAME.err.
reader() {
	n=0
	: >"$CT_OUT/$1.err"
	while [ ! -e "$STOP" ]; do
		if ! cat "$D/$2" >"$CT_OUT/$1.cur" 2>"$CT_OUT/$1.stderr"; then
			echo "read $n failed: $(cat "$CT_OUT/$1.stderr")" >>"$CT_OUT/$1.err"
		elif ! head -n 1 "$CT_OUT/$1.cur" | grep -q "^# clonetrace $2 v1: "; then
			echo "read $n: bad header" >>"$CT_OUT/$1.err"
		elif [ "$2" = tasks ] &&
		     awk 'NR > 1 && NF != 13 { bad = 1 } END { exit !bad }' "$CT_OUT/$1.cur"; then
			echo "read $n: a line without 13 fields" >>"$CT_OUT/$1.err"
			cp "$CT_OUT/$1.cur" "$CT_OUT/$1.bad.$n"
		fi
		n=$((n + 1))
	done
	echo "$n" >"$CT_OUT/$1.count"
}

# pid_reader: ask about TIDs that come and go. ESRCH is expected; any
# other error is not.
pid_reader() {
	n=0
	: >"$CT_OUT/pid.err"
	while [ ! -e "$STOP" ]; do
		for t in $(awk 'NR > 1 { print $1 }' "$D/tasks" | tail -n 8); do
			e=$( (exec 3<>"$D/pid" && echo "$t" >&3 &&
			      cat <&3 >/dev/null) 2>&1)
			case $e in
			"" | *"No such process"*) ;;
			*) echo "tid $t: $e" >>"$CT_OUT/pid.err" ;;
			esac
			n=$((n + 1))
		done
	done
	echo "$n" >"$CT_OUT/pid.count"
}

echo "storm for $SECS s with readers of tasks, groups and pid"
"$WL" storm "$SECS" -j 4 >"$CT_OUT/storm.txt" 2>&1 &
storm=$!
reader tasks tasks &
r1=$!
reader groups groups &
r2=$!
pid_reader &
r3=$!
wait $storm
storm_rc=$?
touch "$STOP"
wait $r1 $r2 $r3
cat "$CT_OUT/storm.txt"
[ $storm_rc = 0 ] && ok "storm ran" || bad "storm exited $storm_rc"
for f in tasks groups pid; do
	n=$(cat "$CT_OUT/$f.count" 2>/dev/null)
	echo "$f: ${n:-0} reads"
	[ "${n:-0}" -gt 0 ] || bad "no $f reads completed"
	if [ -s "$CT_OUT/$f.err" ]; then
		bad "$f reads went wrong: $(head -n 5 "$CT_OUT/$f.err")"
	else
		ok "$f reads all good"
	fi
done

# --- unload while files are held open
exec 4<"$D/tasks" 5<"$D/groups" 6<>"$D/pid"
head -c 200 <&4 >/dev/null
echo $$ >&6
# busybox timeout leaves a watcher process behind for up to a second:
# it must not inherit the open files.
timeout 15 rmmod clonetrace >"$CT_OUT/rmmod1.txt" 2>&1 4<&- 5<&- 6<&-
rc=$?
cat "$CT_OUT/rmmod1.txt"
case $rc in
124 | 137 | 143)
	bad "rmmod with open files hung (timeout)"
	;;
0)
	# Allowed by a kernel that does not pin the module: the files
	# must then be gone and reads on the open ones must fail cleanly.
	echo "rmmod succeeded with files open"
	[ -e "$D" ] && bad "$D still exists after rmmod"
	cat <&4 >/dev/null 2>&1 && bad "reading a removed file succeeded"
	;;
*)
	loaded && ok "rmmod refused while files are open (rc $rc)" ||
		bad "rmmod failed (rc $rc) but the module is gone"
	[ -r "$D/tasks" ] && head -n 1 <&4 >/dev/null &&
		ok "open file still readable" || bad "open file not readable"
	;;
esac
exec 4<&- 5<&- 6<&-
if loaded; then
	timeout 15 rmmod clonetrace && ok "rmmod after closing the files" ||
		bad "rmmod after closing the files failed"
fi
[ -e "$D" ] && bad "$D exists after rmmod"

# --- unload racing a tight open/read loop
insmod "$KO" || bad "insmod for the unload race"
rm -f "$STOP"
(while [ ! -e "$STOP" ]; do cat "$D/tasks" "$D/groups" >/dev/null 2>&1; done) &
spin=$!
sleep 1
i=0
while loaded && [ $i -lt 100 ]; do
	timeout 15 rmmod clonetrace 2>/dev/null
	rc=$?
	case $rc in
	124 | 137 | 143) bad "rmmod under a reader loop hung"; break ;;
	esac
	i=$((i + 1))
done
touch "$STOP"
wait $spin
loaded && bad "could not unload under a reader loop after $i tries" ||
	ok "unloaded under a reader loop after $i tries"
loaded && rmmod clonetrace

exit $fail
