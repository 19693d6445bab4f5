# SPDX-License-Identifier: GPL-2.0
"""clonetrace report on recordings the test writes itself (recording.py),
run without privilege.

The test chooses the events, writes them in the documented format
(userspace/record.h), and formats what report must print from the same
values (formats.py, docs/USAGE.md, docs/JSON.md): the golden output is
never clonetrace's own. Recordings of real traces are tested in
test_analysis.py (as root).
"""

import datetime
import errno
import json
import os
import struct
import subprocess
import threading
import time

import pytest

import checktrace
import formats
import recording
from conftest import TIMEOUT, unprivileged

START = 5_000_000_000           # the run's CLOCK_MONOTONIC start
MS = 1_000_000
P = 4000                        # the creating process

# A process that makes a thread, a child process, a vfork, a clone with
# CLONE_VM (its syscall not seen: begun before attach) and one that
# fails; the child process makes a thread too.
REFS1 = [1, 1, 1, 1, 1, 1, 1, 7]
EVENTS = [
    recording.event(START + 1 * MS, P, P, "builder", "clone3", "thread",
                    flags=0x3d0f00, exit_signal=0, pid=P, tid=P + 1,
                    comm="builder", refs=[2, 1, 2, 2, 2, 2, 2, 7],
                    latency=41_000, cpu=1),
    recording.event(START + 2 * MS, P, P, "builder", "clone", "process",
                    flags=0x1200000, pid=P + 2, tid=P + 2, comm="builder",
                    refs=REFS1, latency=152_049, cpu=0),
    recording.event(START + 3 * MS, P, P + 1, "builder", "vfork", "vfork",
                    flags=0x4100, pid=P + 3, tid=P + 3, comm="sh",
                    refs=[2, 1, 1, 1, 1, 1, 1, 7], latency=88_800),
    recording.event(START + 4 * MS, P, P, "builder", "unknown", "vm_process",
                    flags=0x500, pid=P + 4, tid=P + 4, comm="vmkid",
                    refs=[2, 1, 2, 1, 1, 1, 1, 7], latency=0),
    recording.event(START + 5 * MS, P, P, "builder", "clone", "process",
                    flags=0x800, err=errno.EINVAL, latency=3_000),
    recording.event(START + 6 * MS, P + 2, P + 2, "worker", "clone3",
                    "thread", flags=0x3d0f00, exit_signal=0, pid=P + 2,
                    tid=P + 5, comm="worker", refs=[2, 1, 2, 2, 2, 2, 2, 7],
                    latency=9_000),
    recording.event(START + 7 * MS, P + 2, P + 2, "worker", "clone3",
                    "process", flags=0x60020000, pid=P + 6, tid=P + 6,
                    ns_pid=1, ns_tid=1, comm="worker",
                    refs=[1, 1, 1, 1, 1, 1, 1, 1], latency=600_000),
]
DURATION = 2_500_000_000


def run(argv, **kw):
    return subprocess.run(unprivileged(argv), capture_output=True,
                          timeout=TIMEOUT, **kw)


def write(public_dir, events=EVENTS, name="rec.ctr", **kw):
    path = os.path.join(public_dir, name)
    with open(path, "wb") as f:
        f.write(recording.recording(events, start_ns=START,
                                    duration_ns=DURATION, **kw))
    os.chmod(path, 0o644)
    return path


def refs_of(e):
    return [None if r == recording.ABSENT else r for r in e["refs"]]


def stream(events, extended=False):
    """The human stream, formatted from the events."""
    lines = [formats.HEADER]
    for e in events:
        failed = e["type"] == recording.CLONE_FAILED
        lines.append("%-10.6f " % ((e["ts"] - START) / 1e9) +
                     formats.event_line(
                         e["pcomm"], e["ppid"], e["ptid"], e["pid"],
                         e["tid"], recording.KINDS[e["kind"]],
                         recording.SYSCALLS[e["syscall"]], e["flags"],
                         e["exit_signal"], e["err"]))
        if extended:
            lines.append(formats.extended_line(
                e["flags"], None if failed else e["comm"], e["pid"],
                e["tid"], e["ns_pid"], e["ns_tid"], refs_of(e),
                e["latency"], e["cpu"]))
    return lines


