# SPDX-License-Identifier: GPL-2.0
"""Write clonetrace recordings (-w FILE) from Python, for the report tests.

An independent implementation of the format documented in
userspace/record.h, so that `clonetrace report` can be tested without
root and against events the test chose: the file is made from the
test's own values, and the test formats what report must print.
Standard library only.
"""

import struct
import zlib

MAGIC = b"CLNTRACE"
VERSION = 1         # the default here: version 1 must stay readable
HEADER, ITEMS, END = 1, 2, 3
EVENT, DIAG, CGROUP, TARGET, CGROUP1 = 1, 2, 3, 4, 5
ID_UNKNOWN = 0xffffffff
CLONE, CLONE_FAILED, EXEC, EXIT = 1, 2, 3, 4
# enum ct_path_flag (bpf/ct_event.h)
PATH_KNOWN, PATH_TRUNCATED, PATH_DELETED = 1, 2, 4

# enum ct_syscall and enum ct_kind (bpf/ct_event.h, bpf/clone_flags.h)
SYSCALLS = ["kernel", "fork", "vfork", "clone", "clone3", "unknown"]
KINDS = ["process", "thread", "vfork", "vm_process", "kthread",
         "user_worker"]
REF_KEYS = ["mm_users", "mm_count", "files", "fs", "sighand",
            "signal_live", "nr_threads", "nsproxy"]
ABSENT = -1


