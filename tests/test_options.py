# SPDX-License-Identifier: GPL-2.0
"""The effect of the options that no other test file exercises: the
tracer's -d, -T, -v, -- COMMAND, --spawners N, --alert; top's -i, -n,
-d, -r, --no-redraw, --mode; report's -T, --spawners N, --dot; share's
-t and -s. (The table of every option and the test of its effect is in
tests/README.md.)

As everywhere: the workload or the test states what happened, the test
compares with what clonetrace says. Times are compared with windows the
test measured itself around the run.
"""

import datetime
import json
import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

import checktrace
import formats
import recording
from conftest import (CLONETRACE, PROG_RAW_TRACEPOINT, PROG_TRACEPOINT,
                      PROG_TRACING, TIMEOUT, check_trace, need_clonetrace,
                      need_root, prog_types, unprivileged, wait_ready,
                      workload)


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", TIMEOUT)
    return subprocess.run(argv, **kw)


def jlines(path):
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


@pytest.fixture
def root(workloads_built):
    need_root()
    need_clonetrace()
    return CLONETRACE


# ---- the tracer ----

def test_duration(root, tmp_path):
    """-d: system-wide tracing ends by itself after SECONDS; a -c command
    still running then is stopped (status 128+SIGTERM)."""
    out = tmp_path / "trace"
    start = time.monotonic()
    # 1.5 s: well above what attaching and detaching take (a detach
    # waits for RCU grace periods: ~0.4 s here), so -d read in the wrong
    # unit cannot pass for it.
    r = run([root, "--json", "-o", str(out), "-d", "1.5"])
    took = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    s = jlines(out)[-1]
    assert s["event"] == "summary"
    assert 1.5e9 <= s["duration_ns"] <= took * 1e9
    start = time.monotonic()
    r = run([root, "-o", "/dev/null", "-d", "0.5", "-c", "sleep 30"],
            timeout=20)
    assert r.returncode == 128 + signal.SIGTERM, r.stderr
    assert time.monotonic() - start < 15


def iso(text):
    """A -T JSON time, "2026-11-29T12:00:00.123456Z", in seconds."""
    return datetime.datetime.strptime(
        text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def test_wallclock_json(root, tmp_path):
    """-T --json: each event has a "time", the wall-clock time of its
    ts_ns: inside the window the test measured around the run, and one
    fixed offset from ts_ns for every event; no "time" without -T."""
    out = tmp_path / "trace"
    before = time.time()
    r = run([root, "-T", "--json", "-o", str(out), "-c",
             workload("ct-fork")])
    after = time.time()
    assert r.returncode == 0, r.stderr
    evs = [e for e in jlines(out) if e["event"] != "summary"]
    assert len(evs) == 6
    offsets = []
    for e in evs:
        t = iso(e["time"])
        assert before - 0.001 <= t <= after + 0.001, (e["time"], before)
        offsets.append(t - e["ts_ns"] / 1e9)
    assert max(offsets) - min(offsets) < 2e-6, offsets
    r = run([root, "--json", "-o", str(out), "-c", workload("ct-fork")])
    assert not [e for e in jlines(out) if "time" in e]


def test_wallclock_human(root, tmp_path):
    """-T: the TIME column is the local time of day, microseconds, inside
    the window of the run."""
    out = tmp_path / "trace"
    before = time.time()
    r = run([root, "-T", "-o", str(out), "-c", workload("ct-fork")])
    after = time.time()
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "%-15s %-15s %7s %7s %7s %7s %-7s %-6s %s" % (
        "TIME", "PCOMM", "PID", "TID", "CPID", "CTID", "KIND", "CALL",
        "FLAGS")
    day = time.localtime(before)
    midnight = time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0,
                            0, 0, -1))
    rows = lines[1:]
    assert len(rows) == 6
    for ln in rows:
        m = re.match(r"(\d\d):(\d\d):(\d\d)\.(\d{6}) ", ln)
        assert m, ln
        h, mi, s, us = map(int, m.groups())
        t = midnight + h * 3600 + mi * 60 + s + us / 1e6
        if t < before - 43200:      # the run crossed midnight
            t += 86400
        assert before - 0.001 <= t <= after + 0.001, (ln, before, after)


