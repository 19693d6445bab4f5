# SPDX-License-Identifier: GPL-2.0
"""Command-line behaviour as root: runtime errors, exit statuses,
signals, pipes. (Usage errors, which need no root: test_usage.py.)

Every error must be one clear line on stderr naming the problem; runtime
errors exit 1, `-c` with a missing command 127, and `-c` otherwise exits
with the command's status.
"""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import TIMEOUT, check_trace, wait_ready, workload

RUNTIME = 1
NOT_FOUND = 127


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", TIMEOUT)
    return subprocess.run(argv, **kw)


def one_line(r, *words):
    """stderr is exactly one line, mentioning each of WORDS (any case)."""
    err = r.stderr.decode(errors="replace")
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, "want one stderr line, got %r" % lines
    for w in words:
        assert w.lower() in lines[0].lower(), (
            "stderr %r does not mention %r" % (lines[0], w))
    return lines[0]


def free_pid():
    """A PID below pid_max that no task uses right now."""
    with open("/proc/sys/kernel/pid_max") as f:
        pid = int(f.read()) - 1
    while os.path.exists("/proc/%d" % pid):
        pid -= 1
    return pid


def test_not_root(tracer):
    r = run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             tracer, "-c", "true"])
    assert r.returncode == RUNTIME, r
    line = one_line(r)
    assert any(w in line.lower() for w in ("root", "cap_bpf", "privilege",
                                           "permission")), line


# CAP_BPF and CAP_PERFMON without root: the programs load, but the
# syscall tracepoints' ids are in the root-only tracefs
CAPS_ONLY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             "--inh-caps=+bpf,+perfmon", "--ambient-caps=+bpf,+perfmon"]
TRACEFS_DENIED = ("cannot read the syscall tracepoints in tracefs "
                  "(Permission denied): failed creations are not seen")


def test_caps_without_tracefs_says_failures_unseen(tracer):
    r = run(CAPS_ONLY + [tracer, "-c", workload("ct-einval")])
    assert r.returncode == 0, r
    err = r.stderr.decode()
    lines = err.splitlines()
    assert TRACEFS_DENIED in lines[0], err
    assert "CAP_DAC_READ_SEARCH" in lines[0], err
    assert "failures not seen (tracefs not readable)" in err, err
    assert " 0 failed" not in err, err


def test_caps_without_tracefs_json_summary(tracer, public_dir):
    os.chmod(public_dir, 0o777)
    out = os.path.join(public_dir, "t.json")
    r = run(CAPS_ONLY + [tracer, "--json", "-o", out, "-c",
                         workload("ct-einval")])
    assert r.returncode == 0, r
    with open(out) as f:
        summary = json.loads(f.read().splitlines()[-1])
    assert summary["event"] == "summary", summary
    assert summary["failed"] is None, summary


def test_caps_without_tracefs_syscalls_names_permission(tracer):
    r = run(CAPS_ONLY + [tracer, "--syscalls", "-c", "true"])
    assert r.returncode == RUNTIME, r
    line = one_line(r, "tracefs", "Permission denied",
                    "CAP_DAC_READ_SEARCH")
    assert "no clone-family syscall tracepoints" not in line, line


