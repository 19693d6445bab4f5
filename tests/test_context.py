# SPDX-License-Identifier: GPL-2.0
"""The attach context of -p: what each target is when tracing starts.

Ground truth: ct-context builds a tree it states (its threads, a
CLONE_FILES child, a CLONE_VM|CLONE_FS|CLONE_SIGHAND child, a fork with a
grandchild and a great-grandchild, a zombie), run as uid 12345 gid 23456 in a cgroup named as
docker names its containers; every field of the header, human (stderr,
by default), JSON (--context) and recorded (-w, then report), is compared
with that statement, the cgroup's inode and the test's own names. Then
the edges: a zombie leader, a kernel thread, thousands of threads and
more children than are listed, a target killed while it is read, and
recordings made by the test (version 3 with targets, version 2 without,
version 4 with a v1 cgroup). Its cgroup in the run's v1 hierarchy, where
one is mounted, is compared with /proc/PID/cgroup and the directory's
inode (test_identity_v1.py: a target in v1 cgroups the test makes).
"""

import json
import os
import random
import subprocess
import time

import pytest

import recording
from conftest import (CLONETRACE, TIMEOUT, need_clonetrace, need_root,
                      workload)
from test_identity import ID64, cgroups, in_cgroup  # noqa: F401 (fixture)

COMM = "ct-context"
UID, GID = 12345, 23456


def start(argv):
    """Start ct-context ARGV...; (process, {word: [values]}) once ready."""
    wl = subprocess.Popen(argv, stdout=subprocess.PIPE)
    said = {}
    for line in wl.stdout:
        word, _, value = line.decode().strip().partition(" ")
        if word == "ready":
            return wl, said
        said.setdefault(word, []).append(int(value))
    wl.wait()
    pytest.fail("ct-context exited %d before it was ready" % wl.returncode)


def settle(said):
    """Until every process stated is asleep (or the zombie a zombie): a
    process just forked may still be running on its way to pause()."""
    end = time.monotonic() + TIMEOUT
    for word in ("main", "filechild", "vmchild", "forkchild", "grandchild",
                 "greatgrandchild", "zombie"):
        want = "Z" if word == "zombie" else "S"
        while state_of(said[word][0]) != want:
            assert time.monotonic() < end, (word, state_of(said[word][0]))
            time.sleep(0.01)


def state_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(") ", 1)[1][0]


def stop(wl):
    wl.kill()
    wl.wait()


def tracer(args, **kw):
    """clonetrace ARGS -d 0.2 (the context is printed at the start)."""
    return subprocess.run([CLONETRACE] + args + ["-d", "0.2"],
                          capture_output=True, timeout=TIMEOUT, **kw)


def targets_of(text):
    return [json.loads(x) for x in text.splitlines()
            if json.loads(x)["event"] == "target"]


def stated_kids(said):
    """The children as the workload states them: (pid, shares) by PID;
    None for the zombie."""
    kids = [(said["filechild"][0], ["files"]),
            (said["vmchild"][0], ["vm", "fs", "sighand"]),
            (said["forkchild"][0], []), (said["zombie"][0], None)]
    return sorted(kids)


# identity.h's CT_CGROUP1_PREFERENCE: the v1 hierarchy a run uses
V1_PREFERENCE = ("pids", "memory", "cpu", "cpuacct", "blkio", "devices",
                 "freezer", "cpuset")


def v1_of(pid):
    """pid's cgroup in the v1 hierarchy a run uses, as the kernel says
    (/proc/PID/cgroup, the directory's inode): {controller, id, path},
    None when no preferred controller is mounted as v1."""
    mounts = {}
    with open("/proc/self/mounts") as f:
        for line in f:
            _, mnt, fstype, opts = line.split()[:4]
            for o in opts.split(",") if fstype == "cgroup" else ():
                mounts.setdefault(o, mnt)
    ctrl = next((c for c in V1_PREFERENCE if c in mounts), None)
    if not ctrl:
        return None
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if ctrl in ctrls.split(","):
                return {"controller": ctrl, "path": path, "id": os.stat(
                    mounts[ctrl] + path).st_ino}
    return None


def human_v1(v1):
    """The header's ", cgroup_v1 CONTROLLER:PATH" (-x's cgroup_v1=)."""
    return ", cgroup_v1 %s:%s" % (v1["controller"], v1["path"]) if v1 \
        else ""


def human_kid(pid, shares, ppid=None):
    text = "%d %s" % (pid, COMM)
    if ppid:
        text += " (child of %d)" % ppid
    if shares is None:
        return text + " zombie"
    return text + " shares " + (",".join(shares) or "nothing")


