#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# VM guest part of the fentry-mode tracer test (protocol: docs/CONTRACTS.md
# section 2; busybox sh, no python). Each static workload /bin/ct-* runs
# under clonetrace --mode fentry; its stdout (the expectations) goes to
# $CT_OUT/NAME.expect, the trace to $CT_OUT/NAME.json, the status to
# $CT_OUT/NAME.status. 50-tracer-fentry.host compares them on the host.
# Exit 0 when every workload ran (or skipped with 77), 77 when the image
# lacks the tracer or the workloads, 1 otherwise.

out=${CT_OUT:?CT_OUT is not set}
ct=/bin/clonetrace
me=50-tracer-fentry
fail=0

say() {
	echo "$me: $*"
}

# Without the static tracer or workloads in the image there is nothing to
# test: skip, as the image builder announces.
if [ ! -x "$ct" ] || [ ! -x /bin/ct-fork ]; then
	say "skip: no $ct or no /bin/ct-* workloads in the image"
	exit 77
fi

# fentry must attach on the guest kernels; say why if it does not.
if ! "$ct" --mode fentry -v --json -o "$out/probe.json" -c true \
	2>"$out/probe.stderr"; then
	say "FAIL: --mode fentry refused: $(cat "$out/probe.stderr")"
	exit 1
fi

# ct-pidslimit needs a v1 pids hierarchy; mount one if none is there.
pids_root=/sys/fs/cgroup/pids
if [ ! -w "$pids_root/cgroup.procs" ]; then
	pids_root=/tmp/ct-pids
	mkdir -p "$pids_root"
	mount -t cgroup -o pids none "$pids_root" 2>/dev/null ||
		say "no v1 pids hierarchy: ct-pidslimit will skip"
fi

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

# run NAME COMMAND...: clonetrace -c
run() {
	name=$1
	shift
	"$ct" --mode fentry --json -o "$out/$name.json" -c "$*" \
		>"$out/$name.expect" 2>"$out/$name.stderr"
	record "$name" $?
}

# follow NAME PROGRAM ARGS...: the paused workload is traced with -p -f
# --no-syscalls: no syscall tracepoints; in fentry mode kernel_clone's
# fentry/fexit must still give every failure and the latency of every
# creation that goes through kernel_clone() (io_uring workers do not:
# create_io_thread() calls copy_process() directly).
run_nosys() {
	name=$1
	shift
	"$ct" --mode fentry --no-syscalls --json -o "$out/$name.json" -c "$*" \
		>"$out/$name.expect" 2>"$out/$name.stderr"
	record "$name" $?
	grep '"event":"clone",' "$out/$name.json" |
		grep -v '"kind":"user_worker"' | grep -q '"latency_ns":null' &&
		{ say "$name: FAIL: a clone without latency"; fail=1; }
}

# run_hash NAME COMMAND...: requests in flight in the TID hash kept for
# kernels without task storage; first check that the default is task
# storage on this kernel, so that the two runs cover both.
run_hash() {
	name=$1
	shift
	if ! grep -q 'requests in flight kept in task storage' \
		"$out/probe.stderr"; then
		say "FAIL: not task storage by default: $(cat "$out/probe.stderr")"
		fail=1
	fi
	CLONETRACE_NO_TASK_STORAGE=1 "$ct" --mode fentry --json -v \
		-o "$out/$name.json" -c "$*" \
		>"$out/$name.expect" 2>"$out/$name.stderr"
	record "$name" $?
	grep -q 'requests in flight kept in a TID hash' "$out/$name.stderr" ||
		{ say "$name: FAIL: CLONETRACE_NO_TASK_STORAGE ignored"; fail=1; }
}

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
	"$ct" --mode fentry --json -v -o "$out/$name.json" -p "$wl" -f \
		2>"$out/$name.stderr" &
	tracer=$!
	i=0
	while ! grep -q '^clonetrace: tracing' "$out/$name.stderr" &&
	      [ $i -lt 60 ]; do
		sleep 1
		i=$((i + 1))
	done
	printf g >&3
	exec 3>&-
	wait "$wl"
	wst=$?
	# clonetrace must stop by itself once its target is gone.
	i=0
	while kill -0 "$tracer" 2>/dev/null && [ $i -lt 30 ]; do
		sleep 1
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
run fork /bin/ct-fork
run vfork /bin/ct-vfork
run pthread /bin/ct-pthread
run clonevm /bin/ct-clonevm
run clone3ns /bin/ct-clone3ns
run einval /bin/ct-einval
run pidslimit /bin/ct-pidslimit "$pids_root"
run threads1 /bin/ct-threads 1
run threads50 /bin/ct-threads 50
run comm /bin/ct-comm
run iouring /bin/ct-iouring
run seccomp /bin/ct-seccomp
run_nosys nosys-fork /bin/ct-fork
run_nosys nosys-pthread /bin/ct-pthread
run_nosys nosys-einval /bin/ct-einval
run_nosys nosys-pidslimit /bin/ct-pidslimit "$pids_root"
run_nosys nosys-iouring /bin/ct-iouring
run_hash hash-fork /bin/ct-fork
run_hash hash-pthread /bin/ct-pthread
run_hash hash-einval /bin/ct-einval
run_hash hash-seccomp /bin/ct-seccomp
follow follow-fork /bin/ct-fork
follow follow-threads /bin/ct-threads 20
echo complete >>"$out/ran"

[ "$fail" -eq 0 ] || exit 1
exit 0