def by_kind(events):
    """Events by kind, failures included (docs/JSON.md, summary)."""
    counts = {k: 0 for k in recording.KINDS}
    for e in events:
        counts[recording.KINDS[e["kind"]]] += 1
    return counts


def test_stream_and_summary_golden(binary, public_dir):
    rec = write(public_dir)
    for extended in (False, True):
        r = run([binary, "report", "-s", "stream,summary"] +
                (["-x"] if extended else []) + [rec])
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode().splitlines() == stream(EVENTS, extended)
        clones = sum(e["type"] == recording.CLONE for e in EVENTS)
        assert r.stderr.decode().splitlines() == [formats.summary_line(
            len(EVENTS), DURATION, clones, len(EVENTS) - clones, 0,
            by_kind(EVENTS))]


def test_info_golden(binary, public_dir):
    boot = 1_600_000_000_123_456_789
    rec = write(public_dir, boot_time_ns=boot, hostname="box1",
                release="6.1.0-13-amd64", mode="raw_tp",
                options="clonetrace -w /var/tmp/x.ctr -d 60")
    r = run([binary, "report", "-s", "info", rec])
    assert r.returncode == 0, r.stderr
    when = datetime.datetime.fromtimestamp(boot // 10**9,
                                           datetime.timezone.utc)
    assert r.stdout.decode().splitlines() == [
        "recording: version 1, host box1, kernel 6.1.0-13-amd64, booted "
        "%s, mode raw_tp" % when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "options: clonetrace -w /var/tmp/x.ctr -d 60"]


def test_spawners_golden(binary, public_dir):
    rec = write(public_dir)
    r = run([binary, "report", "-s", "spawners", "--spawners", "0", rec])
    assert r.returncode == 0, r.stderr
    rows = {}
    for e in EVENTS:
        row = rows.setdefault(e["ppid"], {"comm": e["pcomm"], "created": 0,
                                          "failed": 0, "process": 0,
                                          "thread": 0, "vfork": 0})
        if e["type"] == recording.CLONE_FAILED:
            row["failed"] += 1
            continue
        row["created"] += 1
        kind = recording.KINDS[e["kind"]]
        if kind in row:
            row[kind] += 1
    order = sorted(rows, key=lambda p: (-rows[p]["created"],
                                        -rows[p]["failed"], p))
    want = ["TOP SPAWNERS (by creations, %.3f s)" % (DURATION / 1e9),
            "%7s %-16s %9s %10s %8s %8s %7s %7s %7s" % (
                "PID", "COMM", "CREATED", "RATE/s", "PROCESS", "THREAD",
                "VFORK", "OTHER", "FAILED")]
    for pid in order:
        v = rows[pid]
        other = v["created"] - v["process"] - v["thread"] - v["vfork"]
        want.append("%7d %-16s %9d %10.1f %8d %8d %7d %7d %7d" % (
            pid, v["comm"].decode(), v["created"],
            v["created"] / (DURATION / 1e9), v["process"], v["thread"],
            v["vfork"], other, v["failed"]))
    assert r.stdout.decode().splitlines() == want + [""]


def log2_rows(values):
    """Rows of a log2 histogram as bcc's tools print them (usecs)."""
    slots = {}
    for v in values:
        s = 0 if v < 2 else v.bit_length() - 1
        slots[s] = slots.get(s, 0) + 1
    peak = max(slots.values())
    rows = ["%5s%-19s : count     distribution" % ("", "usecs")]
    for s in range(max(slots) + 1):
        n = slots.get(s, 0)
        low = 1 << s if s else 0
        stars = n * 40 // peak or (1 if n else 0)
        rows.append("%10d -> %-10d : %-9d |%-40s|" % (
            low, (2 << s) - 1, n, "*" * stars))
    return rows


