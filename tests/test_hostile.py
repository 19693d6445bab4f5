# SPDX-License-Identifier: GPL-2.0
"""Hostile strings through every command's JSON and human output.

Strings clonetrace prints come from outside: comms (prctl, the name a
program is run by), the hostname (a UTS namespace), cgroup names,
recordings (any bytes a file can hold), the command line. Each test
puts quotes, backslashes, control bytes (C0, DEL, C1), bytes that are
not UTF-8 and terminal escape sequences into one of them, runs the
commands that show it, and requires:

- JSON: every line parses (valid UTF-8, no raw control byte), and the
  string decodes to the contract's escaping of the bytes (checktrace's
  escape_comm, written apart from clonetrace);
- human output: valid UTF-8 without any control character but newline,
  so that nothing reaches the terminal as a command.
"""

import json
import os
import random
import struct
import subprocess
import sys
import time
import zlib

import pytest

import checktrace
import formats
import recording
from conftest import TIMEOUT, unprivileged, workload

# The interpreter of the helpers, one any user can run.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else \
    sys.executable

HOST = b'h"o\\s\x1b[31mt\x07\x7f\xc2\x85\xff'
CGNAME = b'ct-\x1b[2J"q\\b\x7f\xc2\x9b\xff'
# 15 bytes, a comm's most; U+202E (right-to-left override) last
COMM = b'\x1b]0;pwn\x07"\\\xc2\x9b\xe2\x80\xae'


# The bidirectional-text controls: they reorder what a terminal shows
# (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069).
BIDI = {0x061c, 0x200e, 0x200f} | set(range(0x202a, 0x202f)) | \
    set(range(0x2066, 0x206a))


def clean(data, what):
    """data is text a terminal shows as it is: no control but newline,
    no bidirectional-text control."""
    text = data.decode("utf-8")             # invalid bytes are escaped
    bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or
           0x7f <= ord(c) < 0xa0 or ord(c) in BIDI]
    assert not bad, "%s: raw controls %r in %r" % (what, bad, text[:400])
    return text


def json_lines(data, what):
    recs = []
    for raw in data.split(b"\n"):
        if not raw:
            continue
        assert not any(b < 0x20 for b in raw), "%s: raw control" % what
        recs.append(json.loads(raw.decode("utf-8")))
    assert recs, "%s: no JSON" % what
    return recs


def escaped(raw):
    """The JSON strings the contract allows for raw bytes."""
    return checktrace.escape_comm(raw)