def uv(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def sv(v):
    return uv(((v << 1) ^ (v >> 63)) & 0xffffffffffffffff)


def as_bytes(b):
    return b.encode() if isinstance(b, str) else b


def text(b):
    b = as_bytes(b)
    return uv(len(b)) + b


def frame(ftype, payload):
    return struct.pack("<B3xII", ftype, len(payload),
                       zlib.crc32(payload) & 0xffffffff) + payload


def event(ts, ppid, ptid, pcomm, syscall, kind, flags=0, exit_signal=17,
          pid=0, tid=0, comm=b"", ns_pid=None, ns_tid=None, refs=None,
          err=0, latency=0, cpu=0, uid=ID_UNKNOWN, gid=ID_UNKNOWN,
          cgroup_id=0, cgroup1_id=0):
    """One event as a dict (the fields of struct ct_event)."""
    failed = err != 0
    pcomm = as_bytes(pcomm)
    return {
        "ts": ts, "flags": flags, "latency": latency,
        "type": CLONE_FAILED if failed else CLONE, "cpu": cpu,
        "ppid": ppid, "ptid": ptid, "pid": 0 if failed else pid,
        "tid": 0 if failed else tid,
        "ns_pid": 0 if failed else (pid if ns_pid is None else ns_pid),
        "ns_tid": 0 if failed else (tid if ns_tid is None else ns_tid),
        "err": err, "exit_signal": exit_signal,
        "syscall": SYSCALLS.index(syscall), "kind": KINDS.index(kind),
        "refs": refs if refs is not None else [ABSENT] * len(REF_KEYS),
        "pcomm": pcomm,
        "comm": pcomm if failed else as_bytes(comm),   # as BPF fills it
        "uid": uid, "gid": gid, "cgroup_id": cgroup_id,
        "cgroup1_id": cgroup1_id,
    }


def exec_event(ts, pid, comm, filename, argv, parent=1, call=1, path=None,
               interp=None, uid=0, gid=0, cgroup_id=0):
    """A successful exec (version 2 on): struct ct_exec_event's fields.
    path, interp: None (unknown), or (flags, "/usr/bin/true") with the
    flags of enum ct_path_flag besides PATH_KNOWN."""
    e = event(ts, pid, pid, comm, "kernel", "process", pid=pid, tid=pid,
              comm=comm, exit_signal=0, uid=uid, gid=gid,
              cgroup_id=cgroup_id)
    args = b"\0".join(as_bytes(a) for a in argv) + b"\0"
    e.update(type=EXEC, parent=parent, old_tid=pid, args=args,
             args_size=len(args), call=call, filename=as_bytes(filename),
             path=path, interp=interp)
    return e


def exit_event(ts, pid, tid, comm, code, lifetime, parent=1, group_dead=1,
               uid=0, gid=0, cgroup_id=0):
    """An exit (version 2 on): struct ct_exit_event's fields; code is
    the wait status (status << 8, or the signal)."""
    e = event(ts, pid, tid, comm, "kernel",
              "process" if pid == tid else "thread", pid=pid, tid=tid,
              comm=comm, exit_signal=0, uid=uid, gid=gid,
              cgroup_id=cgroup_id)
    e.update(type=EXIT, parent=parent, lifetime=lifetime, code=code,
             group_dead=group_dead)
    return e


def process_exit(ts, pid, comm, code, parent=1, lifetime_ns=1_000_000,
                 group_dead=1, uid=0, gid=0):
    """A process's exit with its creator in ppid (version 2 on): code as
    wait() reports it (exit status << 8, or the signal | 0x80 for a core
    dump)."""
    e = event(ts, parent, parent, comm, "kernel", "process", pid=pid,
              tid=pid, comm=comm, exit_signal=0, uid=uid, gid=gid)
    e.update(type=EXIT, parent=parent, lifetime=lifetime_ns, code=code,
             group_dead=group_dead)
    return e


def encode_path(p):
    """A resolved path as recorded (version 3): its components, the
    file's own name first, a NUL after each."""
    if p is None:
        return uv(0) + uv(0)
    flags, text_ = p
    comps = [c for c in text_.split("/") if c]
    raw = b"".join(c.encode() + b"\0" for c in reversed(comps))
    return uv(flags | PATH_KNOWN) + uv(len(raw)) + raw


def encode_event(e, prev_ts, version=VERSION):
    out = uv(EVENT) + sv(e["ts"] - prev_ts)
    for key in ("flags", "latency", "type", "cpu", "ppid", "ptid", "pid",
                "tid", "ns_pid", "ns_tid"):
        out += uv(e[key])
    out += sv(e["err"]) + sv(e["exit_signal"])
    out += uv(e["syscall"]) + uv(e["kind"])
    for r in e["refs"]:
        out += sv(r)
    out += text(e["pcomm"]) + text(e["comm"])
    if version >= 2:
        out += uv(e["uid"]) + uv(e["gid"]) + uv(e["cgroup_id"])
    if version >= 4:
        out += uv(e.get("cgroup1_id", 0))
    if e["type"] == EXEC:
        out += (uv(e["parent"]) + uv(e["old_tid"]) + uv(e["args_size"]) +
                uv(e["call"]) + text(e["filename"]) + text(e["args"]))
        if version >= 3:
            out += encode_path(e["path"]) + encode_path(e["interp"])
    elif e["type"] == EXIT:
        out += (uv(e["parent"]) + uv(e["lifetime"]) + sv(e["code"]) +
                uv(e["group_dead"]))
    return out


def encode_cgroup(cg_id, path):
    return uv(CGROUP) + uv(cg_id) + text(path)


SHARES = ["vm", "files", "fs", "sighand"]   # enum ct_share


def encode_target(t, version=3):
    """A -p target item (version 3) from a dict: pid, comm, state (a
    letter, "" gone), kthread, follow, cut, kids_unknown (optional),
    uid/gid (None unknown),
    nr_threads, threads, nr_children, nr_below, kids [(pid, ppid, comm,
    state, [share names])], cgroup path, cgroup_id; version 4: then
    cgroup1 (optional: (controller, path, id); none: "", "", 0)."""
    ids = t["uid"] is not None
    flags = (t["kthread"] and 1) | (t["follow"] and 2) | \
        (t["cut"] and 4) | (ids and 8) | (16 if t.get("kids_unknown") else 0)
    out = uv(TARGET) + uv(t["pid"]) + text(t["comm"])
    out += uv(ord(t["state"]) if t["state"] else 0) + uv(flags)
    out += uv(t["uid"] if ids else 0) + uv(t["gid"] if ids else 0)
    out += uv(t["nr_threads"]) + uv(len(t["threads"]))
    out += b"".join(uv(x) for x in t["threads"])
    out += uv(t["nr_children"]) + uv(t["nr_below"]) + uv(len(t["kids"]))
    for pid, ppid, comm, state, shares in t["kids"]:
        bits = sum(1 << SHARES.index(x) for x in shares)
        out += uv(pid) + uv(ppid) + text(comm)
        out += uv(ord(state) if state else 0) + uv(bits)
    out += text(t["cgroup"]) + uv(t["cgroup_id"])
    if version >= 4:
        ctrl, path, cg1_id = t.get("cgroup1") or ("", "", 0)
        out += text(ctrl) + text(path) + uv(cg1_id)
    return out


def encode_cgroup1(cg_id, controller, path):
    return uv(CGROUP1) + uv(cg_id) + text(controller) + text(path)


def header(release, hostname, boot_time_ns, mode, options):
    boot = uv(boot_time_ns)
    return (bytes([1]) + text(release) + bytes([2]) + text(hostname) +
            bytes([3]) + uv(len(boot)) + boot + bytes([5]) + text(mode) +
            bytes([4]) + text(options))


def recording(events, release="6.18.0-test", hostname="testhost",
              boot_time_ns=1_700_000_000_000_000_000, mode="tp_btf",
              options="clonetrace -w test.ctr", start_ns=1_000_000_000,
              duration_ns=2_000_000_000, lost=0, lost_follow=0,
              real_offset_ns=0, chunk=4, version=VERSION, cgroups=None,
              targets=(), cgroups1=None):
    """The bytes of a recording of these events, `chunk` per ITEMS frame;
    version 2: cgroups ({id: path}) before the first event; version 3:
    targets (dicts, encode_target()) first of all; version 4: cgroups1
    ({id: (controller, path)}) with the cgroups."""
    data = MAGIC + struct.pack("<I", version)
    data += frame(HEADER, header(release, hostname, boot_time_ns, mode,
                                 options))
    for i in range(0, len(events), chunk):
        payload, prev = b"", 0
        if i == 0:
            payload += b"".join(encode_target(t, version)
                                for t in targets)
        if i == 0 and cgroups:
            for cg_id, path in cgroups.items():
                payload += encode_cgroup(cg_id, path)
        if i == 0 and cgroups1:
            for cg_id, (ctrl, path) in cgroups1.items():
                payload += encode_cgroup1(cg_id, ctrl, path)
        for e in events[i:i + chunk]:
            payload += encode_event(e, prev, version)
            prev = e["ts"]
        data += frame(ITEMS, payload)
    clones = sum(1 for e in events if e["type"] == CLONE)
    life = sum(1 for e in events if e["type"] in (EXEC, EXIT))
    made = len(events) - life
    end = (uv(made) + uv(clones) + uv(made - clones) +
           uv(0) + uv(lost) + uv(lost_follow) + uv(duration_ns) +
           uv(start_ns) + sv(real_offset_ns))
    if version >= 2:
        end += uv(life)     # exec and exit events
    return data + frame(END, end)


def frames(data):
    """(offset, type, length) of each frame of a recording."""
    out, pos = [], 12
    while pos + 12 <= len(data):
        ftype, length, _ = struct.unpack_from("<B3xII", data, pos)
        out.append((pos, ftype, length))
        pos += 12 + length
    return out
