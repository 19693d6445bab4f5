#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compare what a workload says it did with what clonetrace --json saw.

usage: checktrace.py EXPECT_FILE TRACE_JSON_FILE [--mode NAME]
                    [--lost N] [--lost-follow N]

EXPECT_FILE holds the workload's stdout: one JSON expectation per line
(format: tests/README.md). TRACE_JSON_FILE is clonetrace's --json output
(format: docs/JSON.md). Every problem is printed on its own
line; exit status 0 = everything matches, 1 = mismatch, 2 = usage or
unreadable input. Standard library only.
"""

import argparse
import json
import sys

# Clone flag bits (include/uapi/linux/sched.h), for flags_str and kind.
CLONE_FLAGS = [
    (0x00000100, "CLONE_VM"),
    (0x00000200, "CLONE_FS"),
    (0x00000400, "CLONE_FILES"),
    (0x00000800, "CLONE_SIGHAND"),
    (0x00001000, "CLONE_PIDFD"),
    (0x00002000, "CLONE_PTRACE"),
    (0x00004000, "CLONE_VFORK"),
    (0x00008000, "CLONE_PARENT"),
    (0x00010000, "CLONE_THREAD"),
    (0x00020000, "CLONE_NEWNS"),
    (0x00040000, "CLONE_SYSVSEM"),
    (0x00080000, "CLONE_SETTLS"),
    (0x00100000, "CLONE_PARENT_SETTID"),
    (0x00200000, "CLONE_CHILD_CLEARTID"),
    (0x00400000, "CLONE_DETACHED"),
    (0x00800000, "CLONE_UNTRACED"),
    (0x01000000, "CLONE_CHILD_SETTID"),
    (0x02000000, "CLONE_NEWCGROUP"),
    (0x04000000, "CLONE_NEWUTS"),
    (0x08000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
    (0x100000000, "CLONE_CLEAR_SIGHAND"),
    (0x200000000, "CLONE_INTO_CGROUP"),
]
CLONE_VM = 0x100
CLONE_VFORK = 0x4000
CLONE_THREAD = 0x10000
CSIGNAL = 0xff
CLONE_NEWTIME = 0x80    # clone3 only: clone()'s 0x80 is an exit signal bit

# Namespaces a flag creates (CLONE_NEWTIME 0x80 only from clone3, where the
# exit signal has a field of its own; in clone() it is a bit of CSIGNAL).
NS_FLAGS = {
    0x00020000: "mnt",
    0x02000000: "cgroup",
    0x04000000: "uts",
    0x08000000: "ipc",
    0x10000000: "user",
    0x20000000: "pid",
    0x40000000: "net",
    0x00000080: "time",
}

SYSCALLS = {"fork", "vfork", "clone", "clone3", "kernel", "unknown"}
KINDS = {"thread", "vfork", "vm_process", "process", "kthread",
         "user_worker"}
REF_KEYS = ["mm_users", "mm_count", "files", "fs", "sighand",
            "signal_live", "nr_threads", "nsproxy"]
EVENT_KEYS = ["ts_ns", "cpu", "event", "syscall", "kind", "flags",
              "flags_str", "exit_signal", "parent", "child", "refs",
              "ns_new", "latency_ns", "uid", "gid", "cgroup", "cgroup_v1",
              "container"]
CONTAINER_RUNTIMES = {"docker", "containerd", "cri-o", "podman"}

# errno names for the values the workloads use (Linux, x86-64).
ERRNO_NAMES = {1: "EPERM", 11: "EAGAIN", 12: "ENOMEM", 22: "EINVAL",
               28: "ENOSPC", 38: "ENOSYS", 87: "EUSERS"}
# and for the failed execs of ct-lifecycle and ct-execfail
EXEC_ERRNO_NAMES = {2: "ENOENT", 7: "E2BIG", 13: "EACCES"}


class Problems:
    def __init__(self):
        self.items = []

    def add(self, msg):
        self.items.append(msg)


def escape_comm(raw):
    """Decoded JSON string the contract demands for comm bytes RAW.

    Valid UTF-8 passes through (JSON escaping of control characters is
    undone by the JSON parser, so the decoded text is the character
    itself); every byte that is not part of a valid UTF-8 sequence
    becomes the four characters \\xNN. Returns (lowercase, uppercase)
    renderings: the contract does not fix the case of NN.
    """
    lower, upper = [], []
    i, n = 0, len(raw)
    while i < n:
        length = utf8_seq_len(raw, i)
        if length:
            text = raw[i:i + length].decode("utf-8")
            lower.append(text)
            upper.append(text)
            i += length
        else:
            lower.append("\\x%02x" % raw[i])
            upper.append("\\x%02X" % raw[i])
            i += 1
    return "".join(lower), "".join(upper)


def utf8_seq_len(raw, i):
    """Length of the well-formed UTF-8 sequence at raw[i], 0 if none.

    Well-formed per Unicode Table 3-7: no overlongs, no surrogates,
    nothing above U+10FFFF.
    """
    b0 = raw[i]
    if b0 < 0x80:
        return 1
    if 0xc2 <= b0 <= 0xdf:
        length, lo, hi = 2, 0x80, 0xbf
    elif b0 == 0xe0:
        length, lo, hi = 3, 0xa0, 0xbf
    elif 0xe1 <= b0 <= 0xec or 0xee <= b0 <= 0xef:
        length, lo, hi = 3, 0x80, 0xbf
    elif b0 == 0xed:
        length, lo, hi = 3, 0x80, 0x9f
    elif b0 == 0xf0:
        length, lo, hi = 4, 0x90, 0xbf
    elif 0xf1 <= b0 <= 0xf3:
        length, lo, hi = 4, 0x80, 0xbf
    elif b0 == 0xf4:
        length, lo, hi = 4, 0x80, 0x8f
    else:
        return 0
    if i + length > len(raw):
        return 0
    if not lo <= raw[i + 1] <= hi:
        return 0
    for k in range(2, length):
        if not 0x80 <= raw[i + k] <= 0xbf:
            return 0
    return length


def no_dup_keys(pairs):
    keys = [k for k, _ in pairs]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    if dups:
        raise ValueError("duplicate key(s) %s" % ", ".join(dups))
    return dict(pairs)


def raw_control(text):
    """The first control character in TEXT that is not escaped: C0, DEL
    (0x7f) or C1 (U+0080..U+009F), which the contract (docs/JSON.md,
    Strings) always writes as escapes; None if there is none."""
    for c in text:
        if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0:
            return c
    return None


def load_lines(path, what, probs, raw_controls=False):
    """Parse PATH as JSON lines; each bad line is a problem. With
    RAW_CONTROLS, an unescaped control character is one too."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("checktrace: cannot read %s: %s" % (path, e.strerror),
              file=sys.stderr)
        sys.exit(2)
    out = []
    if data and not data.endswith(b"\n"):
        probs.add("%s: last line is not newline-terminated" % what)
    for lineno, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as e:
            probs.add("%s line %d: not valid UTF-8 (%s): %r"
                      % (what, lineno, e.reason, line[:120]))
            continue
        if raw_controls and raw_control(text):
            probs.add("%s line %d: raw control character %r (the contract "
                      "escapes C0, DEL and C1): %s"
                      % (what, lineno, raw_control(text), text[:200]))
        try:
            obj = json.loads(text, object_pairs_hook=no_dup_keys)
        except ValueError as e:
            probs.add("%s line %d: not valid JSON (%s): %s"
                      % (what, lineno, e, text[:200]))
            continue
        if not isinstance(obj, dict):
            probs.add("%s line %d: not a JSON object: %s"
                      % (what, lineno, text[:200]))
            continue
        out.append((lineno, obj))
    return out


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def flag_names(flags, clone3=False):
    names = {name for bit, name in CLONE_FLAGS if flags & bit}
    if clone3 and flags & CLONE_NEWTIME:
        names.add("CLONE_NEWTIME")
    return names


