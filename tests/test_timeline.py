# SPDX-License-Identifier: GPL-2.0
"""report --perfetto and --chrome: a recording as a timeline.

The Perfetto trace is decoded by protoc (protobuf-compiler) with
tests/perfetto_subset.proto, the test's own schema of the messages the
exporter may write: a field it does not declare comes out as a bare
number, and is refused. The tracks, slices, instants and flows are then
compared with what the workloads state they did, in a real recording
(clonetrace -e exec,exit -w): ct-an-tree's tree of processes and threads,
ct-lifecycle's execs (one from a thread), failed execs and exits of
distinct statuses and a SIGKILL, ct-einval's refused creations. PID reuse,
lost events and every recording version use recordings the test writes
(recording.py). The Chrome JSON is checked as JSON: every event has its
phase's keys, the flows pair up, the names and the nesting match.
"""

import ast
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

import formats
import recording
from conftest import CLONETRACE, TIMEOUT, need_clonetrace, need_root, \
    unprivileged, workload

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA = "perfetto_subset.proto"
MONOTONIC = 3                   # BuiltinClock
SYNTHETIC = 4194304             # chrome.c: above PID_MAX_LIMIT
MS = 1_000_000


def protoc():
    if not shutil.which("protoc"):
        pytest.skip("no protoc: tools/install-deps.sh --test installs "
                    "protobuf-compiler")
    return "protoc"


def report(args, nobody=True):
    """clonetrace report ARGS, as nobody unless told (it needs nothing)."""
    argv = [CLONETRACE, "report"] + args
    return subprocess.run(unprivileged(argv) if nobody else argv,
                          capture_output=True, timeout=TIMEOUT)


@pytest.fixture
def tmp_path():
    """A directory nobody can write in too (not sticky: nobody's files
    are its own)."""
    d = tempfile.mkdtemp(prefix="ct-timeline-")
    os.chmod(d, 0o777)
    yield pathlib.Path(d)
    shutil.rmtree(d)


# ---- the Perfetto trace, through protoc ----

def parse_text(text):
    """protoc's text format as nested dicts of lists."""
    root, stack = {}, []
    cur = root
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        assert not re.match(r"^\d+\s*[:{]", line), \
            "a field the schema does not know: %r" % line
        if line == "}":
            cur = stack.pop()
        elif line.endswith("{"):
            node = {}
            cur.setdefault(line[:-1].strip(), []).append(node)
            stack.append(cur)
            cur = node
        else:
            key, val = line.split(": ", 1)
            if val.startswith('"'):
                val = ast.literal_eval("b" + val).decode("utf-8")
            elif re.match(r"^-?\d+$", val):
                val = int(val)
            cur.setdefault(key, []).append(val)
    assert not stack
    return root


def one(d, key, default=None):
    v = d.get(key)
    if not v:
        return default
    assert len(v) == 1, (key, v)
    return v[0]


