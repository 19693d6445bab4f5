#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 54-syscall-tax: what clonetrace costs a process that creates no task.
# A tight loop of getppid(2) (/bin/ct-sysloop: the fastest of 5 loops of
# N calls, since the host's noise only adds time) is timed untraced and
# with clonetrace attached to the whole system, interleaved
# (U T1 U T2 U T3 U), ROUNDS times; each traced run's ratio is its time
# over the mean of the two untraced runs beside it, and the median over
# the rounds is reported; judged is the fastest traced run over the
# fastest untraced one (floors, below: noise only adds time).
#
#   default    --mode fentry: no syscall tracepoint may be attached (no
#              BPF program of type tracepoint in clonetrace's fds), and the
#              loop must not pay the slow path: ratio <= MAX_NO_TAX
#   syscalls   --mode fentry --syscalls: the tracepoints on, which must
#              show: ratio >= MIN_TAX (so that this test can fail)
#   lifecycle  --mode fentry -e exec,exit: failed execs from fexit on the
#              execve syscall functions, not from their tracepoints: as
#              default, no syscall tracepoint and ratio <= MAX_NO_TAX
#   tp_btf     --mode tp_btf, the default of kernels without fentry: the
#              tax documented for them (measured, not judged)
#
# The ratios go to $CT_OUT/ratios (one line per variant: name, median
# ratio, each round's ratio, the loop's untraced ns per call), the judged
# ones to $CT_OUT/floors (name, fastest over fastest).
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).
. "${0%/*}/lib.sh"
need_root
need /bin/clonetrace /bin/ct-sysloop

ct=/bin/clonetrace
N=${CT_SYSLOOP_N:-200000}
# Seven rounds in the quick pass too: fewer let one busy stretch of
# the host decide the median (two VMs share the host's cores).
ROUNDS=7
# Ratios, between the two populations measured on the four kernels
# (docs/PERFORMANCE.md): without the tracepoints, medians 0.98-1.03 (a
# busy host moves single rounds by 10%); with them, 1.47-1.82, and on
# hardware the slow path adds ~60 ns to a ~150 ns getppid. A slow-path tax
# cannot pass under MAX_NO_TAX, nor noise reach MIN_TAX.
MAX_NO_TAX=1.10
MIN_TAX=1.25

VARIANTS="default syscalls lifecycle tp_btf"
opts_of() {
	case $1 in
	default) echo "--mode fentry" ;;
	syscalls) echo "--mode fentry --syscalls" ;;
	lifecycle) echo "--mode fentry -e exec,exit" ;;
	tp_btf) echo "--mode tp_btf" ;;
	esac
}

loop() {
	/bin/ct-sysloop "$N" 5 | sed -n 's/^ns_per_call //p'
}

# attach VARIANT: clonetrace in the background, tracing; sets ct_pid.
attach() {
	# the child truncates it, maybe after the first look: no stale line
	rm -f "$CT_OUT/$1.stderr"
	# shellcheck disable=SC2046 # the options are words
	"$ct" $(opts_of "$1") -v -o /dev/null 2>"$CT_OUT/$1.stderr" &
	ct_pid=$!
	i=0
	while ! grep -q '^clonetrace: tracing' "$CT_OUT/$1.stderr" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$ct_pid" 2>/dev/null; then
			bad "$1: clonetrace did not start: $(cat "$CT_OUT/$1.stderr")"
			return 1
		fi
		sleep 0.1
	done
	# the types of its BPF programs (5: tracepoint, 26: tracing)
	for f in /proc/"$ct_pid"/fdinfo/*; do
		sed -n 's/^prog_type:[[:space:]]*//p' "$f"
	done >"$CT_OUT/$1.types" 2>/dev/null
	# let the attach's own work (RCU callbacks, kworkers) settle
	sleep 1
}

detach() {
	kill -INT "$ct_pid"
	wait "$ct_pid"
	sleep 1
}

: >"$CT_OUT/runs"
r=0
while [ $r -lt $ROUNDS ]; do
	echo "U $(loop)" >>"$CT_OUT/runs"
	for v in $VARIANTS; do
		attach "$v" || break 2
		echo "$v $(loop)" >>"$CT_OUT/runs"
		detach
		echo "U $(loop)" >>"$CT_OUT/runs"
	done
	r=$((r + 1))