def expected_kind(flags):
    if flags & CLONE_THREAD:
        return "thread"
    if flags & CLONE_VFORK:
        return "vfork"
    if flags & CLONE_VM:
        return "vm_process"
    return "process"


def check_identity_shape(where, ev, probs):
    """uid, gid, cgroup, container: the contract's types (docs/JSON.md)."""
    for key in ("uid", "gid"):
        v = ev.get(key)
        if v is not None and not (is_int(v) and 0 <= v < 2**32 - 1):
            probs.add("%s: %s is neither null nor a uid: %r" % (where, key, v))
    cg = ev.get("cgroup")
    if cg is not None and not (
            isinstance(cg, dict) and is_int(cg.get("id")) and cg["id"] > 0
            and (cg.get("path") is None or
                 (isinstance(cg["path"], str) and cg["path"][:1] == "/"))):
        probs.add("%s: cgroup is neither null nor {id, path}: %r"
                  % (where, cg))
    v1 = ev.get("cgroup_v1")
    if v1 is not None and not (
            isinstance(v1, dict) and set(v1) == {"controller", "id", "path"}
            and isinstance(v1["controller"], str) and v1["controller"]
            and is_int(v1["id"]) and v1["id"] > 0
            and (v1["path"] is None or
                 (isinstance(v1["path"], str) and v1["path"][:1] == "/"))):
        probs.add("%s: cgroup_v1 is neither null nor {controller, id, "
                  "path}: %r" % (where, v1))
    c = ev.get("container")
    if c is None:
        return
    # named by the v2 path, else by the v1 path
    paths = "%s %s" % ((cg or {}).get("path") or "",
                       (v1 or {}).get("path") or "")
    if (cg is None and v1 is None) or not isinstance(c, dict) or \
            set(c) != {"runtime", "id", "pod_uid"}:
        probs.add("%s: container is not {runtime, id, pod_uid} of a "
                  "cgroup: %r" % (where, c))
        return
    if c["runtime"] is not None and (
            c["runtime"] not in CONTAINER_RUNTIMES or
            not isinstance(c["id"], str) or len(c["id"]) != 64 or
            c["id"] not in paths):
        probs.add("%s: container runtime/id not from the cgroup path: %r"
                  % (where, c))
    if c["runtime"] is None and c["pod_uid"] is None:
        probs.add("%s: container with neither runtime nor pod: %r"
                  % (where, c))