def expected_human(said, path, prefix="clonetrace: "):
    """The two header lines -p MAIN -f must print, from the statement."""
    main = said["main"][0]
    kids = "; ".join(human_kid(p, s) for p, s in stated_kids(said))
    return [
        "%starget %d (%s): %d threads, 4 children (%s), uid %d gid %d, "
        "cgroup %s%s, container docker:%s"
        % (prefix, main, COMM, len(said["thread"]) + 1, kids, UID, GID,
           path, human_v1(v1_of(main)), ID64[:12]),
        "%starget %d: -f follows 6 processes below it: its 4 children and "
        "2 below them (%s; %s)" % (prefix, main, human_kid(
            said["grandchild"][0], [], said["forkchild"][0]), human_kid(
            said["greatgrandchild"][0], [], said["grandchild"][0]))]


def expected_json(said, path, cg_id, follow):
    main = said["main"][0]

    def kid(pid, shares, ppid=None):
        k = {"pid": pid, "comm": COMM,
             "state": "zombie" if shares is None else "sleeping",
             "shares": shares or []}
        return dict(k, ppid=ppid) if ppid else k
    return {
        "event": "target", "pid": main, "comm": COMM, "state": "sleeping",
        "kernel_thread": False, "uid": UID, "gid": GID,
        "nr_threads": len(said["thread"]) + 1,
        "threads": sorted(said["main"] + said["thread"]),
        "nr_children": 4,
        "children": [kid(p, s) for p, s in stated_kids(said)],
        "nr_descendants": 6 if follow else None,
        "descendants": [kid(said["grandchild"][0], [], said["forkchild"][0]),
                        kid(said["greatgrandchild"][0], [],
                            said["grandchild"][0])] if follow else None,
        "cgroup": {"id": cg_id, "path": path}, "cgroup_v1": v1_of(main),
        "container": {"runtime": "docker", "id": ID64, "pod_uid": None}}


@pytest.fixture
def tree(workloads_built, cgroups):  # noqa: F811
    """ct-context as uid 12345 in a docker-named cgroup: (statement,
    cgroup path, cgroup id)."""
    directory, path = cgroups("system.slice/docker-%s.scope" % ID64)
    argv = in_cgroup(directory, [
        "setpriv", "--reuid", str(UID), "--regid", str(GID),
        "--clear-groups", workload("ct-context"), "-s", "60"])
    wl, said = start(argv)
    settle(said)
    yield said, path, os.stat(directory).st_ino
    stop(wl)
    end = time.monotonic() + TIMEOUT    # its children die after it
    with open(os.path.join(directory, "cgroup.procs")) as f:
        while f.read() and time.monotonic() < end:
            time.sleep(0.05)
            f.seek(0)


def test_context_human_default(tree):
    """-p -f, human: the header is on stderr by default, every field as
    the workload states it; stdout (the events) has none of it;
    --no-context prints none of it."""
    said, path, _ = tree
    main = str(said["main"][0])
    r = tracer(["-p", main, "-f"])
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode().splitlines()
    assert err[:2] == expected_human(said, path), err
    assert b"target" not in r.stdout
    r = tracer(["-p", main, "--no-context"])
    assert r.returncode == 0, r.stderr
    assert not [x for x in r.stderr.decode().splitlines()
                if "target" in x], r.stderr
    r = tracer(["-p", main])        # without -f: one line
    head = r.stderr.decode().splitlines()
    assert head[0] == expected_human(said, path)[0]
    assert "-f follows" not in head[1], head


def test_context_json(tree):
    """-j: events only by default; --context: one target record first,
    every field as stated; with -f its descendants."""
    said, path, cg_id = tree
    main = str(said["main"][0])
    r = tracer(["-j", "-p", main])
    assert r.returncode == 0, r.stderr
    assert not targets_of(r.stdout.decode())
    assert b"target" not in r.stderr        # nor on stderr
    for follow in (False, True):
        r = tracer(["-j", "--context", "-p", main] +
                    (["-f"] if follow else []))
        assert r.returncode == 0, r.stderr
        first = json.loads(r.stdout.decode().splitlines()[0])
        assert first == expected_json(said, path, cg_id, follow)


