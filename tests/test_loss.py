# SPDX-License-Identifier: GPL-2.0
"""Forced loss: nothing is lost silently, and what is lost is counted
exactly.

The reader is stopped (SIGSTOP) while a workload of known numbers
creates far more tasks than a 4 KiB ring buffer holds; then it is
continued (SIGCONT). Every creation of the workload is either an event
line or counted as lost, so events + lost = what the workload states,
to the unit, in every place the count is reported: the JSON summary,
the human summary, the messages, the Prometheus file and the
recording's summary (clonetrace report).
"""

import json
import re

import pytest

from conftest import CLONETRACE, TIMEOUT, trace_pid, workload
import subprocess

STORM = ["-t", "300", "-f", "40", "-v", "40"]


def storm(tmp_path, mode, tracer_args, pause=True, name="trace"):
    """ct-an-storm traced with -p; returns (statement, created, trace
    path, stderr)."""
    out = tmp_path / name
    wl_out, err = trace_pid([workload("ct-an-storm"), "-w"] + STORM,
                            tracer_args, out, pause=pause, mode=mode)
    st = json.loads(wl_out)
    return st, st["threads"] + st["processes"] + st["vforks"], out, err


def jlines(path):
    with open(path) as f:
        return [json.loads(ln) for ln in f if ln.strip()]


def prom(path):
    vals = {}
    for ln in open(path):
        if ln.strip() and not ln.startswith("#"):
            key, v = ln.rsplit(" ", 1)
            vals[key] = float(v)
    return vals


def test_lost_json(mode, tmp_path):
    """-b 4, reader stopped: events + lost = creations; the JSON summary,
    the messages, --prometheus and the recording all say the same (the
    recording first describes the -p target, as it was at attach)."""
    pf = tmp_path / "ct.prom"
    rec = tmp_path / "rec.ctr"
    st, created, out, err = storm(
        tmp_path, mode, ["--json", "-b", "4", "--prometheus", str(pf),
                         "-w", str(rec)])
    recs = jlines(out)
    evs = [e for e in recs if e["event"] in ("clone", "clone_failed")]
    (s,) = [e for e in recs if e["event"] == "summary"]
    assert recs[-1] is s
    assert all(e["parent"]["pid"] == st["pid"] for e in evs)
    assert s["events"] == len(evs)
    assert s["lost"] > 0, "nothing was lost: the test forced nothing"
    assert len(evs) + s["lost"] == created, (len(evs), s["lost"], created)
    assert s["lost_follow"] == 0
    # the hole named: every lost creation was the target's
    assert s["lost_by_creator"] == [{"pid": st["pid"], "comm": "ct-an-storm",
                                     "lost": s["lost"]}], s
    assert s["lost_other"] == 0
    assert "%d events were lost (ring buffer full)" % s["lost"] in err
    assert prom(pf)["clonetrace_lost_events_total"] == s["lost"]
    r = subprocess.run([CLONETRACE, "report", "--json", "-s",
                        "stream,summary", str(rec)], capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    rep = [json.loads(ln) for ln in r.stdout.decode().splitlines()]
    # the recording starts where the stream did: the -p target, waiting
    # before its storm (one thread, no child), then the same events
    t = rep[0]
    assert (t["event"], t["pid"], t["comm"], t["nr_threads"],
            t["nr_children"]) == ("target", st["pid"], "ct-an-storm", 1, 0)
    assert rep[1:-1] == evs
    assert (rep[-1]["lost"], rep[-1]["events"]) == (s["lost"], len(evs))


SUMMARY = re.compile(r"clonetrace: (\d+) events in [\d.]+ s: (\d+) created, "
                     r"(\d+) failed, (\d+) lost \((.*)\)")


def test_lost_human(mode, tmp_path):
    """The same in human output: the summary line on stderr."""
    st, created, out, err = storm(tmp_path, mode, ["-b", "4"])
    lines = out.read_text().splitlines()
    assert lines[0].split()[:2] == ["TIME(s)", "PCOMM"]
    rows = lines[1:]
    assert all(ln.split()[1:3] == ["ct-an-storm", str(st["pid"])]
               for ln in rows)
    (m,) = [m for m in map(SUMMARY.fullmatch, err.splitlines()) if m]
    events, made, failed, lost = map(int, m.groups()[:4])
    assert (events, made, failed) == (len(rows), len(rows), 0)
    assert lost > 0 and events + lost == created, (events, lost, created)
    assert "clonetrace: creations lost by creator: %d (ct-an-storm) %d\n" % (
        st["pid"], lost) in err, err


def test_lost_tree_names_the_hole(mode, tmp_path):
    """--tree after a forced loss: the creator's node says how many of its
    creations are missing (human and JSON), the sum is the summary's."""
    st, created, out, err = storm(tmp_path, mode, ["--json", "-b", "4",
                                                   "--tree"])
    recs = jlines(out)
    (s,) = [e for e in recs if e["event"] == "summary"]
    (tree,) = [e for e in recs if e["event"] == "tree"]
    assert s["lost"] > 0
    (root,) = [r for r in tree["roots"] if r.get("lost")]
    assert (root["pid"], root["lost"]) == (st["pid"], s["lost"]), root
    st, created, out, err = storm(tmp_path, mode, ["-b", "4", "--tree"],
                                  name="human")
    (m,) = [m for m in map(SUMMARY.fullmatch, err.splitlines()) if m]
    lost = int(m.group(4))
    assert "ct-an-storm(%d) existing at start (created " % st["pid"] in \
        out.read_text()
    assert "creations lost by creator: %d (ct-an-storm) %d" % (
        st["pid"], lost) in err
    line = [ln for ln in out.read_text().splitlines()
            if ln.startswith("ct-an-storm(%d)" % st["pid"])]
    assert line and line[0].endswith(" [%d creations lost]" % lost), line


def test_buffer_size_holds_all(mode, tmp_path):
    """-b 1024: the same storm with the reader stopped fits: nothing is
    lost (the option's effect, against -b 4 above)."""
    st, created, out, err = storm(tmp_path, mode, ["--json", "-b", "1024"])
    recs = jlines(out)
    s = recs[-1]
    assert s["event"] == "summary" and s["lost"] == 0
    assert s["events"] == len(recs) - 1 == created
    assert "lost" not in err


def test_lost_follow(mode, tmp_path):
    """-f --max-follow 1 and a lossy ring at once: lost_follow is the
    number of processes created, lost + events the creations."""
    st, created, out, err = storm(
        tmp_path, mode, ["--json", "-f", "--max-follow", "1", "-b", "4"])
    recs = jlines(out)
    s = recs[-1]
    assert s["lost_follow"] == st["processes"] + st["vforks"]
    assert s["events"] == len(recs) - 1
    assert s["lost"] > 0 and s["events"] + s["lost"] == created
    assert ("%d new processes could not be followed" % s["lost_follow"]) \
        in err
