# SPDX-License-Identifier: GPL-2.0
"""The fault matrix: every way a run can end or fail, and what it leaves.

For each fault the test checks the exit status (docs/clonetrace.8, EXIT
STATUS), the one stderr line naming the problem, the output's integrity
(every complete JSON line valid, the summary last where it is promised,
the recording's end frame), and that nothing is left behind: no -c
command, --alert-exec command or share helper still running, no BPF
program or link of the clonetrace under test still loaded (the IDs it
held, read from /proc/PID/fdinfo while it ran, looked up with bpftool
after: other runs on the machine are never counted).

SIMPLE is the table of the faults that are one command line run to its
end; the functions after it are the faults that need a choreography
(signals at each phase, a reader that stalls, a full file system, a
process that exits mid-read). Cases that need no privilege run as nobody
(conftest.unprivileged).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

import checktrace
import recording
from conftest import (CLONETRACE, TIMEOUT, need_clonetrace, need_root,
                      unprivileged, wait_ready, workload)

OK, RUNTIME, USAGE, CANNOT_RUN, NOT_FOUND = 0, 1, 2, 126, 127
# The interpreter of the helpers, one any user can run.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else \
    sys.executable
BPFTOOL = shutil.which("bpftool") or "/usr/sbin/bpftool"
# A stop must end a run well within this, whatever the output does (the
# output is given up 2 s after the stop; detaching and a loaded machine
# take the rest).
PROMPT = 20


# ---- what a run leaves behind ----

def bpf_held(pid):
    """(program IDs, link IDs) of the BPF objects pid holds now."""
    progs, links = set(), set()
    fdinfo = "/proc/%d/fdinfo" % pid
    try:
        names = os.listdir(fdinfo)
    except OSError:
        return progs, links
    for name in names:
        try:
            with open(os.path.join(fdinfo, name)) as f:
                text = f.read()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key == "prog_id":
                progs.add(int(value))
            elif key == "link_id":
                links.add(int(value))
    return progs, links


class Watch:
    """While process pid runs, the BPF programs and links it holds."""

    def __init__(self, pid):
        self.pid = pid
        self.progs, self.links = set(), set()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self):
        while not self.done.is_set() and alive(self.pid):
            p, l = bpf_held(self.pid)
            self.progs |= p
            self.links |= l
            self.done.wait(0.05)

    def stop(self):
        self.done.set()
        self.thread.join()
        return self


def loaded(kind):
    r = subprocess.run([BPFTOOL, kind, "show", "--json"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    return {x["id"] for x in json.loads(r.stdout or "[]")}


def assert_detached(watch, attached=True):
    """None of what the process held is loaded any more."""
    watch.stop()
    if attached:
        assert watch.progs and watch.links, (
            "never saw the BPF objects of %d" % watch.pid)
    deadline = time.monotonic() + 10
    while True:
        progs = watch.progs & loaded("prog")
        links = watch.links & loaded("link")
        if not progs and not links:
            return
        assert time.monotonic() < deadline, (
            "left loaded: programs %s, links %s" % (progs, links))
        time.sleep(0.1)


def alive(pid):
    """Does pid run (a zombie does not)?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def assert_gone(pids, what, timeout=10):
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids):
        assert time.monotonic() < deadline, "%s still running: %s" % (
            what, [p for p in pids if alive(p)])
        time.sleep(0.05)


