# SPDX-License-Identifier: GPL-2.0
"""Each workload under the real tracer, in every attach mode the host allows.

The workload states what it created (stdout); clonetrace records what the
kernel did; tests/checktrace.py compares the two field by field.
"""

import json
import os
import re
import signal
import subprocess

import pytest

import formats
from conftest import (CLONETRACE, TIMEOUT, check_trace, wait_ready,
                      workload)

# (program, arguments)
WORKLOADS = [
    ("ct-fork", []),
    ("ct-vfork", []),
    ("ct-pthread", []),
    ("ct-clonevm", []),
    ("ct-clone3ns", []),
    ("ct-einval", []),
    ("ct-limits", ["nproc"]),
    ("ct-pidslimit", []),
    ("ct-threads", ["1"]),
    ("ct-threads", ["50"]),
    ("ct-comm", []),
    ("ct-iouring", []),
    ("ct-seccomp", []),
]
IDS = [" ".join([p] + a) for p, a in WORKLOADS]

SKIP = 77


def run_command_mode(mode, prog, args, tmp_path, json_out=True, extra=(),
                     env=None):
    """clonetrace -c 'WORKLOAD ARGS': returns (expect_path, trace_path)."""
    exp = tmp_path / "expect"
    out = tmp_path / "trace"
    cmd = [CLONETRACE, "--mode", mode, "-o", str(out)] + list(extra) + \
        ["-c", " ".join([workload(prog)] + args)]
    if json_out:
        cmd.insert(1, "--json")
    with open(exp, "wb") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE,
                           timeout=TIMEOUT,
                           env=dict(os.environ, **(env or {})))
    if r.returncode == SKIP:
        pytest.skip("%s: %s" % (prog, r.stderr.decode(errors="replace")))
    assert r.returncode == 0, (
        "clonetrace -c %s exited %d: %s"
        % (prog, r.returncode, r.stderr.decode(errors="replace")))
    return exp, out


@pytest.mark.parametrize("prog,args", WORKLOADS, ids=IDS)
def test_command(mode, prog, args, tmp_path):
    exp, out = run_command_mode(mode, prog, args, tmp_path)
    assert check_trace(str(exp), str(out), mode) > 0


@pytest.mark.parametrize("prog,args", WORKLOADS, ids=IDS)
def test_inflight_hash(mode, prog, args, tmp_path):
    """Requests in flight kept in the TID hash (kernels before 5.12 have
    no task storage for tracing programs; forced here): same results."""
    exp, out = run_command_mode(mode, prog, args, tmp_path, extra=["-v"],
                                env={"CLONETRACE_NO_TASK_STORAGE": "1"})
    assert check_trace(str(exp), str(out), mode) > 0


def test_inflight_task_storage(mode, tmp_path):
    """This kernel has task storage: -v says it is the one in use (so that
    test_inflight_hash really covers the other path)."""
    for env, where in (({}, "in task storage"),
                       ({"CLONETRACE_NO_TASK_STORAGE": "1"},
                        "in a TID hash")):
        r = subprocess.run([CLONETRACE, "--mode", mode, "-v", "-o",
                            str(tmp_path / "t"), "-c", workload("ct-fork")],
                           capture_output=True, text=True, timeout=TIMEOUT,
                           env=dict(os.environ, **env))
        if r.returncode == SKIP:
            pytest.skip(r.stderr)
        assert r.returncode == 0, r.stderr
        assert "requests in flight kept " + where in r.stderr, r.stderr


# Workloads whose creations all succeed: without syscall tracepoints the
# host (no fentry) sees no failures, so those are left to the VM test.
NO_SYSCALLS = [(p, a) for p, a in WORKLOADS
               if p not in ("ct-einval", "ct-limits", "ct-pidslimit",
                             "ct-seccomp")]


@pytest.mark.parametrize("prog,args", NO_SYSCALLS,
                         ids=[" ".join([p] + a) for p, a in NO_SYSCALLS])
def test_no_syscalls(mode, prog, args, tmp_path):
    """--no-syscalls: the syscall name from the registers, every field
    still right; no latency unless fentry measures it."""
    exp, out = run_command_mode(mode, prog, args, tmp_path,
                                extra=["--no-syscalls"])
    assert check_trace(str(exp), str(out), mode) > 0
    if mode != "fentry":
        for line in out.read_text().splitlines():
            ev = json.loads(line)
            if ev.get("event") == "clone":
                assert ev["latency_ns"] is None, line


