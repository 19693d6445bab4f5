#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel x attach mode x module table of one tools/vmtest/vmtest run.

usage: table.py RUN_INFO KERNEL_DIR...

RUN_INFO is build/vmtest/run.info (date, commit, options of the run); each
KERNEL_DIR is build/vmtest/<kernel>, with kernel.info (release, timings),
results.tsv (STATUS, NAME, DETAIL per row, as printed by vmtest) and out/
(what the guest sent back). Prints Markdown on stdout. Nothing in it is
written by hand: every cell comes from the run's results.
"""

import os
import sys

MODES = ["fentry", "tp_btf", "raw_tp"]
TRACER = "tracer-"          # tests/vm/NN-tracer-MODE.sh
AUTO = "tracer-auto"
TAX = "syscall-tax"         # tests/vm/54-syscall-tax.sh
BUDGET = "bpf-budget"       # tests/vm/55-bpf-budget.sh
COST = (TAX, BUDGET)


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            key, sep, val = line.rstrip("\n").partition("=")
            if sep:
                out[key] = val
    return out


def read_results(path):
    rows = []
    with open(path) as f:
        for line in f:
            st, name, detail = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            rows.append((st, name, detail))
    return rows


def test_name(name):
    """NN-name -> name"""
    return name.split("-", 1)[1] if name[:2].isdigit() else name


def cell(st):
    return {"PASS": "pass", "FAIL": "**FAIL**", "SKIP": "skip"}.get(st, st)


def checked(kdir, name):
    """How many traced runs the host hook checked, from its log."""
    try:
        with open(os.path.join(kdir, "out", name + ".host.log")) as f:
            return sum(1 for line in f if line.rstrip().endswith(": ok"))
    except OSError:
        return None


def read_first(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def cost_cell(kdir, by):
    """The per-syscall tax (median getppid ratio, 54-syscall-tax's
    ratios) of fentry's default, with -e exec,exit, and of --syscalls, and the BPF ns per
    thread creation in fentry's default (55-bpf-budget's budget)."""
    parts = []
    for test in COST:
        hit = [n for n in by if test_name(n) == test]
        if not hit:
            continue
        st, _ = by[hit[0]]
        out = os.path.join(kdir, "out", hit[0])
        if test == TAX:
            r = {}
            for line in read_first(os.path.join(out, "ratios")).splitlines():
                w = line.split()
                if len(w) > 1:
                    r[w[0]] = w[1]
            text = "getppid x%s, -e exec,exit x%s, --syscalls x%s" % (
                r.get("default", "?"), r.get("lifecycle", "?"),
                r.get("syscalls", "?"))
        else:
            ns = "?"
            for line in read_first(os.path.join(out, "budget")).splitlines():
                w = line.split()
                if w[:2] == ["fentry", "thread"]:
                    ns = w[3]
            text = "BPF %s ns/thread" % ns
        parts.append(cell(st) + ": " + text)
    return "; ".join(parts) or "not run"


def kernel_row(kdir):
    info = read_kv(os.path.join(kdir, "kernel.info"))
    rows = read_results(os.path.join(kdir, "results.tsv"))
    by = {name: (st, detail) for st, name, detail in rows}
    cols = [info.get("kernel", "?"), info.get("suite", "?"),
            "%s (%s)" % (info.get("release", "?"), info.get("version", "?"))]

    for mode in MODES:
        hit = [n for n in by if test_name(n) == TRACER + mode]
        if not hit:
            cols.append("not run")
            continue
        st, _ = by[hit[0]]
        n = checked(kdir, hit[0])
        cols.append(cell(st) + (" (%d runs)" % n if n and st == "PASS"
                                else ""))

    hit = [n for n in by if test_name(n) == AUTO]
    if hit:
        st, _ = by[hit[0]]
        picked = read_first(os.path.join(kdir, "out", hit[0], "picked"))
        cols.append(cell(st) + (": %s" % picked if picked else ""))
    else:
        cols.append("not run")

    cols.append(cost_cell(kdir, by))

    st, detail = by.get("build:kmod", ("not run", ""))
    cols.append(cell(st) + (" (%s)" % detail if st == "PASS" else ""))
    mod = [(n, by[n][0]) for n in by
           if not n.startswith(("build:", "vm")) and
           test_name(n) != "smoke" and not test_name(n).startswith(TRACER)
           and test_name(n) not in COST]
    passed = sum(1 for _, s in mod if s == "PASS")
    bad = [n for n, s in mod if s != "PASS"]
    cols.append("%d/%d pass%s" % (passed, len(mod),
                                  "; not passed: " + ", ".join(bad)
                                  if bad else ""))
    st, detail = by.get("build:dkms", ("not run", ""))
    cols.append(cell(st) + (" (%s)" % detail if st == "PASS" else ""))
    vm = by.get("vm", ("?", ""))
    cols.append("%ss%s" % (info.get("vm_s", "?"),
                           " (quick pass)" if info.get("quick") == "1" else "")
                if vm[0] == "ok"
                else "**%s**: %s" % (vm[0], vm[1]))
    return cols


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    run = read_kv(argv[1])
    print("# Kernels clonetrace is tested on")
    print()
    print("Generated by `tools/vmtest/vmtest` from its run of %s on commit "
          "`%s` (kernels: %s%s%s); do not edit by hand. Each kernel is "
          "Debian's own build, booted under qemu with `oops=panic "
          "panic_on_warn=1`: a kernel WARN fails the run." % (
              run.get("date", "?"), run.get("commit", "?"),
              run.get("kernels", "?"),
              "; only tests matching '%s'" % run["only"]
              if run.get("only") else "",
              "; quick subset" if run.get("quick") == "1" else ""))
    print()
    print("| kernel | Debian | release (package version) | fentry | "
          "tp_btf | raw_tp | auto mode | fentry's cost | "
          "module build (compiler) | module tests | DKMS | VM time |")
    print("|" + "---|" * 12)
    for kdir in argv[2:]:
        try:
            cols = kernel_row(kdir)
        except OSError as e:
            cols = [os.path.basename(kdir), "?", "no results: %s" % e] + \
                ["not run"] * 9
        print("| " + " | ".join(c.replace("|", "\\|") for c in cols) + " |")
    print()
    print("fentry, tp_btf, raw_tp: `tests/vm/5x-tracer-MODE.sh` (every "
          "workload checked by `tests/checktrace.py`, also with "
          "`--no-syscalls` (fentry: `--syscalls`), `-p -f` and the TID "
          "hash for requests in "
          "flight; runs: traced workloads checked). auto mode: the mode "
          "`clonetrace` picks by itself, which must be the best one that "
          "works. fentry's cost: `54-syscall-tax.sh`, a getppid loop's "
          "time traced over untraced (median of interleaved rounds) in "
          "fentry's default, with `-e exec,exit` and with `--syscalls`; "
          "`55-bpf-budget.sh`, "
          "the BPF ns per thread creation in fentry's default "
          "(bpf_stats; under TCG, several times the hardware's). "
          "module tests: every other test in `tests/vm` but the "
          "smoke test. Whole run: %ss." % run.get("seconds", "?"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