def decode(path):
    r = subprocess.run([protoc(), "--decode=perfetto.protos.Trace",
                        "-I", HERE, SCHEMA], stdin=open(path, "rb"),
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    return parse_text(r.stdout.decode("utf-8"))["packet"]


def args_of(ev):
    out = {}
    for a in ev.get("debug_annotations", []):
        v = one(a, "string_value", one(a, "int_value"))
        out[one(a, "name")] = v
    return out


class Trace:
    """The packets as tracks (by uuid), lives, instants and flows."""

    def __init__(self, packets):
        self.tracks = {}        # uuid: {"pid", "tid", "names": [(ts, n)]}
        self.lives = {}         # uuid: {"begin", "end", "name", "args"}
        self.instants = []      # (uuid, ts, name, args)
        self.flows = {}         # id: [(uuid, ts, type)]
        first = packets[0]
        snap = one(first, "clock_snapshot")
        assert snap and one(snap, "primary_trace_clock") == MONOTONIC
        assert one(first, "sequence_flags") == 1    # state cleared
        for p in packets:
            assert one(p, "trusted_packet_sequence_id") == 1, p
            if p is not first:
                assert one(p, "sequence_flags") == 2, p
                assert one(p, "timestamp_clock_id") == MONOTONIC, p
            ts = one(p, "timestamp")
            if "track_descriptor" in p:
                self.descriptor(one(p, "track_descriptor"), ts)
            elif "track_event" in p:
                self.event(one(p, "track_event"), ts)
            else:
                assert p is first, p

    def descriptor(self, d, ts):
        uuid = one(d, "uuid")
        if "process" in d:
            pd = one(d, "process")
            tr = self.tracks.setdefault(uuid, {"pid": one(pd, "pid"),
                                               "tid": None, "names": []})
            assert tr["pid"] == one(pd, "pid") and tr["tid"] is None
            tr["names"].append((ts, one(pd, "process_name")))
        elif "thread" in d:
            td = one(d, "thread")
            tr = self.tracks.setdefault(uuid, {
                "pid": one(td, "pid"), "tid": one(td, "tid"), "names": [],
                "parent": one(d, "parent_uuid")})
            assert (tr["pid"], tr["tid"], tr["parent"]) == \
                (one(td, "pid"), one(td, "tid"), one(d, "parent_uuid"))
            tr["names"].append((ts, one(td, "thread_name")))
        else:
            self.tracks.setdefault(uuid, {"pid": None, "tid": None,
                                          "names": [(ts, one(d, "name"))]})

    def event(self, e, ts):
        uuid = one(e, "track_uuid")
        assert uuid in self.tracks, "an event before its track"
        kind = one(e, "type")
        for f in e.get("flow_ids", []):     # in the trace's order
            self.flows.setdefault(f, []).append((uuid, ts, kind))
        if kind == "TYPE_SLICE_BEGIN":
            assert uuid not in self.lives, "two lives on one track"
            self.lives[uuid] = {"begin": ts, "end": None,
                                "name": one(e, "name"), "args": args_of(e)}
        elif kind == "TYPE_SLICE_END":
            life = self.lives[uuid]
            assert life["end"] is None and ts >= life["begin"]
            life["end"] = ts
            life["args"].update(args_of(e))
        else:
            assert kind == "TYPE_INSTANT", e
            self.instants.append((uuid, ts, one(e, "name"), args_of(e)))

    def threads(self, tid):
        return [u for u, t in self.tracks.items() if t["tid"] == tid]

    def processes(self, pid):
        return [u for u, t in self.tracks.items()
                if t["pid"] == pid and t["tid"] is None]

    def check_whole(self):
        """Every life closed, every instant inside its track's life,
        every flow from an instant to the begin of a life."""
        for u, t in self.tracks.items():
            if t["tid"] is not None:
                assert u in self.lives and self.lives[u]["end"] is not None
                assert self.tracks[t["parent"]]["pid"] == t["pid"]
        for u, ts, name, _ in self.instants:
            if u in self.lives:
                life = self.lives[u]
                assert life["begin"] <= ts <= life["end"], (name, life)
        for fid, ends in self.flows.items():
            # the source first: readers take the first event of a flow
            # (of equal times, in the trace's order) for its source
            assert len(ends) == 2, (fid, ends)
            (src, t0, k0), (dst, t1, k1) = ends
            assert (k0, k1) == ("TYPE_INSTANT", "TYPE_SLICE_BEGIN"), ends
            assert t0 == t1 == self.lives[dst]["begin"]

    def flow_into(self, uuid):
        """The track a life's creation came from."""
        got = [src for ends in self.flows.values() for src, _, k in ends
               if any(d == uuid and kk == "TYPE_SLICE_BEGIN"
                      for d, _, kk in ends) and k == "TYPE_INSTANT"]
        assert len(got) == 1, (uuid, got)
        return got[0]


# ---- the Chrome JSON ----

KEYS = {"M": {"name", "pid", "tid", "args"},
        "X": {"name", "pid", "tid", "ts", "dur"},
        "i": {"name", "pid", "tid", "ts", "s"},
        "s": {"name", "cat", "pid", "tid", "ts", "id"},
        "f": {"name", "cat", "pid", "tid", "ts", "id", "bp"}}


def ns(us):
    """Microseconds with nanosecond decimals, as integer nanoseconds
    (adding the floats would round)."""
    return round(us * 1000)


def load_chrome(path):
    with open(path) as f:
        doc = json.load(f)
    evs = doc["traceEvents"]
    for e in evs:
        assert e["ph"] in KEYS, e
        assert KEYS[e["ph"]] <= set(e), e
    flows = {}
    for e in evs:
        if e["ph"] in "sf":
            flows.setdefault(e["id"], []).append(e)
    for fid, pair in flows.items():
        assert sorted(x["ph"] for x in pair) == ["f", "s"], pair
        assert [x["bp"] for x in pair if x["ph"] == "f"] == ["e"]
    lives = {}
    for e in evs:
        if e["ph"] == "X":
            lives.setdefault((e["pid"], e["tid"]), []).append(e)
    for e in evs:            # flows and instants inside a life of theirs
        if e["ph"] in "sfi" and e.get("s") != "g":
            assert any(ns(x["ts"]) <= ns(e["ts"]) <=
                       ns(x["ts"]) + ns(x["dur"])
                       for x in lives[(e["pid"], e["tid"])]), e
    names = {(e["pid"], e["tid"], e["name"]): e["args"]["name"]
             for e in evs if e["ph"] == "M"}
    return evs, lives, names


# ---- a real recording ----

def statements(text):
    out = []
    for line in text.splitlines():
        if line.startswith("{") and line.endswith("}"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """ct-an-tree, ct-lifecycle and ct-einval under one recording."""
    need_root()
    need_clonetrace()
    d = tmp_path_factory.mktemp("timeline")
    rec, pf, ch = d / "r.ctr", d / "r.pftrace", d / "r.json"
    r = subprocess.run(["make", "-s", "-C", os.path.dirname(
        workload("ct-fork"))], capture_output=True)
    assert r.returncode == 0, r.stderr
    script = "%s; %s; %s" % (workload("ct-an-tree"),
                             workload("ct-lifecycle"),
                             workload("ct-einval"))
    r = subprocess.run([CLONETRACE, "-e", "exec,exit", "-w", str(rec),
                        "-o", "/dev/null", "-c", "sh -c '%s'" % script],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    r2 = report(["--perfetto", str(pf), "--chrome", str(ch), str(rec)],
                nobody=False)
    assert r2.returncode == 0 and r2.stdout == b"", r2.stderr
    return statements(r.stdout.decode()), Trace(decode(pf)), \
        load_chrome(ch), rec


def test_real_tree(real):
    """ct-an-tree: the main process and its 5 threads, 3 children of 4
    threads each, each with a grandchild of 2 threads: every one a
    track of its own under its process, its life a slice, its creation
    a flow from its creator's track, its exit status 0."""
    stated, tr, _, _ = real
    tree = [s for s in stated if "children" in s][0]
    tr.check_whole()

    def family(pid, nthreads, creator_pid):
        procs = tr.processes(pid)
        assert len(procs) == 1, (pid, procs)
        lead = tr.threads(pid)
        assert len(lead) == 1
        life = tr.lives[lead[0]]
        assert life["args"]["exit"] == "0", life
        if creator_pid:
            assert life["args"]["kind"] == "process", life
            src = tr.flow_into(lead[0])
            assert tr.tracks[src]["pid"] == creator_pid
        threads = [u for u, t in tr.tracks.items()
                   if t["pid"] == pid and t["tid"] not in (None, pid)]
        assert len(threads) == nthreads, (pid, threads)
        for u in threads:
            assert tr.tracks[u]["parent"] == procs[0]
            life = tr.lives[u]
            assert life["args"]["kind"] == "thread", life
            assert "CLONE_THREAD" in life["args"]["clone_flags"], life
            assert tr.tracks[tr.flow_into(u)]["tid"] == pid

    family(tree["pid"], 5, None)
    for c in tree["children"]:
        family(c["pid"], 4, tree["pid"])
        family(c["grandchild"], 2, c["pid"])


def test_real_lifecycle(real):
    """ct-lifecycle: each exec an instant on its task's track and the
    tracks renamed from then on; each failed exec an instant with its
    errno; each exit the end of the life, with its status or signal;
    the thread that exec'd ends there."""
    stated, tr, _, _ = real
    seen = {"exec": 0, "exec_failed": 0, "exit": 0}
    for s in stated:
        if s.get("expect") in seen:
            seen[s["expect"]] += 1
        if s.get("expect") == "exec":
            (u,) = [x for x in tr.threads(s["pid"])
                    if tr.lives[x]["end"] is not None and
                    any(i[0] == x and i[2].startswith("exec ")
                        for i in tr.instants)]
            (ins,) = [i for i in tr.instants if i[0] == u and
                      i[2].startswith("exec ")]
            prog = os.path.basename(s["filename"])
            assert ins[2] == "exec " + prog
            assert ins[3]["argv"] == " ".join(s["argv"])
            assert ins[3]["filename"] == s["filename"]
            assert tr.tracks[u]["names"][-1] == (ins[1], prog)
            (p,) = tr.processes(s["pid"])
            assert tr.tracks[p]["names"][-1] == (ins[1], prog)
            if s["old_tid"] != s["pid"]:
                assert ins[3]["old_tid"] == s["old_tid"]
                (old,) = tr.threads(s["old_tid"])
                assert tr.lives[old]["end"] == ins[1]
                assert "exec" in tr.lives[old]["args"]["exit"]
        elif s.get("expect") == "exec_failed":
            got = [i for u in tr.threads(s["tid"]) for i in tr.instants
                   if i[0] == u and i[2].startswith("exec failed")]
            name = {2: "ENOENT", 13: "EACCES"}[s["errno"]]
            assert [(i[2], i[3]["errno"], i[3]["filename"]) for i in got] \
                == [("exec failed: " + name, name, s["filename"])]
        elif s.get("expect") == "exit":
            ended = [tr.lives[u] for u in tr.threads(s["pid"])
                     if tr.lives[u]["args"].get("last_thread") == 1]
            assert len(ended) == 1, (s, ended)
            a = ended[0]["args"]
            if s["signal"]:
                assert (a["exit"], a["exit_signal_received"]) == \
                    (s["signal"], s["signal"]), a
            else:
                assert (a["exit"], a["exit_status"]) == \
                    (str(s["exit_status"]), s["exit_status"]), a
            life = ended[0]["end"] - ended[0]["begin"]
            assert life <= s["lifetime_max_ns"], (s, ended)
    total = [s for s in stated if s.get("expect") == "lifecycle_total"][0]
    assert (seen["exec"], seen["exec_failed"], seen["exit"]) == \
        (total["execs"], total["exec_failed"], total["exits"]) == (4, 2, 7)


def test_real_refused(real):
    """ct-einval: each refused creation an instant on the creator's
    track, with its errno and the flags asked for."""
    stated, tr, _, _ = real
    failed = [s for s in stated if s.get("expect") == "clone_failed"]
    assert failed
    got = [i for i in tr.instants if i[2].startswith("create failed")]
    for s in failed:
        mine = [i for i in got if tr.tracks[i[0]]["tid"] ==
                s["parent"]["tid"] and i[3]["errno"] == s["error"]]
        assert mine, s
        assert all(i[2] == "create failed: " + s["error"] for i in mine)
    assert len(got) >= len(failed)


def test_real_chrome(real):
    """The same recording as Chrome JSON: a complete event per life, as
    many as the Perfetto trace has thread tracks, named as there; every
    creation a flow pair; the workloads' processes named as they ran."""
    stated, tr, (evs, lives, names), _ = real
    assert sum(len(v) for v in lives.values()) == \
        sum(1 for t in tr.tracks.values() if t["tid"] is not None)
    flows = {e["id"] for e in evs if e["ph"] == "s"}
    assert len(flows) == len(tr.flows)
    tree = [s for s in stated if "children" in s][0]
    for pid in [tree["pid"]] + [c["pid"] for c in tree["children"]]:
        assert names[(pid, pid, "process_name")] == "ct-an-tree"
        assert lives[(pid, pid)][0]["args"]["exit"] == "0"
    for s in stated:
        if s.get("expect") == "exec":
            assert names[(s["pid"], s["pid"], "process_name")] == \
                os.path.basename(s["filename"])
            assert any(e["ph"] == "i" and e["tid"] == s["pid"] and
                       e["name"] == "exec " +
                       os.path.basename(s["filename"]) for e in evs)
        if s.get("expect") == "exit" and s["signal"]:
            (x,) = lives[(s["pid"], s["pid"])]
            assert x["args"]["exit"] == "SIGKILL"


# ---- recordings the test writes ----

P = 4000
T0 = 5_000_000_000


def reuse_events(version):
    """PID 4100 twice: a child that exits 3, then (the PID reused) one
    that is killed; with no exits recorded (version 1), the second
    creation alone."""
    ev = [recording.event(T0 + 1 * MS, P, P, "shell", "clone", "process",
                          flags=0x1200000, pid=4100, tid=4100, comm="shell")]
    if version >= 2:
        ev.append(recording.exit_event(T0 + 5 * MS, 4100, 4100, "first",
                                       3 << 8, 4 * MS, parent=P))
    ev.append(recording.event(T0 + 9 * MS, P, P, "shell", "fork", "process",
                              pid=4100, tid=4100, comm="shell"))
    if version >= 2:
        ev.append(recording.exit_event(T0 + 12 * MS, 4100, 4100, "second",
                                       9, 3 * MS, parent=P))
    return ev


def write(path, events, **kw):
    with open(path, "wb") as f:
        f.write(recording.recording(events, start_ns=T0,
                                    duration_ns=20 * MS, **kw))
    os.chmod(path, 0o644)
    return str(path)


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_pid_reuse(binary, tmp_path, version):
    """Two processes of one PID, at different times: two process tracks
    and two thread tracks (distinct UUIDs), each its own life; in the
    Chrome JSON the later one under a synthetic PID, named with its
    real one. Every recording version."""
    rec = write(tmp_path / "r.ctr", reuse_events(version), version=version,
                lost=5, lost_follow=2)
    pf, ch = tmp_path / "r.pftrace", tmp_path / "r.json"
    r = report(["--perfetto", str(pf), "--chrome", str(ch), rec])
    assert r.returncode == 0 and not r.stdout, r.stderr
    tr = Trace(decode(pf))
    tr.check_whole()
    procs, threads = tr.processes(4100), tr.threads(4100)
    assert len(procs) == 2 and len(threads) == 2, tr.tracks
    lives = sorted((tr.lives[u] for u in threads), key=lambda x: x["begin"])
    assert [x["begin"] for x in lives] == [T0 + 1 * MS, T0 + 9 * MS]
    assert [x["args"]["syscall"] for x in lives] == ["clone", "fork"]
    if version >= 2:
        assert [x["end"] for x in lives] == [T0 + 5 * MS, T0 + 12 * MS]
        assert [x["args"]["exit"] for x in lives] == ["3", "SIGKILL"]
    else:
        assert lives[0]["end"] == T0 + 9 * MS     # until the reuse
        assert "not recorded" in lives[0]["args"]["exit"]
        assert lives[1]["end"] == T0 + 20 * MS    # the recording's end
    for x in lives:
        assert tr.tracks[tr.flow_into(
            [u for u in threads if tr.lives[u] is x][0])]["tid"] == P
    (lost,) = [i for i in tr.instants if i[2].startswith("lost")]
    assert (lost[1], lost[3]) == (T0 + 20 * MS,
                                  {"lost": 5, "lost_follow": 2})

    evs, lives, names = load_chrome(ch)
    xs = sorted((e for e in evs if e["ph"] == "X" and
                 e["args"]["pid"] == 4100), key=lambda e: e["ts"])
    assert [e["pid"] for e in xs][0] == 4100
    assert xs[1]["pid"] >= SYNTHETIC and xs[1]["tid"] == xs[1]["pid"]
    assert names[(xs[1]["pid"], xs[1]["pid"], "process_name")] == \
        "shell (pid 4100)"
    assert [e["ts"] for e in xs] == [(T0 + 1 * MS) / 1000,
                                     (T0 + 9 * MS) / 1000]
    assert [e for e in evs if e["ph"] == "i" and e["s"] == "g" and
            e["args"] == {"lost": 5, "lost_follow": 2}]


def test_exec_renames(binary, tmp_path):
    """An exec renames the task's and its process's tracks from its
    time on: a new descriptor of the same UUID with the program's name
    (version 3's resolved path, else the file name)."""
    ev = [recording.event(T0 + 1 * MS, P, P, "sh", "fork", "process",
                          pid=4200, tid=4200, comm="sh"),
          recording.exec_event(T0 + 2 * MS, 4200, "sh", "/bin/true",
                               ["true", "-x"], parent=P,
                               path=(0, "/usr/bin/true"))]
    rec = write(tmp_path / "r.ctr", ev, version=3)
    pf = tmp_path / "r.pftrace"
    r = report(["--perfetto", str(pf), rec])
    assert r.returncode == 0, r.stderr
    tr = Trace(decode(pf))
    (u,) = tr.threads(4200)
    (p,) = tr.processes(4200)
    want = [(T0 + 1 * MS, "sh"), (T0 + 2 * MS, "true")]
    assert tr.tracks[u]["names"] == want and tr.tracks[p]["names"] == want
    (ins,) = [i for i in tr.instants if i[0] == u]
    assert ins[1:3] == (T0 + 2 * MS, "exec true")
    assert ins[3]["filename"] == "/usr/bin/true"
    assert ins[3]["argv"] == "true -x"


def damaged():
    good = recording.recording(reuse_events(2), start_ns=T0,
                               duration_ns=20 * MS, version=2, chunk=1)
    end = recording.frames(good)[-1][0]
    return {"cut": good[:len(good) * 2 // 3], "no end": good[:end],
            "flip": good[:40] + bytes([good[40] ^ 0x10]) + good[41:],
            "trailing": good + b"\0", "empty": b""}


@pytest.mark.parametrize("case", ["cut", "no end", "flip", "trailing",
                                  "empty"])
@pytest.mark.parametrize("opt", ["--perfetto", "--chrome"])
def test_refuses_damage(binary, tmp_path, case, opt):
    """A corrupt or cut recording: the exporters refuse it as report
    does (the same message, the same status) and write no file."""
    rec = tmp_path / "bad.ctr"
    rec.write_bytes(damaged()[case])
    rec.chmod(0o644)
    out = tmp_path / "out"
    want = report([str(rec)])
    got = report([opt, str(out), str(rec)])
    assert want.returncode == 1 and want.stderr
    assert (got.returncode, got.stderr, got.stdout) == \
        (want.returncode, want.stderr, b"")
    assert not out.exists()


def test_output_files(binary, tmp_path):
    """OUT: an existing file is replaced; the recording itself, the
    same file for both, and an export with the report's own sections
    are refused."""
    rec = write(tmp_path / "r.ctr", reuse_events(2), version=2)
    out = tmp_path / "out"
    out.write_bytes(b"x" * 100000)
    out.chmod(0o666)
    r = report(["--chrome", str(out), rec])
    assert r.returncode == 0, r.stderr
    json.loads(out.read_text())
    os.chmod(rec, 0o666)        # writable: only the check refuses it
    r = report(["--perfetto", rec, rec])
    assert r.returncode == 1 and b"recording" in r.stderr, r.stderr
    assert recording.frames(open(rec, "rb").read())    # untouched
    r = report(["--perfetto", str(out), "--chrome", str(out), rec])
    assert r.returncode == 1 and b"same file" in r.stderr, r.stderr
    for extra in (["-s", "tree"], ["--partial"],
                  ["--dot", str(tmp_path / "d")]):
        r = report(["--perfetto", str(tmp_path / "p")] + extra + [rec])
        assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, \
            (extra, r.stderr)
        assert not (tmp_path / "p").exists()


HOSTILE = [b'q"uo\\te', b"nl\nx\x01\x7f", b"bad\xff\xfe", b"bidi\xe2\x80\xae",
           b"c1\xc2\x85"]


def test_hostile_names(binary, tmp_path):
    """Comms with quotes, backslashes, controls, invalid UTF-8 and bidi
    controls: the Perfetto names are valid UTF-8 (protoc reads them) and
    the terminal's escapes of the comm, the Chrome JSON parses and names
    the same."""
    ev = [recording.event(T0 + (i + 1) * MS, P, P, "shell", "fork",
                          "process", pid=4300 + i, tid=4300 + i, comm=c)
          for i, c in enumerate(HOSTILE)]
    rec = write(tmp_path / "r.ctr", ev)
    pf, ch = tmp_path / "r.pftrace", tmp_path / "r.json"
    r = report(["--perfetto", str(pf), "--chrome", str(ch), rec])
    assert r.returncode == 0, r.stderr
    tr = Trace(decode(pf))
    _, _, names = load_chrome(ch)
    for i, c in enumerate(HOSTILE):
        want = formats.escape_terminal(c)
        (u,) = tr.threads(4300 + i)
        assert tr.tracks[u]["names"] == [(T0 + (i + 1) * MS, want)]
        assert names[(4300 + i, 4300 + i, "thread_name")] == want