@pytest.mark.parametrize("prog,args", WORKLOADS, ids=IDS)
def test_pid_follow(mode, prog, args, tmp_path):
    """-p PID -f on a workload that waits for a byte on stdin."""
    exp = tmp_path / "expect"
    out = tmp_path / "trace"
    with open(exp, "wb") as ef:
        wl = subprocess.Popen([workload(prog), "-w"] + args,
                              stdin=subprocess.PIPE, stdout=ef,
                              stderr=subprocess.PIPE)
        ct = None
        try:
            ct = subprocess.Popen([CLONETRACE, "--mode", mode, "--json",
                                   "-v", "-o", str(out), "-p", str(wl.pid),
                                   "-f"],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
            wait_ready(ct)
            wl.stdin.write(b"g")
            wl.stdin.close()
            wl_err = wl.stderr.read().decode(errors="replace")
            status = wl.wait(timeout=TIMEOUT)
            if status == SKIP:
                pytest.skip("%s: %s" % (prog, wl_err))
            assert status == 0, "%s exited %d: %s" % (prog, status, wl_err)
            # The target is gone: clonetrace must notice and stop.
            try:
                ct.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pytest.fail("clonetrace -p did not stop after its target "
                            "exited")
            ct_err = ct.stderr.read().decode(errors="replace")
            assert ct.returncode == 0, (
                "clonetrace -p exited %d: %s" % (ct.returncode, ct_err))
        finally:
            for p in (wl, ct):
                if p is not None and p.poll() is None:
                    p.kill()
                    p.wait()
    assert check_trace(str(exp), str(out), mode) > 0


def expectations(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def human_rows(text):
    """Split human output into rows keyed by the header's column names.

    The last column (FLAGS, with " = -1 EINVAL (...)" for failures) keeps
    the rest of the line. Lines before the header are ignored.
    """
    cols, rows = None, []
    for line in text.splitlines():
        words = line.split()
        if cols is None:
            if "CTID" in words and "KIND" in words:
                cols = words
            continue
        if not words:
            continue
        head = words[:len(cols) - 1]
        row = dict(zip(cols, head))
        row[cols[-1]] = " ".join(words[len(cols) - 1:])
        row["_line"] = line
        rows.append(row)
    assert cols is not None, "no header line (with CTID, KIND) in %r" % text
    return rows


def check_flags_column(e, row):
    """FLAGS: exactly as formats.py writes the stated flags; for flags
    glibc chose (flags_min), at least the stated ones and the exit
    signal."""
    got = row["FLAGS"]
    err = e.get("errno", 0)
    if "flags" in e:
        want = formats.flags_column(e["flags"], e["exit_signal"], err)
        assert got == want, "%s: FLAGS %r, expected %r" % (e["label"], got,
                                                           want)
        return
    shown = e["flags_min"] & ~formats.TID_FLAGS
    names = set(got.split(" ")[0].split("|"))
    want = set(formats.flag_names(shown, prefix=False).split("|")) \
        if shown else set()
    if e["exit_signal"]:
        want.add(formats.signal_name(e["exit_signal"]))
    assert want <= names, "%s: FLAGS %r lacks %s" % (e["label"], got,
                                                      sorted(want - names))


def check_human(exps, rows):
    for e in exps:
        if e["expect"] == "clone":
            tid = str(e["child"]["tid"])
            hits = [r for r in rows if r.get("CTID") == tid]
            assert len(hits) == 1, (
                "%s: want one human line with CTID %s, got %r"
                % (e["label"], tid, [r["_line"] for r in hits]))
            row = hits[0]
            for col, want in (("PID", e["parent"]["pid"]),
                              ("CPID", e["child"]["pid"])):
                assert row.get(col) == str(want), (
                    "%s: %s %r, expected %r in %r"
                    % (e["label"], col, row.get(col), want, row["_line"]))
            check_flags_column(e, row)
            assert row.get("KIND") == e["kind"], (
                "%s: KIND %r, expected %r in %r"
                % (e["label"], row.get("KIND"), e["kind"], row["_line"]))
            assert row.get("CALL") == e["syscall"], (
                "%s: CALL %r, expected %r in %r"
                % (e["label"], row.get("CALL"), e["syscall"],
                   row["_line"]))
            assert row.get("TID") == str(e["parent"]["tid"]), (
                "%s: TID %r, expected parent tid %r in %r"
                % (e["label"], row.get("TID"), e["parent"]["tid"],
                   row["_line"]))
        elif e["expect"] == "clone_failed":
            hits = [r for r in rows
                    if r.get("TID") == str(e["parent"]["tid"]) and
                    e["error"] in r["_line"].split()]
            assert hits, ("%s: no human line with %s and parent TID %s"
                          % (e["label"], e["error"], e["parent"]["tid"]))
            # several failures by one thread: the one with these flags
            if "flags" in e:
                want = formats.flags_column(e["flags"], e["exit_signal"],
                                            e["errno"])
                hits = [r for r in hits if r["FLAGS"] == want]
                assert hits, "%s: no line with FLAGS %r" % (e["label"],
                                                             want)
            row = hits[0]
            assert (row["PID"], row["CPID"], row["CTID"]) == (
                str(e["parent"]["pid"]), "-", "-"), row["_line"]
            check_flags_column(e, row)


@pytest.mark.parametrize("prog", ["ct-fork", "ct-pthread", "ct-einval"])
def test_human(mode, prog, tmp_path):
    """Human output: one line per creation with the child TID and kind."""
    exp, out = run_command_mode(mode, prog, [], tmp_path, json_out=False)
    check_human(expectations(exp),
                human_rows(out.read_text(errors="replace")))


def extended_pattern(e):
    """The -x line of a stated creation: exact where the workload states
    the value, any number where it does not (mm_count, a shared
    nsproxy), latency and CPU as they come."""
    child = e["child"]
    text = re.escape(" " * 11 + "flags=" + formats.flag_names(e["flags"]) +
                     " comm=" + formats.escape_terminal(
                         bytes.fromhex(child["comm_hex"])))
    if child["ns_tid"] != child["tid"]:
        text += re.escape(" ns_pid=%d ns_tid=%d" % (child["ns_pid"],
                                                     child["ns_tid"]))
    for key in formats.REF_KEYS:
        v = e.get("refs", {}).get(key)
        text += re.escape(" %s=" % key) + (str(v) if v is not None
                                           else r"(\d+|-)")
    ns = formats.ns_names(e["flags"])
    if ns:
        text += re.escape(" ns_new=" + ",".join(ns))
    # identity: root's, in the cgroup this test runs in (-c's children
    # inherit it); a container or pod only if that cgroup names one
    ident = re.escape(" uid=0 gid=0 cgroup=" + own_cgroup())
    v1 = own_cgroup_v1()
    if v1:
        ident += re.escape(" cgroup_v1=%s:%s" % v1)
    return re.compile(text + r"( latency=\d+\.\dus)? cpu=\d+" + ident +
                      r"( container=[a-z-]+:[0-9a-f]{12})?( pod=\S+)?")


def own_cgroup():
    """This process's cgroup v2 path, from /proc/self/cgroup ("0::PATH")."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].rstrip("\n")
    pytest.skip("no cgroup v2 line in /proc/self/cgroup")


def own_cgroup_v1():
    """(controller, path) of this process in the v1 hierarchy clonetrace
    reads by default (userspace/identity.h: the first of its preference
    list mounted as v1), or None on a host without one."""
    with open("/proc/self/mounts") as f:
        v1 = set()
        for line in f:
            _, _, fstype, opts = line.split()[:4]
            if fstype == "cgroup":
                v1.update(opts.split(","))
    for ctrl in ("pids", "memory", "cpu", "cpuacct", "blkio", "devices",
                 "freezer", "cpuset"):
        if ctrl not in v1:
            continue
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, ctrls, path = line.rstrip("\n").split(":", 2)
                if ctrl in ctrls.split(","):
                    return ctrl, path
    return None


@pytest.mark.parametrize("prog", ["ct-fork", "ct-vfork", "ct-clonevm",
                                  "ct-einval", "ct-clone3ns"])
def test_human_golden(mode, prog, tmp_path):
    """Human output, -x: every line of a creation whose flags the workload
    states exactly, as formats.py builds it from the statement (TIME: any
    number of seconds)."""
    exp, out = run_command_mode(mode, prog, [], tmp_path, json_out=False,
                                extra=["-x"])
    lines = out.read_text().splitlines()
    assert lines[0] == formats.HEADER
    checked = 0
    for e in expectations(exp):
        if e["expect"] == "total" or "flags" not in e:
            continue        # glibc's flags (flags_min) are glibc's business
        p = e["parent"]
        failed = e["expect"] == "clone_failed"
        c = e.get("child") or {"pid": 0, "tid": 0}
        want = formats.event_line(
            bytes.fromhex(p["comm_hex"]), p["pid"], p["tid"], c["pid"],
            c["tid"], e["kind"], e["syscall"], e["flags"],
            e["exit_signal"], e["errno"] if failed else 0)
        hits = [i for i, ln in enumerate(lines)
                if re.fullmatch(r"\d+\.\d{6} +", ln[:11]) and ln[11:] == want]
        assert len(hits) == 1, "%s: want one line %r in:\n%s" % (
            e["label"], want, "\n".join(lines))
        if not failed:
            second = lines[hits[0] + 1]
            assert extended_pattern(e).fullmatch(second), (
                "%s: -x line %r" % (e["label"], second))
        checked += 1
    assert checked, "no expectation with exact flags"


def test_human_hostile_comm(mode, tmp_path):
    """A hostile comm must not break the one-line-per-event layout."""
    exp, out = run_command_mode(mode, "ct-comm", [], tmp_path,
                                json_out=False)
    data = out.read_bytes()
    bad = [ln for ln in data.split(b"\n") if any(b < 0x20 for b in ln)]
    assert not bad, "raw control bytes in human output: %r" % bad
    exps = expectations(exp)
    rows = human_rows(data.decode("utf-8", "replace"))
    check_human(exps, rows)
    assert len(rows) == len([e for e in exps if e["expect"] == "clone"])


def test_signal_stops_follow(mode, tmp_path):
    """SIGTERM while following a paused workload: clean stop, the summary
    of nothing (the workload did nothing yet) as the only line, and the
    workload, which -p does not own, left running."""
    out = tmp_path / "trace"
    wl = subprocess.Popen([workload("ct-fork"), "-w"],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        ct = subprocess.Popen([CLONETRACE, "--mode", mode, "--json", "-v",
                               "-o", str(out), "-p", str(wl.pid), "-f"],
                              stderr=subprocess.PIPE)
        wait_ready(ct)
        ct.send_signal(signal.SIGTERM)
        ct.wait(timeout=15)
        assert ct.returncode == 0
        assert wl.poll() is None, "clonetrace -p killed its target"
    finally:
        wl.kill()
        wl.wait()
    (line,) = out.read_text().splitlines()
    s = json.loads(line)
    assert (s["event"], s["events"], s["lost"], s["lost_follow"],
            s["mode"]) == ("summary", 0, 0, 0, mode)


@pytest.mark.parametrize("storage", ["task", "hash"])
def test_attach_during_creation(mode, storage, tmp_path):
    """clonetrace attaching while a creation is under way: ct-slowfork's
    forks each spend milliseconds copying mappings between the syscall's
    entry and the new task, so an attach lands inside one. That creation
    (no request seen: latency null) is a user task's fork, never "kernel"
    (which is kthreadd's and io_uring's): each creation by the workload
    says "fork", and its child is one the workload stated."""
    env = dict(os.environ)
    if storage == "hash":
        env["CLONETRACE_NO_TASK_STORAGE"] = "1"
    wl = subprocess.Popen([workload("ct-slowfork")], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True)
    try:
        pid = json.loads(wl.stdout.readline())["pid"]
        seen, unseen = [], 0
        for i in range(10):
            out = tmp_path / ("trace%d" % i)
            r = subprocess.run([CLONETRACE, "--mode", mode, "--json",
                                "-o", str(out), "-p", str(pid), "-d", "1"],
                               capture_output=True, text=True,
                               timeout=TIMEOUT, env=env)
            assert r.returncode == 0, r.stderr
            evs = [json.loads(ln) for ln in out.read_text().splitlines()]
            evs = [e for e in evs if e.get("event") == "clone"]
            seen += evs
            unseen += sum(1 for e in evs if e["latency_ns"] is None)
            if unseen:
                break
        wl.stdin.close()
        stated = json.loads(wl.stdout.readline())
    finally:
        wl.kill()
        wl.wait()
    assert unseen, "no attach landed inside a fork: %d events" % len(seen)
    children = set(stated["children"])
    for e in seen:
        assert (e["syscall"], e["kind"], e["parent"]["pid"]) == \
            ("fork", "process", pid), e
        assert e["child"]["pid"] in children, e