def read_pids(path, timeout=TIMEOUT):
    """The PIDs a command wrote, one a line, once there is one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(path) as f:
                pids = [int(x) for x in f.read().split()]
            if pids:
                return pids
        except (OSError, ValueError):
            pass
        assert time.monotonic() < deadline, "no PID in %s" % path
        time.sleep(0.05)


def kill_all(*procs):
    for p in procs:
        if p is not None and p.poll() is None:
            p.kill()
            p.wait()


# ---- what a run printed ----

def json_records(data, summary=True):
    """Every complete line of data is a JSON record; with summary, the
    output is whole: no cut line, the summary last, events before."""
    lines = data.split(b"\n")
    tail = lines.pop()
    recs = [json.loads(ln.decode("utf-8")) for ln in lines]
    if summary:
        assert tail == b"", "a cut last line: %r" % tail[-80:]
        assert recs and recs[-1]["event"] == "summary", (
            "no summary last: %r" % lines[-1:])
        for r in recs[:-1]:
            assert r["event"] != "summary"
    return recs


SUMMARY = re.compile(r"clonetrace: \d+ events in ")


def one_line(err, words):
    """stderr is one line, naming each of words (a human summary aside:
    it goes to stderr, which works)."""
    lines = [ln for ln in err.splitlines()
             if ln.strip() and not SUMMARY.match(ln)]
    assert len(lines) == 1, "want one stderr line, got %r" % lines
    for w in words:
        assert w in lines[0], "%r does not mention %r" % (lines[0], w)
    return lines[0]


def report_whole(path):
    """The recording reads to its end frame (report checks every byte)."""
    r = subprocess.run([CLONETRACE, "report", "-s", "summary", path],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, "recording not whole: %s" % r.stderr


# ---- the table: one command line, run to its end ----

# stdout: "pipe" (read by the test), "full" (/dev/full), "closed", or
# "gone" (a pipe whose reader has already gone).
# (id, argv, root, stdout, status, words of the one stderr line: None for
# no stderr at all, [] for anything)
SIMPLE = [
    # option values (every one: test_usage.py)
    ("duration beyond the limit", ["-d", "1e10"], False, "pipe", USAGE,
     ["'1e10'", "1e+09"]),
    ("buffer not a power of two", ["-b", "100"], False, "pipe", USAGE,
     ["power of two"]),
    ("command before its name", ["-v", "report", "x.ctr"], False, "pipe",
     USAGE, ["'report' is a command", "clonetrace report"]),
    ("-o and -w one file", ["-o", "{tmp}/x", "-w", "{tmp}/x", "-c", "true"],
     False, "pipe", USAGE, ["-o and -w", "same file", "{tmp}/x"]),
    ("-w and --dot one file", ["-w", "{tmp}/x", "--dot", "{tmp}/x"], False,
     "pipe", USAGE, ["-w and --dot", "same file"]),
    # report, explain, share: their output
    ("report to /dev/full", ["report", "{rec}"], False, "full", RUNTIME,
     ["standard output", "No space left on device"]),
    ("report to a closed stdout", ["report", "{rec}"], False, "closed",
     RUNTIME, ["standard output", "Bad file descriptor"]),
    ("report to a gone reader", ["report", "{rec}"], False, "gone", OK,
     None),
    ("report --json to a gone reader", ["report", "--json", "{rec}"], False,
     "gone", OK, None),
    ("report --dot to a bad path",
     ["report", "--dot", "/nonexistent-ct/t.dot", "{rec}"], False, "pipe",
     RUNTIME, ["/nonexistent-ct/t.dot", "No such file"]),
    # root: the test's pipe is root's, which nobody cannot open
    ("report --dot to stdout", ["report", "--dot", "/dev/stdout", "{rec}"],
     True, "pipe", RUNTIME, ["standard output"]),
    ("report of a cut recording", ["report", "{cut}"], False, "pipe",
     RUNTIME, ["truncated"]),
    ("report --perfetto to /dev/full",
     ["report", "--perfetto", "/dev/full", "{rec}"], False, "pipe", RUNTIME,
     ["--perfetto file '/dev/full'", "No space left"]),
    ("report --chrome to /dev/full",
     ["report", "--chrome", "/dev/full", "{rec}"], False, "pipe", RUNTIME,
     ["--chrome file '/dev/full'", "No space left"]),
    ("report --chrome to a bad path",
     ["report", "--chrome", "/nonexistent-ct/t.json", "{rec}"], False,
     "pipe", RUNTIME, ["/nonexistent-ct/t.json", "No such file"]),
    ("report --perfetto of a cut recording",
     ["report", "--perfetto", "{tmp}/t.pftrace", "{cut}"], False, "pipe",
     RUNTIME, ["truncated"]),
    ("report of a corrupt recording", ["report", "{flip}"], False, "pipe",
     RUNTIME, ["checksum mismatch"]),
    ("explain to /dev/full", ["explain", "VM"], False, "full", USAGE,
     ["standard output", "No space left on device"]),
    ("explain --json to /dev/full", ["explain", "--json", "VM"], False,
     "full", USAGE, ["No space left on device"]),
    ("explain to a closed stdout", ["explain", "VM"], False, "closed", USAGE,
     ["standard output", "Bad file descriptor"]),
    ("explain refused, to /dev/full", ["explain", "SIGHAND"], False, "full",
     USAGE, ["No space left on device"]),
    ("explain to a gone reader", ["explain", "VM"], False, "gone", OK, None),
    ("share to /dev/full", ["share", "-p", "{sleeper}"], False, "full",
     RUNTIME, ["standard output", "No space left on device"]),
    ("share to a closed stdout", ["share", "-p", "{sleeper}"], False,
     "closed", RUNTIME, ["Bad file descriptor"]),
    ("share to a gone reader", ["share", "-j", "-p", "{sleeper}"], False,
     "gone", OK, None),
    # the tracer
    ("-c not executable", ["-o", "/dev/null", "-c", "{noexec}"], True,
     "pipe", CANNOT_RUN, ["Permission denied", "{noexec}"]),
    ("-c a directory", ["-o", "/dev/null", "-c", "{tmp}"], True, "pipe",
     CANNOT_RUN, ["Is a directory"]),
    ("-c not found", ["-o", "/dev/null", "-c", "nosuch-ct-command"], True,
     "pipe", NOT_FOUND, ["command not found", "nosuch-ct-command"]),
    ("stdout closed", ["--json", "-c", "{fork}"], True, "closed", RUNTIME,
     ["standard output is closed"]),
    ("stdout /dev/full", ["--json", "-c", "{fork}"], True, "full", RUNTIME,
     ["standard output", "No space left on device"]),
    ("-o /dev/full", ["--json", "-o", "/dev/full", "-c", "{fork}"], True,
     "pipe", RUNTIME, ["output file", "No space left on device"]),
    ("-o unwritable", ["-o", "/proc/nope/x", "-c", "true"], True, "pipe",
     RUNTIME, ["/proc/nope/x"]),
    ("stdout to a gone reader", ["--json", "-c", "{threads}"], True, "gone",
     OK, None),
    ("--dot to a bad path", ["-o", "/dev/null", "--dot",
                             "/nonexistent-ct/t.dot", "-c", "{fork}"], True,
     "pipe", RUNTIME, ["/nonexistent-ct/t.dot", "No such file"]),
    ("-w and -o one file by a link", ["-o", "{tmp}/o", "-w", "{tmp}/link",
                                      "-c", "true"], True, "pipe", RUNTIME,
     ["same file"]),
    ("-w standard output", ["-w", "/dev/stdout", "-c", "true"], True, "pipe",
     RUNTIME, ["same file", "standard output"]),
    ("--prometheus one of the outputs", ["-o", "{tmp}/o", "--prometheus",
                                         "{tmp}/link", "-c", "true"], True,
     "pipe", RUNTIME, ["same file"]),
    # top
    ("top --prometheus unwritable", ["top", "-n", "1", "-i", "0.2",
                                     "--prometheus", "/proc/nope/x.prom"],
     True, "pipe", RUNTIME, ["/proc/nope/x.prom"]),
    ("top to /dev/full", ["top", "-n", "1", "-i", "0.2"], True, "full",
     RUNTIME, ["standard output", "No space left on device"]),
    ("top to a closed stdout", ["top", "-n", "1", "-i", "0.2"], True,
     "closed", RUNTIME, ["standard output"]),
    ("top to a gone reader", ["top", "-n", "2", "-i", "0.2"], True, "gone",
     OK, None),
]


@pytest.fixture
def env(public_dir, workloads_built):
    """What the table's arguments name: {tmp}, {rec}, {noexec}, ..."""
    tmp = public_dir
    ev = [recording.event(1_000_000_000 + i * 1000, 100, 100, "p", "clone",
                          "process", flags=0x1200000, pid=200 + i,
                          tid=200 + i, comm="c", refs=[1] * 8)
          for i in range(300)]
    good = recording.recording(ev, chunk=50)
    files = {
        "rec": good,
        "cut": good[:len(good) // 2],
        "flip": good[:60] + bytes([good[60] ^ 1]) + good[61:],
    }
    e = {"tmp": tmp, "fork": workload("ct-fork"),
         "threads": workload("ct-threads") + " 300"}
    for name, data in files.items():
        e[name] = os.path.join(tmp, name + ".ctr")
        with open(e[name], "wb") as f:
            f.write(data)
        os.chmod(e[name], 0o644)
    e["noexec"] = os.path.join(tmp, "noexec.sh")
    with open(e["noexec"], "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(e["noexec"], 0o644)
    open(os.path.join(tmp, "o"), "w").close()
    os.symlink(os.path.join(tmp, "o"), os.path.join(tmp, "link"))
    sleeper = subprocess.Popen(unprivileged(["sleep", "300"]))
    e["sleeper"] = str(sleeper.pid)
    yield e
    kill_all(sleeper)


def spawn(argv, stdout_mode, root, **kw):
    """Start argv with stdout as the mode says; (process, stdout pipe)."""
    close_fds = []
    preexec = None
    if stdout_mode == "pipe":
        out = subprocess.PIPE
    elif stdout_mode == "full":
        out = open("/dev/full", "wb")
        close_fds.append(out)
    elif stdout_mode == "closed":
        out = None
        preexec = lambda: os.close(1)       # noqa: E731
    else:                                   # "gone"
        r, w = os.pipe()
        os.close(r)
        out = w
        close_fds.append(w)
    argv = argv if root else unprivileged(argv)
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE,
                         preexec_fn=preexec, **kw)
    for f in close_fds:
        f.close() if hasattr(f, "close") else os.close(f)
    return p


@pytest.mark.parametrize("case", SIMPLE, ids=[c[0] for c in SIMPLE])
def test_simple(case, env):
    name, args, root, stdout_mode, status, words = case
    need_clonetrace()
    if root:
        need_root()
    argv = [CLONETRACE] + [a.format(**env) for a in args]
    p = spawn(argv, stdout_mode, root)
    watch = Watch(p.pid) if root else None
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        kill_all(p)
    err = err.decode(errors="replace")
    assert p.returncode == status, (p.returncode, err)
    if words is None:
        assert err == "", "noisy stderr: %r" % err
    elif words:
        one_line(err, [w.format(**env) for w in words])
    refused = status == USAGE or (args[0] == "report" and status == RUNTIME)
    if refused and stdout_mode == "pipe":
        assert not out, "printed before refusing: %r" % out[:200]
    if watch:
        assert_detached(watch, attached=False)


# What report refuses at once: nothing to open blocking (a FIFO nobody
# writes to blocked open() for ever), nothing to map.
NOT_REGULAR = [("fifo", "{tmp}/fifo"), ("directory", "{tmp}"),
               ("device", "/dev/null")]


@pytest.mark.parametrize("case", NOT_REGULAR, ids=[c[0] for c in NOT_REGULAR])
def test_report_not_regular(case, env):
    """report of a FIFO, a directory, a device: refused within seconds,
    one line, status 1, nothing printed."""
    _, path = case
    need_clonetrace()
    os.mkfifo(os.path.join(env["tmp"], "fifo"), 0o644)
    path = path.format(**env)
    p = spawn([CLONETRACE, "report", path], "pipe", False)
    try:
        out, err = p.communicate(timeout=5)
    finally:
        kill_all(p)
    assert p.returncode == RUNTIME, (p.returncode, err)
    one_line(err.decode(errors="replace"), ["'%s'" % path,
                                            "not a regular file"])
    assert not out, out[:200]


# Descriptor limits below what a run needs (docs/USAGE.md): at 12 libbpf
# fails its probes and the kernel's refusal reads "Invalid argument", at
# 24 the attaching itself fails with EMFILE.
LOW_FDS = [(n, cmd) for n in (12, 24) for cmd in (
    ["-o", "/dev/null", "-c", "true"],
    ["top", "-n", "1", "-i", "0.2"])]


@pytest.mark.parametrize("limit,args", LOW_FDS,
                         ids=["%d-%s" % (n, a[0]) for n, a in LOW_FDS])
def test_low_fd_limit(limit, args, workloads_built):
    """ulimit -n too low for the programs: one line naming the limit and
    the fix, status 1, nothing left attached."""
    need_root()
    p = subprocess.Popen(["sh", "-c", 'ulimit -n %d && exec "$@"' % limit,
                          "sh", CLONETRACE] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    watch = Watch(p.pid)
    try:
        out, err = p.communicate(timeout=TIMEOUT)
    finally:
        kill_all(p)
    err = err.decode(errors="replace")
    assert p.returncode == RUNTIME, (p.returncode, err)
    one_line(err, ["too many open files (ulimit -n %d)" % limit,
                   "descriptors", "raise it with ulimit -n"])
    assert not out
    assert_detached(watch, attached=False)


def test_closed_stdin_stderr(tracer, tmp_path):
    """Closed standard input and error are no problem: the run works and
    nothing lands on their numbers."""
    exp, out = tmp_path / "expect", tmp_path / "trace"
    with open(exp, "wb") as f:
        p = subprocess.Popen([tracer, "--json", "-o", str(out), "-c",
                              workload("ct-fork")], stdout=f,
                             preexec_fn=lambda: (os.close(0), os.close(2)))
        assert p.wait(timeout=TIMEOUT) == OK
    checktrace_ok(exp, out)


def checktrace_ok(exp, out):
    problems, _ = checktrace.check(str(exp), str(out), None)
    assert not problems, "\n".join(problems)


# ---- signals, at each phase ----

STOPS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT]
STOP_IDS = [s.name for s in STOPS]


def start_traced(tracer, tmp_path, extra=(), **kw):
    """clonetrace --json -v -o OUT -w REC EXTRA, ready; (proc, watch)."""
    p = subprocess.Popen([tracer, "--json", "-v", "-o",
                          str(tmp_path / "out"), "-w", str(tmp_path / "rec")]
                         + list(extra), stderr=subprocess.PIPE, **kw)
    watch = Watch(p.pid)
    wait_ready(p)
    return p, watch


@pytest.mark.parametrize("sig", STOPS, ids=STOP_IDS)
def test_stop_while_attached(tracer, tmp_path, sig):
    """Every stop signal: status 0, the summary last, the recording
    whole, nothing loaded (SIGHUP and SIGQUIT killed it, cutting the
    output mid-line and leaving the recording without its end)."""
    p, watch = start_traced(tracer, tmp_path)
    try:
        subprocess.run([workload("ct-fork")], stdout=subprocess.DEVNULL,
                       check=True)
        p.send_signal(sig)
        p.wait(timeout=PROMPT)
    finally:
        kill_all(p)
    err = p.stderr.read().decode(errors="replace")
    assert p.returncode == OK, (p.returncode, err)
    recs = json_records((tmp_path / "out").read_bytes())
    assert recs[-1]["events"] == len(recs) - 1 > 0
    report_whole(str(tmp_path / "rec"))
    assert_detached(watch)


@pytest.mark.parametrize("sig", STOPS, ids=STOP_IDS)
def test_stop_during_command(tracer, tmp_path, sig):
    """Every stop signal goes on to the -c command: status 128+N, the
    command gone, the output and the recording whole (SIGHUP and
    SIGQUIT left the command running under init)."""
    pidfile = tmp_path / "pid"
    p, watch = start_traced(tracer, tmp_path, [
        "-c", "sh -c 'echo $$ > %s; exec sleep 60'" % pidfile])
    try:
        cmd = read_pids(pidfile)
        p.send_signal(sig)
        p.wait(timeout=PROMPT)
    finally:
        kill_all(p)
    assert p.returncode == 128 + sig, p.stderr.read()
    assert_gone(cmd, "the -c command")
    json_records((tmp_path / "out").read_bytes())
    report_whole(str(tmp_path / "rec"))
    assert_detached(watch)


def wchan(pid):
    try:
        with open("/proc/%d/wchan" % pid) as f:
            return f.read()
    except OSError:
        return ""


def test_stop_before_attach(tracer, tmp_path):
    """A stop while the outputs are opened (here blocked opening a FIFO
    as -w, before attaching): status 128+N, the -o file it created
    removed, nothing attached, the command never run (the signal killed
    it, leaving the -o file)."""
    fifo, out, ran = tmp_path / "fifo", tmp_path / "out", tmp_path / "ran"
    os.mkfifo(fifo)
    p = subprocess.Popen([tracer, "-o", str(out), "-w", str(fifo), "-c",
                          "touch %s" % ran], stderr=subprocess.PIPE)
    watch = Watch(p.pid)
    try:
        deadline = time.monotonic() + TIMEOUT
        while wchan(p.pid) not in ("wait_for_partner", "fifo_open"):
            assert p.poll() is None and time.monotonic() < deadline, (
                "never blocked on the FIFO", p.poll())
            time.sleep(0.02)
        assert out.exists()
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=PROMPT)
    finally:
        kill_all(p)
    assert p.returncode == 128 + signal.SIGTERM, p.stderr.read()
    assert p.stderr.read() == b""
    assert not out.exists(), "the output file it created is left"
    assert not ran.exists()
    assert_detached(watch, attached=False)


