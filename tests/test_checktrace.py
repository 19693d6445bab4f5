# SPDX-License-Identifier: GPL-2.0
"""Self-test of tests/checktrace.py: it must pass a conforming trace and
name each broken field precisely. Traces here are written by hand from the
contract (docs/JSON.md), not produced by clonetrace."""

import copy
import json
import subprocess
import sys

import pytest

from conftest import TESTS
import checktrace

P = 1000
EXPECT = [
    {"expect": "clone", "label": "raw fork", "syscall": "fork",
     "kind": "process", "flags": 0, "exit_signal": 17,
     "parent": {"pid": P, "tid": P, "comm_hex": "6e65770a6c696e65"},
     "child": {"pid": 1001, "tid": 1001, "ns_pid": 1001, "ns_tid": 1001,
               "comm_hex": "6e65770a6c696e65"},
     "refs": {"mm_users": 1, "files": 1}, "ns_new": []},
    {"expect": "clone", "label": "pthread", "syscall": "clone3",
     "kind": "thread", "flags_min": 0x50f00, "exit_signal": 0,
     "parent": {"pid": P, "tid": P},
     "child": {"pid": P, "tid": 1002},
     "refs": {"mm_users": 2, "signal_live": 2}, "ns_new": []},
    {"expect": "clone_failed", "label": "einval", "syscall": "clone",
     "kind": "process", "flags": 0x800, "exit_signal": 17,
     "parent": {"pid": P, "tid": P}, "errno": 22, "error": "EINVAL"},
    {"expect": "total", "pid": P, "clones": 2, "failed": 1},
]


def event(ev, kind, syscall, flags, flags_str, exit_signal, parent,
          child=None, refs=None, errno=None, ns_new=()):
    e = {"ts_ns": 5, "cpu": 0, "event": ev, "syscall": syscall,
         "kind": kind, "flags": flags, "flags_str": flags_str,
         "exit_signal": exit_signal, "parent": parent, "child": child,
         "refs": refs, "ns_new": list(ns_new), "latency_ns": 100,
         "uid": 0, "gid": 0, "cgroup": {"id": 1, "path": "/"},
         "cgroup_v1": None, "container": None}
    if errno:
        e["errno"] = errno
        e["error"] = {22: "EINVAL", 11: "EAGAIN"}[errno]
    return e


def all_refs(**kw):
    r = {k: 1 for k in checktrace.REF_KEYS}
    r.update(kw)
    return r


def good_trace():
    evs = [
        # clonetrace's own fork of the workload: not a workload event
        event("clone", "process", "clone", 0x1200000,
              "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID", 17,
              {"pid": 900, "tid": 900, "comm": "clonetrace"},
              {"pid": P, "tid": P, "comm": "clonetrace", "ns_pid": P,
               "ns_tid": P}, all_refs()),
        event("clone", "process", "fork", 0, "0", 17,
              {"pid": P, "tid": P, "comm": "new\nline"},
              {"pid": 1001, "tid": 1001, "comm": "new\nline",
               "ns_pid": 1001, "ns_tid": 1001}, all_refs()),
        event("clone", "thread", "clone3", 0x3d0f00,
              "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|"
              "CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|"
              "CLONE_CHILD_CLEARTID", 0,
              {"pid": P, "tid": P, "comm": "x"},
              {"pid": P, "tid": 1002, "comm": "x", "ns_pid": P,
               "ns_tid": 1002}, all_refs(mm_users=2, signal_live=2)),
        event("clone_failed", "process", "clone", 0x800, "CLONE_SIGHAND",
              17, {"pid": P, "tid": P, "comm": "x"}, errno=22),
    ]
    summary = {"event": "summary", "events": 4, "clones": 3, "failed": 1,
               "execs": 0, "exec_failed": 0, "exits": 0, "lost": 0, "lost_follow": 0, "mode": "tp_btf",
               "by_kind": {"process": 3, "thread": 1, "vfork": 0,
                           "vm_process": 0, "kthread": 0,
                           "user_worker": 0},
               "by_syscall": {"kernel": 0, "fork": 1, "vfork": 0,
                              "clone": 2, "clone3": 1, "unknown": 0}}
    return evs, summary


