# SPDX-License-Identifier: GPL-2.0
"""clonetrace share without privilege, through kcmp(2): the human output
(golden) and the JSON groups of a process tree whose sharing the test
built itself.

The workload (a Python script run as an unprivileged user) states its
PID, parent, threads and child; threads share mm, files, fs, sighand and
signal with each other, the child process shares none of them, and all
share every namespace. The lines are formatted here from that statement
(docs/USAGE.md, "Who shares what"). The module's debugfs source is
tested against kcmp in the VMs (tests/vm/20-share.*).
"""

import json
import subprocess

import pytest

from conftest import CLONETRACE, TIMEOUT, unprivileged

WORKLOAD = r"""
import json, os, subprocess, sys, threading
go = threading.Event()
ids = []
def run():
    ids.append(threading.get_native_id())
    go.wait()
threads = [threading.Thread(target=run) for _ in range(2)]
for t in threads:
    t.start()
while len(ids) < 2:
    pass
child = subprocess.Popen(["sleep", "60"])
print(json.dumps({"pid": os.getpid(), "ppid": os.getppid(),
                  "threads": sorted(ids), "child": child.pid}), flush=True)
sys.stdin.read(1)
child.kill()
child.wait()
go.set()
"""
SHARED_BY_THREADS = ["mm", "files", "fs", "sighand", "signal"]
NAMESPACES = ["time", "mnt", "cgroup", "uts", "ipc", "user", "pid", "net"]


@pytest.fixture
def tree():
    """The workload, unprivileged: its statement, while it runs."""
    p = subprocess.Popen(unprivileged(["/usr/bin/python3", "-c", WORKLOAD]),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    try:
        st = json.loads(p.stdout.readline())
        yield st
    finally:
        p.stdin.close()
        p.wait(timeout=TIMEOUT)


def comm(tid):
    with open("/proc/%d/comm" % tid) as f:
        return f.read().rstrip("\n")


def share(*args):
    r = subprocess.run(unprivileged([CLONETRACE, "share"] + list(args)),
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    return r.stdout


def groups(st):
    """type -> the TID lists of its groups, in the order share lists them
    (each group at its lowest TID)."""
    proc = sorted([st["pid"]] + st["threads"])
    child = [st["child"]]
    out = {}
    for t in SHARED_BY_THREADS:
        out[t] = sorted([proc, child])
    for ns in NAMESPACES:
        out["ns:" + ns] = [sorted(proc + child)]
    return out


def test_human_golden(binary, tree):
    st = tree
    tids = sorted([st["pid"]] + st["threads"] + [st["child"]])
    got = share("-p", str(st["pid"]), "-t").splitlines()
    want = ["clonetrace share: %d tasks (source: kcmp)" % len(tids),
            "%-7s %7s %7s %-15s" % ("TID", "PID", "PPID", "COMM")]
    for t in tids:
        pid, ppid = ((st["child"], st["pid"]) if t == st["child"]
                     else (st["pid"], st["ppid"]))
        want.append("%-7d %7d %7d %-15s" % (t, pid, ppid, comm(t)))
    want += ["", "%-10s %7s %8s %s" % ("RESOURCE", "MEMBERS", "REFCOUNT",
                                       "TIDS")]
    for t, members in groups(st).items():
        for g in members:
            want.append("%-10s %7d %8s %s" % (t, len(g), "-",
                                              ",".join(map(str, g))))
    known = set(groups(st))
    # io and SysV undo lists: whether a task has one is the kernel's
    # business; the groups of the known types must be exactly these
    got = [ln for ln in got[:len(tids) + 4]] + [
        ln for ln in got[len(tids) + 4:] if ln.split()[:1] and
        ln.split()[0] in known]
    assert got == want


def test_kcmp_says_what_is_absent(binary, tree):
    """nsproxy has no kcmp type, and the child forked without
    CLONE_SYSVSEM shares no undo list: said, not silently left out."""
    st = tree
    tids = sorted([st["pid"]] + st["threads"] + [st["child"]])
    out = share("-p", str(st["pid"]), "-t", "-s", "kcmp")
    absent = out.split("\nABSENT ", 1)
    assert len(absent) == 2, out
    rows = {ln.split()[0]: ln for ln in absent[1].splitlines()[1:]}
    assert "no type for it" in rows["nsproxy"], out
    assert rows["nsproxy"].endswith(": " + ",".join(map(str, tids))), out
    sysvsem = rows["sysvsem"]
    assert "not shared" in sysvsem and "CLONE_SYSVSEM" in sysvsem, out
    assert str(st["child"]) in sysvsem.rsplit(": ", 1)[1].split(","), out
    doc = json.loads(share("-p", str(st["pid"]), "-t", "-s", "kcmp", "-j"))
    why = {a["type"]: a for a in doc["absent"]}
    assert why["nsproxy"]["tids"] == tids, doc["absent"]
    assert st["child"] in why["sysvsem"]["tids"], doc["absent"]


def test_json_groups(binary, tree):
    st = tree
    doc = json.loads(share("-p", str(st["pid"]), "-t", "-j"))
    assert doc["source"] == "kcmp"
    assert sorted(t["tid"] for t in doc["tasks"]) == sorted(
        [st["pid"]] + st["threads"] + [st["child"]])
    got = {}
    for g in doc["groups"]:
        assert g["members"] == len(g["tids"]) and g["refcount"] is None
        got.setdefault(g["type"], []).append(g["tids"])
    for t, members in groups(st).items():
        assert got.get(t) == members, t
    types = list(dict.fromkeys(g["type"] for g in doc["groups"]))
    assert [t for t in types if t.startswith("ns:")] == [
        "ns:" + ns for ns in NAMESPACES]
