# SPDX-License-Identifier: GPL-2.0
"""Identity on every event: uid, gid, cgroup, container; --cgroup.

The test makes the ground truth itself: it creates cgroup v2 directories
named as each container runtime names them, puts the workload in one
(the cgroup ID is the directory's inode number), or runs it as another
uid in a user namespace of its own, and compares each event of the
workload with what it set. The workloads' own statements are checked as
everywhere (checktrace.py), so the --cgroup filter lost nothing.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import (CLONETRACE, TIMEOUT, check_trace, need_clonetrace,
                      need_root, wait_ready, workload)

ID64 = "0123456789abcdef" * 4
POD = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"
POD_ = POD.replace("-", "_")

# cgroup path below the test's own cgroup -> (runtime, id, pod_uid)
SCHEMES = {
    "docker-systemd": ("system.slice/docker-%s.scope" % ID64,
                       ("docker", ID64, None)),
    "docker-cgroupfs": ("docker/%s" % ID64, ("docker", ID64, None)),
    "containerd-cri": ("kubepods.slice/kubepods-burstable.slice/"
                       "kubepods-burstable-pod%s.slice/"
                       "cri-containerd-%s.scope" % (POD_, ID64),
                       ("containerd", ID64, POD)),
    "containerd-cgroupfs": ("kubepods/besteffort/pod%s/%s" % (POD, ID64),
                            ("containerd", ID64, POD)),
    "cri-o": ("kubepods.slice/kubepods-pod%s.slice/crio-%s.scope"
              % (POD_, ID64), ("cri-o", ID64, POD)),
    "podman": ("machine.slice/libpod-%s.scope/container" % ID64,
               ("podman", ID64, None)),
    "podman-cgroupfs": ("libpod_parent/libpod-%s" % ID64,
                        ("podman", ID64, None)),
    "kubepods-pod-only": ("kubepods.slice/kubepods-besteffort.slice/"
                          "kubepods-besteffort-pod%s.slice" % POD_,
                          (None, None, POD)),
    "conmon-not-a-container": ("machine.slice/libpod-conmon-%s.scope"
                               % ID64, None),
    "plain": ("plain/sub", None),
}


def cgroup2_mount():
    with open("/proc/self/mounts") as f:
        for line in f:
            dev, path, fstype = line.split()[:3]
            if fstype == "cgroup2":
                return path
    pytest.skip("no cgroup2 file system mounted")


@pytest.fixture
def cgroups():
    """make(rel) creates <cgroup2>/ct-identity-PID/rel; all removed after."""
    need_root()
    need_clonetrace()
    mnt = cgroup2_mount()
    top = "ct-identity-%d" % os.getpid()
    made = []

    def make(rel=""):
        path = os.path.join(mnt, top, rel)
        os.makedirs(path, exist_ok=True)
        made.append(path)
        return path, "/" + os.path.join(top, rel).rstrip("/")

    yield make
    for root, dirs, _ in os.walk(os.path.join(mnt, top), topdown=False):
        for d in dirs:
            os.rmdir(os.path.join(root, d))
    if os.path.isdir(os.path.join(mnt, top)):
        os.rmdir(os.path.join(mnt, top))


def in_cgroup(directory, argv):
    """argv, run in the cgroup directory (moved there before exec)."""
    return ["sh", "-c", 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"',
            "sh", directory] + argv


def events_of(trace):
    with open(trace) as f:
        return [json.loads(line) for line in f
                if json.loads(line).get("event") in ("clone",
                                                      "clone_failed")]


def stated_pids(expect):
    pids = set()
    with open(expect) as f:
        for line in f:
            e = json.loads(line)
            if e.get("expect") in ("clone", "clone_failed"):
                pids.add(e["parent"]["pid"])
    return pids


def run_traced(tmp_path, args, argv):
    """clonetrace -j -o trace.json ARGS -- ARGV; the statements, the trace."""
    trace, expect = tmp_path / "trace.json", tmp_path / "expect.json"
    with open(expect, "wb") as out:
        r = subprocess.run([CLONETRACE, "-j", "-o", str(trace)] + args +
                           ["--"] + argv, stdout=out,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    if r.returncode == 77:
        pytest.skip(r.stderr.decode(errors="replace"))
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return expect, trace


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_container_schemes(tmp_path, workloads_built, cgroups, scheme):
    rel, want = SCHEMES[scheme]
    directory, path = cgroups(rel)
    top = path[:path.index("/", 1)]
    expect, trace = run_traced(tmp_path, ["--cgroup", top],
                               in_cgroup(directory,
                                         [workload("ct-fork")]))
    check_trace(str(expect), str(trace))
    mine = [e for e in events_of(trace)
            if e["parent"]["pid"] in stated_pids(expect)]
    assert mine
    for e in mine:
        assert e["uid"] == 0 and e["gid"] == 0, e
        assert e["cgroup"] == {"id": os.stat(directory).st_ino,
                               "path": path}, e
        if want is None:
            assert e["container"] is None, e
        else:
            assert e["container"] == dict(zip(("runtime", "id", "pod_uid"),
                                              want)), e


def test_cgroup_filter_below(tmp_path, workloads_built, cgroups):
    """--cgroup PATH: the tasks of PATH's descendants, none outside."""
    inside, _ = cgroups("in/deeper")
    _, top = cgroups("")
    outside = inside.replace("/ct-identity-", "/ct-identity-out-")
    os.makedirs(outside)
    trace = tmp_path / "trace.json"
    try:
        ct = subprocess.Popen([CLONETRACE, "-v", "-j", "-o", str(trace),
                               "--cgroup", top],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
        try:
            wait_ready(ct)
            runs = {}
            for name, d in (("in", inside), ("out", outside)):
                with open(tmp_path / name, "wb") as out:
                    r = subprocess.run(in_cgroup(d, [workload("ct-fork")]),
                                       stdout=out, timeout=TIMEOUT)
                assert r.returncode == 0
                runs[name] = str(tmp_path / name)
        finally:
            ct.send_signal(signal.SIGINT)
            ct.communicate(timeout=TIMEOUT)
        assert ct.returncode == 0
    finally:
        os.removedirs(outside)
    check_trace(runs["in"], str(trace))
    out_pids = stated_pids(runs["out"])
    for e in events_of(trace):
        assert e["parent"]["pid"] not in out_pids, e
        assert e["cgroup"]["path"].startswith(top + "/"), e


def test_uid_in_user_namespace(tmp_path, workloads_built):
    """uid 0 inside a user namespace mapped to 12345: the kernel's 12345
    (and gid 23456)."""
    need_root()
    need_clonetrace()
    uid, gid = 12345, 23456
    # where that uid can run it (the tree may be in a private directory)
    public = tempfile.mkdtemp(prefix="ct-identity-")
    try:
        os.chmod(public, 0o755)
        prog = shutil.copy(workload("ct-fork"), public)
        argv = ["setpriv", "--reuid", str(uid), "--regid", str(gid),
                "--clear-groups", "unshare", "-U", "-r", prog]
        expect, trace = run_traced(tmp_path, [], argv)
    finally:
        shutil.rmtree(public)
    check_trace(str(expect), str(trace))
    mine = [e for e in events_of(trace)
            if e["parent"]["pid"] in stated_pids(expect)]
    assert mine
    for e in mine:
        assert (e["uid"], e["gid"]) == (uid, gid), e
    # the tracer's own start is root's
    assert all((e["uid"], e["gid"]) == (0, 0) for e in events_of(trace)
               if e["parent"]["pid"] not in stated_pids(expect)
               and e["parent"]["comm"] == "clonetrace")


def test_recording_keeps_identity(tmp_path, workloads_built, cgroups):
    """-w then report: the identity of every event as it was live."""
    directory, path = cgroups(SCHEMES["cri-o"][0])
    rec = tmp_path / "rec.ctr"
    expect, trace = run_traced(tmp_path, ["-w", str(rec)],
                               in_cgroup(directory,
                                         [workload("ct-fork")]))
    # the cgroup is gone before report runs: its path is in the file
    r = subprocess.run([CLONETRACE, "report", "-j", "-s", "stream",
                        str(rec)], capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    keys = ("uid", "gid", "cgroup", "container")
    live = [{k: e[k] for k in keys} for e in events_of(trace)]
    report = [{k: e[k] for k in keys}
              for e in map(json.loads, r.stdout.decode().splitlines())
              if e.get("event") in ("clone", "clone_failed")]
    assert report == live
    assert any(e["cgroup"]["path"] == path and
               e["container"]["runtime"] == "cri-o" for e in report)


def test_cgroup_not_cgroup2(tmp_path):
    """--cgroup on a directory that is no cgroup v2: one line, status 1,
    no output file left."""
    need_root()
    need_clonetrace()
    out = tmp_path / "out.json"
    r = subprocess.run([CLONETRACE, "-j", "-o", str(out), "--cgroup",
                        str(tmp_path), "-d", "1"], capture_output=True,
                       timeout=TIMEOUT)
    err = r.stderr.decode().splitlines()
    assert r.returncode == 1 and len(err) == 1, r
    assert "'%s' is not a cgroup v2 directory" % tmp_path in err[0], err
    assert not out.exists()


# ---- --alert per container and per cgroup ----

ID64_B = "fedcba9876543210" * 4


def two_containers(cgroups):
    """A docker container (systemd driver) and a CRI-O one: (storming
    directory, its path, quiet directory, its path)."""
    a, pa = cgroups("system.slice/docker-%s.scope" % ID64)
    b, pb = cgroups("kubepods.slice/kubepods-pod%s.slice/crio-%s.scope"
                    % (POD_, ID64_B))
    return a, pa, b, pb


def storm_in_both(a, b):
    """A fork storm in a, three forks in b, side by side: sh -c argv."""
    script = ('sh -c \'echo $$ > "$1/cgroup.procs" && exec "$2" -k fork '
              '-d 1.2\' sh "$A" "$W" & '
              'sh -c \'echo $$ > "$1/cgroup.procs" && exec "$2" -k fork '
              '-n 3\' sh "$B" "$W" > /dev/null & '
              'wait; sleep 1')   # quiet intervals: the episode ends
    return ["env", "A=" + a, "B=" + b, "W=" + workload("ct-storm"),
            "sh", "-c", script]


def storm_rate(text):
    """The storm's own statement: its rate of creations per second."""
    rates = [json.loads(x)["rate"] for x in text.splitlines()
             if x.startswith("{") and json.loads(x).get("created", 0) > 3]
    assert len(rates) == 1, text
    return rates[0]


@pytest.mark.parametrize("scope", ["container", "cgroup"])
def test_alert_per_container_tracer(tmp_path, workloads_built, cgroups,
                                    scope):
    """--alert container:RATE (cgroup:RATE): one episode for the cgroup
    of the storming container, named by its ID and runtime (its path),
    none for the quiet container beside it."""
    a, pa, b, pb = two_containers(cgroups)
    r = subprocess.run([CLONETRACE, "-j", "-o", str(tmp_path / "t"),
                        "-i", "0.2", "--alert", "%s:200" % scope, "--"] +
                       storm_in_both(a, b), capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert storm_rate(r.stdout.decode()) >= 400
    err = r.stderr.decode().splitlines()
    name = "container docker " + ID64 if scope == "container" \
        else "cgroup " + pa
    starts = [x for x in err if "ALERT start: " in x]
    ends = [x for x in err if "ALERT end: " in x]
    assert [x.split("ALERT start: ")[1].split(" creating ")[0]
            for x in starts] == [name], err
    assert [x.split("ALERT end: ")[1].split(" creating ")[0]
            for x in ends] == [name], err
    assert not [x for x in err if ID64_B in x or pb in x], err


def test_alert_per_container_top(tmp_path, workloads_built, cgroups):
    """top --alert container:RATE: JSON records with the storming
    container's ID and runtime, none for the quiet one; --alert-exec
    gets the ID in CT_ALERT_CONTAINER."""
    a, pa, b, pb = two_containers(cgroups)
    marks = tmp_path / "marks"
    top = subprocess.Popen([CLONETRACE, "top", "--json", "-v", "-i", "0.3",
                            "--alert", "container:200", "--alert-exec",
                            "echo $CT_ALERT_SCOPE $CT_ALERT_CONTAINER >> %s"
                            % marks],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_ready(top)
        r = subprocess.run(storm_in_both(a, b), capture_output=True,
                           timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        time.sleep(1.0)     # quiet intervals: the episode ends
    finally:
        top.send_signal(signal.SIGINT)
        out, err = top.communicate(timeout=TIMEOUT)
    assert top.returncode == 0, err
    assert storm_rate(r.stdout.decode()) >= 400
    recs = [json.loads(x) for x in out.decode().splitlines()]
    alerts = [x for x in recs if x.get("event") == "alert" and
              x["container"] in (ID64, ID64_B)]
    assert [(x["state"], x["scope"], x["container"], x["runtime"],
             x["cgroup"], x["pid"]) for x in alerts] == [
        (s, "container", ID64, "docker", None, 0) for s in ("start", "end")
    ], alerts
    assert alerts[0]["rate"] >= 200 and alerts[0]["threshold"] == 200
    assert marks.read_text().splitlines().count("container " + ID64) == 1


# ---- top --users, --containers ----

def top_over_storms(args, script, a, b, sub):
    """clonetrace top --json with ARGS over SCRIPT, ct-storms started by sh
    with A, B, S set to cgroup directories and W to ct-storm, until its last
    interval is read: the storms' statements and top's "top" records."""
    top = subprocess.Popen([CLONETRACE, "top", "--json", "-v", "-i", "0.3",
                            "-r", "0"] + args,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_ready(top)
        r = subprocess.run(["env", "A=" + a, "B=" + b, "S=" + sub,
                            "W=" + workload("ct-storm"), "sh", "-c",
                            script], capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        time.sleep(0.7)     # the last creations' interval is read
    finally:
        top.send_signal(signal.SIGINT)
        out, err = top.communicate(timeout=TIMEOUT)
    assert top.returncode == 0, err
    stated = [json.loads(x) for x in r.stdout.decode().splitlines()]
    recs = [json.loads(x) for x in out.decode().splitlines()
            if json.loads(x).get("event") == "top"]
    return stated, recs


def test_top_users_containers(workloads_built, cgroups):
    """top --users --containers: two storms run as uid 12345 in a fake
    docker container (one in a cgroup below it), and three forks by root
    in a CRI-O container beside it: summed over the intervals, the uid's
    row and each container's row (its cgroups added up) count what the
    workloads say they created."""
    a, pa, b, pb = two_containers(cgroups)
    sub, _ = cgroups("system.slice/docker-%s.scope/sub" % ID64)
    script = ('sh -c \'echo $$ > "$1/cgroup.procs" && exec setpriv '
              '--reuid 12345 --regid 23456 --clear-groups "$2" -k fork '
              '-n 400\' sh "$A" "$W" & '
              'sh -c \'echo $$ > "$1/cgroup.procs" && exec setpriv '
              '--reuid 12345 --regid 23456 --clear-groups "$2" -k fork '
              '-n 300\' sh "$S" "$W" & '
              'sh -c \'echo $$ > "$1/cgroup.procs" && exec "$2" -k fork '
              '-n 3\' sh "$B" "$W" & wait')
    stated, recs = top_over_storms(["--users", "--containers"], script,
                                   a, b, sub)
    made = {s["created"]: s["created"] + len(s["helpers"]) for s in stated}
    assert sorted(made) == [3, 300, 400] and \
        all(s["failed"] == 0 for s in stated), stated
    users = sum(u["created"] for t in recs for u in t["users"]
                if u["uid"] == 12345)
    failed = sum(u["failed"] for t in recs for u in t["users"]
                 if u["uid"] == 12345)
    assert (users, failed) == (made[400] + made[300], 0), recs
    rows, cgs = {}, {}
    for t in recs:
        for c in t["containers"]:
            if c["id"] in (ID64, ID64_B):
                n, f, keys = rows.get(c["id"], (0, 0, set()))
                keys.add((c["runtime"], c["pod_uid"]))
                cgs.setdefault(c["id"], set()).add(c["cgroups"])
                rows[c["id"]] = (n + c["created"], f + c["failed"], keys)
    assert rows == {ID64: (made[400] + made[300], 0, {("docker", None)}),
                    ID64_B: (made[3], 0, {("cri-o", POD)})}, rows
    assert cgs[ID64] <= {1, 2} and cgs[ID64_B] == {1}, cgs
    # without the options: no such keys (the default stream unchanged)
    assert "users" not in json.loads(subprocess.run(
        [CLONETRACE, "top", "--json", "-n", "1", "-i", "0.1"],
        capture_output=True, timeout=TIMEOUT).stdout.decode()
        .splitlines()[0])


def test_top_users_containers_human(workloads_built, cgroups):
    """The human view: a USER block with the storming uid (no name in the
    user database: the number) and a CONTAINER block with the docker
    container's runtime and short ID, each with a rate above zero."""
    a, _, _, _ = two_containers(cgroups)
    top = subprocess.Popen([CLONETRACE, "top", "--no-redraw", "-v", "-i",
                            "0.3", "-r", "0", "--users", "--containers"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_ready(top)
        r = subprocess.run(in_cgroup(a, ["setpriv", "--reuid", "54321",
                                         "--regid", "54321",
                                         "--clear-groups",
                                         workload("ct-storm"), "-k",
                                         "fork", "-d", "0.8"]),
                           capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        time.sleep(0.5)
    finally:
        top.send_signal(signal.SIGINT)
        out, err = top.communicate(timeout=TIMEOUT)
    assert top.returncode == 0, err
    lines = out.decode(errors="replace").splitlines()
    heads = [x.split()[-1] for x in lines if x.split()[:2] ==
             ["RATE/s", "FAILED"]]
    assert {"USER", "CONTAINER"} <= set(heads), lines
    users = [x.split() for x in lines if x.split()[-1:] == ["54321"]]
    boxes = [x.split() for x in lines
             if x.split()[-2:] == ["docker", ID64[:12]]]
    assert users and max(float(x[0]) for x in users) > 100, lines
    assert boxes and max(float(x[0]) for x in boxes) > 100, lines