def test_hist_golden(binary, public_dir):
    # 90 threads in one slot, one far out: a slot much below the peak
    # still shows one star
    events = EVENTS + [
        recording.event(START + (10 + i) * MS, P, P, "builder", "clone3",
                        "thread", flags=0x3d0f00, exit_signal=0, pid=P,
                        tid=P + 10 + i, comm="builder",
                        refs=[2, 1, 2, 2, 2, 2, 2, 7],
                        latency=12_000 if i else 5_000_000)
        for i in range(91)]
    rec = write(public_dir, events)
    r = run([binary, "report", "-s", "hist", rec])
    assert r.returncode == 0, r.stderr
    made = [e for e in events if e["type"] == recording.CLONE]
    timed = [e for e in made if e["latency"]]
    want = ["CREATION LATENCY (request to end of copy_process, usecs; "
            "%d creations without a latency)" % (len(made) - len(timed))]
    for by, names in (("kind", recording.KINDS),
                      ("syscall", recording.SYSCALLS)):
        field = "kind" if by == "kind" else "syscall"
        for i, name in enumerate(names):
            us = [e["latency"] // 1000 for e in timed if e[field] == i]
            if us:
                want += ["", "%s = %s (%d)" % (by, name, len(us))]
                want += log2_rows(us)
    assert r.stdout.decode().splitlines() == want + [""]


def test_json_records_match_the_events(binary, public_dir):
    rec = write(public_dir)
    r = run([binary, "report", "--json", "-s", "stream,summary", rec])
    assert r.returncode == 0, r.stderr
    lines = [json.loads(ln) for ln in r.stdout.decode().splitlines()]
    assert len(lines) == len(EVENTS) + 1
    for e, got in zip(EVENTS, lines):
        failed = e["type"] == recording.CLONE_FAILED
        assert got["ts_ns"] == e["ts"] and got["cpu"] == e["cpu"]
        assert got["event"] == ("clone_failed" if failed else "clone")
        assert got["syscall"] == recording.SYSCALLS[e["syscall"]]
        assert got["kind"] == recording.KINDS[e["kind"]]
        assert got["flags"] == e["flags"]
        assert got["flags_str"] == formats.flag_names(e["flags"])
        assert got["exit_signal"] == e["exit_signal"]
        assert got["parent"] == {"pid": e["ppid"], "tid": e["ptid"],
                                 "comm": e["pcomm"].decode()}
        assert got["ns_new"] == formats.ns_names(e["flags"])
        assert got["latency_ns"] == (e["latency"] or None)
        if failed:
            assert got["child"] is None and got["refs"] is None
            assert (got["errno"], got["error"]) == (
                e["err"], errno.errorcode[e["err"]])
            continue
        assert got["child"] == {"pid": e["pid"], "tid": e["tid"],
                                "comm": e["comm"].decode(),
                                "ns_pid": e["ns_pid"],
                                "ns_tid": e["ns_tid"]}
        assert got["refs"] == dict(zip(recording.REF_KEYS, refs_of(e)))
    summary = lines[-1]
    clones = sum(e["type"] == recording.CLONE for e in EVENTS)
    assert summary["event"] == "summary"
    assert (summary["events"], summary["clones"], summary["failed"],
            summary["duration_ns"], summary["mode"]) == (
        len(EVENTS), clones, len(EVENTS) - clones, DURATION, "tp_btf")
    assert summary["by_kind"] == by_kind(EVENTS)


# Names a task, a host or a command line may have: every byte of each
# class the contract escapes (docs/JSON.md "Strings").
HOSTILE = [b'q"b\\s', b"nl\nt\tcr\r\x01", b"del\x7f", b"c1\xc2\x85x",
           b"bad\xff\xfe", b"cut\xe2\x82", b"sur\xed\xa0\x80",
           b"over\xc0\xaf", "\u00e9\u4e2d\U0001f600".encode()]


def test_hostile_strings_json(binary, public_dir):
    """Every JSON record of report, the recording's header included, is
    valid JSON whatever the names are, and decodes to the contract's
    text (checktrace's escape_comm, an independent implementation)."""
    events = [recording.event(START + i * MS, 5000 + i, 5000 + i, raw,
                              "clone", "process", flags=0x1200000,
                              pid=6000 + i, tid=6000 + i, comm=raw,
                              refs=REFS1)
              for i, raw in enumerate(HOSTILE)]
    host = b'h"o\\s\x01t\x7f\xc2\x9f\xff'
    rec = write(public_dir, events, hostname=host, release=b"6.1\n\x1b[2J",
                mode=b"tp\xff", options=b"clonetrace -c 'a\"b\\\x7f'")
    r = run([binary, "report", "--json", "--spawners", "0", rec])
    assert r.returncode == 0, r.stderr
    recs = []
    for raw in r.stdout.split(b"\n"):
        if raw:
            # C0, DEL and C1 escaped, although JSON would take DEL raw
            assert checktrace.raw_control(raw.decode("utf-8")) is None, raw
            recs.append(json.loads(raw))
    info = recs[0]
    assert info["event"] == "recording"
    for key, raw in (("hostname", host), ("release", b"6.1\n\x1b[2J"),
                     ("mode", b"tp\xff"),
                     ("options", b"clonetrace -c 'a\"b\\\x7f'")):
        assert info[key] in checktrace.escape_comm(raw), (key, info[key])
    clones = [x for x in recs if x.get("event") == "clone"]
    rows = [x for x in recs if x.get("event") == "spawners"][0]["rows"]
    for raw, ev in zip(HOSTILE, clones):
        assert ev["parent"]["comm"] in checktrace.escape_comm(raw)
        assert ev["child"]["comm"] in checktrace.escape_comm(raw)
    assert sorted(x["comm"] for x in rows) == sorted(
        checktrace.escape_comm(raw)[0] for raw in HOSTILE)


def test_hostile_strings_terminal(binary, public_dir):
    """The human output shows no raw control byte and escapes as
    documented (docs/USAGE.md: \\n, \\\\, \\xNN)."""
    events = [recording.event(START + i * MS, 5000 + i, 5000 + i, raw,
                              "clone", "process", flags=0x1200000,
                              pid=6000 + i, tid=6000 + i, comm=raw,
                              refs=REFS1)
              for i, raw in enumerate(HOSTILE)]
    host = b'h"o\\s\x01t\x7f\xc2\x9f\xff'
    rec = write(public_dir, events, hostname=host)
    r = run([binary, "report", "-x", "-s", "info,stream", rec])
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode("utf-8")
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0
                   for c in out if c != "\n"), out
    lines = out.splitlines()
    assert lines[0].startswith("recording: version 1, host %s, " %
                               formats.escape_terminal(host))
    for raw, line in zip(HOSTILE, lines[4::2]):
        assert " comm=%s " % formats.escape_terminal(raw) in line, line