F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032


def fill_pipe(read_fd, proc, timeout=TIMEOUT):
    """Creations until proc is blocked writing to the pipe read_fd reads
    (its wchan says so; where the kernel names it otherwise, the pipe
    full and staying so)."""
    import array
    import fcntl
    import termios
    size = fcntl.fcntl(read_fd, F_GETPIPE_SZ)
    deadline = time.monotonic() + timeout
    full_since = None
    while True:
        if "pipe_write" in wchan(proc.pid):
            return
        buf = array.array("i", [0])
        fcntl.ioctl(read_fd, termios.FIONREAD, buf)
        if buf[0] >= size - 4096:
            full_since = full_since or time.monotonic()
            if time.monotonic() - full_since > 3:
                return
        else:
            full_since = None
        assert proc.poll() is None and time.monotonic() < deadline, (
            "the pipe never filled", buf[0], size)
        subprocess.run([workload("ct-threads"), "200"],
                       stdout=subprocess.DEVNULL)


def read_all(fd):
    os.set_blocking(fd, False)
    chunks = []
    while True:
        try:
            b = os.read(fd, 65536)
        except BlockingIOError:
            break
        if not b:
            break
        chunks.append(b)
    return b"".join(chunks)


@pytest.mark.parametrize("argv,sig", [
    (["--json", "-v"], signal.SIGTERM),
    (["--json", "-v"], signal.SIGINT),
    (["-v"], signal.SIGHUP),
    (["top", "--json", "-v", "-i", "0.1", "-r", "0"], signal.SIGTERM),
], ids=["tracer-TERM", "tracer-INT", "tracer-human-HUP", "top-TERM"])
def test_stop_blocked_on_full_pipe(tracer, argv, sig):
    """A reader that stalls: the stop detaches at once and gives the
    output up (it stayed attached, blocked in write(), as long as the
    reader stalled): status 1, the lines not written said, nothing
    loaded; what reached the pipe is whole JSON lines."""
    import fcntl
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 16384)     # full sooner
    p = subprocess.Popen([tracer] + argv, stdout=w, stderr=subprocess.PIPE)
    os.close(w)
    watch = Watch(p.pid)
    try:
        wait_ready(p)
        fill_pipe(r, p)
        start = time.monotonic()
        p.send_signal(sig)
        p.wait(timeout=PROMPT)
        took = time.monotonic() - start
    finally:
        kill_all(p)
        data = read_all(r)
        os.close(r)
    err = p.stderr.read().decode(errors="replace")
    assert p.returncode == RUNTIME, (p.returncode, err)
    assert "not read for" in err and "lines not written" in err, err
    assert took < PROMPT
    if "--json" in argv:
        json_records(data, summary=False)
    assert_detached(watch)


