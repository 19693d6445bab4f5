# SPDX-License-Identifier: GPL-2.0
"""The tracer's filters, all applied in the kernel: -p with and without
-f, --max-follow, -k, --comm, --failed.

The workload states everything it created; the test keeps the lines the
filter lets through (conftest.restate) and tests/checktrace.py compares
that with the trace: every creation that passes must be there, exactly
once, and nothing else from the workload's processes.
"""

import json
import os
import subprocess

import pytest

from conftest import (CLONETRACE, TIMEOUT, check_trace, restate, trace_pid,
                      workload)
import checktrace

SKIP = 77


def jlines(path):
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def events(path):
    return [e for e in jlines(path) if e["event"] != "summary"]


def summary(path):
    (s,) = [e for e in jlines(path) if e["event"] == "summary"]
    return s


def run_c(mode, command, extra, tmp_path, name="trace"):
    """clonetrace --json EXTRA -c COMMAND: (statement path, trace path)."""
    exp = tmp_path / (name + ".expect")
    out = tmp_path / name
    with open(exp, "wb") as f:
        r = subprocess.run([CLONETRACE, "--mode", mode, "--json", "-o",
                            str(out)] + extra + ["-c", command], stdout=f,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    if r.returncode == SKIP:
        pytest.skip(r.stderr.decode(errors="replace"))
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return exp, out


def statement(wl_out, tmp_path, name="expect"):
    path = tmp_path / name
    path.write_bytes(wl_out)
    return path


# ---- -p without -f: the process itself, none of its descendants ----

def test_pid_without_follow(mode, tmp_path):
    """ct-clone3ns: its child creates a grandchild; plain -p must show
    the creations of the workload's own process only."""
    out = tmp_path / "trace"
    wl_out, _ = trace_pid([workload("ct-clone3ns"), "-w"], ["--json"], out,
                          mode=mode)
    exp = statement(wl_out, tmp_path)
    mine = checktrace.load_lines(str(exp), "statement",
                                 checktrace.Problems())
    pid = [e for _, e in mine if e["expect"] == "total"][0]["pid"]
    only = restate(exp, lambda e: e["parent"]["pid"] == pid,
                   tmp_path / "only")
    # the grandchild's creation is stated, so a -f would be caught
    assert any(e["parent"]["pid"] != pid for _, e in mine
               if e["expect"] != "total")
    check_trace(str(only), str(out), mode)


def test_pid_without_follow_tree(mode, tmp_path):
    """ct-an-tree: 5 threads and 3 children by the process, 4 threads and
    a grandchild by each child: -p shows the 8, -p -f all 29."""
    for follow, want in (([], 8), (["-f"], 29)):
        out = tmp_path / ("trace%d" % want)
        wl_out, _ = trace_pid([workload("ct-an-tree"), "-w"],
                              ["--json"] + follow, out, mode=mode)
        st = json.loads(wl_out)
        evs = events(out)
        assert len(evs) == want, (follow, [checktrace.short(e) for e in evs])
        if not follow:
            assert {e["parent"]["pid"] for e in evs} == {st["pid"]}
            assert sorted(e["child"]["pid"] for e in evs
                          if e["kind"] == "process") == sorted(
                c["pid"] for c in st["children"])
        else:
            assert {e["parent"]["pid"] for e in evs} == {st["pid"]} | {
                c[k] for c in st["children"] for k in ("pid", "grandchild")}
        assert summary(out)["lost_follow"] == 0


# ---- --max-follow: what does not fit is counted ----

def test_max_follow_lost(mode, tmp_path):
    """--max-follow 1: the table holds the workload only; each process it
    creates cannot be followed and is counted in lost_follow, and the
    workload's own creations are all there."""
    out = tmp_path / "trace"
    wl_out, err = trace_pid([workload("ct-fork"), "-w"],
                            ["--json", "-f", "--max-follow", "1"], out,
                            mode=mode)
    exp = statement(wl_out, tmp_path)
    stated = [e for e in jlines(exp) if e["expect"] == "clone"]
    assert len(stated) == 6 and all(e["kind"] == "process" for e in stated)
    probs, _ = checktrace.check(str(exp), str(out), mode, lost=0,
                                lost_follow=len(stated))
    assert not probs, "\n".join(probs)
    assert ("%d new processes could not be followed" % len(stated)) in err


def test_max_follow_tree(mode, tmp_path):
    """ct-an-tree with -f --max-follow 1: its 3 children are not followed
    (lost_follow 3), so none of their creations is seen."""
    out = tmp_path / "trace"
    wl_out, _ = trace_pid([workload("ct-an-tree"), "-w"],
                          ["--json", "-f", "--max-follow", "1"], out,
                          mode=mode)
    st = json.loads(wl_out)
    evs = events(out)
    assert {e["parent"]["pid"] for e in evs} == {st["pid"]}
    assert len(evs) == 8
    assert summary(out)["lost_follow"] == len(st["children"])


# ---- -k: kinds ----

KIND_SETS = [["thread"], ["process", "vfork"], ["vm_process"]]


@pytest.mark.parametrize("kinds", KIND_SETS, ids=",".join)
def test_kind_filter(mode, kinds, tmp_path):
    """-k on workloads that make every kind, failures included: exactly
    the stated creations of those kinds."""
    for prog in ("ct-pthread", "ct-fork", "ct-vfork", "ct-einval"):
        exp, out = run_c(mode, workload(prog), ["-k", ",".join(kinds)],
                         tmp_path, name=prog)
        only = restate(exp, lambda e: e["kind"] in kinds,
                       tmp_path / (prog + ".only"))
        probs, _ = checktrace.check(str(only), str(out), mode)
        assert not probs, "%s -k %s:\n%s" % (prog, ",".join(kinds),
                                             "\n".join(probs))
        got = {e["kind"] for e in events(out)}
        assert got <= set(kinds), (prog, got)


def test_kind_filter_counts(mode, tmp_path):
    """-k thread and -k process,vfork on a storm of known numbers."""
    for kinds in (["thread"], ["process", "vfork"]):
        out = tmp_path / ("trace-" + "-".join(kinds))
        r = subprocess.run([CLONETRACE, "--mode", mode, "--json", "-o",
                            str(out), "-k", ",".join(kinds), "-c",
                            workload("ct-an-storm") + " -t 40 -f 7 -v 5"],
                           capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        st = json.loads(r.stdout)
        by = {"thread": st["threads"], "process": st["processes"],
              "vfork": st["vforks"]}
        evs = events(out)
        assert {e["parent"]["pid"] for e in evs} == {st["pid"]}
        got = {}
        for e in evs:
            got[e["kind"]] = got.get(e["kind"], 0) + 1
        assert got == {k: by[k] for k in kinds}
        assert summary(out)["by_kind"] == {
            k: got.get(k, 0) for k in checktrace.KINDS}


# ---- --comm ----

def test_comm_filter(mode, tmp_path):
    """--comm ct-einval under sh: the shell's fork of the workload is not
    shown (its creator is named sh), every creation of ct-einval is."""
    prog = workload("ct-einval")
    command = "sh -c '%s; true'" % prog
    exp, out = run_c(mode, command, [], tmp_path, name="all")
    pid = [e for e in jlines(exp) if e["expect"] == "total"][0]["pid"]
    shell = [e for e in events(out) if e["event"] == "clone" and
             e["child"]["pid"] == pid]
    assert len(shell) == 1 and shell[0]["parent"]["comm"] == "sh", shell
    exp, out = run_c(mode, command, ["--comm", "ct-einval"], tmp_path,
                     name="comm")
    check_trace(str(exp), str(out), mode)
    assert {e["parent"]["comm"] for e in events(out)} == {"ct-einval"}


def test_comm_filter_other_name(mode, tmp_path):
    """--comm with a name nobody has: nothing at all."""
    exp, out = run_c(mode, workload("ct-fork"), ["--comm", "no-such-comm"],
                     tmp_path)
    assert events(out) == [] and summary(out)["events"] == 0
    assert len([e for e in jlines(exp) if e["expect"] == "clone"]) == 6


# ---- --failed ----

def test_failed_only(mode, tmp_path):
    """--failed: every stated failure, and none of the creations."""
    stated = {}
    for prog in ("ct-einval", "ct-fork", "ct-pthread"):
        exp, out = run_c(mode, workload(prog), ["--failed"], tmp_path,
                         name=prog)
        only = restate(exp, lambda e: e["expect"] == "clone_failed",
                       tmp_path / (prog + ".only"))
        probs, nexp = checktrace.check(str(only), str(out), mode)
        assert not probs, "%s --failed:\n%s" % (prog, "\n".join(probs))
        stated[prog] = nexp
    # ct-einval's failures: four flag combinations, three clone3 arguments
    assert stated["ct-einval"] == 7
    assert [e["event"] for e in events(tmp_path / "ct-einval")] == \
        ["clone_failed"] * 7
