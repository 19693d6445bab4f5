#!/bin/sh
# 20-share: "clonetrace share" from debugfs and from kcmp agree.
# /bin/ct-share-workload creates a main thread + 3 threads, a
# CLONE_VM|CLONE_FILES child and a forked child and states their IDs. With
# the module loaded, "clonetrace share -p MAIN -t -j" runs with -s debugfs,
# -s kcmp and -s auto (which must choose debugfs); after rmmod, -s auto
# again (which must choose kcmp now). One human-readable run in each state.
# Everything is saved in $CT_OUT; tests/vm/20-share.host compares the
# groups of the two sources with each other and with what the workload
# created. Here only what the host cannot judge: exit statuses, the source
# auto chose, and the workload staying alive throughout.
#
# Files in $CT_OUT:
#   workload.txt               the workload's own statement
#   debugfs.json kcmp.json     share -s debugfs / -s kcmp, module loaded
#   auto-loaded.json           share -s auto, module loaded
#   auto-unloaded.json         share -s auto, after rmmod
#   human-loaded.txt human-unloaded.txt   share -s auto without -j
#   NAME.status NAME.stderr    exit status and stderr of each run
#   tasks.txt groups.txt       the module's own files, for diagnosis
#   ran                        the runs made, then "complete"
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).

. "${0%/*}/lib.sh"
WL=/bin/ct-share-workload
CT=/bin/clonetrace

need_root
need "$KO" "$WL" "$CT"
grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
	{ echo "FAIL: debugfs is not mounted at /sys/kernel/debug"; exit 1; }

: >"$CT_OUT/ran"
wl_pid=
cleanup() {
	[ -n "$wl_pid" ] && kill -TERM "$wl_pid" 2>/dev/null && wait "$wl_pid"
	wl_pid=
	loaded && rmmod clonetrace
}

# The module is loaded after the workload has created its tasks.
loaded && rmmod clonetrace
start_share_workload
MAIN=$(awk '$1 == "main" { print $2 }' "$CT_OUT/workload.txt")
[ "$MAIN" = "$wl_pid" ] || bad "workload says main '$MAIN', shell started $wl_pid"
# The workload's tasks, from its statement: all must stay alive.
WL_TIDS=$(awk '$1 ~ /^(main|thread|vmchild|forkchild)$/ { print $2 }' \
	"$CT_OUT/workload.txt")
alive() {
	n=0
	for t in $WL_TIDS; do
		[ -d "/proc/$MAIN/task/$t" ] || [ -d "/proc/$t" ] ||
			{ bad "task $t of the workload is gone ($1)"; return 1; }
		n=$((n + 1))
	done
	ok "all $n workload tasks alive ($1)"
}

if ! insmod "$KO"; then
	echo "FAIL: insmod $KO"
	dmesg | tail -n 20
	cleanup
	exit 1
fi
ok "module loaded"

# share NAME SUFFIX ARGS...: run clonetrace share, output in NAME.SUFFIX.
share() {
	name=$1 suffix=$2
	shift 2
	$CT_WRAP "$CT" share "$@" >"$CT_OUT/$name.$suffix" \
		2>"$CT_OUT/$name.stderr"
	rc=$?
	echo "$rc" >"$CT_OUT/$name.status"
	echo "$name" >>"$CT_OUT/ran"
	if [ $rc = 0 ]; then
		ok "clonetrace share $* (-> $name.$suffix)"
	else
		bad "clonetrace share $* exited $rc: $(cat "$CT_OUT/$name.stderr")"
	fi
}
# source_is NAME WANT: the JSON run NAME names WANT as its source.
source_is() {
	s=$(sed -n 's/^{"source":"\([a-z]*\)".*/\1/p' "$CT_OUT/$1.json")
	[ "$s" = "$2" ] && ok "$1: source $s" ||
		bad "$1: source '$s', expected '$2'"
}

share debugfs json -p "$MAIN" -t -j -s debugfs
share kcmp json -p "$MAIN" -t -j -s kcmp
# Under ionice our forked reference child would get an io_context of its
# own (copy_process -> copy_io) unless share drops the priority first.
CT_WRAP="ionice -c 3" share kcmp-ionice json -p "$MAIN" -t -j -s kcmp
share auto-loaded json -p "$MAIN" -t -j -s auto
share human-loaded txt -p "$MAIN" -t
cat "$D/tasks" >"$CT_OUT/tasks.txt" || bad "reading $D/tasks"
cat "$D/groups" >"$CT_OUT/groups.txt" || bad "reading $D/groups"
source_is debugfs debugfs
source_is kcmp kcmp
source_is kcmp-ionice kcmp
source_is auto-loaded debugfs
grep -q '(source: debugfs)' "$CT_OUT/human-loaded.txt" &&
	ok "human-loaded: source debugfs" ||
	bad "human-loaded does not say source: debugfs"
alive "module loaded"

rmmod clonetrace || bad "rmmod clonetrace"
[ -e "$D" ] && bad "$D still exists after rmmod"
share auto-unloaded json -p "$MAIN" -t -j -s auto
share human-unloaded txt -p "$MAIN" -t
source_is auto-unloaded kcmp
grep -q '(source: kcmp)' "$CT_OUT/human-unloaded.txt" &&
	ok "human-unloaded: source kcmp" ||
	bad "human-unloaded does not say source: kcmp"
# debugfs explicitly, without the module: must fail, not fall back.
"$CT" share -p "$MAIN" -t -j -s debugfs >"$CT_OUT/debugfs-unloaded.out" \
	2>"$CT_OUT/debugfs-unloaded.stderr"
rc=$?
[ $rc = 1 ] && [ ! -s "$CT_OUT/debugfs-unloaded.out" ] &&
	ok "-s debugfs without the module: exit 1, $(cat "$CT_OUT/debugfs-unloaded.stderr")" ||
	bad "-s debugfs without the module: exit $rc, stdout '$(head -c 200 "$CT_OUT/debugfs-unloaded.out")'"
alive "module unloaded"

echo "--- human-loaded.txt"
cat "$CT_OUT/human-loaded.txt"
echo "--- human-unloaded.txt"
cat "$CT_OUT/human-unloaded.txt"

cleanup
echo complete >>"$CT_OUT/ran"
exit $fail
