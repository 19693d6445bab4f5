#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""README.md's kernel table, derived from docs/KERNELS.md.

usage: readme-table.py [--check] [REPO]

docs/KERNELS.md is written by tools/vmtest/vmtest from a full run (make
kernels-doc). README.md carries the short form of its table, between the
markers below: kernel, each attach mode and the module, one row per
kernel. This script rewrites that block from docs/KERNELS.md; with
--check it only says whether the block is out of date (exit 1), which
tests/test_usage.py runs so the two cannot drift apart.
"""

import os
import re
import sys

BEGIN = "<!-- kernels: generated from docs/KERNELS.md by make kernels-doc -->"
END = "<!-- kernels: end -->"


def full_rows(text):
    """The rows of docs/KERNELS.md's table, as {column: cell}."""
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    if not lines:
        raise ValueError("docs/KERNELS.md has no table")
    head = [c.strip() for c in lines[0].strip("|").split(" | ")]
    return [dict(zip(head, (c.strip() for c in line.strip("|").split(" | "))))
            for line in lines[1:]]


def short(cell):
    """'pass (35 runs)' -> 'pass'; '**FAIL**' stays as it is."""
    return re.sub(r" \(.*\)$", "", cell)


def block(text):
    when = re.search(r"run of (\S+) on commit `(\w+)`", text)
    out = [BEGIN,
           "| kernel | release | fentry | tp_btf | raw_tp | picked by itself "
           "| module |",
           "|---|---|---|---|---|---|---|"]
    for r in full_rows(text):
        auto = r.get("auto mode", "?")
        picked = auto.split(": ", 1)[1] if auto.startswith("pass: ") \
            else auto
        module = "%s, tests %s, DKMS %s" % (
            short(r.get("module build (compiler)", "?")),
            r.get("module tests", "?"), short(r.get("DKMS", "?")))
        release = r.get("release (package version)", "?").split(" ")[0]
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r.get("kernel", "?"), release, short(r.get("fentry", "?")),
            short(r.get("tp_btf", "?")), short(r.get("raw_tp", "?")),
            picked, module))
    out.append("")
    out.append("From the full VM run of %s on commit `%s`; details in "
               "[docs/KERNELS.md](docs/KERNELS.md)." %
               (when.group(1), when.group(2)) if when else
               "Details in [docs/KERNELS.md](docs/KERNELS.md).")
    out.append(END)
    return "\n".join(out)


def main(argv):
    check = "--check" in argv
    args = [a for a in argv[1:] if a != "--check"]
    if any(a.startswith("-") for a in args) or len(args) > 1:
        sys.stderr.write(__doc__)
        return 2
    repo = args[0] if args else "."
    with open(os.path.join(repo, "docs", "KERNELS.md")) as f:
        want = block(f.read())
    path = os.path.join(repo, "README.md")
    with open(path) as f:
        readme = f.read()
    a, b = readme.find(BEGIN), readme.find(END)
    if a < 0 or b < a:
        sys.stderr.write("readme-table: README.md has no block between "
                         "'%s' and '%s': put the two markers where the "
                         "table goes\n" % (BEGIN, END))
        return 2
    new = readme[:a] + want + readme[b + len(END):]
    if check:
        if new != readme:
            sys.stderr.write("readme-table: README.md's kernel table is not "
                             "docs/KERNELS.md's: run make kernels-doc\n")
            return 1
        return 0
    if new != readme:
        with open(path + ".new", "w") as f:
            f.write(new)
        os.rename(path + ".new", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
