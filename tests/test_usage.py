# SPDX-License-Identifier: GPL-2.0
"""Usage errors of every command, run without privilege.

A bad command line is found before anything needs root: each case runs
as an unprivileged user (conftest.unprivileged) and must exit 2 with one
line on stderr that names the command, and the offending value where
there is one (docs/clonetrace.8, EXIT STATUS).
"""

import os
import re
import subprocess

import pytest

from conftest import REPO, TIMEOUT, unprivileged

USAGE = 2

# (arguments, the words the one line must contain)
CASES = [
    # the tracer
    (["-p", "0"], ["clonetrace: ", "'0'"]),
    (["-p", "12x"], ["clonetrace: ", "'12x'"]),
    (["-p", ","], ["clonetrace: ", "PID list"]),
    (["-p", ",".join(str(p) for p in range(1, 1100))],
     ["clonetrace: ", "too many PIDs", "1024"]),
    (["-k", "thread,bogus"], ["clonetrace: ", "'bogus'", "user_worker"]),
    (["-k", ","], ["clonetrace: ", "empty kind list"]),
    (["--comm", "a" * 16], ["clonetrace: ", "comm", "15"]),
    (["--comm", ""], ["clonetrace: ", "comm"]),
    (["--cgroup", ""], ["clonetrace: ", "--cgroup path"]),
    (["--cgroup", ":/"], ["clonetrace: ", "--cgroup ':/'",
                          "no controller before ':'", "pids:/"]),
    (["--listen", "::1:0"], ["clonetrace: ", "'::1:0'", "[::1]:0"]),
    (["--listen", "::1"], ["clonetrace: ", "'::1'", "[::1]:PORT"]),
    (["top", "--listen", "fe80::1:9477"], ["clonetrace top: ",
                                           "[fe80::1]:9477"]),
    (["--context"], ["clonetrace: ", "--context", "-p PID"]),
    # a word one or two edits from a command, and no program: a typo
    (["reprot", "x.ctr"], ["clonetrace: ", "'reprot'",
                           "did you mean 'clonetrace report'?"]),
    (["tpo"], ["clonetrace: ", "'tpo'", "did you mean 'clonetrace top'?"]),
    (["shre", "-p", "1"], ["clonetrace: ", "'clonetrace share'"]),
    (["hlep"], ["clonetrace: ", "did you mean 'clonetrace help'?"]),
    (["help", "explian"], ["clonetrace: ", "no command 'explian'",
                           "'clonetrace help explain'"]),
    (["help", "nothing-like-it"], ["clonetrace: ", "no command",
                                   "top, report, share and explain"]),
    (["--context", "--no-context", "-p", "1"],
     ["clonetrace: ", "--context and --no-context contradict"]),
    (["-e", "fork"], ["clonetrace: ", "'fork'", "exec or exit"]),
    (["-e", ","], ["clonetrace: ", "empty event list"]),
    (["-d", "0"], ["clonetrace: ", "duration", "'0'"]),
    (["-d", "soon"], ["clonetrace: ", "duration", "'soon'"]),
    (["-o", ""], ["clonetrace: ", "output file"]),
    (["--mode", "kprobe"], ["clonetrace: ", "'kprobe'", "raw_tp"]),
    (["-b", "3"], ["clonetrace: ", "buffer size", "'3'"]),
    (["-b", "100"], ["clonetrace: ", "power of two"]),
    (["--max-follow", "0"], ["clonetrace: ", "--max-follow", "'0'"]),
    (["-f"], ["clonetrace: ", "-f needs"]),
    (["--syscalls", "--no-syscalls"],
     ["clonetrace: ", "--syscalls and --no-syscalls"]),
    (["-c", "true", "--", "true"], ["clonetrace: ", "-c or after --"]),
    (["-c", "echo $(id)"], ["clonetrace: ", "cannot parse -c"]),
    (["-c", "echo $NO_SUCH_VARIABLE_CT"], ["clonetrace: ", "cannot parse -c"]),
    (["--why", "-w", ""], ["clonetrace: ", "recording file"]),
    (["--dot", ""], ["clonetrace: ", "--dot"]),
    (["--spawners", "-1"], ["clonetrace: ", "--spawners", "'-1'"]),
    (["-i", "0.01"], ["clonetrace: ", "interval", "'0.01'"]),
    (["--alert", "0"], ["clonetrace: ", "--alert", "'0'"]),
    (["--alert", "total:x"], ["clonetrace: ", "--alert", "'total:x'"]),
    (["--alert", "container:0"], ["clonetrace: ", "--alert", "'container:0'",
                                      "container:RATE"]),
    (["top", "--alert", "pod:5"], ["clonetrace top: ", "'pod:5'",
                                    "cgroup:RATE"]),
    (["--alert-exec", "true"], ["clonetrace: ", "--alert-exec needs"]),
    (["--prometheus", ""], ["clonetrace: ", "--prometheus"]),
    # top
    (["top", "-n", "0"], ["clonetrace top: ", "count", "'0'"]),
    (["top", "-r", "x"], ["clonetrace top: ", "rows", "'x'"]),
    (["top", "-d", "0"], ["clonetrace top: ", "duration"]),
    (["top", "--mode", "fentry"], ["clonetrace top: ", "'fentry'"]),
    (["top", "--alert", "x"], ["clonetrace top: ", "--alert", "'x'"]),
    (["top", "--alert-exec", "true"], ["clonetrace top: ", "--alert"]),
    (["top", "extra"], ["clonetrace top: ", "'extra'"]),
    (["--top", "-n", "0"], ["clonetrace top: ", "count"]),
    # report
    (["report"], ["clonetrace report: ", "no recording"]),
    (["report", "a.ctr", "b.ctr"], ["clonetrace report: ", "one recording"]),
    (["report", "-s", "tree,bogus", "a.ctr"],
     ["clonetrace report: ", "'bogus'"]),
    (["report", "-s", ",", "a.ctr"], ["clonetrace report: ", "empty"]),
    (["report", "--spawners", "x", "a.ctr"],
     ["clonetrace report: ", "--spawners", "'x'"]),
    (["report", "--perfetto", "", "a.ctr"],
     ["clonetrace report: ", "--perfetto file name"]),
    (["report", "--chrome", "t.json", "-s", "tree", "a.ctr"],
     ["clonetrace report: ", "--perfetto and --chrome", "-s"]),
    # share
    (["share"], ["clonetrace share: ", "-p PID"]),
    (["share", "-p", "0"], ["clonetrace share: ", "'0'"]),
    (["share", "-p", "1", "-s", "proc"], ["clonetrace share: ", "'proc'"]),
    # explain
    (["explain"], ["clonetrace explain: ", "FLAGS"]),
    (["explain", "VM", "FS"], ["clonetrace explain: ", "'FS'"]),
    (["explain", "--syscall", "fork", "VM"], ["clonetrace explain: ",
                                              "'fork'"]),
    (["explain", "--kernel", "six", "VM"], ["clonetrace explain: ", "'six'"]),
    (["explain", "--exit-signal", "SIGNOPE", "VM"],
     ["clonetrace explain: ", "'SIGNOPE'"]),
]