def test_stop_blocked_on_recording_fifo(tracer, tmp_path):
    """-w to a FIFO whose reader stalls: the stop detaches within the
    output's bound and gives the recording up, said in one line (it
    retried the blocked write for as long as the reader stalled), while
    the event output ends whole, summary last."""
    import fcntl
    fifo, out = tmp_path / "rec.fifo", tmp_path / "out"
    os.mkfifo(fifo)
    r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    fcntl.fcntl(r, F_SETPIPE_SZ, 16384)     # full sooner
    p = subprocess.Popen([tracer, "--json", "-v", "-o", str(out), "-w",
                          str(fifo)], stderr=subprocess.PIPE)
    watch = Watch(p.pid)
    try:
        wait_ready(p)
        fill_pipe(r, p)
        start = time.monotonic()
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=PROMPT)
        took = time.monotonic() - start
    finally:
        kill_all(p)
        os.close(r)
    err = p.stderr.read().decode(errors="replace")
    assert p.returncode == RUNTIME, (p.returncode, err)
    line = one_line(err, ["rec.fifo", "not read for"])
    assert "end frame" in line, line
    assert took < PROMPT
    json_records(out.read_bytes())
    assert_detached(watch)


def test_output_error_ends_run(tracer, tmp_path):
    """An output that fails ends the run at once and stops the command
    (it ran on until the command ended, and said it at the end)."""
    pidfile = tmp_path / "pid"
    p = subprocess.Popen([tracer, "-o", "/dev/full", "-c",
                          "sh -c 'echo $$ > %s; /bin/true; exec sleep 60'"
                          % pidfile], stderr=subprocess.PIPE)
    watch = Watch(p.pid)
    try:
        cmd = read_pids(pidfile)
        p.wait(timeout=PROMPT)
    finally:
        kill_all(p)
    one_line(p.stderr.read().decode(), ["No space left on device"])
    assert p.returncode == RUNTIME
    assert_gone(cmd, "the -c command")
    assert_detached(watch)


