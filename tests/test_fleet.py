# SPDX-License-Identifier: GPL-2.0
"""The fleet (docs/FLEET.md): the service unit, the alert rules, and a
real Prometheus scraping clonetrace.

- fleet/clonetrace-exporter.service as "make install" writes it passes
  systemd-analyze verify;
- fleet/clonetrace.rules.yml passes promtool check rules and promtool
  test rules (clonetrace.rules.test.yml);
- end to end: the installed clonetrace, started with the unit's command
  line, as an unprivileged user holding only the unit's capabilities,
  serves /metrics and writes a node_exporter textfile; Debian's
  prometheus scrapes the endpoint, and Debian's node_exporter reads the
  textfile with its textfile collector and is scraped too; a known storm
  in a cgroup of its own and a known pids.max refusal are run; the
  series are read back from Prometheus' HTTP API and compared with what
  the workloads stated. Everything listens on loopback, on ports chosen
  here, and is stopped by the test.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from conftest import REPO, TIMEOUT, unprivileged, workload
from test_metrics import CGROUP2, PIDS_V1, Collector, run_in_cgroup, \
    statement

FLEET = os.path.join(REPO, "fleet")
UNIT = "clonetrace-exporter.service"
RULES = os.path.join(FLEET, "clonetrace.rules.yml")
RULES_TEST = os.path.join(FLEET, "clonetrace.rules.test.yml")
SCRAPE_S = 1            # Prometheus' scrape and evaluation interval
INTERVAL_S = 0.5        # the collector's -i
# the whole end-to-end test, from starting the servers to stopping them
E2E_BUDGET_S = 120


def need(tool):
    path = shutil.which(tool)
    if not path:
        pytest.fail("%s is not installed: tools/install-deps.sh --test "
                    "installs it" % tool)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def installed():
    """make install PREFIX=a fresh directory: (prefix, unit path)."""
    prefix = tempfile.mkdtemp(prefix="ct-fleet-")
    os.chmod(prefix, 0o755)
    r = subprocess.run(["make", "-s", "-C", REPO, "install",
                        "PREFIX=" + prefix], capture_output=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    unit = os.path.join(prefix, "lib", "systemd", "system", UNIT)
    yield prefix, unit
    shutil.rmtree(prefix)


def unit_settings(unit):
    """{key: [values]} of the unit's [Service] section."""
    out, section = {}, None
    with open(unit) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line
                continue
            if section == "[Service]":
                k, v = line.split("=", 1)
                out.setdefault(k, []).append(v)
    return out


def unit_command(unit, env):
    """ExecStart with the unit's Environment= overridden by env,
    expanded as systemd does (${X}: one word; $X: split on spaces)."""
    s = unit_settings(unit)
    values = dict(v.split("=", 1) for v in s.get("Environment", []))
    values.update(env)
    words = []
    for w in shlex.split(s["ExecStart"][0]):
        m = re.fullmatch(r"\$\{(\w+)\}|\$(\w+)", w)
        if m and m.group(1):
            words.append(values[m.group(1)])
        elif m:
            words += values[m.group(2)].split()
        else:
            words.append(w)
    return words


def unit_capabilities(unit):
    s = unit_settings(unit)
    amb = s["AmbientCapabilities"][0].split()
    assert s["CapabilityBoundingSet"][0].split() == amb
    return [c[len("CAP_"):].lower() for c in amb]


# ---- the unit and the rules, checked by their own tools ----

def test_unit_installed_and_verified(installed):
    """make install writes the unit with ExecStart naming the installed
    binary, and systemd-analyze verify finds nothing to say about it
    (a warning, such as an unknown key, fails too)."""
    prefix, unit = installed
    need("systemd-analyze")
    words = unit_command(unit, {})
    assert words[0] == os.path.join(prefix, "sbin", "clonetrace")
    assert os.access(words[0], os.X_OK)
    assert words[1:4] == ["top", "--listen", "127.0.0.1:9477"]
    s = unit_settings(unit)
    assert s["NoNewPrivileges"] == ["yes"]
    assert s["ProtectSystem"] == ["strict"]
    assert s["DynamicUser"] == ["yes"]
    # without man-db in a fresh root, the Documentation= check is not
    # ours to make: --man=no; the man page is installed all the same
    assert os.path.exists(os.path.join(prefix, "share", "man", "man8",
                                       "clonetrace.8"))
    r = subprocess.run(["systemd-analyze", "verify", "--man=no", unit],
                       capture_output=True, timeout=TIMEOUT,
                       cwd=os.path.dirname(unit))
    assert (r.returncode, r.stdout + r.stderr) == (0, b""), \
        r.stderr.decode()


