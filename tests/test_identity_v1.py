# SPDX-License-Identifier: GPL-2.0
"""Identity on cgroup v1 hierarchies: cgroup_v1, the container it names,
--cgroup in a v1 hierarchy, top --containers.

On hybrid hosts (v1 controllers, cgroup2 with every task at its root)
and on v1 hosts, container runtimes put a container in the v1
hierarchies only. The test makes the ground truth itself: it creates v1
cgroups below its own cgroup of the hierarchy, named as the runtimes name
them (the ID clonetrace must report is the directory's inode number),
moves a workload in, and compares each event of the workload with what it
set; the workloads' statements are checked as everywhere (checktrace.py),
so that the kernel's filter lost nothing. Every cgroup made is removed
again, its tasks moved out first, whatever the test's outcome.
"""

import json
import os
import signal
import subprocess
import time

import pytest

from conftest import (CLONETRACE, TIMEOUT, check_trace, need_clonetrace,
                      need_root, wait_ready, workload)
from test_identity import (ID64, POD, POD_, events_of, in_cgroup, run_traced,
                           stated_pids, storm_in_both, storm_rate,
                           top_over_storms)

# v1 cgroupfs-driver names below the test's own cgroup -> container
SCHEMES_V1 = {
    "docker": ("docker/%s" % ID64, ("docker", ID64, None)),
    "containerd": ("kubepods/besteffort/pod%s/%s" % (POD, ID64),
                   ("containerd", ID64, POD)),
    "kubepods-systemd-crio": ("kubepods.slice/kubepods-pod%s.slice/"
                              "crio-%s.scope" % (POD_, ID64),
                              ("cri-o", ID64, POD)),
    "podman": ("libpod_parent/libpod-%s" % ID64, ("podman", ID64, None)),
    "pod-only": ("kubepods/burstable/pod%s" % POD, (None, None, POD)),
    "plain": ("plain/sub", None),
}


def v1_mount(controller):
    """Where controller's v1 hierarchy is mounted; skip when it is not."""
    with open("/proc/self/mounts") as f:
        for line in f:
            _, path, fstype, opts = line.split()[:4]
            if fstype == "cgroup" and controller in opts.split(","):
                return path
    pytest.skip("no cgroup v1 hierarchy of %s mounted" % controller)