EXEC_KEYS = ["ts_ns", "cpu", "event", "syscall", "kind", "task",
             "filename", "path", "interp", "old_tid", "argv",
             "argv_truncated", "errno",
             "error", "uid", "gid", "cgroup", "cgroup_v1", "container"]
EXIT_KEYS = ["ts_ns", "cpu", "event", "syscall", "kind", "task", "code",
             "exit_status", "signal", "core_dumped", "lifetime_ns",
             "last_thread", "uid", "gid", "cgroup", "cgroup_v1",
             "container"]


def check_life_shape(lineno, ev, probs):
    """Contract checks of exec and exit events (docs/JSON.md)."""
    where = "trace line %d" % lineno
    keys = EXEC_KEYS if ev["event"] == "exec" else EXIT_KEYS
    if list(ev) != keys and "time" not in ev:
        probs.add("%s: %s keys %s, expected %s"
                  % (where, ev["event"], list(ev), keys))
    check_identity_shape(where, ev, probs)
    task = ev.get("task")
    if not isinstance(task, dict) or set(task) != {
            "pid", "tid", "comm", "ns_pid", "ns_tid", "ppid"}:
        probs.add("%s: task is not {pid, tid, comm, ns_pid, ns_tid, ppid}: "
                  "%r" % (where, task))
    if ev["event"] == "exec":
        failed = ev.get("errno") is not None
        if failed != (ev.get("argv") is None) or \
                failed != (ev.get("old_tid") is None):
            probs.add("%s: exec with argv/old_tid and errno both or "
                      "neither: %r" % (where, ev))
        if not failed and not all(isinstance(a, str) for a in ev["argv"]):
            probs.add("%s: argv is not a list of strings" % where)
        for key in ("path", "interp"):
            p = ev.get(key)
            if p is not None and (failed or not isinstance(p, str) or
                                  not p.startswith(("/", ".../"))):
                probs.add("%s: %s is neither null nor a path (none for "
                          "a failure): %r" % (where, key, p))
    else:
        code = ev.get("code")
        if not is_int(code):
            probs.add("%s: exit code is not an integer: %r" % (where, code))
        elif (code & 0x7f == 0) != (ev.get("signal") is None) or \
                (ev.get("exit_status") is not None and
                 ev["exit_status"] != (code >> 8) & 0xff):
            probs.add("%s: exit_status/signal do not decode code %d"
                      % (where, code))
        if not (is_int(ev.get("lifetime_ns")) and ev["lifetime_ns"] >= 0):
            probs.add("%s: lifetime_ns is not a duration" % where)