def write(tmp_path, evs, summary, expect=EXPECT, raw_extra=b""):
    e = tmp_path / "expect"
    t = tmp_path / "trace"
    e.write_text("".join(json.dumps(x) + "\n" for x in expect))
    lines = [json.dumps(x) for x in evs]
    if summary is not None:
        lines.append(json.dumps(summary))
    t.write_bytes(raw_extra + "".join(ln + "\n" for ln in lines).encode())
    return str(e), str(t)


def problems(tmp_path, evs, summary, mode="tp_btf", **kw):
    e, t = write(tmp_path, evs, summary, **kw)
    return checktrace.check(e, t, mode)[0]


def assert_problem(probs, *parts):
    for p in probs:
        if all(x in p for x in parts):
            return
    pytest.fail("no problem mentions %r; got:\n%s" % (parts,
                                                      "\n".join(probs)))


def test_good(tmp_path):
    evs, summary = good_trace()
    assert problems(tmp_path, evs, summary) == []


def test_cli_exit_status(tmp_path):
    evs, summary = good_trace()
    e, t = write(tmp_path, evs, summary)
    tool = [sys.executable, TESTS + "/checktrace.py"]
    assert subprocess.run(tool + [e, t, "--mode", "tp_btf"],
                          capture_output=True).returncode == 0
    r = subprocess.run(tool + [e, t, "--mode", "raw_tp"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "mode" in r.stdout
    assert subprocess.run(tool + [e, "/nonexistent"],
                          capture_output=True).returncode == 2


def test_ref_mismatch(tmp_path):
    evs, summary = good_trace()
    evs[2]["refs"]["mm_users"] = 3
    assert_problem(problems(tmp_path, evs, summary),
                   "[pthread, child tid 1002]",
                   "refs.mm_users: expected 2, got 3")


def test_flags_min_missing(tmp_path):
    evs, summary = good_trace()
    evs[2]["flags"] = 0x3d0f00 & ~0x10000
    evs[2]["flags_str"] = "|".join(sorted(
        checktrace.flag_names(evs[2]["flags"])))
    assert_problem(problems(tmp_path, evs, summary), "flags",
                   "missing CLONE_THREAD")


def test_flags_str_and_kind(tmp_path):
    evs, summary = good_trace()
    evs[1]["flags_str"] = "CLONE_VM"
    evs[2]["kind"] = "process"
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "flags_str 'CLONE_VM' does not match flags 0x0")
    assert_problem(probs, "kind 'process' contradicts flags 0x3d0f00")
    assert_problem(probs, "[pthread, child tid 1002] kind: expected "
                   "'thread', got 'process'")


def test_exit_signal_in_flags(tmp_path):
    evs, summary = good_trace()
    evs[1]["flags"] = 17
    assert_problem(problems(tmp_path, evs, summary), "exit signal byte")


def test_clone3_newtime(tmp_path):
    """0x80 is CLONE_NEWTIME from clone3 and an exit signal bit from
    clone()."""
    evs, summary = good_trace()
    ev = evs[2]
    assert ev["syscall"] == "clone3"
    ev["flags"] |= 0x80
    ev["flags_str"] += "|CLONE_NEWTIME"
    ev["ns_new"] = ["time"]
    expect = copy.deepcopy(EXPECT)
    expect[1]["ns_new"] = ["time"]
    assert problems(tmp_path, evs, summary, expect=expect) == []
    ev["ns_new"] = []
    assert_problem(problems(tmp_path, evs, summary, expect=expect),
                   "ns_new []")
    ev.update(syscall="clone", ns_new=["time"])
    probs = problems(tmp_path, evs, summary, expect=expect)
    assert_problem(probs, "exit signal byte 0x80")
    assert_problem(probs, "does not match flags 0x3d0f80")


def test_comm_escaping(tmp_path):
    evs, summary = good_trace()
    evs[1]["child"]["comm"] = "new\\nline"
    assert_problem(problems(tmp_path, evs, summary), "child.comm",
                   "6e65770a6c696e65")


def test_missing_child(tmp_path):
    evs, summary = good_trace()
    del evs[2]
    summary.update(events=3, clones=2)
    summary["by_kind"]["thread"] = 0
    summary["by_syscall"]["clone3"] = 0
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "[pthread, child tid 1002]", "no matching clone")
    assert_problem(probs, "workload total clones: expected 2, got 1")