@pytest.mark.parametrize("args,words", CASES,
                         ids=[" ".join(a)[:40] for a, _ in CASES])
def test_usage_error(binary, args, words):
    r = subprocess.run(unprivileged([binary] + args), capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == USAGE, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, "want one stderr line, got %r" % lines
    assert lines[0].startswith(words[0]), lines[0]
    for w in words[1:]:
        assert w in lines[0], "%r does not mention %r" % (lines[0], w)
    assert r.stdout == ""


@pytest.mark.parametrize("cmd", [[], ["top"], ["report"], ["share"],
                                 ["explain"]])
def test_unknown_option(binary, cmd):
    r = subprocess.run(unprivileged([binary] + cmd + ["--no-such-option"]),
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == USAGE, r
    first = r.stderr.splitlines()[0]
    name = " ".join(["clonetrace"] + cmd)
    assert first.startswith(name + ": ") and "--no-such-option" in first
    assert "--help" in r.stderr


@pytest.mark.parametrize("cmd", [[], ["top"], ["report"], ["share"],
                                 ["explain"]])
def test_help(binary, cmd):
    """--help: the usage and every option, status 0, no privilege."""
    r = subprocess.run(unprivileged([binary] + cmd + ["--help"]),
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r
    assert r.stdout.startswith("Usage: " + " ".join(["clonetrace"] + cmd))
    assert "--help" in r.stdout


@pytest.mark.parametrize("cmd", [[], ["top"], ["report"], ["share"],
                                 ["explain"]])
def test_usage_and_version(binary, cmd):
    """--usage: the short usage, every long option in it; -V: the version
    the man page names (docs/clonetrace.8, .TH)."""
    r = subprocess.run(unprivileged([binary] + cmd + ["--usage"]),
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0 and r.stderr == "", r
    assert r.stdout.startswith("Usage: " + " ".join(["clonetrace"] + cmd))
    # --top is a documentation entry (main.c rewrites it into "top")
    assert help_options(binary, cmd) - {"--top"} <= set(
        re.findall(r"\[(--[a-z-]+)", r.stdout))
    with open(os.path.join(REPO, "docs", "clonetrace.8")) as f:
        th = [ln for ln in f if ln.startswith(".TH ")][0]
    version = re.findall(r'"([^"]*)"', th)[1]       # "clonetrace 0.1"
    for flag in ("-V", "--version"):
        r = subprocess.run(unprivileged([binary] + cmd + [flag]),
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0 and r.stdout == version + "\n", r


def help_options(binary, cmd):
    """The long options a command's --help lists."""
    r = subprocess.run(unprivileged([binary] + cmd + ["--help"]),
                       capture_output=True, text=True, timeout=TIMEOUT)
    return set(re.findall(r"^\s+(?:-\S, )?(--[a-z-]+)", r.stdout, re.M))


def option_table():
    """tests/README.md's option table: {command: {long option: [tests]}}."""
    with open(os.path.join(REPO, "tests", "README.md")) as f:
        text = f.read()
    section = text.split("## Every option and the test of its effect")[1]
    section = section.split("\n## ")[0]
    table = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != 3 or not cells[1].startswith("`"):
            continue
        tests = re.findall(r"`([\w.]+::\w+)`", cells[2])
        for opt in re.findall(r"--[a-z-]+", cells[1]):
            table.setdefault(cells[0], {})[opt] = tests
    return table


def test_option_table(binary):
    """Every option of every command's --help has a row in the table of
    tests/README.md, and every test named there exists."""
    table = option_table()
    everyone = table.get("every command", {})
    missing = []
    for cmd in ([], ["top"], ["report"], ["share"], ["explain"]):
        name = " ".join(["clonetrace"] + cmd)
        rows = table.get(name, {})
        for opt in sorted(help_options(binary, cmd)):
            if opt not in rows and opt not in everyone:
                missing.append("%s %s" % (name, opt))
    assert not missing, "options without a test in tests/README.md: %s" % (
        ", ".join(missing))
    for cmd, rows in table.items():
        for opt, tests in rows.items():
            assert tests, "%s %s: no test named" % (cmd, opt)
            for t in tests:
                path, func = t.split("::")
                with open(os.path.join(REPO, "tests", path)) as f:
                    assert re.search(r"^def %s\(" % func, f.read(), re.M), (
                        "%s %s: no test %s" % (cmd, opt, t))


def test_readme_kernel_table(tmp_path):
    """README.md's kernel table is docs/KERNELS.md's, and the check sees
    a cell that differs."""
    tool = os.path.join(REPO, "tools", "vmtest", "readme-table.py")
    r = subprocess.run([tool, "--check", REPO], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr

    (tmp_path / "docs").mkdir()
    with open(os.path.join(REPO, "README.md")) as f:
        (tmp_path / "README.md").write_text(f.read())
    with open(os.path.join(REPO, "docs", "KERNELS.md")) as f:
        kernels = f.read()
    row = re.search(r"^\| 6\.1 \|.*$", kernels, re.M)
    assert row, "docs/KERNELS.md has no 6.1 row"
    broken = row.group(0).replace("| pass (", "| **FAIL** (", 1)
    assert broken != row.group(0)
    (tmp_path / "docs" / "KERNELS.md").write_text(
        kernels.replace(row.group(0), broken))
    r = subprocess.run([tool, "--check", str(tmp_path)], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == 1
    assert "make kernels-doc" in r.stderr


def test_security_claims_have_tests():
    """docs/SECURITY.md backs each claim with a test it names
    (`test_x.py::name`, `name*` for a family): every one exists."""
    import re
    with open(os.path.join(REPO, "docs", "SECURITY.md")) as f:
        text = f.read()
    cited = re.findall(r"`(test_\w+\.py)(?:::(\w+\*?))?", text)
    assert len(cited) >= 10, cited
    missing = []
    for fname, func in cited:
        path = os.path.join(REPO, "tests", fname)
        if not os.path.exists(path):
            missing.append(fname)
            continue
        if not func:
            continue
        with open(path) as f:
            src = f.read()
        pat = r"^def %s%s\(" % (re.escape(func.rstrip("*")),
                                 r"\w*" if func.endswith("*") else "")
        if not re.search(pat, src, re.M):
            missing.append("%s::%s" % (fname, func))
    # the bare names after a file (`test_files.py::a`, `b`) too
    for name in re.findall(r"`(test_\w+)`", text):
        if not any(re.search(r"^def %s\(" % name, open(os.path.join(
                REPO, "tests", f)).read(), re.M)
                for f in os.listdir(os.path.join(REPO, "tests"))
                if f.endswith(".py")):
            missing.append(name)
    assert not missing, "docs/SECURITY.md cites tests that do not exist: %s" % missing


# Kernel functions and hooks the docs name: not ours to define.
KERNEL_NAMES = {"kvmalloc", "mmput", "pid_alive", "sched_process_exec",
                "sys_clone3_exit", "mutex_lock", "__acquires"}


def test_docs_cite_functions_that_exist():
    """Every `function()` the docs and the code's comments cite is
    defined somewhere in the tree (a rename leaves no stale pointer)."""
    import glob
    import re
    code = ""
    for pat in ("userspace/*.[ch]", "bpf/*.[ch]", "kmod/*.[ch]",
                "tools/**/*.[ch]", "tests/**/*.[ch]", "tests/*.py",
                "tests/**/*.py", "tools/**/*.py", "tools/*.sh",
                "tools/vmtest/vmtest", "tools/check", "tests/vm/*.sh"):
        for f in glob.glob(os.path.join(REPO, pat), recursive=True):
            with open(f, errors="replace") as fh:
                code += fh.read()
    defined = set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", code))
    docs = glob.glob(os.path.join(REPO, "docs", "*.md")) + [
        os.path.join(REPO, p) for p in ("README.md", "tests/README.md",
                                        "kmod/README.md",
                                        "tools/vmtest/README.md")]
    stale = []
    for doc in docs:
        with open(doc) as fh:
            for m in re.finditer(r"`[^`]*?\b([a-z_]\w*)\(\)`", fh.read()):
                if m.group(1) not in defined | KERNEL_NAMES:
                    stale.append("%s: %s()" % (os.path.relpath(doc, REPO),
                                               m.group(1)))
    # comments in the code: ct_ functions cited as name()
    for f in glob.glob(os.path.join(REPO, "userspace", "*.[ch]")) + \
            glob.glob(os.path.join(REPO, "bpf", "*.[ch]")):
        with open(f) as fh:
            for ln in fh:
                if "*" not in ln:
                    continue
                for m in re.finditer(r"\b(ct_\w+)\(\)", ln):
                    if not re.search(r"^[a-z][^;(]*\b%s\(" % m.group(1),
                                     code, re.M) and \
                            not re.search(r"#define\s+%s\(" % m.group(1),
                                          code):
                        stale.append("%s: %s()" % (os.path.relpath(f, REPO),
                                                   m.group(1)))
    assert not stale, "cited but not defined: %s" % sorted(set(stale))


@pytest.mark.parametrize("argv,usage", [
    (["-h"], "Usage: clonetrace [OPTION...]"),
    (["help"], "Usage: clonetrace [OPTION...]"),
    (["report", "-h"], "Usage: clonetrace report [OPTION...]"),
    (["help", "report"], "Usage: clonetrace report [OPTION...]"),
    (["help", "top"], "Usage: clonetrace top [OPTION...]"),
    (["explain", "-h"], "Usage: clonetrace explain [OPTION...]"),
])
def test_help_spellings(argv, usage):
    """-h is --help for every command; clonetrace help [COMMAND] too."""
    binary = os.path.join(REPO, "clonetrace")
    r = subprocess.run(unprivileged([binary] + argv), capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(usage), r.stdout[:200]


def test_typo_of_a_program_in_path_runs_it(tmp_path):
    """A program named like a typo of a command, found in PATH, is what
    the user asked to trace: it is not taken for the typo (needs root to
    trace: only the usage line is checked absent)."""
    prog = tmp_path / "tpo"
    prog.write_text("#!/bin/sh\nexit 0\n")
    prog.chmod(0o755)
    binary = os.path.join(REPO, "clonetrace")
    env = dict(os.environ, PATH="%s:%s" % (tmp_path, os.environ["PATH"]))
    r = subprocess.run([binary, "tpo"], capture_output=True, text=True,
                       timeout=TIMEOUT, env=env)
    assert "did you mean" not in r.stderr, r.stderr
