#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 55-bpf-budget: the nanoseconds clonetrace's BPF programs spend per
# creation on this kernel, in each mode, from the kernel's own counters
# (kernel.bpf_stats_enabled: run_time_ns and run_cnt in each program's
# fdinfo). clonetrace traces the whole system (--json -o /dev/null) while
# ct-storm creates threads, then processes; the sum over its programs,
# over the storm's creations, is the budget.
#
# $CT_OUT/runs: one line per run: variant, storm kind, creations, ns per
# creation, program runs per creation, programs that did not run, and
# each program's type (5: tracepoint, 26: tracing), run count and ns;
# three rounds over the variants (one with --quick). $CT_OUT/budget: per
# variant and storm, the run with the median ns per creation. Under TCG
# every number is several times the hardware's, and a busy host moves
# them: the modes compare among themselves, within a round.
#
# Checked: every run captured the storm (each program ran), and the
# default fentry mode runs no syscall tracepoint program.
# Exit 0 pass, 1 fail, 77 skip (docs/CONTRACTS.md).
. "${0%/*}/lib.sh"
need_root
need /bin/clonetrace /bin/ct-storm

ct=/bin/clonetrace
stats=/proc/sys/kernel/bpf_stats_enabled
[ -w "$stats" ] || { echo "SKIP: no $stats"; exit 77; }
THREADS=${CT_BUDGET_THREADS:-3000}
FORKS=${CT_BUDGET_FORKS:-1000}
REPS="1 2 3"
[ "${CT_QUICK:-0}" = 1 ] && REPS=1

VARIANTS="fentry fentry-syscalls tp_btf tp_btf-nosys"
opts_of() {
	case $1 in
	fentry) echo "--mode fentry" ;;
	fentry-syscalls) echo "--mode fentry --syscalls" ;;
	tp_btf) echo "--mode tp_btf" ;;
	tp_btf-nosys) echo "--mode tp_btf --no-syscalls" ;;
	esac
}

# progs PID: "fd type run_cnt run_time_ns" for each BPF program of PID
progs() {
	for f in /proc/"$1"/fdinfo/*; do
		awk -v fd="${f##*/}" '
			/^prog_type:/ { t = $2 }
			/^run_cnt:/ { c = $2 }
			/^run_time_ns:/ { ns = $2 }
			END { if (t != "") print fd, t, c + 0, ns + 0 }' "$f" 2>/dev/null
	done
}

old=$(cat "$stats")
echo 1 >"$stats"
: >"$CT_OUT/runs"
for rep in $REPS; do
for v in $VARIANTS; do
	for kind in thread fork; do
		n=$THREADS
		[ "$kind" = fork ] && n=$FORKS
		err=$CT_OUT/$v-$kind.stderr
		rm -f "$err"	# no stale "tracing" line from the last round
		# shellcheck disable=SC2046 # the options are words
		"$ct" $(opts_of "$v") -v --json -o /dev/null 2>"$err" &
		ct_pid=$!
		i=0
		while ! grep -q '^clonetrace: tracing' "$err" 2>/dev/null; do
			i=$((i + 1))
			if [ $i -gt 600 ] || ! kill -0 "$ct_pid" 2>/dev/null; then
				bad "$v: clonetrace did not start: $(cat "$err")"
				break 4
			fi
			sleep 0.1
		done
		progs "$ct_pid" >"$CT_OUT/$v-$kind.before"
		/bin/ct-storm -k "$kind" -n "$n" >"$CT_OUT/$v-$kind.storm"
		progs "$ct_pid" >"$CT_OUT/$v-$kind.after"
		kill -INT "$ct_pid"
		wait "$ct_pid"
		created=$(sed -n 's/.*"created":\([0-9]*\).*/\1/p' "$CT_OUT/$v-$kind.storm")
		awk -v v="$v" -v kind="$kind" -v n="$created" '
			FNR == NR { c0[$1] = $3; t0[$1] = $4; next }
			{
				c = $3 - c0[$1]; t = $4 - t0[$1]
				runs += c; ns += t
				each = each sprintf(" %s:%d:%d", $2, c, t)
				if (c == 0) idle++
			}
			END {
				printf "%s %s %d %.0f %.2f idle=%d%s\n", v, kind, n,
				       ns / n, runs / n, idle, each
			}' "$CT_OUT/$v-$kind.before" "$CT_OUT/$v-$kind.after" \
			>>"$CT_OUT/runs"
	done
done
done
echo "$old" >"$stats"
echo "variant storm creations ns/creation runs/creation idle [type:runs:ns ...]"
cat "$CT_OUT/runs"
# per variant and storm, the run with the median ns per creation
sort -k1,1 -k2,2 -k4,4n "$CT_OUT/runs" | awk '
	{ key = $1 " " $2; line[key, ++n[key]] = $0 }
	!(key in seen) { seen[key] = 1; order[++k] = key }
	END { for (i = 1; i <= k; i++) print line[order[i], int((n[order[i]] + 1) / 2)] }' \
	>"$CT_OUT/budget"
echo "medians:"
cat "$CT_OUT/budget"

while read -r v kind n ns runs idle rest; do
	if [ "${n:-0}" -lt 1 ]; then
		bad "$v $kind: the storm created nothing"
	elif [ "$ns" -lt 1 ]; then
		bad "$v $kind: no BPF time counted for $n creations"
	fi
	case $v in
	fentry)
		if echo " $rest" | grep -q ' 5:'; then
			bad "$v $kind: a syscall tracepoint program ran: $rest"
		fi ;;
	esac
done <"$CT_OUT/runs"
[ -s "$CT_OUT/budget" ] || bad "no budget measured"
[ "$fail" = 0 ] && ok "budgets measured in $(wc -l <"$CT_OUT/budget") runs"
exit "$fail"
