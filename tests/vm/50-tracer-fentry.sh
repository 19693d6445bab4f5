#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 50-tracer-fentry: the tracer's workload tests in fentry mode (tests/vm/tracer.sh;
# checked on the host by tests/vm/tracer.host). Exit 0 pass, 1 fail, 77
# skip (docs/CONTRACTS.md).
MODE=fentry
. "${0%/*}/tracer.sh"