def test_verbose(root, tmp_path):
    """-v says how it attached and when tracing starts; without it the
    tracer says nothing on stderr (the JSON summary is in the file)."""
    out = tmp_path / "trace"
    r = run([root, "--json", "-o", str(out), "-c", "true"])
    assert r.returncode == 0 and r.stderr == b""
    r = run([root, "-v", "--mode", "raw_tp", "--json", "-o", str(out),
             "-c", "true"])
    err = r.stderr.decode().splitlines()
    assert r.returncode == 0, err
    assert err[-1] == "clonetrace: tracing"
    assert [ln for ln in err
            if ln.startswith("clonetrace: attach mode raw_tp")]
    assert jlines(out)[-1]["mode"] == "raw_tp"


def check_programs(pid, mode):
    """The task_newtask program PID loaded is MODE's kind of program (a
    raw_tp program may be there in both: sched_process_exit)."""
    types = prog_types(pid)
    if mode == "tp_btf":
        assert PROG_TRACING in types, types
    else:
        assert PROG_TRACING not in types and PROG_RAW_TRACEPOINT in types, \
            types


@pytest.mark.parametrize("mode", ["tp_btf", "raw_tp"])
def test_tracer_mode_attaches(root, mode, tmp_path):
    """--mode: the programs of that mode are what is loaded (the
    programs the tracer holds), and -v and the summary name it."""
    ct = subprocess.Popen([root, "-v", "--mode", mode, "--json", "-o",
                           str(tmp_path / "t")], stderr=subprocess.PIPE)
    try:
        seen = wait_ready(ct)
        check_programs(ct.pid, mode)
    finally:
        ct.send_signal(signal.SIGINT)
        ct.communicate(timeout=TIMEOUT)
    assert [ln for ln in seen
            if ln.startswith("clonetrace: attach mode %s" % mode)], seen
    assert jlines(tmp_path / "t")[-1]["mode"] == mode


