#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 52-tracer-raw_tp: the tracer's workload tests in raw_tp mode (tests/vm/tracer.sh;
# checked on the host by tests/vm/tracer.host). Exit 0 pass, 1 fail, 77
# skip (docs/CONTRACTS.md).
MODE=raw_tp
. "${0%/*}/tracer.sh"
