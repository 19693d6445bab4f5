#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 53-tracer-auto: clonetrace and clonetrace top pick the best attach mode
# that works on this kernel by themselves, and trace right in it
# (tests/vm/tracer.sh; checked on the host by tests/vm/tracer.host). Exit 0
# pass, 1 fail, 77 skip (docs/CONTRACTS.md).
MODE=auto
. "${0%/*}/tracer.sh"
