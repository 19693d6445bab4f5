# SPDX-License-Identifier: GPL-2.0
"""-p ROOT -f on a tree that exists before clonetrace starts.

ct-oldtree builds root -> children -> grandchildren, states their PIDs,
and only after clonetrace traces makes every grandchild fork and start a
thread, stating each creation. Every stated creation must be reported
once, by its creator, and the context header must count the same tree
that is traced. A run on a target whose descendant outlives it lasts
until that descendant has exited.
"""

import json
import os
import subprocess
import time

from conftest import READY, TIMEOUT, wait_ready, workload


def start_tree(args=()):
    tree = subprocess.Popen([workload("ct-oldtree")] + list(args),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    first = json.loads(tree.stdout.readline())
    return tree, first["tree"]


def trace_tree(tracer, tmp_path, tree_args=(), args=()):
    out = tmp_path / "out.json"
    tree, shape = start_tree(tree_args)
    ct = subprocess.Popen([tracer, "-p", str(shape["root"]), "-f", "-v",
                           "--json", "--context", "-o", str(out)] +
                          list(args),
                          stderr=subprocess.PIPE)
    try:
        seen = wait_ready(ct)
        assert any(READY in ln for ln in seen), seen
        tree.stdin.write(b"g")
        tree.stdin.close()
        stated = [json.loads(ln) for ln in tree.stdout.read().splitlines()]
        assert tree.wait(timeout=TIMEOUT) == 0
        _, err = ct.communicate(timeout=TIMEOUT)
    finally:
        for p in (tree, ct):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert ct.returncode == 0, err
    events = [json.loads(ln) for ln in out.read_text().splitlines()]
    return shape, stated, events, "\n".join(seen) + err.decode()


def test_follow_existing_descendants(tracer, tmp_path):
    """2 children, 4 grandchildren existing before the run; after attach
    each grandchild forks 3 children and starts 1 thread: all 16
    creations reported, each once, with the stated creator, kind and
    TID, and nothing else; the context counts the 6 processes that -f
    follows; the run ends when the tree is gone."""
    shape, stated, events, err = trace_tree(tracer, tmp_path)
    expect = [s for s in stated if "expect" in s]
    assert stated[-1] == {"done": 16} and len(expect) == 16, stated
    clones = [e for e in events if e["event"] == "clone"]
    got = sorted((e["parent"]["pid"], e["child"]["tid"], e["kind"])
                 for e in clones)
    want = sorted((s["parent"], s["tid"], s["expect"]) for s in expect)
    assert got == want, "stated %r\nseen %r" % (want, got)
    summary = events[-1]
    assert summary["event"] == "summary" and summary["clones"] == 16, summary
    assert summary["lost"] == 0 and summary["lost_follow"] == 0, summary
    below = len(shape["children"]) + len(shape["grandchildren"])
    target = events[0]
    assert target["event"] == "target" and target["pid"] == shape["root"]
    assert target["nr_descendants"] == below, target
    assert sorted(d["pid"] for d in target["descendants"]) == \
        sorted(shape["grandchildren"]), target
    assert "-f: %d processes already below %d traced" % (
        below, shape["root"]) in err, err
    assert "every traced process has exited (PID %d and descendants)" % \
        shape["root"] in err, err


def test_follow_existing_wider(tracer, tmp_path):
    """A wider tree (5 children of 6 grandchildren each, 2 forks each):
    every one of the 90 creations, none twice."""
    shape, stated, events, err = trace_tree(
        tracer, tmp_path, ["-c", "5", "-g", "6", "-f", "2"])
    expect = [s for s in stated if "expect" in s]
    assert len(expect) == 90
    got = sorted((e["parent"]["pid"], e["child"]["tid"])
                 for e in events if e["event"] == "clone")
    assert got == sorted((s["parent"], s["tid"]) for s in expect)


def test_max_follow_counts_existing(tracer, tmp_path):
    """--max-follow 3 on 6 existing descendants: the 3 over it are said
    to be lost, not silently dropped."""
    _, _, events, err = trace_tree(tracer, tmp_path, args=[
        "--max-follow", "4"])
    assert "processes already below" in err and \
        "could not be followed (table full); raise --max-follow" in err, err


def test_run_lasts_while_a_descendant_lives(tracer, tmp_path):
    """sh starts 'sleep 3' in the background and exits after 1 s:
    traced with -p SH -f from before the exit, the run ends when the
    sleep does, not when sh does."""
    sh = subprocess.Popen(["sh", "-c", "sleep 3 & sleep 1; exit 0"])
    try:
        time.sleep(0.3)             # the sleeps exist before the run
        t0 = time.monotonic()
        r = subprocess.run([tracer, "-p", str(sh.pid), "-f", "-o",
                            os.devnull], capture_output=True, text=True,
                           timeout=TIMEOUT)
        took = time.monotonic() - t0
    finally:
        sh.wait(timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert took > 2.2, "ended after %.1f s: %s" % (took, r.stderr)
    assert "every traced process has exited" in r.stderr, r.stderr


def tree_nodes(node, depth=0, out=None):
    out = [] if out is None else out
    out.append((depth, node))
    for c in node["children"]:
        tree_nodes(c, depth + 1, out)
    return out


def check_tree(tree, shape, expect):
    """One root, the target, existing at start; its children and
    grandchildren existing under it; each grandchild's creations under
    it, as stated."""
    (root,) = tree["roots"]
    assert (root["pid"], root.get("existing")) == (shape["root"], True), root
    kids = {c["pid"]: c for c in root["children"]}
    assert sorted(kids) == sorted(shape["children"])
    gkids = {g["pid"]: g for c in kids.values() for g in c["children"]}
    assert sorted(gkids) == sorted(shape["grandchildren"])
    assert all(n.get("existing") for n in list(kids.values()) +
               list(gkids.values()))
    for g, node in gkids.items():
        want = sorted((s["tid"], s["expect"]) for s in expect
                      if s["parent"] == g)
        got = sorted((c["tid"], c["kind"]) for c in node["children"])
        assert got == want and node["created"] == len(want), (g, node)
        assert not any(c.get("existing") for c in node["children"])


def test_tree_rooted_at_target(tracer, tmp_path):
    """--tree with -p ROOT -f over the existing tree: rooted at the target,
    the processes that existed at start marked so and in place, what
    they created after under them; the same from -w through report."""
    rec = tmp_path / "rec.ctr"
    shape, stated, events, err = trace_tree(
        tracer, tmp_path, ["-f", "1"], ["--tree", "-w", str(rec)])
    expect = [s for s in stated if "expect" in s]
    (tree,) = [e for e in events if e["event"] == "tree"]
    check_tree(tree, shape, expect)
    r = subprocess.run([tracer, "report", "--json", "-s", "tree", str(rec)],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    (tree,) = [json.loads(ln) for ln in r.stdout.splitlines()
               if json.loads(ln)["event"] == "tree"]
    check_tree(tree, shape, expect)
    r = subprocess.run([tracer, "report", "-s", "tree", str(rec)],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert "ct-oldtree(%d) existing at start (created 2, 14 below)" % \
        shape["root"] in r.stdout, r.stdout
