# SPDX-License-Identifier: GPL-2.0
"""Shared fixtures for the clonetrace host tests (see tests/README.md)."""

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)
sys.path.insert(0, TESTS)

import checktrace  # noqa: E402

CLONETRACE = os.environ.get("CLONETRACE", os.path.join(REPO, "clonetrace"))
WORKLOADS = os.environ.get("CT_WORKLOADS",
                           os.path.join(REPO, "tools", "workloads"))
ALL_MODES = ["tp_btf", "raw_tp", "fentry"]
# Modes this project's machines allow (fentry is refused there, EPERM):
# a refusal there is a failure, a refusal of any other mode a skip.
HOST_MODES = {"tp_btf", "raw_tp"}
READY = "clonetrace: tracing"
TIMEOUT = 60


def modes():
    env = os.environ.get("CT_MODES")
    if env:
        return [m for m in env.split(",") if m]
    return ALL_MODES


def need_root():
    if os.geteuid() != 0:
        pytest.skip("clonetrace needs root")


def need_clonetrace():
    if not os.access(CLONETRACE, os.X_OK):
        pytest.skip("no clonetrace binary at %s (run make)" % CLONETRACE)


def workload(name):
    return os.path.join(WORKLOADS, name)


@pytest.fixture(scope="session")
def workloads_built():
    """Build the dynamic workloads once (cheap when up to date)."""
    if "CT_WORKLOADS" not in os.environ:
        r = subprocess.run(["make", "-s", "-C", WORKLOADS],
                           capture_output=True, text=True)
        if r.returncode:
            pytest.fail("building workloads failed:\n" + r.stderr)
    return WORKLOADS


_mode_ok = {}


def probe_mode(mode):
    """Return None if MODE attaches here, else clonetrace's complaint."""
    if mode not in _mode_ok:
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([CLONETRACE, "--mode", mode, "--json",
                                "-o", os.path.join(tmp, "probe.json"),
                                "-c", "true"],
                               capture_output=True, text=True,
                               timeout=TIMEOUT)
        _mode_ok[mode] = None if r.returncode == 0 else (
            "status %d: %s" % (r.returncode, r.stderr.strip()))
    return _mode_ok[mode]


@pytest.fixture(params=modes())
def mode(request, workloads_built):
    need_root()
    need_clonetrace()
    m = request.param
    why = probe_mode(m)
    if why is not None:
        if m in HOST_MODES:
            pytest.fail("--mode %s refused on this host: %s" % (m, why))
        pytest.skip("--mode %s not available here: %s" % (m, why))
    return m


@pytest.fixture
def tracer(workloads_built):
    """Root + binary, no mode: for tests of the command line itself."""
    need_root()
    need_clonetrace()
    return CLONETRACE


def wait_ready(proc, timeout=TIMEOUT):
    """Read PROC's stderr until the readiness line; return what was read."""
    seen = []
    buf = b""
    end = time.monotonic() + timeout
    fd = proc.stderr.fileno()
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            if proc.poll() is not None:
                break
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode("utf-8", "replace")
            seen.append(text)
            if text.startswith(READY):
                return seen
    pytest.fail("clonetrace never printed %r on stderr (status %r); "
                "stderr so far: %r" % (READY, proc.poll(), seen + [buf]))


def check_trace(expect_path, trace_path, mode=None):
    problems, nexp = checktrace.check(expect_path, trace_path, mode)
    if problems:
        pytest.fail("%d problem(s):\n%s" % (len(problems),
                                            "\n".join(problems)))
    return nexp


# ---- tests that need no privilege run without it ----

NOBODY = 65534


def unprivileged(argv):
    """argv as an unprivileged user: as root, through setpriv as nobody
    (so that a test that needs no privilege proves it), else as is."""
    if os.geteuid() != 0:
        return list(argv)
    return ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
            "--clear-groups"] + list(argv)


@pytest.fixture
def public_dir():
    """A directory every user can read (pytest's own is root's alone)."""
    d = tempfile.mkdtemp(prefix="ct-test-")
    os.chmod(d, 0o755)
    yield d
    for name in os.listdir(d):
        os.unlink(os.path.join(d, name))
    os.rmdir(d)