def check_event_shape(lineno, ev, probs):
    """Contract checks that hold for every creation event."""
    where = "trace line %d" % lineno
    check_identity_shape(where, ev, probs)
    for key in EVENT_KEYS:
        if key not in ev:
            probs.add("%s: missing key '%s'" % (where, key))
    failed = ev.get("event") == "clone_failed"
    if failed:
        for key in ("errno", "error"):
            if key not in ev:
                probs.add("%s: clone_failed without '%s'" % (where, key))
    for key in ("ts_ns", "cpu", "flags", "exit_signal"):
        if key in ev and not (is_int(ev[key]) and ev[key] >= 0):
            probs.add("%s: %s is not a non-negative integer: %r"
                      % (where, key, ev[key]))
    if ev.get("syscall") not in SYSCALLS:
        probs.add("%s: syscall %r not one of %s"
                  % (where, ev.get("syscall"), sorted(SYSCALLS)))
    if ev.get("kind") not in KINDS:
        probs.add("%s: kind %r not one of %s"
                  % (where, ev.get("kind"), sorted(KINDS)))
    lat = ev.get("latency_ns")
    if lat is not None and not (is_int(lat) and lat >= 0):
        probs.add("%s: latency_ns is neither null nor a non-negative "
                  "integer: %r" % (where, lat))
    flags = ev.get("flags")
    if is_int(flags):
        clone3 = ev.get("syscall") == "clone3"
        sig = flags & CSIGNAL & ~(CLONE_NEWTIME if clone3 else 0)
        if sig:
            probs.add("%s: flags 0x%x still carry the exit signal byte "
                      "0x%x" % (where, flags, sig))
        fs = ev.get("flags_str")
        if isinstance(fs, str):
            toks = {t for t in fs.split("|") if t}
            named = {t for t in toks if t.startswith("CLONE_")}
            want = flag_names(flags, clone3)
            if named != want:
                probs.add("%s: flags_str %r does not match flags 0x%x "
                          "(expected names %s)"
                          % (where, fs, flags, "|".join(sorted(want))))
        else:
            probs.add("%s: flags_str is not a string: %r" % (where, fs))
        ns = ev.get("ns_new")
        want_ns = sorted(name for bit, name in NS_FLAGS.items()
                         if flags & bit and
                         (bit != CLONE_NEWTIME or clone3))
        if not isinstance(ns, list) or sorted(ns) != want_ns \
                or len(set(ns)) != len(ns):
            probs.add("%s: ns_new %r does not match flags 0x%x "
                      "(expected %s)" % (where, ns, flags, want_ns))
        if ev.get("syscall") in ("fork", "vfork", "clone", "clone3") \
                and ev.get("kind") in ("thread", "vfork", "vm_process",
                                       "process") \
                and ev.get("kind") != expected_kind(flags):
            probs.add("%s: kind %r contradicts flags 0x%x (expected %r)"
                      % (where, ev.get("kind"), flags,
                         expected_kind(flags)))
    parent = ev.get("parent")
    if not isinstance(parent, dict) or not all(
            k in parent for k in ("pid", "tid", "comm")):
        probs.add("%s: parent lacks pid/tid/comm: %r" % (where, parent))
    if failed:
        if ev.get("child") is not None or ev.get("refs") is not None:
            probs.add("%s: clone_failed must have child and refs null"
                      % where)
        err = ev.get("errno")
        if not (is_int(err) and err > 0):
            probs.add("%s: errno is not a positive integer: %r"
                      % (where, err))
        elif err in ERRNO_NAMES and ev.get("error") != ERRNO_NAMES[err]:
            probs.add("%s: error %r does not name errno %d (expected %r)"
                      % (where, ev.get("error"), err, ERRNO_NAMES[err]))
    elif ev.get("event") == "clone":
        child = ev.get("child")
        if not isinstance(child, dict) or not all(
                k in child for k in ("pid", "tid", "comm", "ns_pid",
                                     "ns_tid")):
            probs.add("%s: child lacks pid/tid/comm/ns_pid/ns_tid: %r"
                      % (where, child))
        refs = ev.get("refs")
        if not isinstance(refs, dict):
            probs.add("%s: refs is not an object: %r" % (where, refs))
        else:
            for key in REF_KEYS:
                if key not in refs:
                    probs.add("%s: refs lacks '%s'" % (where, key))
                elif refs[key] is not None and not (
                        is_int(refs[key]) and refs[key] >= 0):
                    probs.add("%s: refs.%s is not null or a count: %r"
                              % (where, key, refs[key]))


