# SPDX-License-Identifier: GPL-2.0
# tracer.sh - sourced by tests/vm/5x-tracer-MODE.sh (busybox sh, no python):
# the tracer's workload tests in one attach mode, $MODE, on this kernel.
#
# Each static workload /bin/ct-* runs under clonetrace; its stdout (what it
# did: the expectations) goes to $CT_OUT/NAME.expect, the trace to
# NAME.json, the exit status to NAME.status, and NAME is listed in
# $CT_OUT/ran. tests/vm/tracer.host compares each pair with
# tests/checktrace.py on the host after the VM.
#
# What the kernel must allow is stated here from its version, not asked
# of clonetrace: every mode attaches on the matrix's kernels (all newer than
# 5.5 on x86-64); requests in flight are kept in task storage from 5.12 on
# (else in the TID hash).
#
# CT_QUICK=1 (vmtest --quick): every workload plain, the other variants on
# a few workloads only.

out=${CT_OUT:?CT_OUT is not set}
ct=/bin/clonetrace
me=${0##*/}
me=${me%.sh}
fail=0

say() {
	echo "$me: $*"
}

# Kernel version as one number: 5.10 -> 5010.
kv=$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')

if [ ! -x "$ct" ] || [ ! -x /bin/ct-fork ]; then
	say "skip: no $ct or no /bin/ct-* workloads in the image"
	exit 77
fi

# The mode must attach here; -v says how.
if ! "$ct" --mode "$MODE" -v --json -o "$out/probe.json" -c true \
	2>"$out/probe.stderr"; then
	say "FAIL: --mode $MODE refused on $(uname -r): $(cat "$out/probe.stderr")"
	exit 1
fi
cat "$out/probe.stderr"
if [ "$MODE" = auto ]; then
	# auto must take the best mode that works: the first of the ladder
	# that attaches when forced.
	best=
	for m in fentry tp_btf raw_tp; do
		if "$ct" --mode "$m" -o /dev/null -c true 2>/dev/null; then
			best=$m
			break
		fi
	done
	picked=$(sed -n 's/^clonetrace: attach mode \([a-z_]*\).*/\1/p' "$out/probe.stderr")
	echo "$picked" >"$out/picked"
	if [ -n "$best" ] && [ "$picked" = "$best" ]; then
		say "auto picked $picked, the best mode that attaches"
	else
		say "FAIL: auto picked '$picked'; the best mode that attaches is '$best'"
		fail=1
	fi
	# the auto runs: a few workloads (every mode has its own test)
	CT_QUICK=1
fi
if [ "$kv" -ge 5012 ]; then
	storage="in task storage"
else
	storage="in a TID hash"
fi
grep -q "requests in flight kept $storage" "$out/probe.stderr" ||
	{ say "FAIL: requests in flight not kept $storage on $(uname -r)"; fail=1; }

# ct-pidslimit needs a v1 pids hierarchy; mount one if none is there.
pids_root=/sys/fs/cgroup/pids
if [ ! -w "$pids_root/cgroup.procs" ]; then
	pids_root=/tmp/ct-pids
	mkdir -p "$pids_root"
	mount -t cgroup -o pids none "$pids_root" 2>/dev/null ||
		say "no v1 pids hierarchy: ct-pidslimit will skip"
fi

# The workloads, as NAME PROGRAM ARGS (the host tests' list).
workloads() {
	cat <<EOF
fork /bin/ct-fork
vfork /bin/ct-vfork
pthread /bin/ct-pthread
clonevm /bin/ct-clonevm
clone3ns /bin/ct-clone3ns
einval /bin/ct-einval
nproc /bin/ct-limits nproc
threadsmax /bin/ct-limits threads-max
pidslimit /bin/ct-pidslimit $pids_root
threads1 /bin/ct-threads 1
threads50 /bin/ct-threads 50
comm /bin/ct-comm
iouring /bin/ct-iouring
seccomp /bin/ct-seccomp
EOF
}

# top_started NAME: wait until top ($tp) says it is tracing, or is gone
top_started() {
	i=0
	while ! grep -q '^clonetrace: tracing' "$out/$1.stderr" 2>/dev/null &&
		kill -0 "$tp" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# top_ended NAME LIST WST: wait for top ($tp); its run passed when top and
# the workload (status WST) did: NAME then goes to $out/LIST, for the host
top_ended() {
	wait "$tp"
	st=$?
	[ "$3" -eq 0 ] || st=$3
	cat "$out/$1.stderr"
	if [ "$st" -eq 0 ]; then
		echo "$1" >>"$out/$2"
		say "$1: ran"
	else
		say "$1: FAIL: status $st: $(cat "$out/$1.stderr")"
		fail=1
	fi
}

# top_run NAME MODE: clonetrace top --mode MODE counts ct-threads' threads
# (three one-second intervals; the host checks the counts, by PID).
top_run() {
	name=$1
	"$ct" top --mode "$2" --json -v -i 1 -n 3 -r 0 >"$out/$name.json" \
		2>"$out/$name.stderr" &
	tp=$!
	top_started "$name"
	/bin/ct-threads 20 >"$out/$name.expect" 2>>"$out/$name.stderr"
	wst=$?
	top_ended "$name" top-ran "$wst"
}

# top_children_run NAME: clonetrace top --children over ct-lifecycle's
# children of known lifetimes: one long interval, ended by SIGINT once
# the workload stated their ends; the host checks the median lifetime
# (the log-linear histogram of top.bpf.c's exit program, on this kernel).
top_children_run() {
	name=$1
	"$ct" top --children --json -v -i 600 -r 0 >"$out/$name.json" \
		2>"$out/$name.stderr" &
	tp=$!
	top_started "$name"
	/bin/ct-lifecycle lifetimes 10 40 90 250 >"$out/$name.expect" \
		2>>"$out/$name.stderr"
	wst=$?
	kill -INT "$tp"
	top_ended "$name" children-ran "$wst"
}

# top_runs: clonetrace top in each of its modes, then auto, which must
# pick the best of them that attaches. No mode may WARN either.
top_runs() {
	: >"$out/top-ran"
	best=
	for m in tp_btf raw_tp; do
		top_run "top-$m" "$m"
		[ -z "$best" ] && grep -q "attach mode $m" "$out/top-$m.stderr" &&
			best=$m
	done
	top_run top-auto auto
	: >"$out/children-ran"
	top_children_run top-children
	if grep -q "attach mode $best" "$out/top-auto.stderr"; then
		say "top picked $best, the best of its modes that attaches"
	else
		say "FAIL: top auto: $(grep 'attach mode' "$out/top-auto.stderr"); best: $best"
		fail=1
	fi
}

# few NAME: true if the quick subset keeps NAME for the variants.
few() {
	[ "${CT_QUICK:-0}" != 1 ] && return 0
	case $1 in
	fork | pthread | einval) return 0 ;;
	esac
	return 1
}

# record NAME STATUS: remember the verdict of one run
record() {
	echo "$2" >"$out/$1.status"
	echo "$1" >>"$out/ran"
	case $2 in
	0)	say "$1: ran" ;;
	77)	say "$1: skipped (status 77)" ;;
	*)	say "$1: FAIL: status $2: $(cat "$out/$1.stderr")"
		fail=1 ;;
	esac
}

