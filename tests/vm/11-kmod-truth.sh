#!/bin/sh
# 11-kmod-truth: the module's tasks, groups and pid files against ground
# truth. /bin/ct-share-workload creates a main thread + 3 threads, a
# CLONE_VM|CLONE_FILES child and a forked child, so:
#   mm     shared by the 4 threads and the CLONE_VM child (mm_users 5)
#   files  shared by the 4 threads and the CLONE_VM child (count 5)
#   fs, sighand, signal   shared by the 4 threads only (4)
#   the CLONE_VM child owns its fs, sighand and signal (1 each)
#   the forked child shares nothing with them (every count 1)
#   sysvsem: the threads share the undo list that CLONE_SYSVSEM made
#   nsproxy is the same for all six
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).

. "${0%/*}/lib.sh"
WL=/bin/ct-share-workload

need_root
need "$KO" "$WL"

loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }

wl_pid=
cleanup() {
	[ -n "$wl_pid" ] && kill -TERM "$wl_pid" 2>/dev/null && wait "$wl_pid"
	loaded && rmmod clonetrace
}

start_share_workload

MAIN=$(awk '$1 == "main" { print $2 }' "$CT_OUT/workload.txt")
THREADS=$(awk '$1 == "thread" { print $2 }' "$CT_OUT/workload.txt")
VMC=$(awk '$1 == "vmchild" { print $2 }' "$CT_OUT/workload.txt")
FKC=$(awk '$1 == "forkchild" { print $2 }' "$CT_OUT/workload.txt")
set -- $THREADS
T1=$1 T2=$2 T3=$3
[ "$MAIN" = "$wl_pid" ] || bad "workload says main $MAIN, shell started $wl_pid"

cat "$D/tasks" >"$CT_OUT/tasks.txt" || bad "reading tasks"
cat "$D/groups" >"$CT_OUT/groups.txt" || bad "reading groups"

# col NAME: the 1-based column of NAME in the tasks header.
col() {
	head -n 1 "$CT_OUT/tasks.txt" | sed 's/^# clonetrace tasks v1: //' |
		awk -v n="$1" '{ for (i = 1; i <= NF; i++) if ($i == n) print i }'
}
# field TID NAME: that column of that task's line.
field() {
	awk -v t="$1" -v c="$(col "$2")" 'NR > 1 && $1 == t { print $c }' \
		"$CT_OUT/tasks.txt"
}
# expect WHAT GOT WANT
expect() {
	if [ "$2" = "$3" ]; then
		ok "$1 = $3"
	else
		bad "$1 = '$2', expected '$3'"
	fi
}
# joined TID...: the TIDs sorted numerically, comma-separated.
joined() {
	for t in "$@"; do echo "$t"; done | sort -n | tr '\n' ',' | sed 's/,$//'
}

ALL4="$MAIN $T1 $T2 $T3"

# --- tasks: every task listed once, with the right identity columns
for t in $ALL4 $VMC $FKC; do
	n=$(awk -v t="$t" 'NR > 1 && $1 == t' "$CT_OUT/tasks.txt" | wc -l)
	expect "lines for tid $t" "$n" 1
done
expect "kind of main" "$(field "$MAIN" kind)" process
for t in $T1 $T2 $T3; do
	expect "kind of thread $t" "$(field "$t" kind)" thread
	expect "pid of thread $t" "$(field "$t" pid)" "$MAIN"
done
expect "kind of vmchild" "$(field "$VMC" kind)" process
expect "kind of forkchild" "$(field "$FKC" kind)" process
expect "ppid of vmchild" "$(field "$VMC" ppid)" "$MAIN"
expect "ppid of forkchild" "$(field "$FKC" ppid)" "$MAIN"
expect "comm of main" "$(field "$MAIN" comm)" ct-share-worklo

# check_res RES REF SHARERS...: every task in SHARERS shows the same id of
# RES with refcount REF.
check_res() {
	r=$1 want=$2
	shift 2
	first=$(field "$1" "$r")
	for t in "$@"; do
		v=$(field "$t" "$r")
		expect "$r of $t" "$v" "${first%:*}:$want"
	done
}
# check_own RES TID OTHER...: TID has its own RES (count 1), an id none of
# the OTHER tasks has.
check_own() {
	r=$1 t=$2
	shift 2
	v=$(field "$t" "$r")
	expect "$r refcount of $t" "${v#*:}" 1
	for o in "$@"; do
		w=$(field "$o" "$r")
		[ "${v%:*}" != "${w%:*}" ] && ok "$r of $t differs from $o's" ||
			bad "$r of $t ($v) equals that of $o ($w)"
	done
}

check_res mm 5 $ALL4 $VMC
check_res files 5 $ALL4 $VMC
check_res fs 4 $ALL4
check_res sighand 4 $ALL4
check_res signal 4 $ALL4
for r in fs sighand signal; do
	check_own $r "$VMC" $ALL4 "$FKC"
done
for r in mm files fs sighand signal; do
	check_own $r "$FKC" $ALL4 "$VMC"
done
ns=$(field "$MAIN" nsproxy)
for t in $T1 $T2 $T3 $VMC $FKC; do
	v=$(field "$t" nsproxy)
	expect "nsproxy id of $t" "${v%:*}" "${ns%:*}"
