# SPDX-License-Identifier: GPL-2.0
"""Each workload under the real tracer, in every attach mode the host allows.

The workload states what it created (stdout); clonetrace records what the
kernel did; tests/checktrace.py compares the two field by field.
"""

import json
import os
import signal
import subprocess

import pytest

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
    ("ct-pidslimit", []),
    ("ct-threads", ["1"]),
    ("ct-threads", ["50"]),
    ("ct-comm", []),
]
IDS = [" ".join([p] + a) for p, a in WORKLOADS]

SKIP = 77


def run_command_mode(mode, prog, args, tmp_path, json_out=True):
    """clonetrace -c 'WORKLOAD ARGS': returns (expect_path, trace_path)."""
    exp = tmp_path / "expect"
    out = tmp_path / "trace"
    cmd = [CLONETRACE, "--mode", mode, "-o", str(out),
           "-c", " ".join([workload(prog)] + args)]
    if json_out:
        cmd.insert(1, "--json")
    with open(exp, "wb") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
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


@pytest.mark.parametrize("prog", ["ct-fork", "ct-pthread", "ct-einval"])
def test_human(mode, prog, tmp_path):
    """Human output: one line per creation with the child TID and kind."""
    exp, out = run_command_mode(mode, prog, [], tmp_path, json_out=False)
    lines = out.read_text(errors="replace").splitlines()
    for e in expectations(exp):
        if e["expect"] == "clone":
            tid = str(e["child"]["tid"])
            hits = [ln for ln in lines if tid in ln.split()]
            assert len(hits) == 1, (
                "%s: want one human line with child TID %s, got %r"
                % (e["label"], tid, hits))
            words = hits[0].split()
            assert e["kind"] in words, (
                "%s: kind %r not on the line %r"
                % (e["label"], e["kind"], hits[0]))
            assert e["syscall"] in words, (
                "%s: syscall %r not on the line %r"
                % (e["label"], e["syscall"], hits[0]))
        elif e["expect"] == "clone_failed":
            hits = [ln for ln in lines if e["error"] in ln and
                    str(e["parent"]["tid"]) in ln.split()]
            assert hits, ("%s: no human line with %s and parent TID %s"
                          % (e["label"], e["error"], e["parent"]["tid"]))


def test_human_hostile_comm(mode, tmp_path):
    """A hostile comm must not break the one-line-per-event layout."""
    exp, out = run_command_mode(mode, "ct-comm", [], tmp_path,
                                json_out=False)
    data = out.read_bytes()
    clones = [e for e in expectations(exp) if e["expect"] == "clone"]
    lines = data.split(b"\n")
    for e in clones:
        tid = str(e["child"]["tid"]).encode()
        hits = [ln for ln in lines if tid in ln.split()]
        assert len(hits) == 1 and b"process" in hits[0].split(), (
            "comm %s: want one line with TID %s and kind, got %r"
            % (e["child"]["comm_hex"], tid.decode(), hits))
    bad = [ln for ln in lines
           if any(b < 0x20 and b != 0x09 for b in ln)]
    assert not bad, "raw control bytes in human output: %r" % bad


def test_signal_stops_follow(mode, tmp_path):
    """SIGTERM while following a paused workload: clean stop, summary."""
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
    finally:
        wl.kill()
        wl.wait()
    last = out.read_text().splitlines()[-1]
    assert json.loads(last)["event"] == "summary"
    assert os.path.getsize(out) > 0