def own_v1(controller):
    """This process's cgroup in controller's hierarchy ("/a/b")."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return path
    pytest.skip("not in a %s hierarchy" % controller)


def remove_tree(top, parent_procs):
    """rmdir top and everything below it, bottom up, after moving any
    task still in them to parent_procs (a cgroup.procs file)."""
    if not os.path.isdir(top):
        return
    for root, dirs, _ in os.walk(top, topdown=False):
        for d in [os.path.join(root, x) for x in dirs] + \
                ([top] if root == top else []):
            with open(os.path.join(d, "cgroup.procs")) as f:
                left = f.read().split()
            for pid in left:
                try:
                    with open(parent_procs, "w") as f:
                        f.write(pid)
                except OSError:
                    pass        # gone meanwhile
            os.rmdir(d)


@pytest.fixture
def cgroups_v1():
    """make(controller, rel): <mount><own cgroup>/ct-idv1-PID/rel; returns
    (directory, path as /proc/PID/cgroup shows it). All removed after."""
    need_root()
    need_clonetrace()
    tops = {}

    def make(controller, rel=""):
        mnt = v1_mount(controller)
        own = own_v1(controller)
        base = os.path.join(mnt, own.lstrip("/"))
        top = os.path.join(base, "ct-idv1-%d" % os.getpid())
        tops[top] = os.path.join(base, "cgroup.procs")
        d = os.path.join(top, rel)
        os.makedirs(d, exist_ok=True)
        return d, "/" + os.path.relpath(d, mnt)

    yield make
    for top, procs in tops.items():
        remove_tree(top, procs)


def mine(expect, trace):
    ev = [e for e in events_of(trace)
          if e["parent"]["pid"] in stated_pids(expect)]
    assert ev, "none of the workload's creations in the trace"
    return ev


def want_container(want):
    return None if want is None else dict(zip(("runtime", "id", "pod_uid"),
                                              want))


@pytest.mark.parametrize("scheme", sorted(SCHEMES_V1))
def test_v1_container_schemes(tmp_path, workloads_built, cgroups_v1,
                              scheme):
    """The default hierarchy (pids): cgroup_v1 is the cgroup the test
    made (its inode, its path), the container its path names; -x says
    the same."""
    rel, want = SCHEMES_V1[scheme]
    d, path = cgroups_v1("pids", rel)
    expect, trace = run_traced(tmp_path, [],
                               in_cgroup(d, [workload("ct-fork")]))
    check_trace(str(expect), str(trace))
    for e in mine(expect, trace):
        assert e["cgroup_v1"] == {"controller": "pids",
                                  "id": os.stat(d).st_ino,
                                  "path": path}, e
        assert e["container"] == want_container(want), e


def test_v1_human(tmp_path, workloads_built, cgroups_v1):
    """-x: cgroup_v1=pids:PATH and container=docker:ID12 on the line of
    each of the workload's creations."""
    d, path = cgroups_v1("pids", SCHEMES_V1["docker"][0])
    out = tmp_path / "x.txt"
    with open(tmp_path / "expect", "wb") as st:
        r = subprocess.run([CLONETRACE, "-x", "-o", str(out), "--"] +
                           in_cgroup(d, [workload("ct-fork")]), stdout=st,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    pids = stated_pids(tmp_path / "expect")
    lines = out.read_text().splitlines()
    tail = " cgroup_v1=pids:%s container=docker:%s" % (path, ID64[:12])
    hits = [x for x in lines if x.endswith(tail)]
    assert len(hits) >= len(pids), lines


def test_v1_memory_by_cgroup_option(tmp_path, workloads_built, cgroups_v1):
    """--cgroup CONTROLLER:/PATH chooses that hierarchy: a workload in a
    memory cgroup named as containerd names it, seen with controller
    memory and its container."""
    rel, want = SCHEMES_V1["containerd"]
    d, path = cgroups_v1("memory", rel)
    top = path[:path.index("/ct-idv1-") + len("/ct-idv1-%d" % os.getpid())]
    expect, trace = run_traced(tmp_path, ["--cgroup", "memory:" + top],
                               in_cgroup(d, [workload("ct-fork")]))
    check_trace(str(expect), str(trace))
    for e in mine(expect, trace):
        assert e["cgroup_v1"] == {"controller": "memory",
                                  "id": os.stat(d).st_ino, "path": path}, e
        assert e["container"] == want_container(want), e


@pytest.mark.parametrize("top_name,sibling_name,below",
                         [("box", "box-sibling", "in/deeper"),
                          ("b", "c", "i/d")])
def test_v1_cgroup_filter(tmp_path, workloads_built, cgroups_v1, top_name,
                          sibling_name, below):
    """--cgroup DIR of a v1 hierarchy: the tasks of DIR and below, in
    the kernel; none of a sibling cgroup's or of the parent's. Names of
    one letter too: DIR's depth counts every component."""
    inside, _ = cgroups_v1("pids", top_name + "/" + below)
    top_dir, top = cgroups_v1("pids", top_name)
    sibling, _ = cgroups_v1("pids", sibling_name)
    outside = os.path.dirname(top_dir)      # the test's own parent
    trace = tmp_path / "trace.json"
    ct = subprocess.Popen([CLONETRACE, "-v", "-j", "-o", str(trace),
                           "--cgroup", top_dir], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    try:
        wait_ready(ct)
        runs = {}
        for name, d in (("in", inside), ("sibling", sibling),
                        ("out", outside)):
            with open(tmp_path / name, "wb") as out:
                r = subprocess.run(in_cgroup(d, [workload("ct-fork")]),
                                   stdout=out, timeout=TIMEOUT)
            assert r.returncode == 0
            runs[name] = str(tmp_path / name)
    finally:
        ct.send_signal(signal.SIGINT)
        ct.communicate(timeout=TIMEOUT)
    assert ct.returncode == 0
    check_trace(runs["in"], str(trace))
    others = stated_pids(runs["sibling"]) | stated_pids(runs["out"])
    for e in events_of(trace):
        assert e["parent"]["pid"] not in others, e
        assert e["cgroup_v1"]["path"].startswith(top + "/"), e


def test_v1_cgroup_errors(tmp_path, cgroups_v1):
    """--cgroup in a hierarchy clonetrace cannot read (a named one), of a
    controller not mounted, or of a cgroup that does not exist: one line
    naming the problem, status 1, no output file."""
    need_root()
    named = None
    with open("/proc/self/mounts") as f:
        for line in f:
            _, path, fstype, opts = line.split()[:4]
            if fstype == "cgroup" and "name=systemd" in opts.split(","):
                named = path
    cases = [("pids:/ct-no-such-cgroup-%d" % os.getpid(),
              "is not a cgroup directory")]
    if named:
        cases.append((named, "has no controller this kernel names"))
    with open("/proc/self/mounts") as f:
        mounted = f.read()
    for ctrl in ("hugetlb", "rdma", "misc", "net_prio"):
        if "," + ctrl not in mounted:
            cases.append((ctrl + ":/x", "no cgroup v1 hierarchy of the %s "
                          "controller is mounted" % ctrl))
            break
    v1_mount("pids")
    out = tmp_path / "out.json"
    for arg, why in cases:
        r = subprocess.run([CLONETRACE, "-j", "-o", str(out), "--cgroup",
                            arg, "-d", "1"], capture_output=True,
                           timeout=TIMEOUT)
        err = r.stderr.decode().splitlines()
        assert r.returncode == 1 and len(err) == 1, (arg, r)
        assert why in err[0] and arg in err[0], err
        assert not out.exists()


def test_v1_recording(tmp_path, workloads_built, cgroups_v1):
    """-w then report: cgroup_v1 and the container as they were live,
    the cgroup gone by then."""
    d, path = cgroups_v1("pids", SCHEMES_V1["podman"][0])
    rec = tmp_path / "rec.ctr"
    expect, trace = run_traced(tmp_path, ["-w", str(rec)],
                               in_cgroup(d, [workload("ct-fork")]))
    os.rmdir(d)
    r = subprocess.run([CLONETRACE, "report", "-j", "-s", "stream",
                        str(rec)], capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    keys = ("cgroup", "cgroup_v1", "container")
    live = [{k: e[k] for k in keys} for e in events_of(trace)]
    report = [{k: e[k] for k in keys}
              for e in map(json.loads, r.stdout.decode().splitlines())
              if e.get("event") in ("clone", "clone_failed")]
    assert report == live
    assert any(e["cgroup_v1"]["path"] == path and
               e["container"]["runtime"] == "podman" for e in report)


def test_v1_top_containers(workloads_built, cgroups_v1):
    """top --containers: a storm in a docker container of the pids
    hierarchy (one in a cgroup below it) and three forks in a CRI-O one:
    each container's row counts what its workloads say they created, and
    the cgroup rows carry the v1 paths."""
    a, pa = cgroups_v1("pids", "docker/%s" % ID64)
    sub, psub = cgroups_v1("pids", "docker/%s/sub" % ID64)
    id_b = "fedcba9876543210" * 4
    b, pb = cgroups_v1("pids", "kubepods/pod%s/%s" % (POD, id_b))
    script = ('for d in "$A" "$S"; do sh -c \'echo $$ > "$1/cgroup.procs" '
              '&& exec "$2" -k fork -n 200\' sh "$d" "$W" & done; '
              'sh -c \'echo $$ > "$1/cgroup.procs" && exec "$2" -k fork '
              '-n 3\' sh "$B" "$W" & wait')
    stated, recs = top_over_storms(["--containers"], script, a, b, sub)
    made = sorted(s["created"] + len(s["helpers"]) for s in stated)
    assert len(made) == 3 and all(s["failed"] == 0 for s in stated), stated
    rows = {}
    for t in recs:
        for c in t["containers"]:
            if c["id"] in (ID64, id_b):
                n, keys = rows.get(c["id"], (0, set()))
                keys.add((c["runtime"], c["pod_uid"]))
                rows[c["id"]] = (n + c["created"], keys)
    assert rows == {ID64: (made[1] + made[2], {("docker", None)}),
                    id_b: (made[0], {("containerd", POD)})}, rows
    paths = {c["cgroup_v1"]["path"] for t in recs for c in t["cgroups"]
             if c["cgroup_v1"]}
    assert {pa, psub, pb} <= paths, paths


def test_v1_alert_container_tracer(tmp_path, workloads_built, cgroups_v1):
    """--alert container:RATE: one episode for the storming docker
    container of the pids hierarchy (named by its v1 path: the v2 one is
    the same for both), none for the quiet CRI-O one beside it."""
    a, _ = cgroups_v1("pids", SCHEMES_V1["docker"][0])
    id_b = "fedcba9876543210" * 4
    b, _ = cgroups_v1("pids", "kubepods.slice/kubepods-pod%s.slice/"
                      "crio-%s.scope" % (POD_, id_b))
    r = subprocess.run([CLONETRACE, "-j", "-o", str(tmp_path / "t"),
                        "-i", "0.2", "--alert", "container:200", "--"] +
                       storm_in_both(a, b), capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert storm_rate(r.stdout.decode()) >= 400
    err = r.stderr.decode().splitlines()
    name = "container docker " + ID64
    starts = [x.split("ALERT start: ")[1].split(" creating ")[0]
              for x in err if "ALERT start: " in x]
    ends = [x.split("ALERT end: ")[1].split(" creating ")[0]
            for x in err if "ALERT end: " in x]
    assert (starts, ends) == ([name], [name]), err
    assert not [x for x in err if id_b in x], err


def test_v1_none_mounted(tmp_path, workloads_built):
    """Where no v1 hierarchy is mounted (pure cgroup v2 hosts; here a
    mount namespace with every v1 hierarchy unmounted): cgroup_v1 null on
    every event, the rest as always, and --cgroup pids:/ refused."""
    need_root()
    need_clonetrace()
    v1_mount("pids")
    trace, expect = tmp_path / "t.json", tmp_path / "expect.json"
    script = ('for m in $(awk \'$3 == "cgroup" { print $2 }\' '
              '/proc/self/mounts); do umount "$m" || exit 9; done; '
              '"$@" || exit $?; ! "$1" --cgroup pids:/ -d 1 2>"$E"')
    with open(expect, "wb") as out:
        r = subprocess.run(["unshare", "-m", "--propagation", "private",
                            "env", "E=%s" % (tmp_path / "err"), "sh", "-c",
                            script, "sh", CLONETRACE, "-j", "-o", str(trace),
                            "--", workload("ct-fork")], stdout=out,
                           stderr=subprocess.PIPE, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    check_trace(str(expect), str(trace))
    evs = events_of(trace)
    assert evs and all(e["cgroup_v1"] is None and e["cgroup"]["id"] > 0
                       for e in evs), evs
    err = (tmp_path / "err").read_text()
    assert "no cgroup v1 hierarchy of the pids controller is mounted" in err


def test_v1_hostile_name(tmp_path, workloads_built, cgroups_v1):
    """A v1 cgroup named with a terminal escape, a quote and a backslash
    (any process delegated a hierarchy can name one so): the JSON path is
    the name exactly, -x and top show it escaped, never raw."""
    d, path = cgroups_v1("pids", 'bad\x1b[2J"q\\x')
    expect, trace = run_traced(tmp_path, [],
                               in_cgroup(d, [workload("ct-fork")]))
    for e in mine(expect, trace):
        assert e["cgroup_v1"]["path"] == path, e
    out = tmp_path / "x.txt"
    r = subprocess.run([CLONETRACE, "-x", "-o", str(out), "--"] +
                       in_cgroup(d, [workload("ct-fork")]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    text = out.read_text(errors="replace")
    assert "\x1b" not in text
    assert ' cgroup_v1=pids:%s' % path.replace("\\", "\\\\").replace(
        "\x1b", "\\x1b") in text, text


def v2_of(pid):
    with open("/proc/%d/cgroup" % pid) as f:
        return next(x[3:].rstrip("\n") for x in f if x.startswith("0::"))


def test_v1_context(tmp_path, workloads_built, cgroups_v1):
    """-p a target in v1 docker cgroups (pids and memory) made here: the
    header, human, --context JSON and recorded (-w, report), names its
    cgroup in the run's v1 hierarchy (pids; memory with --cgroup
    memory:...), that directory's inode, and the container, as its
    events would; its v2 cgroup (where this host puts every task) names
    none."""
    from test_context import start, stop, tracer
    d, path = cgroups_v1("pids", SCHEMES_V1["docker"][0])
    dm, path_m = cgroups_v1("memory", SCHEMES_V1["docker"][0])
    top_m = path_m[:path_m.index("/docker/")]
    wl, _ = start(in_cgroup(d, in_cgroup(dm, [workload("ct-context"),
                                              "-s", "60"])))
    try:
        pid = str(wl.pid)
        v2 = v2_of(wl.pid)
        r = tracer(["-p", pid])
        assert r.returncode == 0, r.stderr
        head = r.stderr.decode().splitlines()[0]
        assert head.endswith(", cgroup %s, cgroup_v1 pids:%s, container "
                             "docker:%s" % (v2, path, ID64[:12])), head
        want = {"controller": "pids", "id": os.stat(d).st_ino,
                "path": path}
        docker = want_container(SCHEMES_V1["docker"][1])
        r = tracer(["-j", "--context", "-p", pid])
        t = json.loads(r.stdout.decode().splitlines()[0])
        assert (t["cgroup"]["path"], t["cgroup_v1"], t["container"]) == \
            (v2, want, docker), t
        rec = tmp_path / "ctx.ctr"
        r = tracer(["-p", pid, "--no-context", "-w", str(rec), "-o",
                    "/dev/null"])
        assert r.returncode == 0, r.stderr
        h = subprocess.run([CLONETRACE, "report", "-s", "stream",
                            str(rec)], capture_output=True, timeout=TIMEOUT)
        assert h.stdout.decode().splitlines()[0] == head[len(
            "clonetrace: "):], h
        j = subprocess.run([CLONETRACE, "report", "-j", "-s", "stream",
                            str(rec)], capture_output=True, timeout=TIMEOUT)
        assert json.loads(j.stdout.decode().splitlines()[0]) == t
        r = tracer(["-j", "--context", "--cgroup", "memory:" + top_m,
                    "-p", pid])
        t = json.loads(r.stdout.decode().splitlines()[0])
        assert (t["cgroup_v1"], t["container"]) == (
            {"controller": "memory", "id": os.stat(dm).st_ino,
             "path": path_m}, docker), t
    finally:
        stop(wl)
