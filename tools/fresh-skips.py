#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Fail on tests skipped for a reason other than the kernel's.

usage: fresh-skips.py JUNIT_XML

Run by `make check-host` inside tools/freshcheck's fresh root, on pytest's
JUnit XML: there, a test may skip only because the running kernel refuses
something (an attach mode), never because a tool is missing, which would
mean tools/install-deps.sh does not install it and a fresh machine's
`make check` quietly tests less. Prints each other skip; exit 1 if any.
"""

import re
import sys
import xml.etree.ElementTree as ET

# What this project's machines' kernel refuses (shared ENVIRONMENT.md):
# fentry programs. Nothing else may skip on a fresh root.
KERNEL = re.compile(r"--mode \w+ not available here")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    bad = []
    for case in ET.parse(argv[1]).iter("testcase"):
        for skip in case.iter("skipped"):
            why = skip.get("message", "") + " " + (skip.text or "")
            if not KERNEL.search(why):
                bad.append("%s::%s: %s" % (case.get("classname"),
                                           case.get("name"),
                                           skip.get("message", "").strip()))
    for b in bad:
        print("fresh-skips: skipped on a fresh machine: " + b)
    if bad:
        print("fresh-skips: %d test(s) skipped for a missing tool or "
              "setting: add what they need to tools/install-deps.sh" % len(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