done
# CLONE_SYSVSEM (pthread_create) makes the kernel allocate an undo list
# shared by the threads; its count cannot be read by a module.
check_res sysvsem '?' $ALL4
for t in $VMC $FKC; do
	expect "sysvsem of $t" "$(field "$t" sysvsem)" -
done

# --- groups: each object once, exactly the expected members
# A group listed twice (a seq_file resume bug) or a member count that is
# not the number of TIDs listed is wrong whatever the members are.
dups=$(awk 'NR > 1 { print $1, $2 }' "$CT_OUT/groups.txt" | sort | uniq -d)
[ -z "$dups" ] && ok "every group listed once" ||
	bad "groups listed more than once: $dups"
n=$(awk 'NR > 1 && $4 != split($5, t, ",")' "$CT_OUT/groups.txt" | wc -l)
expect "group lines whose members is not the TIDs' number" "$n" 0
# group_of RES TID: the group line of TID's RES object (every such line:
# the checks below want exactly one).
group_of() {
	v=$(field "$2" "$1")
	awk -v r="$1" -v id="${v%:*}" '$1 == r && $2 == id' "$CT_OUT/groups.txt"
}
for r in mm files fs sighand signal sysvsem nsproxy; do
	expect "$r group lines of main" "$(group_of $r "$MAIN" | wc -l)" 1
done
set -- $(group_of mm "$MAIN")
expect "mm group" "$3 $4 $5" "5 5 $(joined $ALL4 $VMC)"
set -- $(group_of files "$MAIN")
expect "files group" "$3 $4 $5" "5 5 $(joined $ALL4 $VMC)"
for r in fs sighand signal; do
	set -- $(group_of $r "$MAIN")
	expect "$r group" "$3 $4 $5" "4 4 $(joined $ALL4)"
done
set -- $(group_of sysvsem "$MAIN")
expect "sysvsem group" "$3 $4 $5" "? 4 $(joined $ALL4)"
for r in mm files fs sighand signal; do
	g=$(group_of $r "$FKC")
	[ -z "$g" ] && ok "forkchild's $r is in no group" ||
		bad "forkchild's $r is in a group: $g"
done
for r in fs sighand signal; do
	g=$(group_of $r "$VMC")
	[ -z "$g" ] && ok "vmchild's $r is in no group" ||
		bad "vmchild's $r is in a group: $g"
done
# nsproxy: the initial one, so other tasks are members too; all six of
# ours must be
set -- $(group_of nsproxy "$MAIN")
for t in $ALL4 $VMC $FKC; do
	case ",$5," in
	*",$t,"*) ok "nsproxy group holds $t" ;;
	*) bad "nsproxy group does not hold $t: $5" ;;
	esac
done

# --- pid: each task's picture
# others T EXCEPT...: the TIDs of the list without T, joined.
others() {
	t=$1
	shift
	l=
	for x in "$@"; do [ "$x" != "$t" ] && l="$l $x"; done
	[ -n "$l" ] && joined $l || echo -
}
# check_pid TID KIND: writes TID on a held-open pid file, reads it back.
check_pid() {
	t=$1 kind=$2
	exec 3<>"$D/pid"
	echo "$t" >&3 || bad "writing $t to pid"
	cat <&3 >"$CT_OUT/pid-$t.txt"
	exec 3>&-
	set -- $(sed -n 2p "$CT_OUT/pid-$t.txt")
	expect "pid $t: task line" "$1 $2 $3 $5" "task $t $(field "$t" pid) $kind"
	# line RES: "id:refcount others" of RES in the picture
	for r in mm files fs sighand signal; do
		l=$(awk -v r=$r '$1 == r { print $2 ":" $3, $4 }' "$CT_OUT/pid-$t.txt")
		case "$t:$r" in
		"$FKC":*) o=- ;;
		"$VMC":mm | "$VMC":files) o=$(others "$t" $ALL4 $VMC) ;;
		"$VMC":*) o=- ;;
		*:mm | *:files) o=$(others "$t" $ALL4 $VMC) ;;
		*) o=$(others "$t" $ALL4) ;;
		esac
		expect "pid $t: $r" "$l" "$(field "$t" $r) $o"
	done
}
check_pid "$MAIN" process
check_pid "$T2" thread
check_pid "$VMC" process
check_pid "$FKC" process

# A write rewinds its file: a second write + read on one open file shows
# the second task from the top.
exec 3<>"$D/pid"
echo "$MAIN" >&3
cat <&3 >/dev/null
echo "$FKC" >&3
set -- $(sed -n 2p <&3)
exec 3>&-
expect "second write on one open file" "$1 $2" "task $FKC"

# The selection belongs to the open file: a fresh open, even right after
# a write on another one, shows the header only.
echo "$T1" >"$D/pid"
n=$(wc -l <"$D/pid")
expect "lines of a fresh open after echo > pid" "$n" 1

exec 3<>"$D/pid"
echo "$T1" >&3
kill -TERM "$wl_pid"
wait "$wl_pid"
wl_pid=
# The task is gone: reading its picture fails with ESRCH.
e=$(cat <&3 2>&1 >/dev/null)
exec 3>&-
case $e in
*"No such process"*) ok "reading a vanished task -> ESRCH" ;;
*) bad "reading a vanished task: '$e', expected No such process" ;;
esac

cleanup
exit $fail