def describe(exp):
    label = exp.get("label", exp.get("expect"))
    if exp.get("expect") == "clone":
        return "[%s, child tid %s]" % (label, exp["child"]["tid"])
    return "[%s, parent tid %s, errno %s]" % (
        label, exp["parent"]["tid"], exp.get("errno"))


def cmp(probs, who, field, want, got):
    if want != got:
        probs.add("%s %s: expected %r, got %r" % (who, field, want, got))


def check_comm(probs, who, field, comm_hex, got):
    try:
        raw = bytes.fromhex(comm_hex)
    except ValueError:
        probs.add("%s %s: bad comm_hex %r in expectation"
                  % (who, field, comm_hex))
        return
    lower, upper = escape_comm(raw)
    if got not in (lower, upper):
        probs.add("%s %s: expected %s (from bytes %s), got %s"
                  % (who, field, json.dumps(lower), comm_hex,
                     json.dumps(got)))


def compare(exp, ev, probs):
    who = describe(exp)
    failed = exp["expect"] == "clone_failed"
    cmp(probs, who, "event", exp["expect"], ev.get("event"))
    for key in ("syscall", "kind", "exit_signal"):
        if key in exp:
            cmp(probs, who, key, exp[key], ev.get(key))
    got_flags = ev.get("flags")
    if "flags" in exp:
        if got_flags != exp["flags"]:
            probs.add("%s flags: expected 0x%x, got %s"
                      % (who, exp["flags"], hex(got_flags)
                         if is_int(got_flags) else repr(got_flags)))
    if "flags_min" in exp:
        if not is_int(got_flags) or \
                got_flags & exp["flags_min"] != exp["flags_min"]:
            missing = exp["flags_min"] & ~(got_flags if is_int(got_flags)
                                           else 0)
            probs.add("%s flags: expected at least 0x%x, got %s "
                      "(missing %s)"
                      % (who, exp["flags_min"], hex(got_flags)
                         if is_int(got_flags) else repr(got_flags),
                         "|".join(sorted(flag_names(missing)))))
    ep, gp = exp.get("parent", {}), ev.get("parent") or {}
    for key in ("pid", "tid"):
        if key in ep:
            cmp(probs, who, "parent." + key, ep[key], gp.get(key))
    if "comm_hex" in ep:
        check_comm(probs, who, "parent.comm", ep["comm_hex"],
                   gp.get("comm"))
    if failed:
        cmp(probs, who, "errno", exp["errno"], ev.get("errno"))
        if "error" in exp:
            cmp(probs, who, "error", exp["error"], ev.get("error"))
        return
    ec, gc = exp.get("child", {}), ev.get("child") or {}
    for key in ("pid", "tid", "ns_pid", "ns_tid"):
        if key in ec:
            cmp(probs, who, "child." + key, ec[key], gc.get(key))
    if "comm_hex" in ec:
        check_comm(probs, who, "child.comm", ec["comm_hex"], gc.get("comm"))
    grefs = ev.get("refs") or {}
    for key, want in sorted(exp.get("refs", {}).items()):
        cmp(probs, who, "refs." + key, want, grefs.get(key))
    if "ns_new" in exp:
        got = ev.get("ns_new")
        if not isinstance(got, list) or sorted(got) != sorted(exp["ns_new"]):
            probs.add("%s ns_new: expected %s, got %r"
                      % (who, sorted(exp["ns_new"]), got))