# run NAME [ENV=VALUE...] -- CLONETRACE-OPTIONS -- PROGRAM ARGS: clonetrace -c
run() {
	name=$1
	shift
	env=
	while [ "$1" != -- ]; do
		env="$env $1"
		shift
	done
	shift
	opts=
	while [ "$1" != -- ]; do
		opts="$opts $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # $env and $opts are lists of words
	env $env "$ct" --mode "$MODE" --json -o "$out/$name.json" $opts -c "$*" \
		>"$out/$name.expect" 2>"$out/$name.stderr"
	record "$name" $?
}

# follow NAME PROGRAM ARGS...: the paused workload is traced with -p -f.
follow() {
	name=$1
	prog=$2
	shift 2
	fifo=/tmp/ct-$name.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	"$prog" -w "$@" <"$fifo" >"$out/$name.expect" \
		2>"$out/$name.wl.stderr" &
	wl=$!
	exec 3>"$fifo"
	# shellcheck disable=SC2046 # plain's options are words
	"$ct" --mode "$MODE" --json -v $(plain "${name#follow-}") \
		-o "$out/$name.json" -p "$wl" -f 2>"$out/$name.stderr" &
	tracer=$!
	i=0
	while ! grep -q '^clonetrace: tracing' "$out/$name.stderr" 2>/dev/null &&
		kill -0 "$tracer" 2>/dev/null && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	printf g >&3
	exec 3>&-
	wait "$wl"
	wst=$?
	# clonetrace must stop by itself once its target is gone.
	i=0
	while kill -0 "$tracer" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 "$tracer" 2>/dev/null; then
		echo "clonetrace -p did not stop after its target exited" \
			>>"$out/$name.stderr"
		kill "$tracer"
	fi
	wait "$tracer"
	cst=$?
	rm -f "$fifo"
	cat "$out/$name.wl.stderr" >>"$out/$name.stderr"
	if [ "$wst" -ne 0 ]; then
		record "$name" "$wst"
	else
		record "$name" "$cst"
	fi
}

