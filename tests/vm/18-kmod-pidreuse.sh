#!/bin/sh
# 18-kmod-pidreuse: a TID written to "pid" selects that task, not the
# number. Write a sleep's TID to an open pid file, kill and reap the
# sleep, make the next process take the same number (ns_last_pid), then
# read the file: it must fail with ESRCH ("No such process"), not show the
# new, unrelated task. Writing the number again then selects the new task.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md section 2).

. "${0%/*}/lib.sh"
LAST=/proc/sys/kernel/ns_last_pid

need_root
need "$KO"
# CONFIG_CHECKPOINT_RESTORE: every kernel of the matrix has it.
[ -w "$LAST" ] || { echo "FAIL: $LAST missing (CONFIG_CHECKPOINT_RESTORE)"; exit 1; }

pids=
cleanup() {
	exec 3>&-
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	loaded && rmmod clonetrace
}

loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }

# Another task may take the number between the write to ns_last_pid and
# our fork (a kernel worker starting): try a few times.
s=
n=
for try in 1 2 3 4 5 6 7 8; do
	sleep 1000 &
	s=$!
	exec 3<>"$D/pid"
	echo "$s" >&3 || { bad "writing $s to pid"; break; }
	out=$(cat <&3 2>&1)
	set -- $(echo "$out" | sed -n 2p)
	if [ "$1 $2 $3 $5" = "task $s $s process" ]; then
		[ "$try" = 1 ] && ok "pid shows the sleep: $*"
	else
		bad "pid before the kill: '$out'"
		break
	fi
	echo "$s" >&3 # rewinds: the next read starts over
	kill "$s"
	wait "$s" 2>/dev/null
	if [ -d "/proc/$s" ]; then
		bad "sleep $s not reaped"
		break
	fi
	echo $((s - 1)) >"$LAST"
	tail -f /dev/null &
	n=$!
	pids="$pids $n"
	[ "$n" = "$s" ] && break
	echo "try $try: the new process got $n, not $s"
	exec 3>&-
	n=
done

if [ "$fail" = 0 ] && [ -z "$n" ]; then
	bad "no process could be given the number of the reaped sleep"
elif [ "$fail" = 0 ]; then
	ok "tail -f has the reaped sleep's number $s"
	out=$(cat <&3 2>&1) && st=0 || st=$?
	echo "read after reuse (status $st): $out"
	case $out in
	*"No such process"*) ok "read after the number was reused -> ESRCH" ;;
	*) bad "read after the number was reused: status $st, '$out', expected No such process" ;;
	esac
	echo "$s" >&3 || bad "writing $s again"
	out=$(cat <&3 2>&1)
	set -- $(echo "$out" | sed -n 2p)
	[ "$1 $2 $3 $5" = "task $s $s process" ] &&
		ok "writing the number again selects the new task: $*" ||
		bad "after writing $s again: '$out'"
fi

cleanup
exit $fail