def short(ev):
    child = ev.get("child") or {}
    return ("%s %s kind=%s flags=%s parent=%s/%s child=%s/%s errno=%s"
            % (ev.get("event"), ev.get("syscall"), ev.get("kind"),
               hex(ev["flags"]) if is_int(ev.get("flags")) else None,
               (ev.get("parent") or {}).get("pid"),
               (ev.get("parent") or {}).get("tid"),
               child.get("pid"), child.get("tid"), ev.get("errno")))


def check_execs(stated, events):
    """ct-execfail's statements ("exec", "exec_failed", each with its
    syscall) against the trace's events: each is one exec event of its
    task, with its syscall, file name and errno, and the workload's
    processes made no other exec. Returns the problems found."""
    probs = []
    facts = [s for s in stated if s.get("expect") in ("exec", "exec_failed")]
    pids = {s["pid"] for s in facts}
    execs = [e for e in events if e.get("event") == "exec" and
             (e.get("task") or {}).get("pid") in pids]
    used = set()
    for s in facts:
        failed = s["expect"] == "exec_failed"
        hits = [i for i, e in enumerate(execs)
                if e["task"]["tid"] == s["tid"] and
                (e.get("errno") is not None) == failed]
        if len(hits) != 1:
            probs.append("%s: %d matching exec events" % (s, len(hits)))
            continue
        used.add(hits[0])
        e = execs[hits[0]]
        want = (s["syscall"], s["filename"], s.get("errno"),
                EXEC_ERRNO_NAMES.get(s.get("errno")))
        got = (e.get("syscall"), e.get("filename"), e.get("errno"),
               e.get("error"))
        if got != want:
            probs.append("%s: (syscall, filename, errno, error) %r, "
                         "expected %r" % (s, got, want))
    for i, e in enumerate(execs):
        if i not in used:
            probs.append("an exec the workload did not state: %r" % e)
    totals = [s for s in stated if s.get("expect") == "execfail_total"]
    if len(totals) != 1:
        probs.append("no execfail_total line (the workload did not finish?)")
    return probs


