# SPDX-License-Identifier: GPL-2.0
"""The lab exercises (docs/LABS.md) and "clonetrace explain".

- every lab through tools/labs/run-labs (the lab program states what it
  observed, run-labs compares it with clonetrace's events);
- explain's verdicts against the running kernel: each combination is
  really passed to clone3() by tools/labs/clone3-probe (root) and the
  kernel's accept/refuse (and errno) must equal explain's verdict.
(explain's command line and output without privilege: test_explain.py)
"""

import json
import os
import subprocess
import time

import pytest

from conftest import CLONETRACE, REPO, need_clonetrace, need_root

LABS_DIR = os.path.join(REPO, "tools", "labs")
RUN_LABS = os.path.join(LABS_DIR, "run-labs")
PROBE = os.path.join(LABS_DIR, "clone3-probe")
CGROUP2 = "/sys/fs/cgroup/unified"
LAB_NAMES = ["fork", "threads", "clonevm", "container", "einval-sighand",
             "einval-thread", "fileoffset", "signals", "vfork", "cost",
             "cow", "pstree"]


@pytest.fixture(scope="session")
def labs_built():
    r = subprocess.run(["make", "-s", "-C", LABS_DIR], capture_output=True,
                       text=True)
    if r.returncode:
        pytest.fail("building tools/labs failed:\n" + r.stderr)
    return LABS_DIR