def damaged(public_dir):
    """A good recording of three chunks, and ways to break it."""
    good = recording.recording(EVENTS, start_ns=START,
                               duration_ns=DURATION, chunk=3)
    end = recording.frames(good)[-1][0]     # the END frame
    return {
        "cut": (good[:len(good) * 2 // 3], "truncated"),
        "no end": (good[:end], "no end frame"),
        "header cut": (good[:20], "truncated"),
        "flip": (good[:40] + bytes([good[40] ^ 0x10]) + good[41:],
                 "checksum mismatch"),
        "magic": (b"X" + good[1:], "not a clonetrace recording"),
        "version": (good[:8] + b"\x09\0\0\0" + good[12:], "version 9"),
        "trailing": (good + b"\0", "after the end frame"),
        "empty": (b"", "empty file"),
    }


@pytest.mark.parametrize("case", ["cut", "no end", "header cut", "flip",
                                  "magic", "version", "trailing", "empty"])
def test_refuses_damage(binary, public_dir, case):
    blob, msg = damaged(public_dir)[case]
    path = os.path.join(public_dir, "bad.ctr")
    with open(path, "wb") as f:
        f.write(blob)
    os.chmod(path, 0o644)
    r = run([binary, "report", "--json", path])
    err = r.stderr.decode()
    assert r.returncode == 1, (case, err)
    assert msg in err and len(err.splitlines()) == 1, err
    assert r.stdout == b"", "printed before refusing"


def with_end(good, payload):
    """GOOD with its end frame's payload replaced (a valid checksum)."""
    return good[:recording.frames(good)[-1][0]] + recording.frame(
        recording.END, payload)


def end_payload(events, clones, failed, v64=None):
    """An end frame of version 1 counting EVENTS creations, CLONES of
    them made and FAILED failed; V64: the events count as these bytes."""
    return ((v64 or recording.uv(events)) + recording.uv(clones) +
            recording.uv(failed) + recording.uv(0) * 3 +
            recording.uv(DURATION) + recording.uv(START) + recording.sv(0))


def rule_breakers():
    """Recordings whose every frame checks out but that break a rule of
    the reader: name -> (bytes, the exact complaint after the path)."""
    good = recording.recording(EVENTS, start_ns=START,
                               duration_ns=DURATION, chunk=3)
    n = len(EVENTS)
    failed = sum(1 for e in EVENTS if e["type"] == recording.CLONE_FAILED)
    end = recording.frames(good)[-1][0] + 12    # the end frame's payload
    fail = next(e for e in EVENTS if e["type"] == recording.CLONE_FAILED)
    no_errno = dict(fail, err=0)
    neg_errno = dict(fail, err=-22)
    one = recording.recording([no_errno], start_ns=START,
                              duration_ns=DURATION)
    item = recording.frames(one)[1][0] + 12     # the first item's payload
    return {
        # 2^64 + 2: the tenth byte may hold only the 64th bit
        "over 64 bits": (with_end(good, end_payload(
            n, n - failed, failed, b"\xff" * 9 + b"\x02")),
            "corrupt end frame at byte %d: number too large" % (end + 10)),
        "adds up wrong": (with_end(good, end_payload(n, n - failed,
                                                     failed + 1)),
                          "corrupt end frame: counts do not add up"),
        "counts differ": (with_end(good, end_payload(n, n - failed - 1,
                                                     failed + 1)),
                          "corrupt file: the end frame counts %d events "
                          "(%d created, %d failed) and 0 diagnoses, the "
                          "file holds %d (%d created, %d failed) and 0" % (
                              n, n - failed - 1, failed + 1, n, n - failed,
                              failed)),
        "errno 0": (one, "corrupt item at byte %d: failed creation without"
                    " an errno" % (item + len(recording.encode_event(
                        no_errno, 0)))),
        "errno < 0": (recording.recording([neg_errno], start_ns=START,
                                          duration_ns=DURATION),
                      "corrupt item at byte %d: failed creation without"
                      " an errno" % (item + len(recording.encode_event(
                          neg_errno, 0)))),
        "newer version": (good[:8] + struct.pack("<I", 6) + good[12:],
                          "recording version 6 is not supported (this "
                          "clonetrace reads versions 1 to 5): read it with "
                          "a clonetrace that writes it"),
        "version 0": (good[:8] + struct.pack("<I", 0) + good[12:],
                      "recording version 0 is not supported (this "
                      "clonetrace reads versions 1 to 5): read it with "
                      "a clonetrace that writes it"),
    }


@pytest.mark.parametrize("case", ["over 64 bits", "adds up wrong",
                                  "counts differ", "errno 0", "errno < 0",
                                  "newer version", "version 0"])
def test_refuses_rule_breakers(binary, public_dir, case):
    """A recording that checks out frame by frame but breaks one of the
    reader's rules is refused with exactly the rule it breaks, and
    nothing printed before (--partial or not: no event is trusted after
    a broken rule, and these come before or after every event)."""
    blob, msg = rule_breakers()[case]
    path = os.path.join(public_dir, "bad.ctr")
    with open(path, "wb") as f:
        f.write(blob)
    os.chmod(path, 0o644)
    r = run([binary, "report", "--json", path])
    assert r.returncode == 1, r.stderr
    assert r.stderr.decode() == "clonetrace: '%s': %s\n" % (path, msg)
    assert r.stdout == b""


def test_exit_statuses(binary, public_dir):
    """What a spawner's children became (version 2 on): every wait
    status by its name, exact: an exit code, a signal, a signal with a
    core dump (+core), real-time signals counted from SIGRTMIN; the
    same names as the JSON keys."""
    kids = [(0x0200, "2"), (0x0009, "SIGKILL"), (0x008b, "SIGSEGV+core"),
            (0x000b, "SIGSEGV"), (0x0022, "SIGRTMIN+0"),
            (0x00a3, "SIGRTMIN+1+core"), (0x0040, "SIGRTMIN+30"),
            (0x0021, "33"), (0x0100, "1")]
    events = [recording.event(START + i * MS, P, P, "spawner", "clone",
                              "process", pid=P + 1 + i, tid=P + 1 + i,
                              comm="spawner") for i in range(len(kids))]
    events += [recording.process_exit(START + (100 + i) * MS, P + 1 + i,
                                      "kid", code, parent=P)
               for i, (code, _) in enumerate(kids)]
    rec = write(public_dir, events, version=4)
    r = run([binary, "report", "-s", "spawners", rec])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[3] == "WHAT THEIR CHILDREN BECAME (-e exec,exit)"
    shown = kids[:8]                # CT_KIDS_CODES: the rest, other
    assert lines[4] == (
        "%7d %-16s execs 0, failed execs 0, exits %d, median lifetime "
        "0.001000 s, status %s, other x%d" % (
            P, "spawner", len(kids), ", ".join("%s x1" % name
                                                for _, name in shown),
            len(kids) - len(shown)))


def test_refuses_cut_at_every_frame(binary, public_dir):
    """A recording cut exactly where a frame ends (any frame: the header,
    a chunk, the last chunk before the end frame) is refused as cut off,
    never taken for a complete one."""
    good = recording.recording(EVENTS, start_ns=START,
                               duration_ns=DURATION, chunk=2)
    path = os.path.join(public_dir, "cut.ctr")
    ends = [off + 12 + n for off, _, n in recording.frames(good)][:-1]
    assert len(ends) == 5       # the header and 4 chunks of events
    for end in ends:
        with open(path, "wb") as f:
            f.write(good[:end])
        os.chmod(path, 0o644)
        r = run([binary, "report", "--json", path])
        err = r.stderr.decode()
        assert r.returncode == 1 and r.stdout == b"", (end, err)
        assert "no end frame" in err and len(err.splitlines()) == 1, err


def test_partial(binary, public_dir):
    """--partial: the events before the damage, exactly, and status 1."""
    good = recording.recording(EVENTS, start_ns=START,
                               duration_ns=DURATION, chunk=3)
    path = os.path.join(public_dir, "cut.ctr")
    last = [f for f in recording.frames(good) if f[1] == recording.ITEMS][-1]
    with open(path, "wb") as f:       # the last chunk cut, no END frame
        f.write(good[:last[0] + 20])
    os.chmod(path, 0o644)
    r = run([binary, "report", "--json", "--partial", "-s", "stream",
             path])
    assert r.returncode == 1 and b"--partial" in r.stderr
    got = [json.loads(ln) for ln in r.stdout.decode().splitlines()]
    assert [g["ts_ns"] for g in got] == [e["ts"] for e in EVENTS[:6]]
    # the duration: from the first to the last event read (the end frame
    # with the recorded one is lost)
    span = EVENTS[5]["ts"] - EVENTS[0]["ts"]
    r = run([binary, "report", "--json", "--partial", "-s", "summary",
             path])
    assert r.returncode == 1
    assert json.loads(r.stdout)["duration_ns"] == span
    r = run([binary, "report", "--partial", "-s", "summary", path])
    assert r.returncode == 1
    assert ("clonetrace: 6 events in %.3f s:" % (span / 1e9)).encode() \
        in r.stderr + r.stdout, r


CG_ID64 = "fedcba9876543210" * 4


def identity_events():
    """Two events of version 2: one in a CRI-O container, one unknown."""
    return [
        recording.event(START + 1000, 700, 700, "sh", "clone", "process",
                        flags=0x1200000, pid=701, tid=701, comm="sh",
                        uid=1000, gid=100, cgroup_id=4242),
        recording.event(START + 2000, 700, 700, "sh", "clone", "process",
                        flags=0x1200000, pid=702, tid=702, comm="sh",
                        uid=0, gid=0, cgroup_id=99),     # path not recorded
    ]


def test_identity_from_recording(binary, public_dir):
    """Version 2: uid, gid, cgroup path from the file, the container."""
    path = "/kubepods.slice/kubepods-pod%s.slice/crio-%s.scope" % (
        "1f2e3d4c_5b6a_4798_8a7b_6c5d4e3f2a1b", CG_ID64)
    rec = write(public_dir, identity_events(), version=2,
                cgroups={4242: path})
    r = run([binary, "report", "-j", "-s", "stream", rec])
    assert r.returncode == 0, r.stderr
    got = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [(e["uid"], e["gid"], e["cgroup"], e["container"])
            for e in got] == [
        (1000, 100, {"id": 4242, "path": path},
         {"runtime": "cri-o", "id": CG_ID64,
          "pod_uid": "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"}),
        (0, 0, {"id": 99, "path": None}, None)]
    r = run([binary, "report", "-x", "-s", "stream", rec])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[2].endswith(" uid=1000 gid=100 cgroup=%s container=cri-o:%s"
                             " pod=1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"
                             % (path, CG_ID64[:12])), lines[2]
    assert lines[4].endswith(" uid=0 gid=0 cgroup=#99"), lines[4]


def test_identity_version1_is_null(binary, public_dir):
    """A version 1 recording still reads; its identity is unknown."""
    rec = write(public_dir, identity_events(), version=1)
    r = run([binary, "report", "-j", "-s", "stream", rec])
    assert r.returncode == 0, r.stderr
    for e in map(json.loads, r.stdout.decode().splitlines()):
        assert (e["uid"], e["gid"], e["cgroup"], e["container"]) == \
            (None, None, None, None), e


def exec_events():
    """Three execs: a binary through a symlink, a script (its interpreter
    resolved, its own path unknown), an unlinked file deeper than the
    walk went."""
    return [
        recording.exec_event(START + 1000, 801, "true", "/bin/true",
                             ["true"], path=(0, "/usr/bin/true")),
        recording.exec_event(START + 2000, 802, "s.sh", "./s.sh",
                             ["/bin/sh", "./s.sh"], interp=(0, "/usr/bin/dash")),
        recording.exec_event(START + 3000, 803, "x", "/dev/fd/3", ["x"],
                             call=2, path=(recording.PATH_TRUNCATED |
                                           recording.PATH_DELETED, "/c/d/x")),
    ]


def test_exec_paths_by_version(binary, public_dir):
    """Version 3 recordings keep an exec's resolved path and interpreter
    (decoded: ".../" when truncated, " (deleted)"); version 2 ones still
    read, both unknown (null, nothing in the human line)."""
    want = [("/usr/bin/true", None), (None, "/usr/bin/dash"),
            (".../c/d/x (deleted)", None)]
    for version, paths in ((3, want), (2, [(None, None)] * 3)):
        rec = write(public_dir, exec_events(), name="v%d.ctr" % version,
                    version=version)
        r = run([binary, "report", "-j", "-s", "stream", rec])
        assert r.returncode == 0, r.stderr
        got = [json.loads(x) for x in r.stdout.decode().splitlines()]
        assert [(e["filename"], e["path"], e["interp"]) for e in got] == [
            (f, p, i) for f, (p, i) in zip(
                ["/bin/true", "./s.sh", "/dev/fd/3"], paths)], got
        r = run([binary, "report", "-s", "stream", rec])
        assert r.returncode == 0, r.stderr
        lines = r.stdout.decode().splitlines()[1:]
        tails = [(" path=" + p if p else "") + (" interp=" + i if i else "")
                 for p, i in paths]
        assert [x.endswith(t) and ("path=" in x or "interp=" in x) == bool(t)
                for x, t in zip(lines, tails)] == [True] * 3, lines


def test_identity_cgroup_v1_from_recording(binary, public_dir):
    """Version 4: the cgroup v1 path from the file; the container from it
    when the v2 path names none (a hybrid host); version 2 and 3 files
    read with cgroup_v1 null."""
    v1path = "/docker/%s" % CG_ID64
    evs = identity_events()
    evs[0]["cgroup1_id"] = 777
    evs[1]["cgroup1_id"] = 778                  # path not recorded
    rec = write(public_dir, evs, version=4, cgroups={4242: "/", 99: "/"},
                cgroups1={777: ("pids", v1path)})
    r = run([binary, "report", "-j", "-s", "stream", rec])
    assert r.returncode == 0, r.stderr
    got = [json.loads(x) for x in r.stdout.decode().splitlines()]
    assert [(e["cgroup_v1"], e["container"]) for e in got] == [
        ({"controller": "pids", "id": 777, "path": v1path},
         {"runtime": "docker", "id": CG_ID64, "pod_uid": None}),
        ({"controller": "pids", "id": 778, "path": None}, None)]
    r = run([binary, "report", "-x", "-s", "stream", rec])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines[2].endswith(" cgroup=/ cgroup_v1=pids:%s container=docker:%s"
                             % (v1path, CG_ID64[:12])), lines[2]
    assert lines[4].endswith(" cgroup=/ cgroup_v1=pids:#778"), lines[4]
    for version in (2, 3):
        rec = write(public_dir, evs, version=version, cgroups={4242: "/"})
        r = run([binary, "report", "-j", "-s", "stream", rec])
        assert r.returncode == 0, r.stderr
        assert [json.loads(x)["cgroup_v1"]
                for x in r.stdout.decode().splitlines()] == [None, None]


def test_spawners_leave_out_rows_without_creations(tracer, tmp_path):
    """With -e the tracer itself is the parent of the -c command: a row
    for its child's exec, none for creations, left out of the table."""
    rec = str(tmp_path / "r.ct")
    r = subprocess.run([tracer, "-e", "exec,exit", "-w", rec, "-c",
                        'sh -c "true; true"'], capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([tracer, "report", "-s", "spawners", rec],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    table = r.stdout.split("WHAT THEIR CHILDREN BECAME")[0].splitlines()[2:]
    for ln in table:
        assert int(ln[24:34]) > 0 or int(ln.split()[-1]) > 0, r.stdout
    assert "WHAT THEIR CHILDREN BECAME" in r.stdout, r.stdout


def storm(n, pid0):
    return [recording.event(START + i * 1000, P, P, "storm", "clone",
                            "process", flags=0x1200000, pid=pid0 + i,
                            tid=pid0 + i, comm="storm") for i in range(n)]


def test_recording_rewritten_while_read(binary, public_dir):
    """The recording rewritten in place (recorded again to the same path:
    truncated, then written) over and over while report reads it: report
    is never killed by a signal (it read a mapped file twice: SIGBUS, or
    half a stream and status 0). It prints a whole report of one of the
    two versions with status 0, or refuses in one line with status 1."""
    blobs = [recording.recording(storm(n, pid0), start_ns=START,
                                 duration_ns=DURATION, chunk=500)
             for n, pid0 in ((60000, 10000), (20000, 90000))]
    path = os.path.join(public_dir, "rewritten.ctr")
    with open(path, "wb") as f:
        f.write(blobs[0])
    os.chmod(path, 0o644)
    done = threading.Event()

    def rewrite():
        fd = os.open(path, os.O_WRONLY)
        try:
            i = 0
            while not done.is_set():
                blob = blobs[i % 2]
                os.ftruncate(fd, 0)
                for off in range(0, len(blob), 1 << 16):
                    os.pwrite(fd, blob[off:off + (1 << 16)], off)
                i += 1
                done.wait(0.01 * (i % 4))   # at times whole for a while
        finally:
            os.close(fd)
    writer = threading.Thread(target=rewrite, daemon=True)
    writer.start()
    outcomes = {"whole": 0, "refused": 0}
    try:
        end = time.monotonic() + 15
        for _ in range(60):
            if time.monotonic() > end:
                break
            r = run([binary, "report", "--json", "-s", "stream,summary",
                     path])
            err = r.stderr.decode()
            assert r.returncode >= 0, "killed by signal %d: %s" % (
                -r.returncode, err)
            if r.returncode == 0:
                lines = r.stdout.splitlines()
                summary = json.loads(lines[-1])
                assert summary["event"] == "summary"
                assert summary["events"] in (60000, 20000), summary
                assert len(lines) == summary["events"] + 1, len(lines)
                outcomes["whole"] += 1
            else:
                assert r.returncode == 1, (r.returncode, err)
                assert len(err.splitlines()) == 1, err
                assert err.startswith("clonetrace: '%s': " % path), err
                assert r.stdout == b"", "printed before refusing"
                outcomes["refused"] += 1
    finally:
        done.set()
        writer.join(TIMEOUT)
    assert sum(outcomes.values()) >= 10, outcomes


def test_tree_exits(binary, public_dir):
    """The creation tree with exits (version 2 on): an exited child
    shows its exit code or signal (+core) and lifetime, exact; a child
    that has not exited shows neither."""
    kids = [(P + 1, 0x0200, 9 * MS), (P + 2, None, 0),
            (P + 3, 0x008b, 8 * MS)]
    events = [recording.event(START + i * MS, P, P, "spawner", "clone",
                              "process", pid=pid, tid=pid, comm="spawner")
              for i, (pid, _, _) in enumerate(kids, 1)]
    events += [recording.process_exit(START + 20 * MS, pid, "kid", code,
                                      parent=P, lifetime_ns=life)
               for pid, code, life in kids if code is not None]
    rec = write(public_dir, events, version=4)
    r = run([binary, "report", "-s", "tree", rec])
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines() == [
        "CREATION TREE: 4 nodes",
        "spawner(%d) (created 3, 3 below)" % P,
        "|-spawner(%d) process clone [0] exit=2 lifetime=0.009000s" % (P + 1),
        "|-spawner(%d) process clone [0]" % (P + 2),
        "`-spawner(%d) process clone [0] signal=SIGSEGV+core "
        "lifetime=0.008000s" % (P + 3)]
