# SPDX-License-Identifier: GPL-2.0
"""The human output of clonetrace, formatted by the tests themselves.

The golden tests compare what clonetrace prints with lines built here
from facts the test knows (a workload's statement, the events a test
wrote into a recording), following the documented format (docs/USAGE.md:
columns, the -x line, the escaping; docs/clonetrace.8). Nothing here is
taken from clonetrace's output or code: the flag names come from
tests/checktrace.py's own table, signal and errno names from Python.
"""

import errno
import os
import signal

import checktrace

# checktrace's table has no CLONE_NEWTIME (a clone3-only bit it never
# sees in flags); the human FLAGS column shows it like the others.
CLONE_FLAGS = sorted([(0x80, "CLONE_NEWTIME")] + checktrace.CLONE_FLAGS)
# Flags only about how TIDs and TLS reach user space: on the -x line only.
TID_FLAGS = 0x00080000 | 0x00100000 | 0x00200000 | 0x00400000 | 0x01000000
REF_KEYS = checktrace.REF_KEYS
# TIME is 10 wide (15 with -T), PCOMM 15, the IDs 7, KIND 7, CALL 6.
HEADER = "%-10s %-15s %7s %7s %7s %7s %-7s %-6s %s" % (
    "TIME(s)", "PCOMM", "PID", "TID", "CPID", "CTID", "KIND", "CALL", "FLAGS")


# The bidirectional-text controls (U+061C, U+200E, U+200F, U+202A..U+202E,
# U+2066..U+2069): a terminal shows their bytes, as a C1 control's.
BIDI = {0x061c, 0x200e, 0x200f} | set(range(0x202a, 0x202f)) | \
    set(range(0x2066, 0x206a))


def escape_terminal(raw):
    """A name as the terminal output shows it: printable ASCII and valid
    UTF-8 pass, a backslash is doubled, \\n \\t \\r stay escapes, other
    controls and bytes that are not UTF-8 become \\xNN (a C1 control and
    a bidirectional-text control show all their bytes)."""
    out, i = [], 0
    while i < len(raw):
        n = checktrace.utf8_seq_len(raw, i)
        b = raw[i]
        if n == 1 and 0x20 <= b < 0x7f:
            out.append("\\\\" if b == 0x5c else chr(b))
        elif n == 1 and b in (0x0a, 0x09, 0x0d):
            out.append({0x0a: "\\n", 0x09: "\\t", 0x0d: "\\r"}[b])
        elif n == 1:
            out.append("\\x%02x" % b)
        elif n == 2 and b == 0xc2 and raw[i + 1] < 0xa0:
            out.append("\\x%02x\\x%02x" % (b, raw[i + 1]))
        elif n and ord(raw[i:i + n].decode("utf-8")) in BIDI:
            out.append("".join("\\x%02x" % c for c in raw[i:i + n]))
        elif n:
            out.append(raw[i:i + n].decode("utf-8"))
        else:
            out.append("\\x%02x" % b)
            n = 1
        i += n
    return "".join(out)


def flag_names(flags, prefix=True):
    """"CLONE_VM|CLONE_FS", unknown bits in hex, "0" for none."""
    names = []
    for bit, name in CLONE_FLAGS:
        if flags & bit:
            names.append(name if prefix else name[len("CLONE_"):])
            flags &= ~bit
    if flags:
        names.append(hex(flags))
    return "|".join(names) or "0"


def signal_name(sig):
    return signal.Signals(sig).name if sig else "0"


def flags_column(flags, exit_signal, err=0):
    """The FLAGS column: shared/created flags, the exit signal, a failure."""
    shown = flags & ~TID_FLAGS
    parts = []
    if shown or not exit_signal:
        parts.append(flag_names(shown, prefix=False))
    if exit_signal:
        parts.append(signal_name(exit_signal))
    text = "|".join(parts)
    if err:
        text += " = -1 %s (%s)" % (errno.errorcode[err], os.strerror(err))
    return text


def event_line(pcomm, ppid, ptid, pid, tid, kind, syscall, flags,
               exit_signal, err=0):
    """An event line after its TIME column and the space after it; the
    CALL column shows a syscall not seen ("unknown") as "?"."""
    if syscall == "unknown":
        syscall = "?"
    child = "%7s %7s" % ("-", "-") if err else "%7d %7d" % (pid, tid)
    return "%-15s %7d %7d %s %-7s %-6s %s" % (
        escape_terminal(pcomm), ppid, ptid, child, kind, syscall,
        flags_column(flags, exit_signal, err))


def ns_names(flags):
    return [name for bit, name in sorted(checktrace.NS_FLAGS.items())
            if flags & bit]


def extended_line(flags, comm=None, pid=0, tid=0, ns_pid=0, ns_tid=0,
                  refs=None, latency_ns=0, cpu=0, wallclock=False):
    """The -x line. refs: values in REF_KEYS order, None for absent;
    comm None for a failure (no child)."""
    text = " " * (16 if wallclock else 11) + "flags=" + flag_names(flags)
    if comm is not None:
        text += " comm=" + escape_terminal(comm)
        if ns_tid != tid:
            text += " ns_pid=%d ns_tid=%d" % (ns_pid, ns_tid)
        for key, v in zip(REF_KEYS, refs):
            text += " %s=%s" % (key, "-" if v is None else v)
    if ns_names(flags):
        text += " ns_new=" + ",".join(ns_names(flags))
    if latency_ns:
        text += " latency=%.1fus" % ((latency_ns + 50) // 100 / 10)
    return text + " cpu=%d" % cpu


def summary_line(events, duration_ns, clones, failed, lost, by_kind):
    """The human summary (stderr); by_kind: {kind: count}, in kind order."""
    kinds = ", ".join("%s %d" % (k, n) for k, n in by_kind.items() if n)
    return ("clonetrace: %d events in %.3f s: %d created, %d failed, "
            "%d lost (%s)" % (events, duration_ns / 1e9, clones, failed,
                              lost, kinds or "none"))