def check(expect_path, trace_path, mode=None, lost=0, lost_follow=0):
    """Problems found, and the number of expectations. LOST and
    LOST_FOLLOW are what the summary must say (None: not checked; a test
    that forces loss checks them against its own numbers)."""
    probs = Problems()
    exps = load_lines(expect_path, "expectations", probs)
    trace = load_lines(trace_path, "trace", probs, raw_controls=True)

    # The summary: exactly one, last, nothing lost, counts consistent.
    # -p's attach context ("target" records, first) is no event
    events = [(n, ev) for n, ev in trace
              if ev.get("event") not in ("summary", "target")]
    sums = [(n, ev) for n, ev in trace if ev.get("event") == "summary"]
    if not sums:
        probs.add("trace: no summary line")
    elif len(sums) > 1:
        probs.add("trace: %d summary lines (lines %s)"
                  % (len(sums), [n for n, _ in sums]))
    if sums:
        sn, summ = sums[-1]
        if trace and trace[-1][0] != sn:
            probs.add("trace: summary (line %d) is not the last line" % sn)
        for key, want in (("lost", lost), ("lost_follow", lost_follow)):
            if key not in summ:
                probs.add("trace summary: no '%s' key" % key)
            elif want is not None and summ[key] != want:
                probs.add("trace summary: %s: expected %r, got %r"
                          % (key, want, summ[key]))
            elif not (is_int(summ[key]) and summ[key] >= 0):
                probs.add("trace summary: %s is not a count: %r"
                          % (key, summ[key]))
        nclone = sum(1 for _, ev in events if ev.get("event") == "clone")
        nfail = sum(1 for _, ev in events
                    if ev.get("event") == "clone_failed")
        cmp(probs, "trace summary", "events", len(events),
            summ.get("events"))
        cmp(probs, "trace summary", "clones", nclone, summ.get("clones"))
        cmp(probs, "trace summary", "failed", nfail, summ.get("failed"))
        for key, n in (
                ("execs", sum(1 for _, ev in events
                              if ev.get("event") == "exec" and
                              ev.get("errno") is None)),
                ("exec_failed", sum(1 for _, ev in events
                                    if ev.get("event") == "exec" and
                                    ev.get("errno") is not None)),
                ("exits", sum(1 for _, ev in events
                              if ev.get("event") == "exit"))):
            cmp(probs, "trace summary", key, n, summ.get(key))
        # every kind and syscall has its key, 0 included (docs/JSON.md)
        for key, names in (("by_kind", KINDS), ("by_syscall", SYSCALLS)):
            field = key[3:]
            counts = summ.get(key)
            if not isinstance(counts, dict):
                probs.add("trace summary: %s missing or not an object"
                          % key)
                continue
            if set(counts) != names:
                probs.add("trace summary: %s keys %s, expected %s"
                          % (key, sorted(counts), sorted(names)))
            for name in sorted(names):
                n = sum(1 for _, ev in events if ev.get(field) == name
                        and ev.get("event") in ("clone", "clone_failed"))
                cmp(probs, "trace summary", "%s.%s" % (key, name), n,
                    counts.get(name))
        if mode is not None:
            cmp(probs, "trace summary", "mode", mode, summ.get("mode"))

    for n, ev in events:
        if ev.get("event") in ("exec", "exit"):
            check_life_shape(n, ev, probs)
            continue
        if ev.get("event") not in ("clone", "clone_failed"):
            probs.add("trace line %d: unknown event %r"
                      % (n, ev.get("event")))
            continue
        check_event_shape(n, ev, probs)

    # Match every expectation to one event.
    total = None
    used = set()
    procs = set()
    for lineno, exp in exps:
        kind = exp.get("expect")
        if kind == "total":
            total = exp
            procs.add(exp.get("pid"))
            continue
        if kind not in ("clone", "clone_failed"):
            probs.add("expectations line %d: unknown expect %r"
                      % (lineno, kind))
            continue
        procs.add(exp["parent"]["pid"])
        if kind == "clone":
            procs.add(exp["child"]["pid"])
            tid = exp["child"]["tid"]
            cands = [i for i, (_, ev) in enumerate(events)
                     if ev.get("event") == "clone" and
                     (ev.get("child") or {}).get("tid") == tid and
                     i not in used]
            if len(cands) > 1:
                # TID reuse within one trace: prefer the stated parent.
                cands = [i for i in cands if (events[i][1].get("parent")
                         or {}).get("tid") == exp["parent"]["tid"]] \
                    or cands
        else:
            cands = []
            for i, (_, ev) in enumerate(events):
                if i in used or ev.get("event") != "clone_failed":
                    continue
                if (ev.get("parent") or {}).get("tid") != \
                        exp["parent"]["tid"]:
                    continue
                if ev.get("errno") != exp["errno"]:
                    continue
                f = ev.get("flags")
                if "flags" in exp and f != exp["flags"]:
                    continue
                if "flags_min" in exp and (not is_int(f) or
                                           f & exp["flags_min"] !=
                                           exp["flags_min"]):
                    continue
                cands.append(i)
        if not cands:
            near = [short(ev) for _, ev in events
                    if (ev.get("parent") or {}).get("pid") ==
                    exp["parent"]["pid"]]
            probs.add("%s: no matching %s event in the trace "
                      "(events from parent pid %s: %s)"
                      % (describe(exp), kind, exp["parent"]["pid"],
                         "; ".join(near) if near else "none"))
            continue
        used.add(cands[0])
        compare(exp, events[cands[0]][1], probs)

    # Nothing else may come from the workload's processes.
    if total is None:
        probs.add("expectations: no total line (the workload did not "
                  "finish?)")
    extra = [(n, ev) for i, (n, ev) in enumerate(events)
             if i not in used and
             (ev.get("parent") or {}).get("pid") in procs]
    for n, ev in extra:
        probs.add("trace line %d: unexpected event from a workload "
                  "process: %s" % (n, short(ev)))
    if total is not None:
        mine = [ev for _, ev in events
                if (ev.get("parent") or {}).get("pid") in procs]
        cmp(probs, "workload total", "clones", total.get("clones"),
            sum(1 for ev in mine if ev.get("event") == "clone"))
        cmp(probs, "workload total", "failed", total.get("failed"),
            sum(1 for ev in mine if ev.get("event") == "clone_failed"))
    nexp = sum(1 for _, e in exps if e.get("expect") != "total")
    return probs.items, nexp