def run(argv, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("timeout", TIMEOUT)
    return subprocess.run(argv, **kw)


# ---- the tracer and report: comms, the hostname ----

def test_tracer_and_report(tracer, tmp_path):
    """Hostile comms (ct-comm) and a hostile hostname (a UTS namespace)
    through the tracer's JSON and human output, and through report's,
    from the recording whose header holds the hostname."""
    exp, out, rec = tmp_path / "exp", tmp_path / "out", tmp_path / "rec"
    script = ('printf "$1" > /proc/sys/kernel/hostname || exit 99; '
              'shift; exec "$@"')
    host = "".join("\\%03o" % b for b in HOST)
    with open(exp, "wb") as f:
        r = run(["unshare", "-u", "sh", "-c", script, "sh", host, tracer,
                 "--json", "-o", str(out), "-w", str(rec), "-c",
                 workload("ct-comm")], stdout=f, capture_output=False,
                stderr=subprocess.PIPE)
    assert r.returncode == 0, r.stderr
    json_lines(out.read_bytes(), "tracer --json")
    problems, _ = checktrace.check(str(exp), str(out), None)
    assert not problems, problems

    r = run([tracer, "-x", "--tree", "--spawners", "0", "-c",
             workload("ct-comm")])
    assert r.returncode == 0, r.stderr
    text = clean(r.stdout, "tracer -x")
    assert "rlo\\xe2\\x80\\xaegpj.exe" in text, text

    r = run([tracer, "report", "--json", "--spawners", "0", str(rec)])
    assert r.returncode == 0, r.stderr
    recs = json_lines(r.stdout, "report --json")
    assert recs[0]["hostname"] in escaped(HOST), recs[0]["hostname"]
    r = run([tracer, "report", "-x", "--spawners", "0", str(rec)])
    assert r.returncode == 0, r.stderr
    text = clean(r.stdout, "report")
    assert "host h\"o\\\\s\\x1b[31mt\\x07\\x7f\\xc2\\x85\\xff," in text
    assert "rlo\\xe2\\x80\\xaegpj.exe" in text, text


# ---- cgroup names: --why (v1 pids) and top (cgroup2) ----

def cgroup_dir(root, name):
    if not os.path.isdir(root) or not os.access(root, os.W_OK):
        pytest.skip("no writable cgroup hierarchy at %s" % root)
    path = os.path.join(root.encode(), name)
    try:
        os.mkdir(path)
    except OSError as e:
        pytest.skip("cannot create a cgroup at %s: %s" % (root, e))
    return path


def remove_cgroup(path):
    deadline = time.monotonic() + 10
    while True:
        try:
            os.rmdir(path)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


# Into the cgroup of argv[1], a fork refused there, alive a while after
# (the diagnosis reads the cgroup of the process that failed).
FORK_REFUSED = ("import os, sys, time\n"
                "with open(os.fsencode(sys.argv[1]), 'w') as f:\n"
                "    f.write(str(os.getpid()))\n"
                "try:\n"
                "    os.fork() or os._exit(0)\n"
                "except OSError:\n"
                "    pass\n"
                "time.sleep(1)\n")


def test_why_hostile_cgroup(tracer, tmp_path):
    """A fork refused by a pids cgroup with a hostile name: the --why
    line, the diagnosis records and report's diagnoses (the human --why
    line printed the path raw)."""
    cg = cgroup_dir("/sys/fs/cgroup/pids", CGNAME)
    out, rec = tmp_path / "out", tmp_path / "rec"
    try:
        with open(os.path.join(cg, b"pids.max"), "w") as f:
            f.write("1")
        r = run([tracer, "--json", "--why", "-o", str(out), "-w", str(rec),
                 "--", PYTHON, "-c", FORK_REFUSED,
                 os.path.join(cg, b"cgroup.procs")])
    finally:
        remove_cgroup(cg)
    err = clean(r.stderr, "--why")
    assert "pids cgroup /ct-\\x1b[2J\"q\\\\b\\x7f\\xc2\\x9b\\xff at its limit" \
        in err, err
    diags = [x for x in json_lines(out.read_bytes(), "tracer --why --json")
             if x["event"] == "diagnosis"]
    assert diags, "no diagnosis"
    assert diags[0]["pids_cgroup"]["path"] in escaped(b"/" + CGNAME)
    r = run([tracer, "report", "-s", "diag", str(rec)])
    assert r.returncode == 0, r.stderr
    assert "pids cgroup /ct-" in clean(r.stdout, "report diag")
    r = run([tracer, "report", "--json", "-s", "diag", str(rec)])
    json_lines(r.stdout, "report --json diag")


# Into the cgroup of argv[1], named COMM, forking until killed.
FORKER = ("import ctypes, os, sys, time\n"
          "with open(os.fsencode(sys.argv[1]), 'w') as f:\n"
          "    f.write(str(os.getpid()))\n"
          "ctypes.CDLL(None).prctl(15, %r)\n"
          "while True:\n"
          "    pid = os.fork()\n"
          "    if not pid:\n"
          "        os._exit(0)\n"
          "    os.waitpid(pid, 0)\n"
          "    time.sleep(0.001)\n" % COMM)


def test_top_hostile_cgroup_and_comm(tracer):
    """top's cgroup paths (cgroup2) and spawner comms, JSON and human."""
    cg = cgroup_dir("/sys/fs/cgroup/unified", CGNAME)
    load = subprocess.Popen([PYTHON, "-c", FORKER,
                             os.path.join(cg, b"cgroup.procs")])
    try:
        r = run([tracer, "top", "--json", "-n", "2", "-i", "0.5", "-r", "0"])
        assert r.returncode == 0, r.stderr
        recs = json_lines(r.stdout, "top --json")
        paths = [c["path"] for x in recs for c in x["cgroups"]]
        assert any(p in escaped(b"/" + CGNAME) for p in paths), paths
        comms = [s["comm"] for x in recs for s in x["spawners"]]
        assert any(c in escaped(COMM) for c in comms), comms
        r = run([tracer, "top", "-n", "2", "-i", "0.5", "-r", "0"])
        assert r.returncode == 0, r.stderr
        text = clean(r.stdout, "top")
        assert "/ct-\\x1b[2J" in text and "\\x1b]0;pwn" in text, text
        assert "\\xc2\\x9b\\xe2\\x80\\xae" in text, text
    finally:
        load.kill()
        load.wait()
        remove_cgroup(cg)


# ---- share: a comm by prctl, a comm by the name run ----

def test_share_hostile_comms(binary, public_dir):
    """share's human and JSON output with a comm set by prctl and one
    that is the name a program was run by."""
    link = os.path.join(public_dir.encode(), b"\x1b[7m\"x\\\x7f\xff")
    os.symlink(b"/bin/sleep", link)
    by_name = subprocess.Popen(unprivileged([link, "300"]))
    setter = ("import ctypes, sys, time\n"
              "ctypes.CDLL(None).prctl(15, %r)\n"
              "print('ready', flush=True)\n"
              "time.sleep(300)\n" % COMM)
    by_prctl = subprocess.Popen(unprivileged([PYTHON, "-c", setter]),
                                stdout=subprocess.PIPE)
    try:
        assert by_prctl.stdout.readline().strip() == b"ready"
        pids = "%d,%d" % (by_name.pid, by_prctl.pid)
        r = run(unprivileged([binary, "share", "-p", pids]))
        assert r.returncode == 0, r.stderr
        text = clean(r.stdout, "share")
        assert "\\x1b[7m" in text and "\\x1b]0;pwn\\x07" in text, text
        r = run(unprivileged([binary, "share", "-j", "-p", pids]))
        assert r.returncode == 0, r.stderr
        doc = json_lines(r.stdout, "share -j")[0]
        comms = {t["comm"] for t in doc["tasks"]}
        assert any(c in escaped(COMM) for c in comms), comms
        assert any(c in escaped(os.path.basename(link)[:15]) for c in comms)
    finally:
        for p in (by_name, by_prctl):
            p.kill()
            p.wait()


# ---- the -p attach context: a comm with newlines ----

# 15 bytes each: a newline inside, and one as the comm's last byte
# (/proc/PID/comm adds the kernel's own after it)
CONTEXT_COMMS = [b"sshd\nevil\x1b[1m\x07\xff",
                 b"sshd\n\x1b[2J\"\\\x7f\xc2\x9b\n"]


@pytest.mark.parametrize("comm", CONTEXT_COMMS, ids=["inside", "last"])
def test_context_hostile_comm(tracer, comm):
    """-p's header on stderr and --context's target record: all of a
    comm holding newlines and other controls, escaped (the header cut it
    at its first newline: "sshd\nevil" showed as "sshd")."""
    setter = ("import ctypes, sys, time\n"
              "ctypes.CDLL(None).prctl(15, %r)\n"
              "print('ready', flush=True)\n"
              "time.sleep(300)\n" % comm)
    target = subprocess.Popen([PYTHON, "-c", setter], stdout=subprocess.PIPE)
    try:
        assert target.stdout.readline().strip() == b"ready"
        with open("/proc/%d/comm" % target.pid, "rb") as f:
            assert f.read() == comm + b"\n"
        r = run([tracer, "-p", str(target.pid), "-d", "0.2"])
        assert r.returncode == 0, r.stderr
        err = clean(r.stderr, "-p header")
        want = "clonetrace: target %d (%s): 1 thread, " % (
            target.pid, formats.escape_terminal(comm))
        assert want in err, (want, err)
        r = run([tracer, "-j", "--context", "-p", str(target.pid),
                 "-d", "0.2"])
        assert r.returncode == 0, r.stderr
        first = json_lines(r.stdout, "--context")[0]
        assert first["event"] == "target", first
        assert first["comm"] in escaped(comm), first["comm"]
    finally:
        target.kill()
        target.wait()


# ---- explain: the expression itself ----

@pytest.mark.parametrize("expr", [b"vm\t|\nfs", b"vm|\x1b[2J", b"\x7f|vm",
                                  b"vm|fs\xc2\x9b1m", b"\"|\\"])
def test_explain_hostile_input(binary, expr):
    """FLAGS as given shows escaped, in the output and in the message
    that refuses it."""
    for args in ([], ["--json"]):
        r = run(unprivileged([binary, "explain"] + args + ["--", expr]))
        assert r.returncode in (0, 1, 2), r
        clean(r.stderr, "explain's message")
        if r.returncode == 2:
            assert r.stdout == b""
        elif args:
            doc = json_lines(r.stdout, "explain --json")[0]
            assert doc["input"] in escaped(expr)
        else:
            clean(r.stdout, "explain")


# ---- recordings: any bytes, valid checksums ----

def diag_item(d, prev):
    """A DIAG item (userspace/record.h) from a dict."""
    out = recording.uv(recording.DIAG) + recording.sv(d["ts"] - prev)
    for key in ("ppid", "ptid"):
        out += recording.uv(d[key])
    out += recording.sv(d["err"])
    for key in ("syscall", "kind", "limit", "uid", "nproc_count",
                "nproc_limit", "threads", "threads_max", "pid_max",
                "cg_current", "cg_max"):
        out += recording.uv(d[key])
    return out + recording.text(d["pcomm"]) + recording.text(d["cg_path"])


def mixed_recording():
    """Events and diagnoses, three chunks, the header's strings plain."""
    start = 5_000_000_000
    items, diags = [], 0
    for i in range(12):
        ev = recording.event(start + i * 1000, 100 + i % 3, 100 + i % 3,
                             b"comm%d" % i, "clone", "process",
                             flags=0x1200000, pid=300 + i, tid=300 + i,
                             comm=b"kid%d" % i, refs=[1] * 8,
                             err=11 if i % 4 == 3 else 0, latency=1000 * i)
        items.append(("ev", ev))
        if i % 4 == 3:
            items.append(("diag", {
                "ts": ev["ts"], "ppid": ev["ppid"], "ptid": ev["ptid"],
                "err": 11, "syscall": 3, "kind": 0, "limit": 3, "uid": 0,
                "nproc_count": 5, "nproc_limit": 100, "threads": 50,
                "threads_max": 1000, "pid_max": 4096, "cg_current": 1,
                "cg_max": 1, "pcomm": ev["pcomm"],
                "cg_path": b"/cg/limit%d" % i}))
            diags += 1
    data = recording.MAGIC + struct.pack("<I", recording.VERSION)
    data += recording.frame(recording.HEADER, recording.header(
        "6.18.0", "host", 1_700_000_000_000_000_000, "tp_btf",
        "clonetrace -w x"))
    for c in range(0, len(items), 6):
        payload, prev = b"", 0
        for kind, x in items[c:c + 6]:
            if kind == "ev":
                payload += recording.encode_event(x, prev)
            else:
                payload += diag_item(x, prev)
            prev = x["ts"]
        data += recording.frame(recording.ITEMS, payload)
    evs = [x for k, x in items if k == "ev"]
    clones = sum(1 for e in evs if e["type"] == recording.CLONE)
    end = (recording.uv(len(evs)) + recording.uv(clones) +
           recording.uv(len(evs) - clones) + recording.uv(diags) +
           recording.uv(0) + recording.uv(0) + recording.uv(10 ** 9) +
           recording.uv(start) + recording.sv(0))
    return data + recording.frame(recording.END, end)


def test_mutated_recordings(binary, public_dir):
    """Recordings with bytes changed anywhere and their checksums made
    right again (the reader cannot tell): report refuses them with one
    line, or prints valid JSON and clean text, every section on."""
    good = mixed_recording()
    frames = recording.frames(good)
    rnd = random.Random(11)
    path = os.path.join(public_dir, "m.ctr")
    for n in range(300):
        data = bytearray(good)
        off, _, length = rnd.choice(frames)
        for _ in range(rnd.randint(1, 4)):
            data[off + 12 + rnd.randrange(length)] = rnd.randrange(256)
        struct.pack_into("<I", data, off + 8,
                         zlib.crc32(bytes(data[off + 12:off + 12 + length]))
                         & 0xffffffff)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        for args in (["--json"], ["-x"]):
            r = run(unprivileged([binary, "report", "--spawners", "0"] +
                                 args + [path]))
            what = "mutation %d, report %s" % (n, args[0])
            if r.returncode:
                assert r.returncode == 1, (what, r)
                assert len(r.stderr.splitlines()) == 1, (what, r.stderr)
                assert r.stdout == b"", what
                clean(r.stderr, what)
            elif args == ["--json"]:
                json_lines(r.stdout, what)
            else:
                clean(r.stdout, what)
