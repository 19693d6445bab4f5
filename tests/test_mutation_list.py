# SPDX-License-Identifier: GPL-2.0
"""The mutation list (tests/mutation/mutations.toml) against the code, on
every run of the suite, without privilege: each mutation's text must
still occur exactly once in its file and every test it names must
exist, so that the list cannot rot silently between two runs of
`make mutation` (which does the real work: tests/README.md).
"""

import os
import subprocess
import tomllib

from conftest import REPO, TIMEOUT, unprivileged

RUN = os.path.join(REPO, "tests", "mutation", "run")
LIST = os.path.join(REPO, "tests", "mutation", "mutations.toml")

# The bugs of issue 17 that the suite once let through.
SURVIVORS = ["files-ref-of-parent", "flag-row-newcgroup", "escape-del-json",
             "summary-lost-zero", "plain-p-follows",
             "record-cut-at-frame-end", "diag-root-not-exempt",
             "top-thread-column", "kind-filter-not-set"]
AREAS = ["bpf", "decode/output", "filters", "record/report", "diagnosis",
         "top"]


def check(*args):
    return subprocess.run(unprivileged([RUN, "--check"] + list(args)),
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_list_matches_the_code():
    r = check()
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1].endswith(", 0 errors")


def test_list_covers_enough():
    """At least 30 mutations, spread over the areas issue 17 names, the
    nine survivors among them."""
    with open(LIST, "rb") as f:
        muts = tomllib.load(f)["mutation"]
    assert len(muts) >= 30
    areas = {m["area"] for m in muts}
    assert set(AREAS) <= areas, set(AREAS) - areas
    ids = {m["id"] for m in muts}
    assert set(SURVIVORS) <= ids, set(SURVIVORS) - ids


def test_rotten_entry_is_an_error(public_dir):
    """An entry whose text is gone, or whose test is gone, is reported by
    its id as an error, and the check fails."""
    path = os.path.join(public_dir, "list.toml")
    with open(path, "w") as f:
        f.write('''
[[mutation]]
id = "moved-away"
area = "bpf"
file = "bpf/clonetrace.bpf.c"
find = "this text is not in the file"
replace = ""
tests = ["tests/test_loss.py"]

[[mutation]]
id = "test-renamed"
area = "top"
file = "userspace/top.c"
find = "static int top_loop(struct top *t)"
replace = ""
tests = ["tests/test_options.py::test_no_such_test"]
''')
    os.chmod(path, 0o644)
    r = check("--file", path)
    assert r.returncode == 1, r.stdout
    out = r.stdout.splitlines()
    assert [ln for ln in out if ln.startswith("ERROR    moved-away: ") and
            "occurs 0 times" in ln], out
    assert [ln for ln in out if ln.startswith("ERROR    test-renamed: ") and
            "test_no_such_test" in ln], out
    assert out[-1] == "mutation: 2 mutations checked, 2 errors"


GEN = os.path.join(REPO, "tests", "mutation", "gen")


def gen(*args):
    return subprocess.run(unprivileged([GEN] + list(args)),
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_equivalent_list_matches_the_code():
    """Every accepted survivor of tests/mutation/gen is still a site."""
    r = gen("--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[-1].endswith(", 0 errors")


def test_generated_sites():
    """The generator's sites on a line the test knows: each operator
    at each place, with its key's occurrence; strings and comments
    left alone."""
    with open(os.path.join(REPO, "userspace", "escape.c")) as f:
        no = next(i for i, ln in enumerate(f, 1)
                  if "return c >= 0x20 && c < 0x7f && c != '\\\\' &&" in ln)
    r = gen("--sites", "--files", "userspace/escape.c")
    assert r.returncode == 0, r.stderr
    got = [ln.split(None, 1)[1] for ln in r.stdout.splitlines()
           if ln.startswith("userspace/escape.c:%d " % no)]
    tail = " && c != '\\\\' &&"
    assert got[:8] == [
        "ROR     0 return c > 0x20 && c < 0x7f" + tail,
        "ROR     1 return c >= 0x20 && c <= 0x7f" + tail,
        "ROR     2 return c >= 0x20 && c < 0x7f && c == '\\\\' &&",
        "LOR     0 return c >= 0x20 || c < 0x7f" + tail,
        "LOR     1 return c >= 0x20 && c < 0x7f || c != '\\\\' &&",
        "LOR     2 return c >= 0x20 && c < 0x7f && c != '\\\\' ||",
        "CONST+1 0 return c >= 0x21 && c < 0x7f" + tail,
        "CONST-1 0 return c >= 0x1f && c < 0x7f" + tail], got


def test_rotten_equivalent_is_an_error(public_dir):
    path = os.path.join(public_dir, "equivalent.toml")
    with open(path, "w") as f:
        f.write('''
[[equivalent]]
file = "userspace/escape.c"
op = "ROR"
occurrence = 0
line = "return gone < 1;"
reason = "the line is gone"
''')
    os.chmod(path, 0o644)
    r = gen("--check", "--equivalent", path)
    assert r.returncode == 1, r.stdout
    assert r.stdout.splitlines() == [
        "ERROR    userspace/escape.c: no ROR mutant of 'return gone < 1;' "
        "(occurrence 0): the code changed, update or remove the entry",
        "gen: 1 equivalent mutants checked, 1 errors"]