def test_context_recorded(tree, tmp_path):
    """-w: the context is recorded (whether printed or not) and report
    shows it first in the stream, human and JSON, as live."""
    said, path, cg_id = tree
    rec = tmp_path / "ctx.ctr"
    r = tracer(["-p", str(said["main"][0]), "-f", "--no-context", "-w",
                str(rec), "-o", "/dev/null"])
    assert r.returncode == 0, r.stderr
    h = subprocess.run([CLONETRACE, "report", "-s", "stream", str(rec)],
                       capture_output=True, timeout=TIMEOUT)
    assert h.returncode == 0, h.stderr
    assert h.stdout.decode().splitlines()[:2] == \
        expected_human(said, path, prefix="")
    j = subprocess.run([CLONETRACE, "report", "-j", "-s", "stream",
                        str(rec)], capture_output=True, timeout=TIMEOUT)
    assert j.returncode == 0, j.stderr
    assert json.loads(j.stdout.decode().splitlines()[0]) == \
        expected_json(said, path, cg_id, True)
    info = subprocess.run([CLONETRACE, "report", "-s", "info", str(rec)],
                          capture_output=True, timeout=TIMEOUT)
    assert info.stdout.decode().startswith("recording: version 5,")


def test_context_zombie_leader(workloads_built):
    """A process whose leader has exited but whose threads run: traced,
    and the header says so; its children (killed by PDEATHSIG when their
    parent thread exited, never reaped) are zombies, sharing nothing."""
    need_root()
    need_clonetrace()
    wl, said = start([workload("ct-context"), "-x", "-t", "2", "-s", "60"])
    try:
        for line in wl.stdout:
            if line.strip() == b"leader-exited":
                break
        # the children's PDEATHSIG is on its way: until each has died
        end = time.monotonic() + TIMEOUT
        for word in ("filechild", "vmchild", "forkchild", "zombie"):
            while state_of(said[word][0]) != "Z":
                assert time.monotonic() < end, (word,
                                                state_of(said[word][0]))
                time.sleep(0.01)
        main = said["main"][0]
        r = tracer(["-p", str(main)])
        j = tracer(["-j", "--context", "-p", str(main)])
    finally:
        stop(wl)
    assert r.returncode == 0 and j.returncode == 0, (r.stderr, j.stderr)
    head = r.stderr.decode().splitlines()[0]
    assert head.startswith("clonetrace: target %d (%s, zombie leader: only "
                           "its other threads run): 4 threads, 4 children ("
                           % (main, COMM)), head
    t = targets_of(j.stdout.decode())[0]
    assert t["state"] == "zombie" and t["nr_threads"] == 4
    assert set(said["thread"]) < set(t["threads"]) and main in t["threads"]
    assert all(k["state"] == "zombie" and k["shares"] == []
               for k in t["children"]), t["children"]


def ppid_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(") ", 1)[1].split()[1])
    except FileNotFoundError:
        return None


def test_context_kernel_thread():
    """-p 2 (kthreadd): a kernel thread, said; its children are its own
    (their /proc says so) and no "vm" is claimed between kernel threads
    (they have no mm; kcmp would find two NULLs equal); they share the
    fd table and fs with it, as kernel_thread() creates them; the human
    line lists eight and counts the rest."""
    need_root()
    need_clonetrace()
    j = tracer(["-j", "--context", "-p", "2"])
    h = tracer(["-p", "2", "-o", "/dev/null"])
    assert j.returncode == 0 and h.returncode == 0, (j.stderr, h.stderr)
    t = targets_of(j.stdout.decode())[0]
    assert (t["comm"], t["kernel_thread"], t["nr_threads"]) == \
        ("kthreadd", True, 1)
    assert t["children"] and t["nr_children"] >= len(t["children"])
    for k in t["children"]:
        assert ppid_of(k["pid"]) in (2, None), k
        assert "vm" not in k["shares"], k
    assert sum("files" in k["shares"] for k in t["children"]) > \
        len(t["children"]) // 2
    head = h.stderr.decode().splitlines()[0]
    assert head.startswith("clonetrace: target 2 (kthreadd, kernel thread): "
                           "1 thread, "), head
    n = int(head.split("1 thread, ")[1].split()[0])
    if n > 8:
        assert ("; and %d more not listed)" % (n - 8)) in head, head


