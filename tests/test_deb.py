# SPDX-License-Identifier: GPL-2.0
"""The Debian packages (debian/, `make deb`; docs/HACKING.md).

- the version is in one place: the file VERSION, which `clonetrace
  --version`, dkms.conf, the man page and debian/changelog's upstream
  version all say; the package Recommends the library --listen dlopen()s;
- `make deb` builds clonetrace and clonetrace-dkms, and lintian finds
  nothing to say about them (no error, no warning; overrides only with a
  comment saying why);
- in a fresh debootstrapped Debian 12 root that sees this kernel
  (tools/debroot.sh; the base cached in /var/cache/clonetrace/deb-root):
  `apt-get install ./clonetrace_*.deb` pulls what it needs; the installed
  clonetrace traces (`--version`, `-c`), serves /metrics with
  libmicrohttpd12 and says what to install without it; the service is
  installed disabled; remove keeps the conffile, purge leaves nothing
  behind; an upgrade to a later build keeps a changed conffile, without
  asking; clonetrace-dkms installs (its postinst runs without kernel
  headers: DKMS adds the source, builds nothing) and purges clean.
  DKMS building the module on Debian's kernels is tools/vmtest's.
"""

import fcntl
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import REPO, TIMEOUT, unprivileged

DEBROOT = os.path.join(REPO, "tools", "debroot.sh")
WORK = os.path.join(REPO, "build", "deb-test")
CACHE = "/var/cache/clonetrace/deb-root"
SUITE = "bookworm"
BUILD_TIMEOUT = 1200            # one dpkg-buildpackage, on a loaded machine
APT_TIMEOUT = 600               # one apt-get in the root
CONFFILE = "/etc/default/clonetrace-exporter"
UNIT = "/lib/systemd/system/clonetrace-exporter.service"
UPGRADE_SUFFIX = "+upgradetest1"


def read(*path):
    with open(os.path.join(REPO, *path)) as f:
        return f.read()


VERSION = read("VERSION").strip()


# ---- the version in one place (no privilege needed) ----