done
cat "$CT_OUT/runs"
[ "$fail" = 0 ] || exit 1

# Each traced run over the mean of its untraced neighbours; the median.
awk -v variants="$VARIANTS" '
	{ name[NR] = $1; t[NR] = $2 }
	END {
		nv = split(variants, vs, " ")
		for (i = 2; i < NR; i++) {
			if (name[i] == "U")
				continue
			r = t[i] / ((t[i - 1] + t[i + 1]) / 2)
			k = name[i]
			n[k]++
			ratio[k, n[k]] = r
		}
		for (i = 1; i <= NR; i++)
			if (name[i] == "U") {
				nu++
				u += t[i]
			}
		for (j = 1; j <= nv; j++) {
			k = vs[j]
			# insertion sort, then the median
			for (a = 2; a <= n[k]; a++)
				for (b = a; b > 1 && ratio[k, b - 1] > ratio[k, b]; b--) {
					x = ratio[k, b]
					ratio[k, b] = ratio[k, b - 1]
					ratio[k, b - 1] = x
				}
			m = n[k] % 2 ? ratio[k, (n[k] + 1) / 2] :
			    (ratio[k, n[k] / 2] + ratio[k, n[k] / 2 + 1]) / 2
			line = sprintf("%s %.3f", k, m)
			for (a = 1; a <= n[k]; a++)
				line = line sprintf(" %.3f", ratio[k, a])
			printf "%s untraced_ns %.1f\n", line, u / nu
		}
	}' "$CT_OUT/runs" >"$CT_OUT/ratios"
cat "$CT_OUT/ratios"

# The judged figure: the variant's fastest run over the fastest untraced
# run. The host's noise only adds time, and with two VMs sharing the
# host's cores it comes in stretches longer than a run (on a loaded host
# untraced runs of 5.10 fell in two groups, ~330 and ~670 ns, and the
# median ratio of the default reached 1.41 with no tax): the fastest runs
# are the ones it spared. A real tax slows every traced run, the fastest
# too, so it still shows.
awk '{ if (!($1 in lo) || $2 < lo[$1]) lo[$1] = $2 }
	END { for (k in lo) if (k != "U") printf "%s %.3f\n", k, lo[k] / lo["U"] }' \
	"$CT_OUT/runs" | sort >"$CT_OUT/floors"
cat "$CT_OUT/floors"

ratio() {
	awk -v k="$1" '$1 == k { print $2 }' "$CT_OUT/floors"
}
tracepoints() {
	grep -c '^5$' "$CT_OUT/$1.types"
}

# no_tax VARIANT WHAT: no syscall tracepoint program attached, and the
# getppid loop's ratio within MAX_NO_TAX (no per-syscall tax)
no_tax() {
	if [ "$(tracepoints "$1")" != 0 ]; then
		bad "$2 attached $(tracepoints "$1") syscall tracepoint program(s)"
	else
		ok "$2: no syscall tracepoint program"
	fi
	if awk -v r="$(ratio "$1")" -v m="$MAX_NO_TAX" 'BEGIN { exit !(r <= m) }'; then
		ok "$2: getppid ratio $(ratio "$1") <= $MAX_NO_TAX"
	else
		bad "$2: getppid ratio $(ratio "$1") > $MAX_NO_TAX: a per-syscall tax"
	fi
}

no_tax default "default fentry mode"
# -e exec,exit: failed execs from fexit on the execve syscall functions
no_tax lifecycle "-e exec,exit in fentry mode"
# forced: the tracepoints, and their tax
if [ "$(tracepoints syscalls)" = 0 ]; then
	bad "--syscalls attached no syscall tracepoint program"
else
	ok "--syscalls: $(tracepoints syscalls) syscall tracepoint programs"
fi
if awk -v r="$(ratio syscalls)" -v m="$MIN_TAX" 'BEGIN { exit !(r >= m) }'; then
	ok "--syscalls: getppid ratio $(ratio syscalls) >= $MIN_TAX: the tax shows"
else
	bad "--syscalls: getppid ratio $(ratio syscalls) < $MIN_TAX: this test cannot see a tax"
fi
echo "tp_btf (the default without fentry): getppid ratio $(ratio tp_btf)"
exit "$fail"
