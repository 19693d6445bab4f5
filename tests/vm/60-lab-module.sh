#!/bin/sh
# 60-lab-module: labs 1 and 12 seen by the clonetrace module (docs/LABS.md).
#
# Lab 1, fork copies: a process forked by this shell has its own mm, file
# table, fs and sighand (ids differ from the shell's), and its mm and
# files refcounts are 1.
# Lab 12, the same tasks in /proc, busybox ps and the module's "tasks"
# file: TID, TGID and parent agree.
#
# Busybox only (no lab program is needed). Exit 0 pass, 1 fail, 77 skip
# (no module). Protocol: docs/CONTRACTS.md.

D=${CT_LAB_DEBUGFS:-/sys/kernel/debug/clonetrace}
KO=/lib/clonetrace/clonetrace.ko
fail=0

if [ ! -r $D/tasks ]; then
	[ -f $KO ] || { echo "skip: no $KO in the guest"; exit 77; }
	insmod $KO || { echo "FAIL: insmod $KO"; exit 1; }
fi
head -n1 $D/tasks >"$CT_OUT/header.txt"
case $(head -n1 $D/tasks) in
"# clonetrace tasks v1: tid pid ppid kind comm "*) ;;
*) echo "skip: unknown tasks format: $(head -n1 $D/tasks)"; exit 77 ;;
esac

check() {	# check DESCRIPTION COMMAND...
	d=$1
	shift
	if "$@"; then
		echo "ok:   $d"
	else
		echo "FAIL: $d"
		fail=1
	fi
}

# col TID NAME: the value of column NAME in the tasks line of TID.
col() {
	awk -v tid="$1" -v name="$2" '
		NR == 1 { for (i = 5; i <= NF; i++) c[$i] = i - 4; next }
		$1 == tid { print $c[name]; exit }' "$CT_OUT/tasks.txt"
}

sleep 60 &
child=$!
sleep 60 &
child2=$!
sleep 1	# let the children exec
shell=$$
cat $D/tasks >"$CT_OUT/tasks.txt"
echo "shell $shell, children $child $child2"

# ---- lab 1: fork copies ----
for r in mm files fs sighand signal; do
	s=$(col $shell $r)
	c=$(col $child $r)
	echo "$r: shell $s child $c"
	check "lab 1: child $child has its own $r" \
		test -n "$c" -a "${s%%:*}" != "${c%%:*}"
done
check "lab 1: child's mm refcount is 1" test "$(col $child mm | cut -d: -f2)" = 1
check "lab 1: child's files refcount is 1" test "$(col $child files | cut -d: -f2)" = 1
check "lab 1: two forked children do not share files" \
	test "$(col $child files | cut -d: -f1)" != "$(col $child2 files | cut -d: -f1)"

# ---- lab 12: /proc, ps and the module agree ----
for p in $shell $child $child2; do
	# /proc/PID/stat: "pid (comm) state ppid ..."
	ppid=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
	mpid=$(col $p pid)
	mppid=$(col $p ppid)
	check "lab 12: $p: module tgid $mpid = /proc $p" test "$mpid" = "$p"
	check "lab 12: $p: module ppid $mppid = /proc $ppid" test "$mppid" = "$ppid"
	check "lab 12: $p: busybox ps lists it" \
		sh -c "ps -o pid,ppid,comm | awk -v p=$p '\$1 == p { f = 1 } END { exit !f }'"
	n=$(ls /proc/$p/task | wc -l)
	m=$(awk -v p="$p" 'NR > 1 && $2 == p' "$CT_OUT/tasks.txt" | wc -l)
	check "lab 12: $p: $n threads in /proc, $m in the module" test "$n" = "$m"
done

kill $child $child2
wait
exit $fail