def test_failed_mismatch(tmp_path):
    evs, summary = good_trace()
    evs[3]["errno"] = 11
    evs[3]["error"] = "EAGAIN"
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "[einval, parent tid 1000, errno 22]",
                   "no matching clone_failed")


def test_unexpected_event(tmp_path):
    evs, summary = good_trace()
    extra = copy.deepcopy(evs[1])
    extra["child"].update(pid=1003, tid=1003)
    evs.append(extra)
    summary.update(events=5, clones=4)
    summary["by_kind"]["process"] = 4
    summary["by_syscall"]["fork"] = 2
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "unexpected event", "child=1003/1003")


def test_summary_checks(tmp_path):
    evs, summary = good_trace()
    summary["lost"] = 2
    summary["clones"] = 9
    probs = problems(tmp_path, evs, summary, mode="raw_tp")
    assert_problem(probs, "lost: expected 0, got 2")
    assert_problem(probs, "summary clones: expected 3, got 9")
    assert_problem(probs, "mode: expected 'raw_tp', got 'tp_btf'")
    assert_problem(problems(tmp_path, evs, None), "no summary line")


def test_summary_keys(tmp_path):
    """Every kind and syscall key is required (0 included), and so are
    lost and lost_follow; counts that a forced-loss test states are
    compared exactly."""
    evs, summary = good_trace()
    del summary["by_kind"]["vfork"]
    del summary["by_syscall"]["kernel"]
    summary["by_syscall"]["clone"] = 3
    del summary["lost_follow"]
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "by_kind keys")
    assert_problem(probs, "by_kind.vfork: expected 0, got None")
    assert_problem(probs, "by_syscall.kernel: expected 0, got None")
    assert_problem(probs, "by_syscall.clone: expected 2, got 3")
    assert_problem(probs, "no 'lost_follow' key")
    evs, summary = good_trace()
    summary.update(lost=5, lost_follow=2)
    e, t = write(tmp_path, evs, summary)
    assert checktrace.check(e, t, "tp_btf", lost=5, lost_follow=2)[0] == []
    probs = checktrace.check(e, t, "tp_btf", lost=5, lost_follow=3)[0]
    assert_problem(probs, "lost_follow: expected 3, got 2")
    assert_problem(problems(tmp_path, evs, summary),
                   "lost: expected 0, got 5")


@pytest.mark.parametrize("raw", [b"\x7f", b"\xc2\x85", b"\x01"],
                         ids=["DEL", "C1", "C0"])
def test_raw_controls(tmp_path, raw):
    """DEL, C1 and C0 controls must be escaped in the JSON text, even
    though a JSON parser accepts DEL and C1 raw."""
    evs, summary = good_trace()
    evs[1]["parent"]["comm"] = "@@"
    e, t = write(tmp_path, evs, summary)
    with open(t, "rb") as f:
        data = f.read().replace(b"@@", b"a" + raw + b"b", 1)
    with open(t, "wb") as f:
        f.write(data)
    probs = checktrace.check(e, t, "tp_btf")[0]
    assert_problem(probs, "trace line 2: raw control character")


def test_bad_json_and_utf8(tmp_path):
    evs, summary = good_trace()
    probs = problems(tmp_path, evs, summary,
                     raw_extra=b'{"event":"clone",\n{"a":"\xff"}\n')
    assert_problem(probs, "trace line 1: not valid JSON")
    assert_problem(probs, "trace line 2: not valid UTF-8")


