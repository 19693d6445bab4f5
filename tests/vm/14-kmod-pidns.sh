#!/bin/sh
# 14-kmod-pidns: inside a new PID namespace (unshare -p -f --mount-proc),
# the module answers in that namespace's terms, exactly as its /proc:
#   - tasks lists the same TIDs as /proc/*/task/*, with the same PID, PPID
#     (0 for the namespace's init, whose parent is outside) and comm;
#   - no task outside the namespace appears, and writing the PID of one to
#     pid fails with ESRCH; writing 1 shows the namespace's init;
#   - groups lists only the namespace's TIDs, and the mm group of
#     ct-share-workload started inside is its 4 threads and its CLONE_VM
#     child (refcount 5);
#   - clonetrace share inside chooses debugfs (the module's view agrees
#     with /proc), and -s debugfs and -s kcmp give the workload's groups.
# The captures of tasks, groups and /proc are made with shell builtins
# only, so that no transient process is in one and not the other.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md section 2).

. "${0%/*}/lib.sh"
WL=/bin/ct-share-workload
CT=/bin/clonetrace

# ---------------------------------------------------------------- inside
if [ "${1:-}" = inside ]; then
	OUT=$CT_OUT/inside
	mkdir -p "$OUT"
	expect() {
		[ "$2" = "$3" ] && ok "$1 = $3" || bad "$1 = '$2', expected '$3'"
	}
	[ $$ = 1 ] && ok "shell is init of the new namespace" ||
		bad "shell is $$ in the new namespace"
	wl_pid=
	cleanup() { [ -n "$wl_pid" ] && kill -TERM "$wl_pid"; }
	start_share_workload
	MAIN=$(awk '$1 == "main" { print $2 }' "$CT_OUT/workload.txt")
	MMT=$(awk '$1 ~ /^(main|thread|vmchild)$/ { print $2 }' "$CT_OUT/workload.txt" |
		sort -n | tr '\n' ',' | sed 's/,$//')

	# builtins only from here to the end of the captures
	while IFS= read -r l; do echo "$l"; done <"$D/tasks" >"$OUT/tasks.txt"
	while IFS= read -r l; do echo "$l"; done <"$D/groups" >"$OUT/groups.txt"
	for d in /proc/[0-9]*/task/[0-9]*; do
		p=${d#/proc/}
		p=${p%%/*}
		IFS= read -r comm <"$d/comm"
		while read -r k v; do
			[ "$k" = PPid: ] && ppid=$v
		done <"$d/status"
		echo "${d##*/} $p $ppid $comm"
	done >"$OUT/proc.txt"

	awk 'NR > 1 { print $1, $2, $3, $5 }' "$OUT/tasks.txt" | sort -n \
		>"$OUT/mod-view.txt"
	sort -n "$OUT/proc.txt" >"$OUT/proc-view.txt"
	if cmp -s "$OUT/mod-view.txt" "$OUT/proc-view.txt"; then
		ok "tasks equals this namespace's /proc ($(wc -l <"$OUT/proc-view.txt") tasks)"
	else
		bad "tasks differs from /proc: $(diff "$OUT/proc-view.txt" "$OUT/mod-view.txt" | head -n 12 | tr '\n' '|')"
	fi
	# groups: only this namespace's TIDs, and the workload's mm group
	stray=$(awk 'NR > 1 { n = split($5, t, ","); for (i = 1; i <= n; i++) print t[i] }' \
		"$OUT/groups.txt" | sort -un | while read -r t; do
			[ -d "/proc/$t" ] || echo "$t"
		done)
	[ -z "$stray" ] && ok "groups names only this namespace's tasks" ||
		bad "groups names tasks not in this /proc: $(echo $stray | head -c 200)"
	set -- $(awk -v t="$MMT" '$1 == "mm" && $5 == t { print $3, $4 }' "$OUT/groups.txt")
	expect "mm group $MMT: refcount members" "$1 $2" "5 5"

	# pid: 1 is this namespace's init; an outside PID does not exist here
	exec 3<>"$D/pid"
	echo 1 >&3 || bad "writing 1 to pid"
	set -- $(sed -n 2p <&3)
	expect "pid 1" "$1 $2 $3 $4 $5 $6" "task 1 1 0 process $(cat /proc/1/comm)"
	exec 3>&-
	if [ -n "$OUTSIDE" ] && [ ! -d "/proc/$OUTSIDE" ]; then
		e=$( (exec 3<>"$D/pid"; echo "$OUTSIDE" >&3) 2>&1)
		case $e in
		*"No such process"*) ok "outside pid $OUTSIDE -> ESRCH" ;;
		*) bad "outside pid $OUTSIDE -> '$e', expected No such process" ;;
		esac
	fi

	# clonetrace share inside the namespace
	for s in auto debugfs kcmp; do
		"$CT" share -p "$MAIN" -t -j -s $s >"$OUT/share-$s.json" \
			2>"$OUT/share-$s.err"
		rc=$?
		[ $rc = 0 ] && ok "share -s $s: exit 0" ||
			bad "share -s $s: exit $rc: $(cat "$OUT/share-$s.err")"
		src=$(sed -n 's/^{"source":"\([a-z]*\)".*/\1/p' "$OUT/share-$s.json")
		want=$s
		[ $s = auto ] && want=debugfs
		expect "share -s $s: source" "$src" "$want"
		case $(cat "$OUT/share-$s.json") in
		*'{"type":"mm","members":5,'*'"tids":['"$MMT"']}'*)
			ok "share -s $s: mm group $MMT" ;;
		*) bad "share -s $s: no mm group of $MMT: $(head -c 300 "$OUT/share-$s.json")" ;;
		esac
	done
	cleanup
	exit $fail
fi

# ---------------------------------------------------------------- outside
need_root
need "$KO" "$WL" "$CT"
unshare --help 2>&1 | grep -q -- --mount-proc ||
	{ echo "SKIP: unshare has no --mount-proc"; exit 77; }
loaded || insmod "$KO" || { echo "FAIL: insmod $KO"; exit 1; }

sleep 600 &
OUTSIDE=$!
export OUTSIDE
echo "outside task $OUTSIDE; host tasks: $(ls -d /proc/[0-9]* | wc -l)"
unshare -p -f --mount-proc sh "$0" inside
rc=$?
kill "$OUTSIDE"
wait "$OUTSIDE" 2>/dev/null
loaded && rmmod clonetrace
[ $rc = 0 ] && exit $fail
exit 1