def test_context_bounded(workloads_built):
    """600 threads and 80 more children: the counts are whole, 256
    threads (the lowest TIDs) and 64 children listed in JSON, eight on
    the human line which says how many more there are; the line stays
    short. Time to read it: -v says (reported, not asserted)."""
    need_root()
    need_clonetrace()
    wl, said = start([workload("ct-context"), "-t", "600", "-k", "80",
                      "-s", "60"])
    try:
        main = said["main"][0]
        j = tracer(["-j", "--context", "-p", str(main)])
        h = tracer(["-v", "-p", str(main), "-o", "/dev/null"])
    finally:
        stop(wl)
    assert j.returncode == 0 and h.returncode == 0, (j.stderr, h.stderr)
    tids = sorted(said["main"] + said["thread"])
    kids = sorted([x for k in ("filechild", "vmchild", "forkchild",
                               "zombie", "extra") for x in said[k]])
    t = targets_of(j.stdout.decode())[0]
    assert (t["nr_threads"], t["threads"]) == (601, tids[:256])
    assert t["nr_children"] == 84
    assert [k["pid"] for k in t["children"]] == kids[:64]
    err = h.stderr.decode().splitlines()
    head = [x for x in err if x.startswith("clonetrace: target %d (" % main)]
    assert len(head) == 1 and len(head[0]) < 1024, head
    assert "601 threads, 84 children (" in head[0]
    assert head[0].count(" shares ") + head[0].count(" zombie") == 8
    assert "; and 76 more not listed)" in head[0], head[0]
    print([x for x in err if "read in" in x])


def test_context_target_killed(workloads_built):
    """Targets killed at random moments around the read: clonetrace never
    crashes; it describes what it could (or says the target is gone) and
    ends as documented: 0 once tracing started, 1 with one line when the
    target was gone before."""
    need_root()
    need_clonetrace()
    rng = random.Random(1234)
    seen = set()
    for _ in range(12):
        wl, said = start([workload("ct-context"), "-t", "1000", "-k", "20",
                          "-s", "60"])
        ct = subprocess.Popen([CLONETRACE, "-p", str(said["main"][0]), "-f",
                               "-o", "/dev/null", "-d", "5"],
                              stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.03, 0.12))  # the read: ~50 ms in
        stop(wl)
        _, err = ct.communicate(timeout=TIMEOUT)
        lines = err.decode().splitlines()
        if ct.returncode == 1:
            assert len(lines) == 1 and "no such process" in lines[0] or \
                "has exited" in lines[0], lines
            seen.add("refused")
            continue
        assert ct.returncode == 0, lines
        assert "every traced process has exited" in err.decode(), lines
        head = [x for x in lines if " target " in x]
        if head:
            said_as = head[0].split(": ")[1]
            assert said_as in ["target %d (%s%s)" % (said["main"][0], COMM,
                                                     state)
                               for state in ("", ", exiting")], head
            seen.add("exiting" if "exiting" in said_as else "read")
    print("outcomes:", sorted(seen))


# ---- recordings made by the test ----

TARGET = {
    "pid": 4215, "comm": "nginx", "state": "T", "kthread": False,
    "follow": True, "cut": False, "uid": 33, "gid": 33,
    "nr_threads": 300, "threads": [4215, 4219, 4220],
    "nr_children": 10, "nr_below": 12,
    "kids": [(4217, 4215, "nginx", "S", ["vm", "files"]),
             (4218, 4215, "nginx", "Z", [])] +
            [(4230 + i, 4215, "nginx", "S", []) for i in range(8)] +
            [(4300, 4217, "sh", "R", ["fs"])],
    "cgroup": "/system.slice/nginx.service", "cgroup_id": 8417,
}


def write_rec(public_dir, version, targets):
    ev = recording.event(1_000_001_000, 4215, 4215, "nginx", "clone",
                         "process", flags=0x1200000, pid=4400, tid=4400,
                         comm="nginx")
    path = os.path.join(public_dir, "t.ctr")
    with open(path, "wb") as f:
        f.write(recording.recording([ev], version=version, targets=targets,
                                    start_ns=1_000_000_000))
    os.chmod(path, 0o644)
    return path