def test_command_done_with_pid(tracer, tmp_path):
    """-p PID -c CMD: the run ends with CMD, with its status, while PID
    lives on (it waited for PID too, saying nothing)."""
    target = subprocess.Popen(["sleep", "120"])
    out = tmp_path / "out"
    try:
        start = time.monotonic()
        p = subprocess.Popen([tracer, "--json", "-o", str(out), "-p",
                              str(target.pid), "-c", "sh -c 'sleep 1; exit 3'"],
                             stderr=subprocess.PIPE)
        watch = Watch(p.pid)
        try:
            p.wait(timeout=PROMPT)
        finally:
            kill_all(p)
        assert time.monotonic() - start < PROMPT
        assert p.returncode == 3, p.stderr.read()
        assert target.poll() is None
        json_records(out.read_bytes())
        assert_detached(watch)
    finally:
        kill_all(target)


@pytest.fixture
def fork_load():
    """Processes created all the time, for --alert to fire."""
    p = subprocess.Popen(["sh", "-c", "while :; do /bin/true; done"])
    yield p
    kill_all(p)


@pytest.mark.parametrize("argv", [
    ["top", "-d", "3", "-i", "0.5"],
    ["-o", "/dev/null", "-d", "3", "-i", "0.5"],
], ids=["top", "tracer"])
def test_alert_exec_stopped(tracer, tmp_path, fork_load, argv):
    """--alert-exec commands end with clonetrace and no longer hold its
    output ("| cat" waited for them: 60 s here, not 3)."""
    pids = tmp_path / "pids"
    cmd = "echo $$ >> %s; exec sleep 60" % pids
    start = time.monotonic()
    p = subprocess.Popen("'%s' %s --alert total:1 --alert-exec '%s' | cat"
                         % (tracer, " ".join(argv), cmd.replace("'", "")),
                         shell=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        p.wait(timeout=PROMPT + 10)
    finally:
        kill_all(p)
    started = read_pids(pids, timeout=1)
    assert time.monotonic() - start < PROMPT + 10
    assert p.returncode == OK, p.stderr.read()
    assert_gone(started, "an --alert-exec command")


def test_recording_enospc(tracer, tmp_path, workloads_built):
    """A recording that runs out of space: said, status 1, the run ended
    and the output whole (it said it and exited 0)."""
    mnt, out = tmp_path / "tiny", tmp_path / "out"
    mnt.mkdir()
    script = ('mount -t tmpfs -o size=4k none "$1" || exit 99; '
              'shift; exec "$@"')
    r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(mnt),
                        tracer, "--json", "-o", str(out), "-w",
                        str(mnt / "r.ctr"), "-c",
                        workload("ct-threads") + " 1000"],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode != 99, "could not mount a tmpfs"
    err = r.stderr.decode()
    assert r.returncode == RUNTIME, (r.returncode, err)
    line = one_line(err, ["r.ctr", "No space left on device"])
    assert "recording" in line
    json_records(out.read_bytes())


