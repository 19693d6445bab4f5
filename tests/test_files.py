# SPDX-License-Identifier: GPL-2.0
"""The files clonetrace writes as root, next to users who may be hostile.

clonetrace runs as root and writes files the user names: -o, -w, --dot
and the textfile of --prometheus, whose directory (node_exporter's
textfile directory) is often writable by others. Another user who can
write in that directory must not be able to choose what root writes:
no name they can guess or plant may redirect a write (docs/SECURITY.md).
Each test plants, as nobody, what an attacker would, and checks that
the victim file is untouched and the output went where it should, or
was refused with a message saying why.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import NOBODY, TIMEOUT, unprivileged, wait_ready

PRECIOUS = b"precious: root's file, not to be overwritten\n"


@pytest.fixture
def shared_dir():
    """A directory everyone can write, as the node_exporter textfile
    directory or a spool may be (mode 0777, no sticky bit)."""
    d = tempfile.mkdtemp(prefix="ct-files-")
    os.chmod(d, 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def sticky_dir():
    """A /tmp of our own: sticky and writable by everyone (mode 1777)."""
    d = tempfile.mkdtemp(prefix="ct-sticky-")
    os.chmod(d, 0o1777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def victim():
    """A file only root may write, that an attacker wants overwritten."""
    fd, path = tempfile.mkstemp(prefix="ct-victim-")
    os.write(fd, PRECIOUS)
    os.close(fd)
    os.chmod(path, 0o644)
    yield path
    os.unlink(path)


def plant(target, name):
    """As nobody: the symlink NAME -> TARGET."""
    r = subprocess.run(unprivileged(["ln", "-s", target, name]),
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert os.lstat(name).st_uid == NOBODY


def untouched(path):
    with open(path, "rb") as f:
        assert f.read() == PRECIOUS, "%s was overwritten" % path


def stop(proc):
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, err.decode(errors="replace")


def wait_file(path, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path) as f:
                text = f.read()
            if "clonetrace_up" in text:
                return text
        time.sleep(0.05)
    pytest.fail("%s never written" % path)


def test_textfile_planted_temporary_names(tracer, shared_dir, victim):
    """Symlinks planted by nobody at every name the textfile's writer
    could guess for its temporary file (FILE.tmp.PID, as before, for the
    running clonetrace's PID and the next ones), and at the target itself:
    intervals later the victim is untouched, the target is a regular
    file of root's with the metrics, no temporary file is left."""
    prom = os.path.join(shared_dir, "clonetrace.prom")
    plant(victim, prom)
    top = subprocess.Popen([tracer, "top", "-v", "-i", "0.1",
                            "--prometheus", prom],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for pid in range(top.pid, top.pid + 4):
            plant(victim, "%s.tmp.%d" % (prom, pid))
        wait_ready(top)
        time.sleep(0.5)                     # several intervals
        text = wait_file(prom)
    finally:
        status, err = stop(top)
    assert status == 0, err
    untouched(victim)
    st = os.lstat(prom)
    assert st.st_uid == 0 and (st.st_mode & 0o777) == 0o644, oct(st.st_mode)
    assert "clonetrace_up 1" in text or "clonetrace_up 0" in text
    left = [n for n in os.listdir(shared_dir)
            if n != "clonetrace.prom" and ".tmp." not in n]
    assert not left, "temporary files left behind: %r" % left


def test_textfile_long_name(tracer, shared_dir):
    """A valid 250-byte file name works: the temporary name's length does
    not depend on it."""
    prom = os.path.join(shared_dir, "c" * 245 + ".prom")
    r = subprocess.run([tracer, "top", "-n", "1", "-i", "0.1",
                        "--prometheus", prom], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert "cannot write" not in r.stderr, r.stderr
    assert "clonetrace_up" in open(prom).read()


@pytest.mark.parametrize("opt", ["-o", "-w", "--dot"])
def test_output_planted_symlink_refused(tracer, sticky_dir, victim, opt):
    """-o, -w and --dot at a name in a sticky directory everyone can
    write where nobody planted a symlink to root's file: refused with the
    reason, status 1, the victim untouched (whatever
    fs.protected_symlinks says)."""
    path = os.path.join(sticky_dir, "out")
    plant(victim, path)
    args = [opt, path] + (["--tree"] if opt == "--dot" else [])
    r = subprocess.run([tracer] + args + ["-c", "true"], capture_output=True,
                       text=True, timeout=TIMEOUT)
    assert r.returncode == 1, r.stderr
    assert "refusing to write" in r.stderr and \
        "symlink owned by uid %d" % NOBODY in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    untouched(victim)


def test_output_planted_file_refused(tracer, sticky_dir):
    """A file nobody made in a sticky directory is not written into
    (they would read the trace, or hold a FIFO open)."""
    path = os.path.join(sticky_dir, "out")
    r = subprocess.run(unprivileged(["touch", path]), timeout=TIMEOUT)
    assert r.returncode == 0
    r = subprocess.run([tracer, "-o", path, "-c", "true"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 1 and "a file owned by uid %d" % NOBODY in \
        r.stderr, r.stderr
    assert os.path.getsize(path) == 0


def test_output_own_symlink_followed(tracer, sticky_dir, tmp_path):
    """A symlink root made there itself is followed, as the user asked;
    so is one in a directory only root can write."""
    real = tmp_path / "real.json"
    link = os.path.join(sticky_dir, "mine")
    os.symlink(real, link)
    r = subprocess.run([tracer, "--json", "-o", link, "-c", "true"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert real.read_text().startswith("{")
    real2 = tmp_path / "real2.json"
    link2 = tmp_path / "link"
    os.symlink(real2, link2)
    r = subprocess.run([tracer, "--json", "-o", str(link2), "-c", "true"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert real2.read_text().startswith("{")
