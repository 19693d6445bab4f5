#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 51-tracer-tp_btf: the tracer's workload tests in tp_btf mode (tests/vm/tracer.sh;
# checked on the host by tests/vm/tracer.host). Exit 0 pass, 1 fail, 77
# skip (docs/CONTRACTS.md).
MODE=tp_btf
. "${0%/*}/tracer.sh"