def test_failed_shape(tmp_path):
    evs, summary = good_trace()
    evs[3]["child"] = {"pid": 1}
    evs[3]["error"] = "EAGAIN"
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "child and refs null")
    assert_problem(probs, "error 'EAGAIN' does not name errno 22")


@pytest.mark.parametrize("raw,want", [
    (b"plain", "plain"),
    (b"new\nline", "new\nline"),
    (b"q\"\\", "q\"\\"),
    (b"\xc3\xa9t\xc3\xa9", "\u00e9t\u00e9"),
    (b"\xf0\x9f\x98\x80", "\U0001f600"),
    (b"bad\xff\xfe", "bad\\xff\\xfe"),
    (b"cut\xc3", "cut\\xc3"),
    (b"p\xe2\x82A", "p\\xe2\\x82A"),
    (b"\xed\xa0\x80", "\\xed\\xa0\\x80"),
    (b"\xc0\xaf", "\\xc0\\xaf"),
    (b"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"),
    (b"\xe0\x80\x80", "\\xe0\\x80\\x80"),
    (b"\xef\xbf\xbf", "\uffff"),
    (b"\xc2\x85", "\u0085"),
    (b"\x80x", "\\x80x"),
])
def test_escape_comm(raw, want):
    lower, upper = checktrace.escape_comm(raw)
    assert lower == want
    assert upper.lower() == want.lower()


def test_identity_shape(tmp_path):
    """uid, gid, cgroup and container: the contract's types, a container
    only from its cgroup's path."""
    evs, summary = good_trace()
    evs[1]["uid"] = -1
    evs[2]["cgroup"] = {"id": 0, "path": "/"}
    evs[3]["container"] = {"runtime": "docker", "id": "ab" * 32,
                           "pod_uid": None}
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "uid is neither null nor a uid")
    assert_problem(probs, "cgroup is neither null nor {id, path}")
    assert_problem(probs, "container runtime/id not from the cgroup path")


def test_identity_shape_v1(tmp_path):
    """cgroup_v1: {controller, id, path} or null; a container named by
    the v1 path passes, one named by neither path does not."""
    evs, summary = good_trace()
    box = "/docker/" + "ab" * 32
    evs[1]["cgroup_v1"] = {"controller": "pids", "id": 0, "path": "/"}
    evs[2]["cgroup_v1"] = {"controller": "pids", "id": 7, "path": box}
    evs[2]["container"] = {"runtime": "docker", "id": "ab" * 32,
                           "pod_uid": None}
    evs[3]["cgroup_v1"] = {"controller": "pids", "id": 8, "path": "/x"}
    evs[3]["container"] = {"runtime": "docker", "id": "cd" * 32,
                           "pod_uid": None}
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "trace line 2: cgroup_v1 is neither null nor")
    assert not [p for p in probs if p.startswith("trace line 3:")], probs
    assert_problem(probs, "trace line 4: container runtime/id not from")


def test_exit_shape(tmp_path):
    """An exit whose exit_status does not decode its code is found, and
    the summary counts exits."""
    evs, summary = good_trace()
    evs.append({"ts_ns": 6, "cpu": 0, "event": "exit", "syscall": None,
                "kind": "process",
                "task": {"pid": P, "tid": P, "comm": "x", "ns_pid": P,
                         "ns_tid": P, "ppid": 1},
                "code": 0x300, "exit_status": 2, "signal": None,
                "core_dumped": False, "lifetime_ns": 5,
                "last_thread": True, "uid": 0, "gid": 0,
                "cgroup": {"id": 1, "path": "/"}, "cgroup_v1": None,
                "container": None})
    summary["events"] = 5
    probs = problems(tmp_path, evs, summary)
    assert_problem(probs, "exit_status/signal do not decode code 768")
    assert_problem(probs, "exits: expected 1, got 0")