def test_syscalls_option(root, tmp_path):
    """--syscalls: the clone-family syscall tracepoints are attached (the
    programs the tracer holds), -v says so, and what only they see, a
    creation seccomp refuses, is in the trace; --no-syscalls: none of
    them; both at once: a usage error. (In fentry mode, where --syscalls
    changes the default, tests/vm/54-syscall-tax.sh and the VM tracer
    tests check it.)"""
    r = run([root, "--syscalls", "--no-syscalls", "-c", "true"])
    assert r.returncode == 2
    assert b"--syscalls and --no-syscalls contradict" in r.stderr, r.stderr
    for opt, want in (("--syscalls", True), ("--no-syscalls", False)):
        ct = subprocess.Popen([root, "-v", "--mode", "tp_btf", opt, "-o",
                               "/dev/null"], stderr=subprocess.PIPE)
        try:
            seen = wait_ready(ct)
            types = prog_types(ct.pid)
        finally:
            ct.send_signal(signal.SIGINT)
            ct.communicate(timeout=TIMEOUT)
        assert (types.count(PROG_TRACEPOINT) == 8) == want, (opt, types)
        assert [ln for ln in seen if ln.startswith(
            "clonetrace: attach mode tp_btf (%s" % (
                "syscall tracepoints: every syscall" if want
                else "no syscall tracepoints"))], seen
    exp = tmp_path / "expect"
    out = tmp_path / "trace"
    with open(exp, "wb") as f:
        r = run([root, "--syscalls", "--json", "-o", str(out), "-c",
                 workload("ct-seccomp")], stdout=f, capture_output=False,
                stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    assert check_trace(str(exp), str(out)) == 3


def test_command_after_dashes(root, tmp_path):
    """-- COMMAND ARGS: the same as -c, words as given, its status."""
    exp = tmp_path / "expect"
    out = tmp_path / "trace"
    with open(exp, "wb") as f:
        r = run([root, "--json", "-o", str(out), "--",
                 workload("ct-threads"), "3"], stdout=f,
                capture_output=False, stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    assert check_trace(str(exp), str(out)) == 3
    r = run([root, "-o", "/dev/null", "--", "sh", "-c", "exit 3"])
    assert r.returncode == 3


def test_spawners_rows(root, tmp_path):
    """--spawners N: the N processes that created most, most first (ties
    by PID), from ct-an-tree's statement."""
    for n in (1, 2):
        out = tmp_path / ("trace%d" % n)
        r = run([root, "--json", "-o", str(out), "--spawners", str(n),
                 "-c", workload("ct-an-tree")])
        assert r.returncode == 0, r.stderr
        st = json.loads(r.stdout)
        (sp,) = [x for x in jlines(out) if x["event"] == "spawners"]
        # the process made 8, each child 5, each grandchild 2
        assert sp["parents"] == 1 + 2 * len(st["children"])
        want = [(st["pid"], 8)] + sorted(
            (c["pid"], 5) for c in st["children"])
        assert [(x["pid"], x["created"]) for x in sp["rows"]] == want[:n]


def test_alert_in_tracer(root, tmp_path):
    """--alert RATE in the tracer: one episode for the storming process,
    its --alert-exec run once with that process in its environment."""
    marks = tmp_path / "marks"
    r = run([root, "--json", "-o", str(tmp_path / "t"), "-i", "0.3",
             "--alert", "200", "--alert-exec",
             "echo $CT_ALERT_SCOPE $CT_ALERT_PID $CT_ALERT_COMM >> %s"
             % marks, "-c", workload("ct-an-storm") + " -T 1.2"])
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    err = r.stderr.decode()
    starts = re.findall(r"ALERT start: (\S+)\((\d+)\) creating", err)
    assert starts == [("ct-an-storm", str(st["pid"]))], err
    deadline = time.monotonic() + 10
    while not marks.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marks.read_text().splitlines() == [
        "parent %d ct-an-storm" % st["pid"]]


# ---- top ----

def top_json(args, timeout=TIMEOUT):
    r = run([CLONETRACE, "top", "--json"] + args, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return [json.loads(ln) for ln in r.stdout.decode().splitlines()]


def test_top_interval_count(root):
    """-i 0.2 -n 3: three intervals of 0.2 s (at least; the loop wakes
    every 0.1 s, later on a loaded machine)."""
    recs = top_json(["-i", "0.2", "-n", "3"])
    assert [x["event"] for x in recs] == ["top"] * 3
    for x in recs:
        assert 0.2 <= x["interval_s"] < 1.5, x["interval_s"]


def test_top_duration(root):
    """-d 1 -i 0.3: top ends by itself after a second, the last interval
    cut short: the intervals add up to the duration (at least; a loaded
    machine wakes it late)."""
    start = time.monotonic()
    recs = top_json(["-i", "0.3", "-d", "1"])
    took = time.monotonic() - start
    total = sum(x["interval_s"] for x in recs)
    assert 1.0 <= total <= took, (total, took)
    assert len(recs) >= 2


def test_top_rows(root):
    """-r 1: one row per interval, in JSON and on the terminal, while two
    processes create at once (so that there is a row to leave out)."""
    for fmt in (["--json"], ["--no-redraw"]):
        top = subprocess.Popen([CLONETRACE, "top", "-v", "-i", "0.3", "-r",
                                "1"] + fmt, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
        try:
            wait_ready(top)
            storms = [subprocess.Popen([workload("ct-an-storm"), "-T",
                                        "0.7"], stdout=subprocess.PIPE)
                      for _ in range(2)]
            for p in storms:
                p.communicate(timeout=TIMEOUT)
        finally:
            top.send_signal(signal.SIGINT)
            out, err = top.communicate(timeout=TIMEOUT)
        assert top.returncode == 0, err
        assert all(p.returncode == 0 for p in storms)
        if fmt == ["--json"]:
            recs = [json.loads(ln) for ln in out.decode().splitlines()]
            assert max(x["parents"] for x in recs) >= 2
            for x in recs:
                assert len(x["spawners"]) == min(1, x["parents"]), x
            continue
        cg_header = "%10s %7s  %s" % ("RATE/s", "FAILED", "CGROUP")
        for block in out.decode().split("\n\n")[:-1]:
            lines = block.splitlines()
            assert lines[1].split()[0] == "PID", block
            procs = lines[2:lines.index(cg_header)] if cg_header in lines \
                else lines[2:]
            assert len(procs) <= 1, block


def redraw_output(args):
    """top ARGS with its output on a terminal (a pty): what it wrote."""
    master, slave = pty.openpty()
    p = subprocess.Popen([CLONETRACE, "top"] + args, stdout=slave,
                         stderr=subprocess.PIPE)
    os.close(slave)
    data = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], TIMEOUT)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:         # EIO: the other side is closed
                break
            if not chunk:
                break
            data += chunk
    finally:
        p.wait(timeout=TIMEOUT)
        os.close(master)
    assert p.returncode == 0, p.stderr.read()
    return data.decode(errors="replace")


def test_top_redraw(root):
    """On a terminal top redraws (clear screen, home) every interval;
    --no-redraw prints blocks, one blank line after each."""
    clear = "\033[H\033[2J"
    text = redraw_output(["-i", "0.2", "-n", "2"])
    assert text.count(clear) == 2 and text.startswith(clear)
    text = redraw_output(["-i", "0.2", "-n", "2", "--no-redraw"])
    assert "\033[" not in text
    assert len(re.findall(r"^\d\d:\d\d:\d\d  created ", text, re.M)) == 2
    assert text.replace("\r\n", "\n").endswith("\n\n")


@pytest.mark.parametrize("mode", ["tp_btf", "raw_tp"])
def test_top_mode(root, mode):
    """--mode: top attaches as asked and counts the same in both modes:
    a storm of known numbers, by kind, in its process's rows."""
    top = subprocess.Popen([CLONETRACE, "top", "--json", "-v", "--mode",
                            mode, "-i", "0.5", "-r", "0"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = wait_ready(top)
        check_programs(top.pid, mode)
        r = run([workload("ct-an-storm"), "-t", "200", "-f", "20", "-v",
                 "10"])
    finally:
        top.send_signal(signal.SIGINT)
        out, err = top.communicate(timeout=TIMEOUT)
    assert r.returncode == 0 and top.returncode == 0, err
    assert [ln for ln in seen
            if ln.startswith("clonetrace: attach mode %s" % mode)], seen
    st = json.loads(r.stdout)
    got = {"thread": 0, "process": 0, "vfork": 0}
    for x in (json.loads(ln) for ln in out.decode().splitlines()):
        for row in x["spawners"]:
            if row["pid"] == st["pid"]:
                for k in got:
                    got[k] += row["by_kind"][k]
    assert got == {"thread": st["threads"], "process": st["processes"],
                   "vfork": st["vforks"]}


# ---- report (recordings written by the test, no privilege) ----

START = 7_000_000_000
OFFSET = 1_767_225_600_000_000_000 - START     # 2026-01-01T00:00:00Z at START
MS = 1_000_000


def events():
    return [recording.event(START + 1 * MS + 1234, 100, 100, "a", "clone",
                            "process", flags=0x1200000, pid=101, tid=101,
                            comm="a", refs=[1] * 7 + [3]),
            recording.event(START + 2500 * MS + 999, 100, 100, "a",
                            "clone3", "thread", flags=0x3d0f00,
                            exit_signal=0, pid=100, tid=102, comm="a",
                            refs=[2] * 7 + [3]),
            recording.event(START + 2600 * MS, 101, 101, "b", "fork",
                            "process", pid=103, tid=103, comm="b",
                            refs=[1] * 7 + [3])]


def write_rec(public_dir, evs, name="rec.ctr"):
    path = os.path.join(public_dir, name)
    with open(path, "wb") as f:
        f.write(recording.recording(evs, start_ns=START,
                                    duration_ns=3_000_000_000,
                                    real_offset_ns=OFFSET))
    os.chmod(path, 0o644)
    return path


def test_report_wallclock(binary, public_dir):
    """report -T: the wall-clock time of each event from the recording's
    clock offset, ISO 8601 UTC in JSON, local time of day on the
    terminal; the TIME column 15 wide."""
    evs = events()
    rec = write_rec(public_dir, evs)
    r = subprocess.run(unprivileged([binary, "report", "-T", "--json", "-s",
                                     "stream", rec]),
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    got = [json.loads(ln)["time"] for ln in r.stdout.decode().splitlines()]
    want = []
    for e in evs:
        ns = e["ts"] + OFFSET
        t = datetime.datetime.fromtimestamp(ns // 10**9,
                                            datetime.timezone.utc)
        want.append(t.strftime("%Y-%m-%dT%H:%M:%S") +
                    ".%06dZ" % (ns % 10**9 // 1000))
    assert got == want
    r = subprocess.run(unprivileged([binary, "report", "-T", "-s", "stream",
                                     rec]),
                       capture_output=True, timeout=TIMEOUT,
                       env=dict(os.environ, TZ="UTC"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[0].startswith("%-15s %-15s " % ("TIME", "PCOMM"))
    assert [ln[:16] for ln in lines[1:]] == [
        "%-15s " % (w[11:26]) for w in want]


def test_report_spawners_rows(binary, public_dir):
    """report --spawners 1: only the process that created most."""
    rec = write_rec(public_dir, events())
    for n, pids in (("1", [100]), ("0", [100, 101])):
        r = subprocess.run(unprivileged([binary, "report", "--json", "-s",
                                         "spawners", "--spawners", n, rec]),
                           capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        sp = json.loads(r.stdout)
        assert [x["pid"] for x in sp["rows"]] == pids
        assert sp["parents"] == 2


def test_report_dot(binary, public_dir):
    """report --dot FILE: the creation tree for Graphviz: 100 made 101
    (a process) and a thread; 101 made 103."""
    rec = write_rec(public_dir, events())
    dot = os.path.join(public_dir, "tree.dot")
    with open(dot, "w"):
        os.chmod(dot, 0o666)        # report runs as nobody
    r = subprocess.run(unprivileged([binary, "report", "-s", "info", "--dot",
                                     dot, rec]),
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    with open(dot) as f:
        text = f.read()
    assert text.startswith("digraph clonetrace {") and \
        text.rstrip().endswith("}")
    nodes = dict(re.findall(r"^  (n\d+) \[label=\"([^\"]*)\"", text, re.M))
    edges = re.findall(r"^  (n\d+) -> (n\d+);$", text, re.M)
    by_pid = {}
    for n, label in nodes.items():
        m = re.search(r"\((\d+)\)", label)
        if m:
            by_pid.setdefault(int(m.group(1)), []).append(n)
    assert {100, 101, 103} <= set(by_pid), nodes
    edge_set = set(edges)
    assert any((a, b) in edge_set for a in by_pid[100] for b in by_pid[101])
    assert any((a, b) in edge_set for a in by_pid[101] for b in by_pid[103])
    assert len(edges) == len(nodes) - 1


# ---- share ----

def test_share_tree_and_source(binary, tmp_path):
    """share without -t: the process's threads only; with -t its child
    too; -s kcmp says so; -s debugfs without the module is an error
    naming the file and the fix."""
    prog = ("import os, subprocess, sys, threading\n"
            "t = threading.Thread(target=sys.stdin.read)\n"
            "t.start()\n"
            "c = subprocess.Popen(['sleep', '60'])\n"
            "print(os.getpid(), threading.get_native_id(), t.native_id, "
            "c.pid, flush=True)\n"
            "t.join(); c.kill(); c.wait()\n")
    p = subprocess.Popen(unprivileged(["/usr/bin/python3", "-c", prog]),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    try:
        pid, main, thread, child = map(int, p.stdout.readline().split())
        for args, want in (([], {main, thread}),
                           (["-t"], {main, thread, child})):
            r = subprocess.run(unprivileged([binary, "share", "-j", "-s",
                                             "kcmp", "-p", str(pid)] + args),
                               capture_output=True, text=True,
                               timeout=TIMEOUT)
            assert r.returncode == 0, r.stderr
            doc = json.loads(r.stdout)
            assert doc["source"] == "kcmp"
            assert {t["tid"] for t in doc["tasks"]} == want
        if not os.path.exists("/sys/kernel/debug/clonetrace/tasks"):
            r = subprocess.run([binary, "share", "-s", "debugfs", "-p",
                                str(pid)], capture_output=True, text=True,
                               timeout=TIMEOUT)
            assert r.returncode == 1 and r.stdout == ""
            lines = r.stderr.splitlines()
            assert len(lines) == 1 and "/sys/kernel/debug/clonetrace" in \
                lines[0] and "module" in lines[0]
    finally:
        p.stdin.close()
        p.wait(timeout=TIMEOUT)