def test_caps_without_tracefs_top(tracer):
    p = subprocess.Popen(CAPS_ONLY + [tracer, "top", "-i", "0.2"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=TIMEOUT)
    assert p.returncode == 0, (p.returncode, err)
    assert TRACEFS_DENIED in err.decode().splitlines()[0], err
    out = out.decode()
    assert "failed n/a (tracefs not readable)" in out, out
    assert "--no-syscalls" not in out, out


def test_root_sees_failures(tracer):
    r = run([tracer, "-c", workload("ct-einval")])
    assert r.returncode == 0, r
    err = r.stderr.decode()
    assert "tracefs" not in err, err
    assert re.search(r": 0 created, 7 failed, ", err), err


def test_no_btf(tracer):
    script = ('mount -t tmpfs none /sys/kernel/btf || exit 99; '
              'exec "$0" -c true')
    r = run(["unshare", "-m", "sh", "-c", script, tracer])
    assert r.returncode != 99, "could not hide /sys/kernel/btf"
    assert r.returncode == RUNTIME, r
    one_line(r, "BTF")


@pytest.mark.parametrize("pid", ["99999999", "free"])
def test_nonexistent_pid(tracer, pid):
    if pid == "free":
        pid = str(free_pid())
    r = run([tracer, "-p", pid])
    assert r.returncode == RUNTIME, r
    one_line(r, pid)


def test_command_not_found(tracer):
    r = run([tracer, "-c", "nosuchcmd-ct"])
    assert r.returncode == NOT_FOUND, r
    one_line(r, "nosuchcmd-ct")


@pytest.mark.parametrize("status", [0, 3, 42])
def test_command_status(tracer, status, tmp_path):
    r = run([tracer, "--json", "-o", str(tmp_path / "trace"), "-c",
             "sh -c 'exit %d'" % status])
    assert r.returncode == status, r


SUMMARY = re.compile(r"clonetrace: (\d+) events in [\d.]+ s: (\d+) created, "
                     r"(\d+) failed, (\d+) lost \((.*)\)")


def human_summary(err):
    """The human summary line of stderr, parsed: (events, created, failed,
    lost, {kind: n})."""
    hits = [m for m in map(SUMMARY.fullmatch, err.splitlines()) if m]
    assert len(hits) == 1, "want one summary line: %r" % err
    m = hits[0]
    kinds = {} if m.group(5) == "none" else {
        k: int(n) for k, n in (p.split(" ") for p in m.group(5).split(", "))}
    return tuple(map(int, m.groups()[:4])) + (kinds,)


def test_output_dev_null(tracer):
    """-o /dev/null discards the events (it is no file to truncate), and
    they are still counted: the summary has the workload's creations."""
    r = run([tracer, "-o", "/dev/null", "-c", workload("ct-fork")])
    assert r.returncode == 0, r
    stated = [json.loads(ln) for ln in r.stdout.decode().splitlines()]
    total = stated[-1]
    assert total["expect"] == "total"
    assert human_summary(r.stderr.decode()) == (
        total["clones"], total["clones"], 0, 0, {"process": 6})


def test_output_unwritable(tracer):
    r = run([tracer, "-o", "/proc/nope/x", "-c", "true"])
    assert r.returncode == RUNTIME, r
    one_line(r, "/proc/nope/x")


@pytest.mark.parametrize("fmt", [[], ["--json"]])
def test_head_closes_quietly(tracer, fmt, tmp_path):
    errf = tmp_path / "stderr"
    cmd = "set -o pipefail; \"$0\" %s -c '%s 200' 2>%s | head -1" % (
        " ".join(fmt), workload("ct-threads"), errf)
    r = run(["bash", "-c", cmd, tracer])
    err = errf.read_text(errors="replace")
    assert r.returncode == 0, "status %d, stderr %r" % (r.returncode, err)
    assert len(r.stdout.splitlines()) == 1
    for bad in ("broken pipe", "epipe", "error", "cannot write"):
        assert bad not in err.lower(), "noisy stderr: %r" % err


def test_sigint_json_summary(tracer, tmp_path):
    out = tmp_path / "trace"
    ct = subprocess.Popen([tracer, "--json", "-v", "-o", str(out)],
                          stderr=subprocess.PIPE)
    try:
        wait_ready(ct)
        subprocess.run(["true"])
        ct.send_signal(signal.SIGINT)
        ct.wait(timeout=15)
    finally:
        if ct.poll() is None:
            ct.kill()
            ct.wait()
    assert ct.returncode == 0
    lines = out.read_text().splitlines()
    summary = json.loads(lines[-1])
    assert summary["event"] == "summary", lines[-1]
    assert summary["lost"] == 0
    for ln in lines[:-1]:
        assert json.loads(ln)["event"] in ("clone", "clone_failed")


def test_sigint_human_summary(tracer, tmp_path):
    """SIGINT: the human summary counts the event lines written, by kind
    as their KIND column says."""
    out = tmp_path / "out"
    ct = subprocess.Popen([tracer, "-v", "-o", str(out)],
                          stderr=subprocess.PIPE)
    try:
        wait_ready(ct)
        run([workload("ct-an-storm"), "-t", "5", "-f", "3"])
        ct.send_signal(signal.SIGINT)
        ct.wait(timeout=15)
        err = ct.stderr.read().decode(errors="replace")
    finally:
        if ct.poll() is None:
            ct.kill()
            ct.wait()
    assert ct.returncode == 0
    events, created, failed, lost, kinds = human_summary(err)
    # TIME PCOMM(any text) PID TID CPID CTID KIND CALL FLAGS
    row = re.compile(r"[\d.]+ (.*?) +(\d+) +(\d+) +(\d+|-) +(\d+|-) "
                     r"(\S+) +(\S+) (.*)")
    rows = [row.fullmatch(ln) for ln in out.read_text().splitlines()[1:]]
    assert all(rows)
    assert events == len(rows) >= 8 and lost == 0
    assert failed == sum(1 for r in rows if r.group(4) == "-")
    assert created == events - failed
    by_kind = {}
    for r in rows:
        by_kind[r.group(6)] = by_kind.get(r.group(6), 0) + 1
    assert kinds == by_kind


def test_pid_target_exits(tracer, tmp_path):
    target = subprocess.Popen(["sleep", "1"])
    ct = subprocess.Popen([tracer, "-v", "--json", "-o",
                           str(tmp_path / "trace"), "-p", str(target.pid)],
                          stderr=subprocess.PIPE)
    try:
        wait_ready(ct)
        target.wait()
        start = time.monotonic()
        ct.wait(timeout=15)
        waited = time.monotonic() - start
        err = ct.stderr.read().decode(errors="replace")
    finally:
        for p in (ct, target):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert ct.returncode == 0, err
    assert "exited" in err.lower(), (
        "clonetrace did not say that %d exited: %r" % (target.pid, err))
    assert waited < 10


def test_hostile_comm_json(tracer, tmp_path):
    """Hostile comms still give valid JSON lines (default attach mode)."""
    exp = tmp_path / "expect"
    out = tmp_path / "trace"
    with open(exp, "wb") as f:
        r = run([tracer, "--json", "-o", str(out), "-c",
                 workload("ct-comm")], stdout=f, stderr=subprocess.PIPE,
                capture_output=False)
    assert r.returncode == 0, r
    for raw in out.read_bytes().splitlines():
        raw.decode("utf-8")
        assert not any(b < 0x20 for b in raw), raw
        json.loads(raw)
    check_trace(str(exp), str(out))


def test_zombie_pid(tracer):
    """-p on a process that has exited but is not reaped: refused, saying
    it is a zombie and whose (a zombie still has /proc/PID and ps shows
    it, but nothing of it can create tasks)."""
    child = subprocess.Popen(["sleep", "0"])
    deadline = time.time() + 10
    while time.time() < deadline:       # until it is a zombie
        with open("/proc/%d/stat" % child.pid) as f:
            if f.read().split(") ")[1].startswith("Z"):
                break
        time.sleep(0.05)
    try:
        r = run([tracer, "-p", str(child.pid)], timeout=10)
        assert r.returncode == RUNTIME, r
        one_line(r, "process %d has exited" % child.pid, "zombie",
                 "parent %d has not reaped" % os.getpid())
    finally:
        child.wait()


def test_command_stopped_by_sigterm(tracer, tmp_path):
    """SIGTERM to clonetrace -c: the command gets it too, clonetrace exits
    with the command's status (128+15) and leaves nothing running."""
    pidfile = tmp_path / "pid"
    ct = subprocess.Popen([tracer, "-v", "-o", "/dev/null", "-c",
                           "sh -c 'echo $$ > %s; exec sleep 60'" % pidfile],
                          stderr=subprocess.PIPE)
    wait_ready(ct)
    deadline = time.time() + 10
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.time() < deadline, "the command never started"
        time.sleep(0.05)
    cmd = int(pidfile.read_text())
    ct.send_signal(signal.SIGTERM)
    assert ct.wait(timeout=TIMEOUT) == 128 + signal.SIGTERM
    assert not os.path.exists("/proc/%d" % cmd), "the command was orphaned"


def test_share_json_hostile_comm(tracer, tmp_path):
    """clonetrace share -j stays valid JSON for any comm, escaped as the
    tracer's JSON is (checktrace's independent implementation)."""
    import checktrace
    raw = b'a\xff"b\x01\\c'
    prog = tmp_path / "name"
    src = tmp_path / "name.c"
    src.write_text('#include <sys/prctl.h>\n#include <unistd.h>\n'
                   'int main(void) { prctl(PR_SET_NAME, "a\\xff\\"b\\x01\\\\c");'
                   ' pause(); return 0; }\n')
    subprocess.run(["gcc", "-o", str(prog), str(src)], check=True)
    p = subprocess.Popen([str(prog)])
    try:
        time.sleep(0.2)
        r = run([tracer, "share", "-p", str(p.pid), "-j"])
        assert r.returncode == 0, r
        assert checktrace.raw_control(r.stdout.decode().rstrip("\n")) is None
        doc = json.loads(r.stdout)
        comm = doc["tasks"][0]["comm"]
        assert comm in checktrace.escape_comm(raw), (comm, raw)
    finally:
        p.kill()
        p.wait()