def check_top_median(ends, row):
    """top --children's median lifetime (ROW, a "children" element) of
    the ENDS a workload stated (ct-lifecycle lifetimes: lifetime_min_ns
    and lifetime_max_ns by its own clocks). The true median lies between
    the medians of the lower and of the upper bounds (a median rises with
    each value); top's bounds must reach into that range and be at most
    1/8 of the median apart, lifetime_median_us between them and within
    1/16 (+1 us of rounding) of a value in the range (docs/JSON.md).
    The problems found, as strings."""
    probs = []
    mins = sorted(s["lifetime_min_ns"] / 1000 for s in ends)
    maxs = sorted(s["lifetime_max_ns"] / 1000 for s in ends)
    n = len(ends)
    if not n or row["exits"] != n:
        return ["%d ends stated, top counted %s" % (n, row["exits"])]
    lo = (mins[(n - 1) // 2] + mins[n // 2]) / 2
    hi = (maxs[(n - 1) // 2] + maxs[n // 2]) / 2
    mn, mx = row["lifetime_median_min_us"], row["lifetime_median_max_us"]
    est = row["lifetime_median_us"]
    if mn > hi or mx < lo:
        probs.append("median bounds %s-%s us outside the true median's "
                     "%.1f-%.1f us" % (mn, mx, lo, hi))
    if mx - mn > mx / 8 + 1:
        probs.append("median bounds %s-%s us wider than 1/8" % (mn, mx))
    if not mn <= est <= mx:
        probs.append("median %s us outside its bounds %s-%s" % (est, mn,
                                                                 mx))
    if not lo * 15 / 16 - 1 <= est <= hi * 17 / 16 + 1:
        probs.append("median %s us not within 1/16 of %.1f-%.1f us"
                     % (est, lo, hi))
    return probs


def exec_path_problems(stated, events):
    """ct-execpath's statements against the exec events of a trace: each
    case one exec of its PID with the file name it gave, the path and
    interpreter it resolved itself (a truncated path: a tail of the
    stated one after ".../", at least 16 components; a case of "execs"
    N: N execs of its PID, the case's the last). (problems, cases)"""
    probs = []
    total = [s for s in stated if s.get("expect") == "exec_path_total"]
    cases = [s for s in stated if s.get("expect") == "exec_path"]
    if len(total) != 1 or len(cases) != total[0]["execs"]:
        return ["the statements have no total, or not as many cases"], []
    for s in cases:
        got = [e for e in events if e.get("event") == "exec" and
               e["task"]["pid"] == s["pid"]]
        if len(got) != s.get("execs", 1):
            probs.append("case %s: %d exec events of pid %d"
                         % (s["case"], len(got), s["pid"]))
            continue
        e = got[-1]
        want = (None, s["filename"], s["interp"])
        have = (e["errno"], e["filename"], e["interp"])
        if want != have:
            probs.append("case %s: (errno, filename, interp) %r, stated "
                         "%r" % (s["case"], have, want))
        path = e["path"]
        if not s["truncated"]:
            if path != s["path"]:
                probs.append("case %s: path %r, stated %r"
                             % (s["case"], path, s["path"]))
        elif not (isinstance(path, str) and path.startswith(".../") and
                  s["path"].endswith(path[3:]) and
                  len(path) - 3 < len(s["path"]) - 8 and
                  path.count("/") >= 16):
            probs.append("case %s: path %r is no marked tail of %r"
                         % (s["case"], path, s["path"]))
    return probs, cases


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="check a clonetrace --json trace against a workload's "
                    "expectations")
    ap.add_argument("expect_file")
    ap.add_argument("trace_file")
    ap.add_argument("--mode", help="attach mode the summary must name")
    ap.add_argument("--lost", type=int, default=0,
                    help="events the summary must count as lost (default 0)")
    ap.add_argument("--lost-follow", type=int, default=0,
                    help="processes the summary must count as not followed "
                    "(default 0)")
    args = ap.parse_args(argv)
    problems, nexp = check(args.expect_file, args.trace_file, args.mode,
                           args.lost, args.lost_follow)
    for p in problems:
        print("checktrace: " + p)
    if problems:
        print("checktrace: FAIL: %d problem(s), %s vs %s"
              % (len(problems), args.expect_file, args.trace_file))
        return 1
    print("checktrace: ok: %d expectation(s) matched" % nexp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
