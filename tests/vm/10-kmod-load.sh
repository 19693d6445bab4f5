#!/bin/sh
# 10-kmod-load: the clonetrace module loads (after the RNG is seeded, for
# its id key), creates its three debugfs files with root-only modes and
# versioned headers, answers sensible lines for well-known tasks, rejects
# bad input to "pid", draws a new id key on every load, and rmmod removes
# /sys/kernel/debug/clonetrace.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).

. "${0%/*}/lib.sh"

H_TASKS='# clonetrace tasks v1: tid pid ppid kind comm mm files fs sighand signal nsproxy io sysvsem'
H_GROUPS='# clonetrace groups v1: type id refcount members tids'
H_PID='# clonetrace pid v1: task tid pid ppid kind comm; then per resource: type id refcount other_tids'

need_root
need "$KO"
grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
	{ echo "FAIL: debugfs is not mounted at /sys/kernel/debug"; exit 1; }

loaded && rmmod clonetrace
if ! insmod "$KO"; then
	echo "FAIL: insmod $KO"
	dmesg | tail -n 20
	exit 1
fi
loaded && ok "module listed in /proc/modules" || bad "module not in /proc/modules"
# The id key is drawn at load: insmod must have waited for the RNG to be
# seeded (a TCG guest without a hardware RNG seeds it only minutes after
# boot unless something waits for it, which makes it gather jitter).
dmesg | grep -q 'random: crng init done' &&
	ok "the RNG was seeded when the key was drawn" ||
	bad "insmod returned before the RNG was seeded (no 'crng init done' in dmesg)"

# mode_is FILE PERMS: the ls -l permission string of FILE is PERMS.
mode_is() {
	m=$(ls -ln "$1" 2>/dev/null | cut -c1-10)
	if [ "$m" = "$2" ]; then
		ok "$1 mode $m"
	else
		bad "$1 mode is '${m:-missing}', expected $2"
	fi
}
[ -d "$D" ] && ok "$D exists" || bad "$D missing"
mode_is "$D/tasks" -r--------
mode_is "$D/groups" -r--------
mode_is "$D/pid" -rw-------

# header_is FILE EXPECTED: the first line of FILE.
header_is() {
	h=$(head -n 1 "$1")
	if [ "$h" = "$2" ]; then
		ok "header of $1"
	else
		bad "header of $1 is '$h', expected '$2'"
	fi
}
cat "$D/tasks" >"$CT_OUT/tasks.txt" || bad "reading tasks failed"
cat "$D/groups" >"$CT_OUT/groups.txt" || bad "reading groups failed"
header_is "$CT_OUT/tasks.txt" "$H_TASKS"
header_is "$CT_OUT/groups.txt" "$H_GROUPS"
header_is "$D/pid" "$H_PID"

# Every task line: 13 fields, resource fields ID:REF, ID:? or -.
badlines=$(awk 'NR > 1 {
	ok = (NF == 13 && $1 ~ /^[0-9]+$/ && $2 ~ /^[0-9]+$/ &&
	      $3 ~ /^[0-9]+$/ && $4 ~ /^(process|thread|kthread)$/)
	for (i = 6; i <= 13; i++)
		if ($i != "-" && $i !~ /^[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]:([0-9]+|\?)$/)
			ok = 0
	if (!ok)
		print
}' "$CT_OUT/tasks.txt")
[ -z "$badlines" ] && ok "all task lines well-formed" ||
	bad "malformed task lines: $(echo "$badlines" | head -n 5)"

ntasks=$(($(wc -l <"$CT_OUT/tasks.txt") - 1))
nproc=$(ls -d /proc/[0-9]*/task/[0-9]* 2>/dev/null | wc -l)
echo "tasks lines: $ntasks, /proc tasks: $nproc"
d=$((ntasks - nproc))
[ "$d" -ge -5 ] && [ "$d" -le 5 ] && ok "task count close to /proc's" ||
	bad "tasks lists $ntasks tasks, /proc has $nproc"

# line_of TID: that task's line.
line_of() { awk -v t="$1" 'NR > 1 && $1 == t' "$CT_OUT/tasks.txt"; }
set -- $(line_of 1)
[ "$2" = 1 ] && [ "$3" = 0 ] && [ "$4" = process ] && [ "$6" != - ] &&
	ok "init: $*" || bad "init line: '$*'"
set -- $(line_of 2)
[ "$4" = kthread ] && [ "$6" = - ] && ok "kthreadd has no mm: $*" ||
	bad "kthreadd line: '$*'"
set -- $(line_of $$)
[ "$2" = $$ ] && [ "$3" = "$PPID" ] && [ "$4" = process ] && [ "$6" != - ] &&
	ok "this shell: $*" || bad "line of this shell ($$, ppid $PPID): '$*'"

# groups: 5 fields, members >= 2 and equal to the number of TIDs listed.
badgroups=$(awk 'NR > 1 {
	n = split($5, t, ",")
	if (NF != 5 || $4 < 2 || n != $4)
		print
}' "$CT_OUT/groups.txt")
[ -z "$badgroups" ] && ok "all group lines well-formed" ||
	bad "malformed group lines: $(echo "$badgroups" | head -n 5)"
grep -q '^nsproxy ' "$CT_OUT/groups.txt" && ok "init nsproxy group listed" ||
	bad "no nsproxy group"

# pid: this shell's picture.
exec 3<>"$D/pid"
echo $$ >&3 || bad "writing $$ to pid"
cat <&3 >"$CT_OUT/pid.txt"
exec 3>&-
set -- $(sed -n 2p "$CT_OUT/pid.txt")
[ "$1 $2 $3" = "task $$ $$" ] && ok "pid: $*" || bad "pid task line: '$*'"
res=$(awk 'NR > 2 { printf "%s ", $1 }' "$CT_OUT/pid.txt")
[ "$res" = "mm files fs sighand signal nsproxy io sysvsem " ] &&
	ok "pid resource lines" || bad "pid resource lines: '$res'"

# write_err TEXT: writing TEXT to pid must fail; prints the error.
write_err() {
	(echo "$1" >"$D/pid") 2>&1 && echo "WRITE-SUCCEEDED"
}
for input in abc 0 -5 "12 34" 99999999999; do
	e=$(write_err "$input")
	case $e in
	*"Invalid argument"*) ok "pid '$input' -> EINVAL" ;;
	*) bad "pid '$input' -> '$e', expected Invalid argument" ;;
	esac
done
free=4000000
while [ -d /proc/$free ]; do free=$((free + 1)); done
e=$(write_err "$free")
case $e in
*"No such process"*) ok "pid $free -> ESRCH" ;;
*) bad "pid $free -> '$e', expected No such process" ;;
esac

# A new random key on every load: init's mm id changes.
id1=$(awk 'NR > 1 && $1 == 1 { print $6 }' "$D/tasks")
rmmod clonetrace || bad "rmmod"
[ -e "$D" ] && bad "$D still exists after rmmod" || ok "$D removed by rmmod"
loaded && bad "module still loaded after rmmod"
insmod "$KO" || bad "second insmod"
id2=$(awk 'NR > 1 && $1 == 1 { print $6 }' "$D/tasks")
echo "init mm: '$id1' then '$id2'"
[ -n "$id1" ] && [ "${id1%:*}" != "${id2%:*}" ] && ok "ids change between loads" ||
	bad "ids did not change between loads"
rmmod clonetrace || bad "second rmmod"
[ -e "$D" ] && bad "$D exists after second rmmod"
loaded && bad "module still loaded after second rmmod"

exit $fail