def test_rules_check_and_test():
    """promtool check rules and promtool test rules (the synthetic
    series of clonetrace.rules.test.yml)."""
    need("promtool")
    r = subprocess.run(unprivileged(["promtool", "check", "rules", RULES]),
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    assert b"SUCCESS: 5 rules found" in r.stdout, r.stdout
    r = subprocess.run(unprivileged(["promtool", "test", "rules",
                                     RULES_TEST]),
                       capture_output=True, timeout=TIMEOUT, cwd=FLEET)
    assert r.returncode == 0, r.stdout.decode() + r.stderr.decode()
    assert b"SUCCESS" in r.stdout


# ---- end to end ----

class Server:
    """A server process on loopback, stopped at the end."""

    def __init__(self, argv, port, ready_path, log):
        self.port = port
        self.log = log
        self.proc = subprocess.Popen(argv, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url(ready_path),
                                            timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log.seek(0)
                pytest.fail("%s did not get ready: %s" % (
                    argv[0], log.read().decode(errors="replace")[-2000:]))
            time.sleep(0.2)

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Prometheus(Server):
    def query(self, expr, at=None):
        """[(labels, value)] of an instant query."""
        q = {"query": expr}
        if at is not None:
            q["time"] = "%.3f" % at
        with urllib.request.urlopen(self.url("/api/v1/query?" +
                                             urllib.parse.urlencode(q)),
                                    timeout=10) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return [(s["metric"], float(s["value"][1]))
                for s in body["data"]["result"]]

    def value(self, expr, at=None):
        res = self.query(expr, at)
        assert len(res) <= 1, (expr, res)
        return res[0][1] if res else None

    def wait(self, expr, check, what, timeout=30):
        end = time.monotonic() + timeout
        while True:
            v = self.value(expr)
            if v is not None and check(v):
                return v
            if time.monotonic() > end:
                pytest.fail("%s: %s is %r after %d s" % (what, expr, v,
                                                         timeout))
            time.sleep(0.25)

    def api(self, path):
        with urllib.request.urlopen(self.url(path), timeout=10) as r:
            return json.load(r)["data"]


def series_ids(prom, job):
    """The clonetrace series of a job, without job and instance."""
    out = set()
    for labels, _ in prom.query('{__name__=~"clonetrace_.*",job="%s"}'
                                % job):
        out.add(tuple(sorted((k, v) for k, v in labels.items()
                             if k not in ("job", "instance"))))
    return out


def test_prometheus_end_to_end(tracer, installed, tmp_path):
    """The collector as the unit runs it, scraped by Prometheus directly
    and through node_exporter's textfile collector; a storm in a cgroup
    and a pids.max refusal read back from Prometheus' API."""
    prometheus = need("prometheus")
    node_exporter = need("prometheus-node-exporter")
    if not os.access(PIDS_V1, os.W_OK):
        pytest.fail("no writable v1 pids hierarchy at %s" % PIDS_V1)
    t_start = time.monotonic()
    prefix, unit = installed
    # the textfile directory, written by the collector's user (nobody)
    textdir = tempfile.mkdtemp(prefix="ct-textfile-")
    os.chmod(textdir, 0o777)
    textfile = os.path.join(textdir, "clonetrace.prom")
    caps = ",".join("+" + c for c in unit_capabilities(unit))
    argv = unit_command(unit, {
        "CLONETRACE_LISTEN": "127.0.0.1:0",
        "CLONETRACE_OPTS": "-i %s --prometheus %s --metrics-cgroups 1000" %
        (INTERVAL_S, textfile)})
    wrap = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "--inh-caps=-all," + caps, "--ambient-caps=-all," + caps,
            "--bounding-set=-all," + caps, "--no-new-privs"]
    servers = []
    cg = os.path.join(CGROUP2.encode(), b"ct-fleet.%d" % os.getpid())
    os.mkdir(cg)
    log = open(tmp_path / "servers.log", "w+b")
    c = Collector(argv[1:], exact=True, binary=argv[0], wrap=wrap)
    try:
        # the node_exporter textfile collector on the collector's file
        nport = free_port()
        node = Server([node_exporter, "--collector.disable-defaults",
                       "--collector.textfile",
                       "--collector.textfile.directory=" + textdir,
                       "--web.listen-address=127.0.0.1:%d" % nport],
                      nport, "/metrics", log)
        servers.append(node)
        # Prometheus scraping both, with the example rules loaded
        rules = tmp_path / "clonetrace.rules.yml"
        shutil.copy(RULES, rules)
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n"
            "  scrape_interval: %ds\n"
            "  evaluation_interval: %ds\n"
            "rule_files: [%s]\n"
            "scrape_configs:\n"
            "  - job_name: clonetrace\n"
            "    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
            "  - job_name: node\n"
            "    static_configs: [{targets: ['127.0.0.1:%d']}]\n" %
            (SCRAPE_S, SCRAPE_S, rules, c.port, nport))
        r = subprocess.run(["promtool", "check", "config", str(config)],
                           capture_output=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stdout + r.stderr
        pport = free_port()
        prom = Prometheus([prometheus, "--config.file=%s" % config,
                           "--storage.tsdb.path=%s" % (tmp_path / "tsdb"),
                           "--web.listen-address=127.0.0.1:%d" % pport],
                          pport, "/-/ready", log)
        servers.append(prom)

        # both targets up; the collector attached, counting failures
        for job in ("clonetrace", "node"):
            prom.wait('up{job="%s"}' % job, lambda v: v == 1, job + " up")
        prom.wait('clonetrace_up{job="clonetrace"}', lambda v: v == 1,
                  "clonetrace_up")
        prom.wait('clonetrace_up{job="node"}', lambda v: v == 1,
                  "clonetrace_up through the textfile")
        assert prom.value('node_textfile_scrape_error{job="node"}') == 0
        assert prom.query('clonetrace_failure_causes_total'
                          '{job="clonetrace",cause="pids_cgroup"}'), \
            "no failures counted with the unit's capabilities"
        info = prom.query('clonetrace_info{job="clonetrace"}')
        assert [lb["command"] for lb, _ in info] == ["top"]

        cause = 'clonetrace_failure_causes_total{job="%s",' \
            'cause="pids_cgroup"}'
        before = {j: prom.value(cause % j) for j in ("clonetrace", "node")}
        label = "/ct-fleet.%d" % os.getpid()

        # a known storm in a cgroup of its own
        st = json.loads(run_in_cgroup(cg, [workload("ct-an-storm"), "-t",
                                           "300", "-f", "40", "-v", "20"]))
        forks = statement(run_in_cgroup(cg, [workload("ct-fork")]))
        n = st["threads"] + st["processes"] + st["vforks"] + \
            forks[-1]["clones"]
        # a known pids.max refusal, by a process of the same cgroup (v2;
        # the limit is a v1 pids cgroup): the cgroup's own failure
        # series says it exactly, whatever else runs on the machine
        lim = json.loads(run_in_cgroup(cg, [workload("ct-an-limits"),
                                            "pids", "3"]))
        assert lim["errno"] == 11
        n += lim["created"]
        t_done = time.time()

        # Every scrape from one collector interval and one scrape
        # interval (and a second of slack) after the workloads ended
        # has the final values: read them at that time.
        settled = t_done + INTERVAL_S + SCRAPE_S + 1
        cgsel = 'clonetrace_cgroup_creations_total{job="%s",cgroup="%s"}'
        for job in ("clonetrace", "node"):
            prom.wait('timestamp(%s)' % (cgsel % (
                job, label)), lambda v: v >= settled + SCRAPE_S,
                "a %s scrape after %.1f" % (job, settled))
            at = settled + SCRAPE_S
            got = (prom.value(cgsel % (job, label), at=at), prom.value(
                'clonetrace_cgroup_failures_total{job="%s",cgroup="%s"}' %
                (job, label), at=at), prom.value(cause % job, at=at) -
                before[job])
            # the cause counts the machine's pids.max refusals: ours, and
            # any other test's running at the same time
            assert got[:2] == (n, 1) and got[2] >= 1, \
                "%s: (created, failed, pids_cgroup refusals) %r, " \
                "want (%d, 1, >= 1)" % (job, got, n)
        # the storm as Prometheus' increase() sees it, in a series that
        # existed before (a cgroup's series starts with its first
        # interval's count, which increase() cannot see: docs/FLEET.md)
        assert prom.value('sum(increase(clonetrace_creations_total{'
                          'job="clonetrace",kind="thread"}[2m]))') >= \
            st["threads"]

        # one set of names and labels in the endpoint and the textfile
        ids = series_ids(prom, "clonetrace")
        assert ids == series_ids(prom, "node")
        assert {dict(i)["__name__"] for i in ids} >= {
            "clonetrace_creations_total", "clonetrace_failures_total",
            "clonetrace_failure_causes_total", "clonetrace_lost_events_total",
            "clonetrace_cgroup_creations_total",
            "clonetrace_cgroup_failures_total", "clonetrace_up",
            "clonetrace_info", "clonetrace_last_update_timestamp_seconds"}
        assert prom.value('clonetrace_lost_events_total{job="clonetrace"}') \
            == 0

        # the example rules loaded and evaluated without error
        groups = prom.api("/api/v1/rules")["groups"]
        evaluated = [r for g in groups for r in g["rules"]
                     if r["health"] == "ok" and
                     not r["lastEvaluation"].startswith("0001")]
        assert len(evaluated) == 5, groups

        # the unit stops with SIGTERM: the textfile says up 0, the
        # endpoint is gone
        status, err = c.stop(signal.SIGTERM)
        assert status == 0, err
        prom.wait('clonetrace_up{job="node"}', lambda v: v == 0,
                  "clonetrace_up 0 through the textfile")
        prom.wait('up{job="clonetrace"}', lambda v: v == 0,
                  "the endpoint gone")
    finally:
        c.stop()
        for s in reversed(servers):
            s.stop()
        log.close()
        shutil.rmtree(textdir)
        deadline = time.monotonic() + 10
        while True:
            try:
                os.rmdir(cg)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    assert time.monotonic() - t_start < E2E_BUDGET_S