: >"$out/ran"
mkdir -p /tmp

# The mode the runs attach in.
eff=$MODE
[ "$MODE" = auto ] && eff=$picked

# plain NAME: the options of NAME's plain run. In fentry mode the syscall
# tracepoints are off by default, and a creation seccomp refuses never
# reaches kernel_clone(): ct-seccomp's refusals need --syscalls there
# (docs/USAGE.md says what the default sees).
plain() {
	case $eff:$1 in
	fentry:seccomp) echo "--syscalls" ;;
	esac
}

# 1. every workload
workloads | while read -r name prog args; do
	echo "run $name -- $(plain "$name") -- $prog $args"
done >"$out/plan"

if [ "$MODE" = auto ]; then
	workloads | while read -r name prog args; do
		case $name in
		fork | pthread | einval | seccomp)
			echo "run $name -- $(plain "$name") -- $prog $args" ;;
		esac
	done >"$out/plan"
	echo "top_runs" >>"$out/plan"
fi

# 2. requests in flight in the TID hash kept for kernels without task
# storage for tracing programs (forced; where the hash is the default
# already, step 1 covered it)
if [ "$kv" -ge 5012 ] && [ "$MODE" != auto ]; then
	workloads | while read -r name prog args; do
		few "$name" &&
			echo "run hash-$name CLONETRACE_NO_TASK_STORAGE=1 -- -v $(plain "$name") -- $prog $args"
	done >>"$out/plan"
fi

# 3. --no-syscalls: without syscall tracepoints, the syscall from the
# creator's registers; tp_btf and raw_tp see no failure at all. In fentry
# mode that is the default (step 1: every failure but seccomp's, from
# kernel_clone() and clone3's syscall function): there, the tracepoints
# forced on with --syscalls instead.
if [ "$MODE" = fentry ]; then
	workloads | while read -r name prog args; do
		few "$name" &&
			echo "run sys-$name -- -v --syscalls -- $prog $args"
	done >>"$out/plan"
	# --no-syscalls there is the default: clone3's refusals still seen
	echo "run nosys-einval -- -v --no-syscalls -- /bin/ct-einval" \
		>>"$out/plan"
elif [ "$MODE" != auto ]; then
	workloads | while read -r name prog args; do
		case $MODE:$name in
		*:seccomp | *:einval | *:pidslimit | *:nproc | *:threadsmax)
			continue ;;
		esac
		few "$name" &&
			echo "run nosys-$name -- --no-syscalls -- $prog $args"
	done >>"$out/plan"
fi

# 3b. -e exec,exit: the lifecycle programs load on this kernel, and the
# creations stay what the workload states (checktrace checks the exec
# and exit lines' shape and the summary's counts of them)
workloads | while read -r name prog args; do
	case $name in
	fork | pthread | einval) echo "run life-$name -- -e exec,exit -- $prog $args" ;;
	esac
done >>"$out/plan"

# 3c. -e exec: the path the kernel resolved for each exec of ct-execpath
# (symlinks, relative, across a mount, in a chroot, scripts and their
# interpreter, deeper than the bound, unlinked, memfd); tracer.host
# compares them with its statements
echo "run path-execpath -- -e exec -- /bin/ct-execpath" >>"$out/plan"
# 3d. ct-lifecycle's execs, failed execs (ENOENT, EACCES) and exits,
# compared by tracer.host as tests/test_lifecycle.py compares them, and
# ct-execfail's, by tests/checktrace.py's check_execs(). In
# fentry mode the failed execs come from fexit on the execve syscall
# functions, no tracepoint; with --syscalls from the tracepoints.
echo "run life-lifecycle -- -v -e exec,exit -- /bin/ct-lifecycle" >>"$out/plan"
# ct-execfail: failed execs through execve and execveat (ENOENT, E2BIG,
# EACCES) and a successful execveat, each with its syscall
echo "run life-execfail -- -v -e exec,exit -- /bin/ct-execfail" >>"$out/plan"
[ "$eff" = fentry ] &&
	echo "run sys-life-lifecycle -- -v --syscalls -e exec,exit -- /bin/ct-lifecycle" \
		>>"$out/plan"

