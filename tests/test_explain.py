# SPDX-License-Identifier: GPL-2.0
"""clonetrace explain without privilege: parsing, the human output
(golden), the JSON fields. Its verdicts against the running kernel's
real clone3 calls are in test_labs.py (root).

The golden lines are built here from what the test knows independently:
the flag values and names (checktrace's table, through formats.py), the
exit signal's name (Python), the kind the flags make (checktrace), the
namespaces, and the kernel's verdict for each case, from kernel/fork.c
(copy_process(): CLONE_SIGHAND without CLONE_VM, CLONE_THREAD with
CLONE_NEWPID are -EINVAL). explain's own words (a flag's meaning, a
rule's name and text) are matched as "some text".
"""

import json
import os
import re
import subprocess

import pytest

import checktrace
import formats
from conftest import CLONETRACE, TIMEOUT, unprivileged

# (arguments, flags, exit signal, refused errno or None)
GOLDEN = [
    (["--kernel", "6.12", "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|"
      "CLONE_THREAD"], 0x10f00, 0, None),
    (["--kernel", "6.1", "sighand"], 0x800, 0, "EINVAL"),
    (["--kernel", "6.12", "THREAD|VM|SIGHAND|NEWPID"], 0x20010900, 0,
     "EINVAL"),
    (["--syscall", "clone", "0x60020011"], 0x60020000, 17, None),
]


def explain(*args):
    return subprocess.run(unprivileged([CLONETRACE, "explain"] + list(args)),
                          capture_output=True, text=True, timeout=TIMEOUT)


def expected(args, flags, sig, refused):
    """The lines, exact strings or compiled patterns."""
    syscall = "clone" if "clone" in args[:2] else "clone3"
    if "--kernel" in args:
        kernel = args[args.index("--kernel") + 1]
    else:
        kernel = ".".join(os.uname().release.split(".")[:2]) + " (running)"
    lines = ["%s via %s() on Linux %s: %#x = %s" % (
        args[-1], syscall, kernel, flags, formats.flag_names(flags)),
        "  exit signal   %s" % formats.signal_name(sig)]
    for bit, name in formats.CLONE_FLAGS:
        if flags & bit:
            lines.append(re.compile(re.escape("  %-20s " % name) + ".+"))
    lines.append(re.compile(re.escape(
        "  kind          %s: " % checktrace.expected_kind(flags)) + ".+"))
    if formats.ns_names(flags):
        lines.append("  namespaces    new " +
                     " ".join(formats.ns_names(flags)))
    if refused:
        lines.append(re.compile(r"  REFUSED %s \(\w+\): .+" % refused))
    lines.append(re.compile(r"(    also \w+ \(\w+\)|  note): .+"))
    lines.append(("verdict: refused with %s \\(rule \\w+\\)" % refused)
                 if refused else "verdict: accepted (caller: root, not an "
                 "init, initial namespaces)")
    return lines


@pytest.mark.parametrize("args,flags,sig,refused", GOLDEN,
                         ids=[a[-1] for a, _, _, _ in GOLDEN])
def test_human_golden(binary, args, flags, sig, refused):
    r = explain(*args)
    assert r.returncode == (1 if refused else 0), r.stderr
    got = r.stdout.splitlines()
    want = expected(args, flags, sig, refused)
    # notes and further refusals: as many as explain finds, between the
    # first refusal (or the namespaces) and the verdict
    extra = want[-2]
    fixed, last = want[:-2], want[-1]
    assert len(got) >= len(fixed) + 1, got
    for w, g in zip(fixed, got):
        if isinstance(w, str):
            assert g == w, (g, w)
        else:
            assert w.fullmatch(g), (g, w.pattern)
    for g in got[len(fixed):-1]:
        assert extra.fullmatch(g), g
    if refused:
        assert re.fullmatch(last, got[-1]), got[-1]
    else:
        assert got[-1] == last


@pytest.mark.parametrize("expr", ["bogus", "", "VM||FS", "|VM", "VM|",
                                  "CLONE_VM|SIGFOO", "0xzz",
                                  "SIGCHLD|SIGUSR1"])
def test_unparsable(binary, expr):
    r = explain(expr)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("clonetrace explain: ")


