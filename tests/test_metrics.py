# SPDX-License-Identifier: GPL-2.0
"""The metrics: the /metrics endpoint (--listen) of the tracer and of
top, and the textfile (--prometheus), against what workloads state.

Every exposition is read by tests/exposition.py (strict, written from
the formats' specifications) and, for the text format, by Prometheus'
own parser (promtool check metrics). Label values are hostile cgroup
names, expected as formats.escape_terminal() writes them (the tests'
own copy of the terminal escaping).
"""

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

import exposition
import formats
from conftest import CLONETRACE, REPO, TIMEOUT, check_trace, unprivileged, \
    wait_ready, workload
from test_hostile import CGNAME, cgroup_dir, remove_cgroup

CGROUP2 = "/sys/fs/cgroup/unified" \
    if os.path.isdir("/sys/fs/cgroup/unified") else "/sys/fs/cgroup"
PIDS_V1 = "/sys/fs/cgroup/pids"
# the version label: the top-level file VERSION (the Makefile's CT_VERSION)
with open(os.path.join(REPO, "VERSION")) as _f:
    VERSION = _f.read().strip()
STATIC = os.path.join(REPO, "clonetrace.static")
SERVING = re.compile(r"serving metrics at http://([0-9.]+|\[[0-9a-f:]+\]):"
                     r"(\d+)/metrics")
# The machine's other cgroups may fill the default 20 series: tests of
# one cgroup's own series give every cgroup one (the bound itself is
# test_top_cgroup_series_bounded's).
ALL_CGROUPS = ["--metrics-cgroups", "1000"]
OM_ACCEPT = ("application/openmetrics-text;version=1.0.0,"
             "application/openmetrics-text;version=0.0.1;q=0.75,"
             "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")     # Prometheus'


# ---- helpers, used by test_fleet.py too ----