@pytest.mark.parametrize("name", LAB_NAMES)
def test_lab(labs_built, name):
    need_root()
    need_clonetrace()
    r = subprocess.run([RUN_LABS, "--json", "--clonetrace", CLONETRACE,
                        "--only", name], capture_output=True, text=True,
                       timeout=300)
    lines = [json.loads(ln) for ln in r.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, "run-labs: %r %s" % (r.stdout, r.stderr)
    res = lines[0]
    if res["result"] == "SKIP":
        pytest.skip(res["detail"])
    assert res["result"] == "PASS", "\n".join(res["problems"] or
                                              [res["detail"]])
    assert r.returncode == 0


BUSY = r"""
import sys, threading
stop = threading.Event()
threads = [threading.Thread(target=stop.wait) for _ in range(int(sys.argv[1]))]
for t in threads:
    t.start()
print("ready", flush=True)
sys.stdin.read()
stop.set()
"""


def test_lab_pstree_busy_machine(labs_built):
    """Lab 12 with 1500 more threads on the machine: ps -eLf writes far
    more than 64 KiB, all of which the lab must read (it used to read
    64 KiB and then wait for ps, blocked on the full pipe, forever)."""
    need_root()
    need_clonetrace()
    busy = subprocess.Popen(["/usr/bin/python3", "-c", BUSY, "1500"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert busy.stdout.readline() == "ready\n"
        ps = subprocess.run(["ps", "-eLf"], capture_output=True)
        assert len(ps.stdout) > 2 * 65536, "not busy enough to tell"
        r = subprocess.run([RUN_LABS, "--json", "--clonetrace", CLONETRACE,
                            "--only", "pstree", "--timeout", "60"],
                           capture_output=True, text=True, timeout=300)
    finally:
        busy.stdin.close()
        busy.wait(timeout=60)
    res = json.loads(r.stdout)
    assert res["result"] == "PASS", res


FAKE_TRACER = """#!/bin/sh
# stands for clonetrace: leaves a grandchild behind, never ends
sleep 300 &
echo $! > "$CT_FAKE_PIDS"
exec sleep 300
"""


def test_run_labs_timeout_kills_group(labs_built, tmp_path):
    """A lab that times out is killed with its whole process group, not
    only the tracer: nothing it started is left running."""
    need_root()
    fake = tmp_path / "fake-clonetrace"
    fake.write_text(FAKE_TRACER)
    fake.chmod(0o755)
    pids = tmp_path / "pids"
    r = subprocess.run([RUN_LABS, "--json", "--clonetrace", str(fake),
                        "--only", "fork", "--timeout", "1"],
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, CT_FAKE_PIDS=str(pids)))
    res = json.loads(r.stdout)
    assert res["result"] == "FAIL" and "timed out" in res["detail"], res
    assert r.returncode == 1
    left = int(pids.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % left) as f:
                if f.read().rsplit(") ", 1)[1].startswith("Z"):
                    break           # dead, not yet reaped by init
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the lab's grandchild %d is still running" % left)


def test_run_labs_list():
    r = subprocess.run([RUN_LABS, "--list"], capture_output=True, text=True)
    assert r.returncode == 0
    assert [ln.split()[1] for ln in r.stdout.splitlines()] == LAB_NAMES


def explain(*args):
    return subprocess.run([CLONETRACE, "explain"] + list(args),
                          capture_output=True, text=True, timeout=30)


# (flags, exit signal) passed to clone3 as they are.
COMBOS = [
    (0, 17),                        # fork
    (0x100, 17),                    # VM
    (0x500, 17),                    # VM|FILES
    (0x4100, 17),                   # vfork
    (0x10f00, 0),                   # thread
    (0x3d0f00, 0),                  # glibc pthread_create
    (0x10f00, 17),                  # thread with an exit signal
    (0x10100, 0),                   # THREAD without SIGHAND
    (0x10000, 0),                   # THREAD alone
    (0x800, 17),                    # SIGHAND without VM
    (0xa00, 17),                    # SIGHAND|FS without VM
    (0x900, 17),                    # SIGHAND|VM
    (0x8000, 0),                    # PARENT
    (0x8000, 17),                   # PARENT with an exit signal
    (0x20200, 17),                  # NEWNS|FS
    (0x10000200, 17),               # NEWUSER|FS
    (0x10000000, 17),               # NEWUSER
    (0x20010f00, 0),                # thread in a new PID namespace
    (0x10010f00, 0),                # thread in a new user namespace
    (0x60020000, 17),               # container-like
    (0x6000000, 17),                # NEWCGROUP|NEWUTS
    (0x8000000, 17),                # NEWIPC
    (0x8040000, 17),                # NEWIPC|SYSVSEM
    (0x80, 17),                     # NEWTIME
    (0x1000, 17),                   # PIDFD
    (0x101000, 17),                 # PIDFD|PARENT_SETTID, distinct pointers
    (0x401000, 17),                 # PIDFD|DETACHED
    (0x11f00, 0),                   # PIDFD|THREAD (6.9+)
    (0x400000, 17),                 # DETACHED
    (0x1, 17),                      # an exit-signal bit in clone3 flags
    (0x100000000, 17),              # CLEAR_SIGHAND
    (0x100000900, 17),              # CLEAR_SIGHAND|SIGHAND|VM
    (0x400000000, 17),              # an unknown bit
    (0, 65),                        # invalid exit signal
    (0x80000000 | 0x40000, 17),     # IO|SYSVSEM
]
AS_INIT = [(0x8000, 0), (0x10f00, 0), (0, 17)]


def probe(combos, *opts):
    args = [PROBE] + list(opts)
    for flags, sig in combos:
        args += [str(flags), str(sig)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if r.returncode == 77:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 0, "clone3-probe: %s %s" % (r.stdout, r.stderr)
    return [json.loads(ln) for ln in r.stdout.splitlines()]


def compare(combos, kernel, extra=()):
    bad = []
    for (flags, sig), real in zip(combos, kernel):
        r = explain("--json", "--exit-signal", str(sig), *extra, hex(flags))
        assert r.returncode in (0, 1), r.stderr
        e = json.loads(r.stdout)
        said = "accept" if e["verdict"] == "accept" else e["errno"]
        assert r.returncode == (0 if said == "accept" else 1)
        if said != real["result"]:
            bad.append("%s exit_signal %d: explain says %s (%s), the "
                       "kernel %s" % (e["flags_str"], sig, said, e["rule"],
                                      real["result"]))
    assert not bad, "\n".join(bad)


def test_explain_matches_kernel(labs_built):
    need_root()
    need_clonetrace()
    compare(COMBOS, probe(COMBOS))


def test_explain_matches_kernel_as_init(labs_built):
    need_root()
    need_clonetrace()
    compare(AS_INIT, probe(AS_INIT, "--as-init"), ("--as-init",))


def test_explain_into_cgroup(labs_built):
    need_root()
    need_clonetrace()
    if not os.path.isdir(CGROUP2) or not os.path.exists(
            os.path.join(CGROUP2, "cgroup.procs")):
        pytest.skip("no cgroup v2 hierarchy at %s" % CGROUP2)
    combos = [(0x200000000, 17)]
    compare(combos, probe(combos, "--cgroup", CGROUP2))