# 3d. identity in the v1 pids hierarchy: ct-fork moves itself into a
# cgroup named as docker's cgroupfs driver names it, traced with --cgroup
# on its parent (the kernel walks the hierarchy up); tracer.host checks
# each event's cgroup_v1 against the inode stated here, and the container
if [ -w "$pids_root/cgroup.procs" ] && [ "$MODE" != auto ]; then
	cg1=$pids_root/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	mkdir -p "$cg1"
	printf 'echo $$ >%s/cgroup.procs && exec /bin/ct-fork\n' "$cg1" \
		>/tmp/ct-cgv1.sh
	stat -c %i "$cg1" >"$out/cgv1.ino"
	echo "run cgv1 -- --cgroup $pids_root/docker -- /bin/sh /tmp/ct-cgv1.sh" \
		>>"$out/plan"
fi

# 4. -p PID -f on the paused workload
[ "$MODE" != auto ] && workloads | while read -r name prog args; do
	few "$name" && echo "follow follow-$name $prog $args"
done >>"$out/plan"

# shellcheck disable=SC2086 # each plan line is a command with its words
while read -r line; do
	eval "$line" </dev/null
done <"$out/plan"

# The variants' own effects.
for f in "$out"/hash-*.stderr; do
	[ -f "$f" ] || continue
	grep -q 'requests in flight kept in a TID hash' "$f" ||
		{ say "FAIL: ${f##*/}: CLONETRACE_NO_TASK_STORAGE ignored"; fail=1; }
done
if [ "$MODE" != fentry ]; then
	# no syscall tracepoints, no fentry: no latency can be measured
	for f in "$out"/nosys-*.json; do
		[ -f "$f" ] || continue
		grep '"event":"clone",' "$f" | grep -qv '"latency_ns":null' &&
			{ say "FAIL: ${f##*/}: a latency without a way to measure it"; fail=1; }
	done
else
	# fentry measures every creation that goes through kernel_clone()
	# (io_uring workers do not: create_io_thread() calls copy_process()),
	# without syscall tracepoints (the default runs, and the hash ones)
	workloads | while read -r name prog args; do
		for f in "$out/$name.json" "$out/hash-$name.json"; do
			[ -f "$f" ] && [ -z "$(plain "$name")" ] || continue
			grep '"event":"clone",' "$f" | grep -v '"kind":"user_worker"' |
				grep -q '"latency_ns":null' &&
				say "FAIL: ${f##*/}: a clone without latency"
		done
	done >"$out/latency"
	cat "$out/latency"
	[ -s "$out/latency" ] && fail=1
	# default: no syscall tracepoint; --syscalls: all of them
	grep -q 'attach mode fentry (no syscall tracepoints: failures and latency from kernel_clone and __x64_sys_clone3' \
		"$out/probe.stderr" ||
		{ say "FAIL: fentry's default: $(cat "$out/probe.stderr")"; fail=1; }
	for f in "$out"/sys-*.stderr; do
		[ -f "$f" ] || continue
		grep -q 'attach mode fentry (syscall tracepoints' "$f" ||
			{ say "FAIL: ${f##*/}: --syscalls ignored: $(cat "$f")"; fail=1; }
	done
fi
# -v: how failed execs are seen, in this mode
if [ "$eff" = fentry ]; then
	want='-e exec: failed execs from fentry/fexit on __x64_sys_execve'
else
	want='-e exec: failed execs from the execve/execveat syscall tracepoints (no fentry'
fi
for f in "$out/life-lifecycle.stderr" "$out/life-execfail.stderr"; do
	[ -f "$f" ] || continue
	grep -qF -- "$want" "$f" ||
		{ say "FAIL: ${f##*/}: -v does not say '$want': $(cat "$f")"; fail=1; }
done
if [ -f "$out/sys-life-lifecycle.stderr" ]; then
	grep -qF -- '-e exec: failed execs from the execve/execveat syscall tracepoints (--syscalls)' \
		"$out/sys-life-lifecycle.stderr" ||
		{ say "FAIL: sys-life-lifecycle: --syscalls ignored for -e exec: $(cat "$out/sys-life-lifecycle.stderr")"; fail=1; }
fi
# the command's own exec and exit were seen
for f in "$out"/life-*.json; do
	[ -f "$f" ] || continue
	{ grep -q '"event":"exec",' "$f" && grep -q '"event":"exit",' "$f"; } ||
		{ say "FAIL: ${f##*/}: -e exec,exit saw no exec or no exit"; fail=1; }
done
echo complete >>"$out/ran"
[ "$fail" -eq 0 ] || exit 1
exit 0