def test_version_one_source(binary):
    """VERSION is the version; every other place says the same."""
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION
    assert re.search(r'^PACKAGE_VERSION="%s"$' % re.escape(VERSION),
                     read("dkms.conf"), re.M), \
        "dkms.conf's PACKAGE_VERSION is not VERSION's %s" % VERSION
    th = [ln for ln in read("docs", "clonetrace.8").splitlines()
          if ln.startswith(".TH ")][0]
    assert '"clonetrace %s"' % VERSION in th, th
    first = read("debian", "changelog").splitlines()[0]
    m = re.match(r"clonetrace \((?:\d+:)?([^)-]+)-[^)]+\) ", first)
    assert m and m.group(1) == VERSION, \
        "debian/changelog's upstream version is not VERSION's: " + first
    for cmd in ([], ["top"]):
        r = subprocess.run(unprivileged([binary] + cmd + ["--version"]),
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert (r.returncode, r.stdout) == (0, "clonetrace %s\n" % VERSION)


def test_recommends_what_listen_loads():
    """--listen dlopen()s libmicrohttpd.so.12 and, without it, says to
    install libmicrohttpd12: the package Recommends that package."""
    http = read("userspace", "http.c")
    assert '#define MHD_SONAME\t"libmicrohttpd.so.12"' in http
    assert "apt-get install libmicrohttpd12" in http
    control = read("debian", "control")
    stanza = control.split("\nPackage: clonetrace\n")[1].split("\n\n")[0]
    assert re.search(r"^Recommends:.*\blibmicrohttpd12\b", stanza, re.M)
    assert "${shlibs:Depends}" in stanza and "${misc:Depends}" in stanza


# ---- building ----

def need_root():
    if os.geteuid() != 0:
        pytest.skip("building and installing packages needs root")


def need(tool, package):
    if not shutil.which(tool):
        pytest.fail("%s is not installed (Debian package %s): "
                    "tools/install-deps.sh --test installs it"
                    % (tool, package))


def copy_tree(dst):
    """The source tree as `make deb` copies it: git's files (tracked and
    untracked, not ignored), or everything but build/ outside git."""
    os.makedirs(dst)
    git = None
    if shutil.which("git") and os.path.exists(os.path.join(REPO, ".git")):
        git = subprocess.run(["git", "-C", REPO, "ls-files", "-z",
                              "--cached", "--others", "--exclude-standard"],
                             capture_output=True)
    if git and git.returncode == 0:
        for f in git.stdout.decode().split("\0"):
            src = os.path.join(REPO, f)
            if f and os.path.lexists(src):
                os.makedirs(os.path.dirname(os.path.join(dst, f)),
                            exist_ok=True)
                shutil.copy2(src, os.path.join(dst, f), follow_symlinks=False)
    else:
        shutil.copytree(REPO, dst, symlinks=True, dirs_exist_ok=True,
                        ignore=lambda d, n: ["build"] if d == REPO else [])


def make_deb(tree):
    r = subprocess.run(["make", "-s", "-C", tree, "deb"],
                       capture_output=True, text=True,
                       timeout=BUILD_TIMEOUT)
    assert r.returncode == 0, r.stdout + r.stderr
    return os.path.join(tree, "build", "deb")


@pytest.fixture(scope="module")
def debs():
    """{'x': dir, 'x1': dir}: make deb on a copy of this tree (version X),
    and on another copy whose debian/changelog has one more entry
    (X+1, a test-only bump)."""
    need_root()
    need("dpkg-buildpackage", "dpkg-dev")
    need("dh", "debhelper")
    need("dh_dkms", "dh-dkms")
    shutil.rmtree(WORK, ignore_errors=True)
    out = {}
    for name in ("x", "x1"):
        tree = os.path.join(WORK, "tree-" + name)
        copy_tree(tree)
        if name == "x1":
            path = os.path.join(tree, "debian", "changelog")
            with open(path) as f:
                old = f.read()
            ver = re.match(r"clonetrace \(([^)]+)\)", old).group(1)
            with open(path, "w") as f:
                f.write("clonetrace (%s%s) unstable; urgency=medium\n\n"
                        "  * Test-only rebuild (tests/test_deb.py).\n\n"
                        " -- clonetrace maintainers <maintainers@users."
                        "noreply.r-seed-2eca8414.example>  Tue, 08 Dec 2026 "
                        "04:00:00 +0000\n\n%s" % (ver, UPGRADE_SUFFIX, old))
        out[name] = make_deb(tree)
    yield out
    shutil.rmtree(WORK, ignore_errors=True)


def deb(dirname, package):
    names = [f for f in os.listdir(dirname)
             if f.startswith(package + "_") and f.endswith(".deb")]
    assert len(names) == 1, os.listdir(dirname)
    return os.path.join(dirname, names[0])


def test_make_deb_and_lintian(debs):
    """make deb leaves both packages in build/deb/ (with the version of
    VERSION); lintian reports no error and no warning on either."""
    need("lintian", "lintian")
    pkgs = [deb(debs["x"], "clonetrace"), deb(debs["x"], "clonetrace-dkms")]
    assert os.path.basename(pkgs[0]).startswith("clonetrace_%s-" % VERSION)
    assert os.path.basename(pkgs[1]).startswith(
        "clonetrace-dkms_%s-" % VERSION)
    r = subprocess.run(["lintian", "--fail-on", "error,warning"] + pkgs,
                       capture_output=True, text=True, timeout=600)
    tags = [ln for ln in r.stdout.splitlines() if re.match(r"[EW]: ", ln)]
    assert (r.returncode, tags) == (0, []), r.stdout + r.stderr
    # what each ships, where
    files = subprocess.run(["dpkg-deb", "-c", pkgs[0]], capture_output=True,
                           text=True, check=True).stdout
    for path in ("./usr/sbin/clonetrace", "./usr/share/man/man8/clonetrace.8.gz",
                 "." + UNIT, "." + CONFFILE,
                 "./usr/share/clonetrace/clonetrace.rules.yml"):
        assert re.search(r" %s$" % re.escape(path), files, re.M), path
    conffiles = subprocess.run(["dpkg-deb", "-f", pkgs[0], "Recommends"],
                               capture_output=True, text=True).stdout
    assert "libmicrohttpd12" in conffiles
    files = subprocess.run(["dpkg-deb", "-c", pkgs[1]], capture_output=True,
                           text=True, check=True).stdout
    src = "./usr/src/clonetrace-%s/" % VERSION
    for f in ("dkms.conf", "Kbuild", "kmod/ct_main.c", "kmod/clonetrace.h"):
        assert re.search(r" %s$" % re.escape(src + f), files, re.M), f


# ---- installing in a fresh Debian 12 ----

@pytest.fixture(scope="module")
def root(debs):
    """A fresh minimal Debian 12 root (the debootstrapped base cached as a
    tarball for a week), with apt's lists, the packages under /debs."""
    need("debootstrap", "debootstrap")
    os.makedirs(CACHE, exist_ok=True)
    base = os.path.join(CACHE, SUITE + "-minbase.tar")
    with open(os.path.join(CACHE, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(base) or \
                time.time() - os.path.getmtime(base) > 7 * 86400:
            tmp = os.path.join(CACHE, "tmp-root")
            shutil.rmtree(tmp, ignore_errors=True)
            subprocess.run([DEBROOT, "create", SUITE, tmp], check=True,
                           timeout=1800)
            subprocess.run(["tar", "-C", tmp, "-cf", base + ".new", "."],
                           check=True)
            os.rename(base + ".new", base)
            shutil.rmtree(tmp)
    path = os.path.join(WORK, "root")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    subprocess.run(["tar", "-C", path, "-xf", base], check=True)
    r = Root(path, debs)
    r.sh("apt-get -q update", timeout=APT_TIMEOUT)
    yield r
    shutil.rmtree(path, ignore_errors=True)


class Root:
    def __init__(self, path, debs):
        self.path = path
        self.debs = debs

    def argv(self, script):
        return [DEBROOT, "run", self.path,
                "--bind", "%s:/debs" % WORK, "--",
                "/bin/sh", "-c", "export DEBIAN_FRONTEND=noninteractive\n"
                + script]

    def sh(self, script, ok=True, timeout=TIMEOUT):
        r = subprocess.run(self.argv(script), capture_output=True,
                           text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        if ok:
            assert r.returncode == 0, "%s: %s%s" % (script, r.stdout,
                                                    r.stderr)
        return r

    def deb(self, which, package):
        host = deb(self.debs[which], package)
        return "/debs" + host[len(WORK):]

    def exists(self, path):
        return os.path.lexists(self.path + path)

    def installed(self, package):
        r = self.sh("dpkg-query -W -f '${db:Status-Abbrev}' " + package,
                    ok=False)
        return r.stdout.strip() if r.returncode == 0 else None

    def purge(self, *packages):
        self.sh("apt-get -q -y purge %s && apt-get -q -y autoremove --purge"
                % " ".join(packages), timeout=APT_TIMEOUT)

    def files(self):
        """Every path in the root but the package manager's own state,
        caches, logs and scratch directories."""
        skip = {"proc", "sys", "dev", "run", "tmp", "root", "debs",
                "var/cache", "var/log", "var/lib/apt", "var/lib/dpkg",
                "var/tmp", "etc/ld.so.cache"}
        out = set()
        for d, dirs, files in os.walk(self.path):
            rel = os.path.relpath(d, self.path)
            rel = "" if rel == "." else rel
            dirs[:] = [x for x in dirs
                       if os.path.join(rel, x) not in skip]
            for f in dirs + files:
                p = os.path.join(rel, f)
                if p not in skip:
                    out.add("/" + p)
        return out


def serve_once(root):
    """clonetrace top --listen 127.0.0.1:0 in the root (which shares this
    network namespace), scraped from here: (status, body)."""
    proc = subprocess.Popen(root.argv(
        "exec clonetrace top -v --listen 127.0.0.1:0 -i 1 -n 8"),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        url, seen = None, []
        for line in proc.stderr:
            seen.append(line)
            m = re.search(r"serving metrics at (http://\S+/metrics)", line)
            if m:
                url = m.group(1)
                break
        assert url, "".join(seen)
        # 503 "not counting yet" until the first interval's snapshot
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                if e.code != 503 or time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
    finally:
        proc.kill()
        proc.wait(timeout=TIMEOUT)


def test_install_run_remove_purge(root):
    """apt-get install ./clonetrace_*.deb on a fresh Debian 12 pulls its
    dependencies; clonetrace runs; --listen serves with libmicrohttpd12
    and says what to install without it; the service is installed
    disabled; remove keeps the conffile; purge leaves nothing behind."""
    if root.installed("clonetrace"):
        root.purge("clonetrace")
    before = root.files()
    r = root.sh("apt-get -q -y install " + root.deb("x", "clonetrace"),
                timeout=APT_TIMEOUT)
    for dep in ("libbpf1", "libmicrohttpd12"):
        assert root.installed(dep) == "ii", (dep, r.stdout)
    assert root.installed("clonetrace") == "ii"

    r = root.sh("clonetrace --version")
    assert r.stdout == "clonetrace %s\n" % VERSION
    r = root.sh("clonetrace -c 'sh -c \"true & wait\"'")
    assert re.search(r"^\S+\s+sh\s+\d+\s+\d+\s+\d+\s+\d+\s+process\s",
                     r.stdout, re.M), r.stdout + r.stderr
    r = root.sh("man -w clonetrace 2>/dev/null || "
                "ls /usr/share/man/man8/clonetrace.8.gz")
    assert "clonetrace.8" in r.stdout
    assert root.exists("/usr/share/clonetrace/clonetrace.rules.yml")
    with open(root.path + UNIT) as f:
        assert "ExecStart=/usr/sbin/clonetrace top" in f.read()
    # installed, not enabled: no symlink in a .wants directory
    r = root.sh("find /etc/systemd -name clonetrace-exporter.service")
    assert r.stdout == ""

    status, body = serve_once(root)
    assert status == 200
    assert re.search(r'^clonetrace_info\{command="top",mode="\w+",'
                     r'version="%s"\} 1$' % re.escape(VERSION), body, re.M)
    r = root.sh("dpkg -S libmicrohttpd.so.12")
    assert r.stdout.startswith("libmicrohttpd12:")

    # without the recommended library: one line saying what to install
    root.sh("apt-get -q -y remove libmicrohttpd12", timeout=APT_TIMEOUT)
    assert root.installed("clonetrace") == "ii"
    r = root.sh("clonetrace top --listen 127.0.0.1:0 -n 1", ok=False)
    assert r.returncode != 0
    assert re.fullmatch(r"clonetrace: --listen needs libmicrohttpd\.so\.12 "
                        r"\(Debian: apt-get install libmicrohttpd12\): .*\n",
                        r.stderr), r.stderr

    root.sh("apt-get -q -y remove clonetrace", timeout=APT_TIMEOUT)
    assert root.installed("clonetrace") == "rc"
    assert not root.exists("/usr/sbin/clonetrace")
    assert not root.exists(UNIT)
    assert root.exists(CONFFILE)

    root.sh("apt-get -q -y purge clonetrace", timeout=APT_TIMEOUT)
    r = root.sh("dpkg -L clonetrace", ok=False)
    assert r.returncode != 0 and r.stdout == "", r.stdout
    assert root.installed("clonetrace") is None
    assert not root.exists(CONFFILE)
    root.sh("apt-get -q -y autoremove --purge", timeout=APT_TIMEOUT)
    assert root.files() ^ before == set()


def test_upgrade_keeps_changed_conffile(root):
    """X installed, its conffile changed by the administrator, X+1
    installed over it without any answer on stdin: the change is kept,
    no .dpkg-dist beside it, the new version runs."""
    if root.installed("clonetrace"):
        root.purge("clonetrace")
    root.sh("apt-get -q -y install " + root.deb("x", "clonetrace"),
            timeout=APT_TIMEOUT)
    old = root.sh("dpkg-query -W -f '${Version}' clonetrace").stdout
    with open(root.path + CONFFILE, "a") as f:
        f.write("CLONETRACE_LISTEN=0.0.0.0:9477\n")
    with open(root.path + CONFFILE) as f:
        changed = f.read()
    root.sh("apt-get -q -y install " + root.deb("x1", "clonetrace"),
            timeout=APT_TIMEOUT)
    new = root.sh("dpkg-query -W -f '${Version}' clonetrace").stdout
    assert new == old + UPGRADE_SUFFIX
    with open(root.path + CONFFILE) as f:
        assert f.read() == changed
    leftovers = [f for f in os.listdir(root.path + "/etc/default")
                 if f.startswith("clonetrace-exporter.")]
    assert leftovers == []
    assert root.sh("clonetrace --version").stdout == \
        "clonetrace %s\n" % VERSION
    root.purge("clonetrace")
    assert not root.exists(CONFFILE)


def test_dkms_package_installs_and_purges(root):
    """clonetrace-dkms on a machine without kernel headers: its postinst
    (DKMS's, then ours for the other kernels) runs, DKMS has the source
    added for the package's version; purge removes the source and DKMS's
    tree. (Building the module: tools/vmtest, on Debian's kernels.)"""
    if root.installed("clonetrace-dkms"):
        root.purge("clonetrace-dkms")
    root.sh("apt-get -q -y install --no-install-recommends "
            + root.deb("x", "clonetrace-dkms"), timeout=APT_TIMEOUT)
    src = "/usr/src/clonetrace-%s" % VERSION
    assert root.exists(src + "/dkms.conf")
    r = root.sh("dkms status clonetrace")
    assert r.stdout.startswith("clonetrace/%s: added" % VERSION), r.stdout
    root.purge("clonetrace-dkms")
    assert not root.exists(src)
    assert not root.exists("/var/lib/dkms/clonetrace")