def test_json_fields(binary):
    r = explain("--json", "--kernel", "6.1", "PIDFD|THREAD|SIGHAND|VM")
    e = json.loads(r.stdout)
    assert r.returncode == 1
    assert (e["verdict"], e["errno"], e["rule"]) == ("refuse", "EINVAL",
                                                     "pidfd_thread")
    assert e["kind"] == "thread"
    assert [f["name"] for f in e["flags_detail"]] == [
        "CLONE_VM", "CLONE_SIGHAND", "CLONE_PIDFD", "CLONE_THREAD"]
    r = explain("--json", "--kernel", "6.12", "PIDFD|THREAD|SIGHAND|VM")
    assert r.returncode == 0 and json.loads(r.stdout)["verdict"] == "accept"
    # clone(2): the low byte is the exit signal, bits above 32 are dropped
    r = explain("--json", "--syscall", "clone", "0x100001211")
    e = json.loads(r.stdout)
    assert r.returncode == 0
    assert (e["flags"], e["exit_signal"], e["ignored"]) == (
        0x1200, 17, 0x100000000)
    assert e["ns_new"] == [] and e["kind"] == "process"
    r = explain("--json", "NEWPID|NEWNS|NEWNET|SIGCHLD")
    e = json.loads(r.stdout)
    assert e["ns_new"] == formats.ns_names(0x60020000)
    assert e["exit_signal"] == 17
    assert e["flags_str"] == formats.flag_names(0x60020000)


@pytest.mark.parametrize("bit,name", formats.CLONE_FLAGS,
                         ids=[n for _, n in formats.CLONE_FLAGS])
def test_every_flag(binary, bit, name):
    """Every clone flag of the kernel's uapi (checktrace's own table):
    explain knows its name (with and without CLONE_, any case), decodes
    its value to that name, and says which namespace it creates."""
    for expr in (name, name[len("CLONE_"):].lower(), hex(bit)):
        r = explain("--json", expr)
        assert r.returncode in (0, 1), (expr, r.stderr)
        e = json.loads(r.stdout)
        assert (e["flags"], e["flags_str"]) == (bit, name), expr
        assert e["ns_new"] == formats.ns_names(bit), expr
        assert [f["name"] for f in e["flags_detail"]] == [name]


def test_all_flags_at_once(binary):
    """All of them in one number: every name, in bit order, nothing left
    over as an unknown bit."""
    every = 0
    for bit, _ in formats.CLONE_FLAGS:
        every |= bit
    r = explain("--json", hex(every))
    e = json.loads(r.stdout)
    assert e["flags_str"] == formats.flag_names(every)
    assert "0x" not in e["flags_str"]
    assert e["ns_new"] == formats.ns_names(every)


def test_exit_signal_option(binary):
    """--exit-signal: by name or number, in the JSON and the human
    output; with --syscall clone the low byte of a number is one too."""
    for arg, sig in (("SIGUSR1", 10), ("12", 12)):
        e = json.loads(explain("--json", "--exit-signal", arg, "VM").stdout)
        assert e["exit_signal"] == sig
        out = explain("--exit-signal", arg, "VM").stdout.splitlines()
        assert out[1] == "  exit signal   %s" % formats.signal_name(sig)


@pytest.mark.parametrize("expr,names,unknown", [
    ("0x200000011", "CLONE_INTO_CGROUP|0x11", 0x11),
    ("0x4000000000100", "CLONE_VM|0x4000000000000", 0x4000000000000),
])
def test_unknown_bits_kept(binary, expr, names, unknown):
    """Bits no flag names (clone3's exit-signal byte, a bit above the
    last flag) stay in the text, raw, after the names, in the human
    output and the JSON alike."""
    r = explain("--kernel", "6.12", expr)
    out = r.stdout.splitlines()
    assert out[0] == "%s via clone3() on Linux 6.12: %s = %s" % (
        expr, expr, names)
    assert out.count("  %-20s unknown bits" % hex(unknown)) == 1, out
    e = json.loads(explain("--json", "--kernel", "6.12", expr).stdout)
    assert e["flags_str"] == names
    assert e["flags_detail"][-1] == {"name": None, "value": unknown,
                                     "meaning": "unknown bits"}


@pytest.mark.parametrize("sig,name", [(31, "SIGSYS"), (32, "32"),
                                      (33, "33"), (34, "SIGRTMIN+0"),
                                      (35, "SIGRTMIN+1"),
                                      (64, "SIGRTMIN+30")])
def test_realtime_signal_names(binary, sig, name):
    """The exit signal in clone()'s low byte by its name: the real-time
    ones counted from glibc's SIGRTMIN (34; 32 and 33 are glibc's own,
    shown as numbers), up to SIGRTMAX."""
    out = explain("--syscall", "clone", "--kernel", "6.12",
                  str(sig)).stdout.splitlines()
    assert out[1] == "  exit signal   %s" % name