@pytest.fixture
def binary():
    """The clonetrace binary, for tests that need no root."""
    need_clonetrace()
    return CLONETRACE


# ---- a waiting workload traced with -p ----

def stopped(pid):
    """Is PID in the stopped state (T) yet?"""
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(") ", 1)[1].startswith("T")


def trace_pid(workload_argv, tracer_args, out, pause=False, mode=None):
    """Run WORKLOAD_ARGV, which waits for one byte on stdin (-w), trace it
    with clonetrace -v -p PID TRACER_ARGS -o OUT, release it and wait for
    clonetrace to notice that it is gone.

    PAUSE: clonetrace is stopped (SIGSTOP) before the workload is
    released and continued (SIGCONT) only once the workload has exited,
    so that nothing reads the ring buffer meanwhile.

    Returns (workload stdout, clonetrace stderr); fails the test when
    either exits with an error (77 from the workload skips).
    """
    wl = subprocess.Popen(workload_argv, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ct = None
    try:
        cmd = [CLONETRACE, "-v", "-o", str(out), "-p", str(wl.pid)]
        if mode:
            cmd += ["--mode", mode]
        ct = subprocess.Popen(cmd + list(tracer_args),
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        err = wait_ready(ct)
        if pause:
            ct.send_signal(signal.SIGSTOP)
            end = time.monotonic() + TIMEOUT
            while not stopped(ct.pid):
                assert time.monotonic() < end, "clonetrace never stopped"
                time.sleep(0.01)
        wl_out, wl_err = wl.communicate(b"g", timeout=TIMEOUT)
        if wl.returncode == 77:
            pytest.skip(wl_err.decode(errors="replace"))
        assert wl.returncode == 0, "%s exited %d: %s" % (
            workload_argv[0], wl.returncode, wl_err.decode(errors="replace"))
        if pause:
            ct.send_signal(signal.SIGCONT)
        try:
            rest = ct.communicate(timeout=TIMEOUT)[1]
        except subprocess.TimeoutExpired:
            pytest.fail("clonetrace -p did not stop after its target "
                        "exited")
        err = "\n".join(err) + "\n" + rest.decode(errors="replace")
        assert ct.returncode == 0, "clonetrace exited %d: %s" % (
            ct.returncode, err)
        return wl_out, err
    finally:
        for p in (wl, ct):
            if p is not None and p.poll() is None:
                if p is ct:
                    p.send_signal(signal.SIGCONT)
                p.kill()
                p.wait()


def restate(expect_path, keep, out_path):
    """A workload's statement cut down to the lines KEEP accepts, its
    total line recounted: what a filtered trace must match exactly."""
    with open(expect_path) as f:
        exps = [json.loads(ln) for ln in f if ln.strip()]
    kept = [e for e in exps if e["expect"] != "total" and keep(e)]
    total = [e for e in exps if e["expect"] == "total"]
    assert len(total) == 1, "the workload stated no total"
    total = dict(total[0],
                 clones=sum(e["expect"] == "clone" for e in kept),
                 failed=sum(e["expect"] == "clone_failed" for e in kept))
    with open(out_path, "w") as f:
        for e in kept + [total]:
            f.write(json.dumps(e) + "\n")
    return out_path


# enum bpf_prog_type (include/uapi/linux/bpf.h)
PROG_TRACEPOINT, PROG_RAW_TRACEPOINT, PROG_TRACING = 5, 17, 26


def prog_types(pid):
    """The types of the BPF programs process PID holds (prog_type in
    /proc/PID/fdinfo): PROG_TRACING for tp_btf and fentry,
    PROG_RAW_TRACEPOINT for raw_tp, PROG_TRACEPOINT for the syscall
    tracepoints. What really got loaded, whatever -v says."""
    types = []
    fdinfo = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fdinfo):
        try:
            with open(os.path.join(fdinfo, fd)) as f:
                for line in f:
                    if line.startswith("prog_type:"):
                        types.append(int(line.split(":", 1)[1]))
        except OSError:
            continue        # closed meanwhile
    return types