def test_two_instances(tracer, tmp_path):
    """Two tracers at once: each sees its own command, both whole."""
    procs = []
    for i in range(2):
        exp = open(tmp_path / ("exp%d" % i), "wb")
        procs.append((subprocess.Popen(
            [tracer, "--json", "-o", str(tmp_path / ("out%d" % i)), "-c",
             workload("ct-fork")], stdout=exp, stderr=subprocess.PIPE), exp))
    watches = [Watch(p.pid) for p, _ in procs]
    for p, exp in procs:
        assert p.wait(timeout=TIMEOUT) == OK, p.stderr.read()
        exp.close()
    for i in range(2):
        checktrace_ok(tmp_path / ("exp%d" % i), tmp_path / ("out%d" % i))
    for w in watches:
        assert_detached(w)


# ---- share ----

MANY_THREADS = ("import threading, time\n"
                "for _ in range(%d):\n"
                "    threading.Thread(target=time.sleep, args=(300,),"
                " daemon=True).start()\n"
                "print('ready', flush=True)\n"
                "time.sleep(300)\n")


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def test_share_killed_leaves_no_helper(binary):
    """share killed while it compares (its kcmp reference child alive):
    the child goes too (it stayed in pause() forever)."""
    many = subprocess.Popen(unprivileged([PYTHON, "-c",
                                          MANY_THREADS % 1500]),
                            stdout=subprocess.PIPE)
    helpers = set()
    try:
        assert many.stdout.readline().strip() == b"ready"
        for attempt in range(20):
            share = subprocess.Popen(unprivileged(
                [binary, "share", "-p", str(many.pid)]),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            real = share.pid
            deadline = time.monotonic() + TIMEOUT
            kids = []
            while share.poll() is None and time.monotonic() < deadline:
                # setpriv execs: the share process is the one started
                kids = children(real)
                if kids:
                    break
                time.sleep(0.001)
            if kids:
                share.send_signal(signal.SIGTERM)
                share.wait(timeout=TIMEOUT)
                helpers.update(kids)
                break
            share.wait(timeout=TIMEOUT)
        assert helpers, "never caught share with its helper"
        assert_gone(helpers, "share's kcmp helper")
    finally:
        kill_all(many)
        for h in helpers:
            if alive(h):
                os.kill(h, signal.SIGKILL)


CHURN = ("import threading, time\n"
         "def churn():\n"
         "    while True:\n"
         "        t = threading.Thread(target=time.sleep, args=(0.001,))\n"
         "        t.start(); t.join()\n"
         "for _ in range(8):\n"
         "    threading.Thread(target=churn, daemon=True).start()\n"
         "for _ in range(200):\n"
         "    threading.Thread(target=time.sleep, args=(300,),"
         " daemon=True).start()\n"
         "print('ready', flush=True)\n"
         "time.sleep(300)\n")


def test_share_task_exits_mid_read(binary):
    """Threads that exit while share compares them: left out and said,
    never blamed on CONFIG_KCMP or ptrace."""
    churn = subprocess.Popen(unprivileged([PYTHON, "-c", CHURN]),
                             stdout=subprocess.PIPE)
    seen = 0
    try:
        assert churn.stdout.readline().strip() == b"ready"
        for _ in range(15):
            r = subprocess.run(unprivileged([binary, "share", "-j", "-p",
                                             str(churn.pid)]),
                               capture_output=True, timeout=TIMEOUT)
            err = r.stderr.decode()
            assert "CONFIG_KCMP" not in err and "ptrace" not in err, err
            if r.returncode == OK:
                json.loads(r.stdout)
            else:
                one_line(err, ["exiting"])
            if "exited" in err or "exiting" in err:
                seen += 1
        assert seen, "no task ever exited during the comparisons"
    finally:
        kill_all(churn)