def test_report_target_v3(binary, public_dir):
    """A version 3 recording's target, made here: report prints it first
    in the stream, every field as written (a stopped target, a zombie
    child, eight listed of ten, one of two below the children)."""
    rec = write_rec(public_dir, 3, [TARGET])
    r = subprocess.run([binary, "report", "-s", "stream", rec],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    kids = ["4217 nginx shares vm,files", "4218 nginx zombie"] + \
        ["%d nginx shares nothing" % (4230 + i) for i in range(6)]
    assert lines[:2] == [
        "target 4215 (nginx, stopped): 300 threads, 10 children (%s; and "
        "2 more not listed), uid 33 gid 33, cgroup "
        "/system.slice/nginx.service" % "; ".join(kids),
        "target 4215: -f follows 12 processes below it: its 10 children "
        "and 2 below them (4300 sh (child of 4217) shares fs; and 1 more "
        "not listed)"], lines
    r = subprocess.run([binary, "report", "-j", "-s", "stream", rec],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    t = json.loads(r.stdout.decode().splitlines()[0])
    assert t == {
        "event": "target", "pid": 4215, "comm": "nginx",
        "state": "stopped", "kernel_thread": False, "uid": 33, "gid": 33,
        "nr_threads": 300, "threads": [4215, 4219, 4220],
        "nr_children": 10,
        "children": [{"pid": p, "comm": c, "state": {
            "S": "sleeping", "Z": "zombie"}[s], "shares": sh}
            for p, _, c, s, sh in TARGET["kids"][:10]],
        "nr_descendants": 12,
        "descendants": [{"pid": 4300, "ppid": 4217, "comm": "sh",
                         "state": "running", "shares": ["fs"]}],
        "cgroup": {"id": 8417, "path": "/system.slice/nginx.service"},
        "cgroup_v1": None, "container": None}
    assert json.loads(r.stdout.decode().splitlines()[1])["event"] == "clone"


def test_report_target_v4_cgroup1(binary, public_dir):
    """A version 4 target in a v1 docker cgroup (a hybrid host: cgroup2
    at its root): report names its v1 path and ID, and the container,
    from the v1 path as an event's (v2 first: none there); with none
    recorded, cgroup_v1 null. A v1 path without a controller is
    refused."""
    t = dict(TARGET, cgroup="/", cgroup_id=1,
             cgroup1=("pids", "/docker/" + ID64, 9001))
    rec = write_rec(public_dir, 4, [t])
    r = subprocess.run([binary, "report", "-s", "stream", rec],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[0].endswith(
        "uid 33 gid 33, cgroup /, cgroup_v1 pids:/docker/%s, container "
        "docker:%s" % (ID64, ID64[:12])), r.stdout
    r = subprocess.run([binary, "report", "-j", "-s", "stream", rec],
                       capture_output=True, timeout=TIMEOUT)
    got = json.loads(r.stdout.decode().splitlines()[0])
    assert [got[k] for k in ("cgroup", "cgroup_v1", "container")] == [
        {"id": 1, "path": "/"},
        {"controller": "pids", "id": 9001, "path": "/docker/" + ID64},
        {"runtime": "docker", "id": ID64, "pod_uid": None}], got
    rec = write_rec(public_dir, 4, [TARGET])
    r = subprocess.run([binary, "report", "-j", "-s", "stream", rec],
                       capture_output=True, timeout=TIMEOUT)
    got = json.loads(r.stdout.decode().splitlines()[0])
    assert got["cgroup_v1"] is None and got["container"] is None, got
    rec = write_rec(public_dir, 4, [dict(TARGET, cgroup1=("", "/x", 0))])
    r = subprocess.run([binary, "report", rec], capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 1 and b"without a controller" in r.stderr, r


def test_report_target_refused(binary, public_dir):
    """A target item in a version 2 file is corrupt; a target whose
    listed child has another parent too (the reader checks)."""
    rec = write_rec(public_dir, 2, [TARGET])
    r = subprocess.run([binary, "report", rec], capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 1 and b"unknown item type" in r.stderr, r
    bad = dict(TARGET, kids=[(4217, 1, "nginx", "S", [])])
    rec = write_rec(public_dir, 3, [bad])
    r = subprocess.run([binary, "report", rec], capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 1 and b"another parent" in r.stderr, r


def test_report_target_children_unknown(binary, public_dir):
    """A target recorded on a kernel without /proc/PID/task/TID/children
    (CONFIG_PROC_CHILDREN unset): its children are unknown, said so and
    null, never "0 children"; a gone target (state 0), its ids unknown."""
    t = dict(TARGET, state="", uid=None, gid=None, kids_unknown=True,
             nr_children=0, nr_below=0, kids=[], cgroup="", cgroup_id=0)
    rec = write_rec(public_dir, 3, [t])
    r = subprocess.run([binary, "report", "-s", "stream", rec],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[0] == (
        "target 4215 (nginx, exiting): 300 threads, children unknown (no "
        "/proc/PID/task/TID/children in this kernel)")
    r = subprocess.run([binary, "report", "-j", "-s", "stream", rec],
                       capture_output=True, timeout=TIMEOUT)
    got = json.loads(r.stdout.decode().splitlines()[0])
    assert [got[k] for k in ("state", "uid", "gid", "nr_children",
                             "children", "nr_descendants", "descendants",
                             "cgroup", "container")] == [None] * 9, got
