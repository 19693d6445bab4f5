# SPDX-License-Identifier: GPL-2.0
"""The collector under AddressSanitizer/UBSan and under valgrind.

Each run traces a real workload with the BPF programs loaded, so the
event path (ring buffer callback, decoding, escaping, JSON) is exercised,
and the trace is still checked against what the workload stated.
"""

import json
import os
import subprocess

import pytest

from conftest import REPO, workload, need_root
import checktrace

ASAN = os.path.join(REPO, "build", "clonetrace.asan")
CLONETRACE = os.path.join(REPO, "clonetrace")
SUPP = os.path.join(REPO, "tests", "valgrind.supp")
VALGRIND_ERR = 99


def run_checked(prefix, wl, tmp_path, env=None):
    out = tmp_path / "trace.json"
    exp = tmp_path / "expect.json"
    with open(exp, "w") as f:
        r = subprocess.run(prefix + ["--json", "-o", str(out), "-c",
                                     workload(wl)],
                           stdout=f, stderr=subprocess.PIPE, text=True,
                           env=env, timeout=300)
    return r, exp, out


@pytest.mark.parametrize("wl", ["ct-fork", "ct-pthread", "ct-comm",
                                "ct-einval"])
def test_asan_ubsan(wl, tmp_path, workloads_built):
    need_root()
    if not os.access(ASAN, os.X_OK):
        pytest.fail("no ASan build at %s (make asan)" % ASAN)
    env = dict(os.environ,
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=98",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98")
    r, exp, out = run_checked([ASAN], wl, tmp_path, env)
    assert "AddressSanitizer" not in r.stderr, r.stderr
    assert "runtime error" not in r.stderr, r.stderr
    assert r.returncode == 0, r.stderr
    errors, nexp = checktrace.check(str(exp), str(out))
    assert not errors, "\n".join(errors)
    assert nexp > 0


@pytest.mark.parametrize("wl", ["ct-fork", "ct-comm"])
def test_valgrind(wl, tmp_path, workloads_built):
    need_root()
    if not os.access("/usr/bin/valgrind", os.X_OK):
        pytest.fail("valgrind is not installed (tools/install-deps.sh --test)")
    prefix = ["valgrind", "-q", "--suppressions=" + SUPP,
              "--error-exitcode=%d" % VALGRIND_ERR, "--leak-check=full",
              "--errors-for-leak-kinds=definite,indirect", CLONETRACE]
    r, exp, out = run_checked(prefix, wl, tmp_path)
    assert r.returncode == 0, r.stderr
    errors, nexp = checktrace.check(str(exp), str(out))
    assert not errors, "\n".join(errors)
    assert nexp > 0


def test_valgrind_share(tmp_path):
    """share under valgrind: no error, and the same answer: this
    process's threads, each in the groups of this process."""
    need_root()
    r = subprocess.run(["valgrind", "-q", "--error-exitcode=%d" % VALGRIND_ERR,
                        "--leak-check=full",
                        "--errors-for-leak-kinds=definite,indirect",
                        CLONETRACE, "share", "-p", str(os.getpid()), "-j"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    tids = sorted(int(t) for t in os.listdir("/proc/self/task"))
    assert sorted(t["tid"] for t in doc["tasks"]) == tids
    assert {t["pid"] for t in doc["tasks"]} == {os.getpid()}
    for g in doc["groups"]:
        if g["type"] in ("mm", "files", "fs", "sighand", "signal"):
            assert g["tids"] == tids, g
