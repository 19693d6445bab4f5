# SPDX-License-Identifier: GPL-2.0
"""tools/bench/bench's own options: --baseline.

The bench's numbers are not asserted here (that is make bench's job, on
a quiet machine); what is checked is that --baseline refuses what cannot
be a clonetrace with one line and status 2, and that a baseline binary
really runs as tracers of its own, NAME@base, interleaved with NAME in
the same run, each run by the binary it names, with a target comparing
the two.
"""

import json
import os
import shutil
import subprocess

import pytest

from conftest import CLONETRACE, REPO

BENCH = os.path.join(REPO, "tools", "bench", "bench")


@pytest.mark.parametrize("bad", ["missing", "directory", "not-clonetrace"])
def test_baseline_bad_path(tmp_path, bad):
    """--baseline PATH that is missing, a directory or another program:
    one line naming the option, the path and the fix; status 2; no run."""
    path = {"missing": str(tmp_path / "nothing"),
            "directory": str(tmp_path),
            "not-clonetrace": shutil.which("true")}[bad]
    results = tmp_path / "results.json"
    # a short run's options: if the check let PATH through, the run
    # fails fast instead of benchmarking for an hour
    r = subprocess.run([BENCH, "--baseline", path, "--results",
                        str(results), "--only", "thread-1,ct-json",
                        "--rounds", "1", "--duration", "0.1",
                        "--no-budget"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("bench: --baseline %s: " % path), lines
    assert "make baseline BASE=REV" in lines[0], lines
    assert r.stdout == "" and not results.exists()


def test_base_name_needs_baseline(tmp_path):
    """NAME@base in --only without --baseline: one line, status 2."""
    r = subprocess.run([BENCH, "--only", "ct-json@base"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and \
        r.stderr.strip() == "bench: NAME@base needs --baseline PATH", r


def test_baseline_side_by_side(tmp_path):
    """A short bench with --baseline (a copy of clonetrace, at its own
    path): ct-json@base runs beside ct-json, interleaved with untraced
    runs, each run by its own binary, both capturing every creation, and
    a target "ct-json vs ct-json@base" decided from them."""
    base = tmp_path / "base" / "clonetrace"
    base.parent.mkdir()
    shutil.copy2(CLONETRACE, base)
    results = tmp_path / "results.json"
    r = subprocess.run([BENCH, "--only", "thread-1,ct-json", "--rounds",
                        "1", "--duration", "0.3", "--no-budget",
                        "--clonetrace", CLONETRACE, "--baseline", str(base),
                        "--results", str(results)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with open(results) as f:
        res = json.load(f)
    runs = [(x["tracer"], x.get("binary")) for x in res["runs"]]
    assert runs == [("untraced", None), ("ct-json", CLONETRACE),
                    ("untraced", None), ("ct-json@base", str(base)),
                    ("untraced", None)] or \
        runs == [("untraced", None), ("ct-json@base", str(base)),
                 ("untraced", None), ("ct-json", CLONETRACE),
                 ("untraced", None)], runs
    rows = {x["tracer"]: x for x in res["summary"]}
    for name in ("ct-json", "ct-json@base"):
        row = rows[name]
        assert row["created"] > 0 and row["captured"] == row["created"] \
            and row["wrong"] == 0 and row["lost"] == 0, row
    assert res["meta"]["baseline"]["path"] == str(base), res["meta"]
    target = [t for t in res["targets"]
              if t["name"] == "thread storm, 1 worker, ct-json vs "
              "ct-json@base"]
    assert len(target) == 1 and target[0]["verdict"] in ("PASS", "MISS"), \
        res["targets"]
    assert "ct-json@base" in r.stdout and \
        "ct-json vs ct-json@base" in r.stdout, r.stdout