class Collector:
    """clonetrace ARGS --listen 127.0.0.1:0 -v, ready and serving;
    with exact, BINARY ARGS -v (ARGS has its own --listen)."""

    def __init__(self, args, listen="127.0.0.1:0", env=None, wrap=(),
                 exact=False, binary=CLONETRACE):
        tail = [] if exact else ["--listen", listen]
        self.proc = subprocess.Popen(
            list(wrap) + [binary] + list(args) + tail + ["-v"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self.seen = wait_ready(self.proc)
        for line in self.seen:
            m = SERVING.search(line)
            if m:
                self.host, self.port = m.group(1).strip("[]"), \
                    int(m.group(2))
                break
        else:
            self.stop()
            pytest.fail("no 'serving metrics at' line: %r" % self.seen)

    def request(self, path="/metrics", method="GET", headers=None,
                body=None):
        """(status, headers dict (lower-case names), body bytes)."""
        c = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            c.close()

    def scrape(self, openmetrics=False):
        st, hdr, body = self.request(
            headers={"Accept": OM_ACCEPT} if openmetrics else {})
        assert st == 200, (st, body)
        return exposition.parse(body.decode("utf-8"), openmetrics)

    def wait_for(self, check, what, timeout=20):
        """Scrape until check(exposition) is true; fail with the last
        values seen."""
        end = time.monotonic() + timeout
        while True:
            exp = self.scrape()
            if check(exp):
                return exp
            if time.monotonic() > end:
                pytest.fail("%s: not seen within %d s; last scrape: %s"
                            % (what, timeout, sorted(
                                (k[0], tuple(sorted(k[1])), v)
                                for k, v in exp.samples.items() if v)))
            time.sleep(0.2)

    def stop(self, sig=signal.SIGINT):
        if self.proc.returncode is not None:       # stopped already
            return self.proc.returncode, ""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            pytest.fail("clonetrace did not stop on SIGINT")
        return self.proc.returncode, err.decode(errors="replace")


def run_in_cgroup(cg, argv):
    """argv (a workload taking -w) run inside cgroup directory cg:
    moved there before it starts. Returns its stdout (its statement)."""
    p = subprocess.Popen([argv[0], "-w"] + list(argv[1:]),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    with open(os.path.join(cg, b"cgroup.procs"), "w") as f:
        f.write(str(p.pid))
    out, err = p.communicate(b"x", timeout=TIMEOUT)
    if p.returncode == 77:
        pytest.skip(err.decode())
    assert p.returncode == 0, err
    return out.decode()


def statement(out):
    return [json.loads(ln) for ln in out.splitlines() if ln.strip()]


def total(exp, name, **match):
    """The sum of a metric's series whose labels include match."""
    return sum(v for labels, v in exp.series(name)
               if all(labels.get(k) == w for k, w in match.items()))


def cgroup_label(raw_name):
    """The label value the cgroup /RAW_NAME must have."""
    return "/" + formats.escape_terminal(raw_name)


def promtool_lint(body):
    r = subprocess.run(unprivileged(["promtool", "check", "metrics"]),
                       input=body, capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, "promtool check metrics: %s%s" % (
        r.stdout.decode(), r.stderr.decode())


@pytest.fixture
def cgroups():
    """Make cgroup2 directories (by raw name) removed at the end."""
    made = []

    def make(name):
        path = cgroup_dir(CGROUP2, name)
        made.append(path)
        return path
    yield make
    for path in made:
        remove_cgroup(path)


# ---- the endpoint as HTTP: formats, errors ----

def test_http_formats_and_errors(tracer):
    """text/plain 0.0.4 by default (Prometheus' parser accepts it);
    OpenMetrics when Accept asks for it; 404, 405, HEAD."""
    c = Collector(["top", "-i", "0.2"])
    try:
        st, hdr, body = c.request()
        assert st == 200
        assert hdr["content-type"] == \
            "text/plain; version=0.0.4; charset=utf-8"
        promtool_lint(body)
        text = exposition.parse(body.decode(), False)
        assert text.types["clonetrace_creations_total"] == "counter"
        assert text.types["clonetrace_info"] == "gauge"
        st, hdr, body = c.request(headers={"Accept": OM_ACCEPT})
        assert st == 200
        assert hdr["content-type"] == \
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        om = exposition.parse(body.decode(), True)
        assert om.types["clonetrace_creations"] == "counter"
        assert om.types["clonetrace"] == "info"
        assert om.unit["clonetrace_last_update_timestamp_seconds"] == \
            "seconds"
        assert om.get("clonetrace_info", command="top", mode="tp_btf",
                      version=VERSION) == 1 or \
            om.get("clonetrace_info", command="top", mode="raw_tp",
                   version=VERSION) == 1
        # a wildcard or text preferred: text
        for accept in ("*/*", "text/plain",
                       "application/openmetrics-text;q=0.3,text/plain"):
            st, hdr, _ = c.request(headers={"Accept": accept})
            assert hdr["content-type"].startswith("text/plain"), accept
        st, hdr, body = c.request("/metrics?x=1")
        assert st == 200
        st, hdr, body = c.request("/", "GET")
        assert st == 404 and b"/metrics" in body
        st, hdr, body = c.request("/metricsx")
        assert st == 404
        for method in ("POST", "PUT", "DELETE", "OPTIONS"):
            st, hdr, body = c.request("/metrics", method, body=b"a=1")
            assert st == 405, method
            assert hdr["allow"] == "GET, HEAD"
        st, hdr, body = c.request("/metrics", "HEAD")
        assert st == 200 and body == b""
        assert hdr["content-type"].startswith("text/plain")
        # a request whose headers exceed what a connection may hold
        st, hdr, body = c.request(headers={"X-Big": "a" * 100000})
        assert st in (413, 431), st
        assert c.scrape().get("clonetrace_up") == 1
    finally:
        status, err = c.stop()
    assert status == 0, err


# ---- values: the tracer, exact ----

def test_tracer_creations_by_kind_and_syscall(tracer):
    """ct-fork's creations, each stated with its syscall and kind, in
    the tracer's endpoint (--comm: only them), then in its textfile."""
    c = Collector(["--comm", "ct-fork", "-i", "0.2", "-o", "/dev/null"])
    try:
        st = statement(subprocess.run(
            [workload("ct-fork")], capture_output=True, check=True,
            timeout=TIMEOUT).stdout.decode())
        want = {}
        for e in st:
            if e["expect"] == "clone":
                key = (e["kind"], e["syscall"])
                want[key] = want.get(key, 0) + 1
        assert sum(want.values()) == st[-1]["clones"]

        def exact(exp):
            got = {(lb["kind"], lb["syscall"]): v for lb, v in
                   exp.series("clonetrace_creations_total") if v}
            return got == want
        exp = c.wait_for(exact, "creations %r" % want)
        assert exp.get("clonetrace_lost_events_total") == 0
        assert exp.get("clonetrace_up") == 1
        # 5 kinds x 6 syscalls, every one, zeros too
        assert len(exp.series("clonetrace_creations_total")) == 36
    finally:
        status, err = c.stop()
    assert status == 0, err


def test_tracer_failures_by_errno(tracer, tmp_path):
    """ct-einval's failures: by errno (EINVAL, and E2BIG from clone3's
    size check), no cause (neither is a limit); the textfile written at
    the end holds the same, with up 0."""
    pf = tmp_path / "ct.prom"
    c = Collector(["--comm", "ct-einval", "-i", "0.2", "-o", "/dev/null",
                   "--prometheus", str(pf)])
    try:
        st = statement(subprocess.run(
            [workload("ct-einval")], capture_output=True, check=True,
            timeout=TIMEOUT).stdout.decode())
        n = sum(1 for e in st if e["expect"] == "clone_failed" and
                e["error"] == "EINVAL")
        big = sum(1 for e in st if e["expect"] == "clone_failed" and
                  e["error"] == "E2BIG")
        assert n + big == st[-1]["failed"] and n > 0 and big > 0
        c.wait_for(lambda e: e.get("clonetrace_failures_total",
                                   errno="EINVAL") == n and
                   e.get("clonetrace_failures_total", errno="E2BIG") == big,
                   "EINVAL %d, E2BIG %d" % (n, big))
    finally:
        status, err = c.stop()
    assert status == 0, err
    exp = exposition.parse(pf.read_text())
    promtool_lint(pf.read_bytes())
    assert exp.get("clonetrace_failures_total", errno="EINVAL") == n
    assert exp.get("clonetrace_failures_total", errno="E2BIG") == big
    assert exp.get("clonetrace_failures_total", errno="EAGAIN") == 0
    assert total(exp, "clonetrace_failure_causes_total") == 0
    assert exp.get("clonetrace_up") == 0
    assert total(exp, "clonetrace_creations_total") == 0


# ---- causes: the tracer and top ----

@pytest.mark.parametrize("command", ["trace", "top"])
@pytest.mark.parametrize("limit,cause", [("pids", "pids_cgroup"),
                                         ("nproc", "rlimit_nproc")])
def test_failure_causes(tracer, command, limit, cause):
    """ct-an-limits makes one creation fail with EAGAIN at a limit and
    holds it there: that failure has the cause --why names, in the
    tracer's endpoint and in top's (read from its failing map)."""
    if limit == "pids" and not os.access(PIDS_V1, os.W_OK):
        pytest.skip("no writable v1 pids hierarchy")
    an = workload("ct-an-limits")
    args = ["--comm", "ct-an-limits", "-i", "0.2", "-o", "/dev/null"] \
        if command == "trace" else ["top", "-i", "0.2"]
    c = Collector(args)
    try:
        before = c.scrape()
        r = subprocess.run([an, limit, "3"], capture_output=True,
                           timeout=TIMEOUT)
        if r.returncode == 77:
            pytest.skip(r.stderr.decode())
        assert r.returncode == 0, r.stderr
        st = json.loads(r.stdout)
        assert st["errno"] == 11

        def delta(exp, name, **lb):
            return (exp.get(name, **lb) or 0) - (before.get(name, **lb) or 0)
        exp = c.wait_for(
            lambda e: delta(e, "clonetrace_failure_causes_total",
                            cause=cause) >= 1, "cause %s" % cause)
        assert delta(exp, "clonetrace_failure_causes_total",
                     cause=cause) == 1
        assert delta(exp, "clonetrace_failures_total", errno="EAGAIN") == 1
        for other in ("rlimit_nproc", "threads_max", "pids_cgroup",
                      "pid_max", "memory", "unknown", "undiagnosed"):
            if other != cause:
                assert delta(exp, "clonetrace_failure_causes_total",
                             cause=other) == 0, other
    finally:
        status, err = c.stop()
    assert status == 0, err


# ---- top: per cgroup, bounded, hostile names ----

def test_top_cgroup_counts_and_kinds(tracer, cgroups):
    """A storm in a cgroup of its own: its series counts exactly what
    it states; the machine's totals by kind grow by at least as much,
    by the syscall glibc and the raw calls use (ct-fork states them)."""
    cg = cgroups(b"ct-metrics.%d" % os.getpid())
    c = Collector(["top", "-i", "0.2"] + ALL_CGROUPS)
    try:
        before = c.scrape()
        st = json.loads(run_in_cgroup(cg, [workload("ct-an-storm"), "-t",
                                           "300", "-f", "40", "-v", "20"]))
        forks = statement(run_in_cgroup(cg, [workload("ct-fork")]))
        n = st["threads"] + st["processes"] + st["vforks"] + \
            forks[-1]["clones"]
        label = cgroup_label(b"ct-metrics.%d" % os.getpid())
        exp = c.wait_for(lambda e: e.get(
            "clonetrace_cgroup_creations_total", cgroup=label) == n,
            "cgroup %s: %d" % (label, n))
        assert exp.get("clonetrace_cgroup_failures_total",
                       cgroup=label) == 0
        want = {("thread", None): st["threads"],
                ("process", None): st["processes"],
                ("vfork", "vfork"): st["vforks"]}
        for e in forks:
            if e["expect"] == "clone":
                k = (e["kind"], e["syscall"])
                want[k] = want.get(k, 0) + 1
        for (kind, sc), count in want.items():
            lb = {"kind": kind} if sc is None else \
                {"kind": kind, "syscall": sc}
            grown = total(exp, "clonetrace_creations_total", **lb) - \
                total(before, "clonetrace_creations_total", **lb)
            assert grown >= count, (kind, sc, grown, count)
        # the kernel knows the syscall here (5.15+): none unknown
        assert total(exp, "clonetrace_creations_total",
                     syscall="unknown") == 0
    finally:
        status, err = c.stop()
    assert status == 0, err


def test_top_new_cgroups_named(tracer, cgroups):
    """Cgroups made while top runs, one every 100 ms, each creating at
    once: every series is labelled with its path, never "(id N)" (the
    label is fixed when the series starts)."""
    c = Collector(["top", "-i", "0.2"] + ALL_CGROUPS)
    try:
        names = [b"ct-new%d.%d" % (i, os.getpid()) for i in range(6)]
        for name in names:
            run_in_cgroup(cgroups(name), [workload("ct-fork")])
            time.sleep(0.1)
        labels = [cgroup_label(n) for n in names]
        exp = c.wait_for(lambda e: all(e.get(
            "clonetrace_cgroup_creations_total", cgroup=lb) == 6
            for lb in labels), "six new cgroups by their paths")
        assert not [lb for lb, _ in
                    exp.series("clonetrace_cgroup_creations_total")
                    if lb["cgroup"].startswith("(id ")], exp.series(
                        "clonetrace_cgroup_creations_total")
    finally:
        status, err = c.stop()
    assert status == 0, err


def test_top_cgroup_labels_hostile(tracer, cgroups):
    """Hostile cgroup names as label values: escaped as the exposition
    requires, printable, and two names that a careless escaping would
    merge keep two series; Prometheus' parser accepts the text format."""
    names = [CGNAME, b"ct-m\x01", b"ct-m\\x01", b'ct-m"q\\']
    paths = []
    for name in names:
        try:
            paths.append(cgroups(name))
        except OSError:
            pytest.skip("cannot create cgroup %r" % name)
    c = Collector(["top", "-i", "0.2"] + ALL_CGROUPS)
    try:
        for p in paths:
            run_in_cgroup(p, [workload("ct-fork")])
        labels = [cgroup_label(n) for n in names]
        assert len(set(labels)) == len(names)
        c.wait_for(lambda e: all(e.get(
            "clonetrace_cgroup_creations_total", cgroup=lb) == 6
            for lb in labels), "the hostile cgroups")
        st, hdr, body = c.request()
        promtool_lint(body)
        assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]", body)
        om = c.scrape(openmetrics=True)
        for lb in labels:
            assert om.get("clonetrace_cgroup_creations_total",
                          cgroup=lb) == 6
    finally:
        status, err = c.stop()
    assert status == 0, err


def test_top_cgroup_series_bounded(tracer, cgroups):
    """--metrics-cgroups 3: six cgroups creating at once get at most
    three series; what has no series is counted in "other"."""
    counts = [10, 20, 30, 40, 50, 60]
    paths = [cgroups(b"ct-bound%d.%d" % (i, os.getpid()))
             for i in range(len(counts))]
    c = Collector(["top", "-i", "2", "--metrics-cgroups", "3"])
    try:
        before = c.scrape()
        procs = []
        for p, n in zip(paths, counts):
            w = subprocess.Popen([workload("ct-an-storm"), "-w", "-f",
                                  str(n)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE)
            with open(os.path.join(p, b"cgroup.procs"), "w") as f:
                f.write(str(w.pid))
            procs.append(w)
        for w in procs:        # at once
            w.stdin.write(b"x")
            w.stdin.flush()
        for w in procs:
            w.communicate(timeout=TIMEOUT)
            assert w.returncode == 0
        mine = {cgroup_label(b"ct-bound%d.%d" % (i, os.getpid())): n
                for i, n in enumerate(counts)}

        def settled(exp):
            seen = sum(v for lb, v in
                       exp.series("clonetrace_cgroup_creations_total")
                       if lb["cgroup"] in mine)
            other = exp.get("clonetrace_cgroup_creations_total",
                            cgroup="other") - before.get(
                "clonetrace_cgroup_creations_total", cgroup="other")
            return seen + other >= sum(counts)
        exp = c.wait_for(settled, "all six cgroups counted")
        series = [lb["cgroup"] for lb, v in
                  exp.series("clonetrace_cgroup_creations_total")
                  if lb["cgroup"] != "other"]
        assert len(series) <= 3, series
        for lb, v in exp.series("clonetrace_cgroup_creations_total"):
            if lb["cgroup"] in mine:
                assert 0 < v <= mine[lb["cgroup"]], (lb, v)
        assert exp.get("clonetrace_cgroup_creations_total",
                       cgroup="other") > before.get(
            "clonetrace_cgroup_creations_total", cgroup="other")
    finally:
        status, err = c.stop()
    assert status == 0, err


# ---- the collector's health ----

def test_bpf_run_time(tracer):
    """With kernel.bpf_stats_enabled, each program's runs and run time;
    without, no such series."""
    sysctl = "/proc/sys/kernel/bpf_stats_enabled"
    old = open(sysctl).read().strip()
    try:
        with open(sysctl, "w") as f:
            f.write("0")
        c = Collector(["top", "-i", "0.2"])
        try:
            assert not c.scrape().series("clonetrace_bpf_runs_total")
            with open(sysctl, "w") as f:
                f.write("1")
            subprocess.run([workload("ct-fork")], capture_output=True,
                           check=True)
            exp = c.wait_for(lambda e: (e.get(
                "clonetrace_bpf_runs_total", program="top_newtask_btf")
                or 0) >= 6, "top_newtask_btf's runs")
            assert exp.get("clonetrace_bpf_run_time_seconds_total",
                           program="top_newtask_btf") > 0
            progs = {lb["program"] for lb, _ in
                     exp.series("clonetrace_bpf_runs_total")}
            assert {"top_exit_clone", "top_exit_clone3"} <= progs
        finally:
            status, err = c.stop()
        assert status == 0, err
    finally:
        with open(sysctl, "w") as f:
            f.write(old)


def test_hostile_clients_do_not_stall(tracer, tmp_path):
    """Idle connections, a client that trickles its request a byte
    every 50 ms and never ends it, one that pipelines 200 requests and
    never reads the answers: together 7 of the 8 connections an address
    may hold. The tracer still traces a workload exactly (checktrace),
    a scrape from a fresh client still works, and SIGINT still stops it
    at once."""
    out = tmp_path / "out.json"
    expect = tmp_path / "expect.json"
    c = Collector(["--json", "-o", str(out), "-i", "0.2"])
    socks = []
    done = threading.Event()

    def trickle(s):
        while not done.wait(0.05):
            try:
                s.send(b"x")
            except OSError:
                return
    try:
        for _ in range(5):          # idle: connected, nothing sent
            socks.append(socket.create_connection((c.host, c.port)))
        slow = socket.create_connection((c.host, c.port))
        slow.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        socks.append(slow)
        threading.Thread(target=trickle, args=(slow,), daemon=True).start()
        greedy = socket.socket()
        greedy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        greedy.connect((c.host, c.port))
        greedy.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" * 200)
        socks.append(greedy)
        assert c.scrape().get("clonetrace_up") == 1     # the 8th
        with open(expect, "wb") as f:
            r = subprocess.run([workload("ct-threads"), "500"], stdout=f,
                               stderr=subprocess.PIPE, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        exp = c.wait_for(lambda e: total(
            e, "clonetrace_creations_total", kind="thread") >= 500,
            "500 threads")
        assert exp.get("clonetrace_lost_events_total") == 0
        t0 = time.monotonic()
    finally:
        done.set()
        status, err = c.stop()
        for s in socks:
            s.close()
    assert time.monotonic() - t0 < 5
    assert status == 0, err
    assert check_trace(str(expect), str(out)) == 500


@pytest.mark.parametrize("raw,status", [
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
    (b"GET /metrics\r\n\r\n", 400),         # HTTP/0.9's request line
    (b"GET /metrics HTTP/3.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
])
def test_http_malformed_requests(tracer, raw, status):
    """A request that is not HTTP gets the HTTP error that says why,
    and the next client is served."""
    c = Collector(["top", "-i", "0.2"])
    try:
        with socket.create_connection((c.host, c.port), timeout=10) as s:
            s.sendall(raw)
            reply = b""
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        assert reply.split(b"\r\n")[0].split(b" ")[1] == b"%d" % status, \
            reply[:200]
        assert c.scrape().get("clonetrace_up") == 1
    finally:
        rc, err = c.stop()
    assert rc == 0, err


def client_hello():
    """The first flight of a TLS client: a ClientHello record."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


@pytest.mark.parametrize("raw", [
    b"garbage\r\n\r\n",
    bytes(range(11, 256)) * 4,             # binary, no line end
    "tls",
], ids=["garbage", "binary", "tls"])
def test_http_not_http_answered_at_once(tracer, raw):
    """Input that is not HTTP is answered with a 4xx or closed within
    2.5 s (the 1.5 s a request has to arrive whole), never held for the
    idle timeout; the next client is served."""
    if raw == "tls":
        raw = client_hello()
        assert raw[:1] == b"\x16"
    c = Collector(["top", "-i", "0.2"])
    try:
        with socket.create_connection((c.host, c.port), timeout=10) as s:
            t0 = time.monotonic()
            s.sendall(raw)
            reply = b""
            while True:
                try:
                    chunk = s.recv(4096)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                reply += chunk
            took = time.monotonic() - t0
        assert took < 2.5, (took, reply[:200])
        if reply:
            assert re.match(rb"HTTP/1\.[01] 40[08] ", reply), reply[:200]
        assert c.scrape().get("clonetrace_up") == 1
    finally:
        rc, err = c.stop()
    assert rc == 0, err


def test_trickling_addresses_do_not_blind(tracer):
    """24 connections from 127.0.0.2, .3 and .4 (8 each: more than the
    16 held at once) send a header line every 4 s and never end their
    request, reconnecting when closed. A scrape from 127.0.0.1 is still
    answered within 3 s, again and again, while they trickle."""
    c = Collector(["top", "-i", "0.2"])
    done = threading.Event()
    held = []

    def trickle(addr):
        while not done.is_set():
            s = socket.socket()
            try:
                s.bind((addr, 0))
                s.connect((c.host, c.port))
                held.append(s)
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
                n = 0
                while not done.wait(4):
                    s.sendall(b"X-Slow-%d: y\r\n" % n)
                    n += 1
            except OSError:
                done.wait(0.1)
            finally:
                s.close()
    threads = [threading.Thread(target=trickle, args=(a,), daemon=True)
               for a in ("127.0.0.2", "127.0.0.3", "127.0.0.4")
               for _ in range(8)]
    try:
        for t in threads:
            t.start()
        time.sleep(1)
        assert len(held) >= 16, len(held)
        end = time.monotonic() + 12
        scrapes = 0
        while time.monotonic() < end:
            t0 = time.monotonic()
            h = http.client.HTTPConnection(c.host, c.port, timeout=3)
            try:
                h.request("GET", "/metrics")
                r = h.getresponse()
                assert r.status == 200
                body = r.read()
            except OSError as e:
                pytest.fail("scrape %d during the trickle: %r after %.1f s"
                            % (scrapes + 1, e, time.monotonic() - t0))
            finally:
                h.close()
            assert time.monotonic() - t0 < 3
            assert b"clonetrace_up 1" in body
            scrapes += 1
            time.sleep(1.5)
        assert scrapes >= 5
    finally:
        done.set()
        for t in threads:
            t.join(10)
        rc, err = c.stop()
    assert rc == 0, err


# ---- the endpoint under the sanitizers ----

ASAN = os.path.join(REPO, "build", "clonetrace.asan")
SUPP = os.path.join(REPO, "tests", "valgrind.supp")


@pytest.mark.parametrize("tool", ["asan", "valgrind"])
def test_endpoint_memcheck(tracer, cgroups, tool):
    """top serving scrapes in both formats, errors and a hostile cgroup
    name under ASan/UBSan and under valgrind: no report, exit 0."""
    if tool == "asan":
        if not os.access(ASAN, os.X_OK):
            pytest.fail("no ASan build at %s (make asan)" % ASAN)
        env = dict(os.environ,
                   ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:"
                   "exitcode=98",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:"
                   "exitcode=98")
        c = Collector(["top", "-i", "0.2"] + ALL_CGROUPS, binary=ASAN,
                      env=env)
    else:
        if not os.access("/usr/bin/valgrind", os.X_OK):
            pytest.fail("valgrind is not installed "
                        "(tools/install-deps.sh --test)")
        c = Collector(["top", "-i", "0.2"] + ALL_CGROUPS, wrap=[
            "valgrind", "-q", "--suppressions=" + SUPP,
            "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect"])
    try:
        cg = cgroups(b"ct-m\"\\\x01.%d" % os.getpid())
        run_in_cgroup(cg, [workload("ct-fork")])
        for i in range(20):
            c.scrape(openmetrics=bool(i % 2))
            c.request("/nope")
            c.request("/metrics", "POST", body=b"x")
        with socket.create_connection((c.host, c.port)) as s:
            s.sendall(b"NOT HTTP\r\n\r\n")
            s.recv(4096)
        c.wait_for(lambda e: e.get("clonetrace_cgroup_creations_total",
                                   cgroup=cgroup_label(
                                       b"ct-m\"\\\x01.%d" % os.getpid()))
                   == 6, "the cgroup's 6 creations", timeout=60)
    finally:
        rc, err = c.stop()
    assert "AddressSanitizer" not in err and "runtime error" not in err \
        and "==ERROR" not in err, err
    assert rc == 0, err


# ---- refusals ----

def test_listen_port_in_use(tracer):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        for args in (["top"], ["-o", "/dev/null"]):
            r = subprocess.run([CLONETRACE] + args + ["--listen",
                                                      str(port)],
                               capture_output=True, timeout=TIMEOUT)
            assert r.returncode == 1
            assert r.stderr.decode().splitlines() == [
                "clonetrace: cannot listen on %d: Address already in use "
                "(give another port)" % port]
    finally:
        s.close()


def test_static_build_refuses_listen(tracer):
    """The static build (VM tests) has no endpoint and says so."""
    if not os.access(STATIC, os.X_OK):
        pytest.fail("no %s: make clonetrace.static" % STATIC)
    r = subprocess.run([STATIC, "top", "--listen", "9477", "-n", "1"],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 1
    assert r.stderr.decode().splitlines() == [
        "clonetrace: --listen 9477: this clonetrace is the static build, "
        "without the HTTP endpoint: use the dynamically linked "
        "clonetrace, or --prometheus FILE"]


@pytest.mark.parametrize("args,message", [
    (["top", "--metrics-cgroups", "0"], "clonetrace top: invalid "
     "--metrics-cgroups '0': expected an integer from 1 to 1000"),
    (["top", "--metrics-cgroups", "1001"], "clonetrace top: invalid "
     "--metrics-cgroups '1001': expected an integer from 1 to 1000"),
    (["--metrics-cgroups", "5"], "clonetrace: unrecognized option "
     "'--metrics-cgroups'")])
def test_metrics_cgroups_usage(binary, args, message):
    """top's --metrics-cgroups is bounded; the tracer, which has no
    cgroup series, does not take it."""
    r = subprocess.run(unprivileged([binary] + args), capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 2
    assert r.stderr.decode().splitlines()[0] == message


@pytest.mark.parametrize("value", [":9477", "9477x", "70000", "-1",
                                   "1.2.3.4.5:80", "example.com:80",
                                   "[::1]", "::1:80", "[zz]:80", "",
                                   " 9477", "127.0.0.1: 80", "+80"])
@pytest.mark.parametrize("command", [[], ["top"]])
def test_listen_usage(binary, command, value):
    r = subprocess.run(unprivileged([binary] + command +
                                    ["--listen", value]),
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 2
    lines = r.stderr.decode().splitlines()
    assert len(lines) == 1 and "--listen '%s'" % value in lines[0], lines


def test_oldest_waiting_client_evicted(tracer):
    """17 connections held (4 addresses, under the per-address limit),
    none sending a whole request: the 17th closes the oldest at once
    (within 0.5 s, before the 1.5 s a request has to arrive in); the 16
    others stay open."""
    c = Collector(["top", "-i", "0.2"])
    socks = []
    try:
        for i in range(17):
            s = socket.socket()
            s.bind(("127.0.0.%d" % (2 + i % 4), 0))
            s.connect((c.host, c.port))
            s.sendall(b"GET /metrics HTTP/1.1\r\n")
            s.settimeout(0.5)
            socks.append(s)
            if i == 0:
                time.sleep(0.3)     # the oldest, by far
        t0 = time.monotonic()
        try:
            first = socks[0].recv(100)
        except socket.timeout:
            first = None
        assert first == b"", "the oldest not closed within 0.5 s: %r" % first
        assert time.monotonic() - t0 < 0.5
        for s in socks[1:]:
            s.setblocking(False)
            try:
                got = s.recv(100)
            except BlockingIOError:
                continue
            pytest.fail("a younger connection closed too: %r" % got)
    finally:
        for s in socks:
            s.close()
        rc, err = c.stop()
    assert rc == 0, err
