#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install, from Debian's archive, whatever clonetrace needs to build, run
# and test that is not there yet. Idempotent; needs root for apt-get.
#
#   tools/install-deps.sh          build + run dependencies
#   tools/install-deps.sh --test   also what the test suite and VM tests use
#                                  (and make deb: dpkg-dev, debhelper, dh-dkms,
#                                  lintian)
#   tools/install-deps.sh --fresh  only what tools/freshcheck needs
#   tools/install-deps.sh --bench  also the peers the benchmark compares with
#
# The VM tests build the module in a root of each kernel's Debian release
# (tools/vmtest: its compiler, headers, pahole and dkms are installed
# there), so none of those is needed here.
set -eu

pkgs="clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libzstd-dev libmicrohttpd-dev make gcc pkg-config"
case "${1:-}" in
--test)
	pkgs="$pkgs python3 python3-pytest util-linux valgrind qemu-system-x86 busybox-static cpio xz-utils zstd kmod strace libclang-rt-14-dev debootstrap binutils perl procps psmisc prometheus prometheus-node-exporter systemd protobuf-compiler build-essential dpkg-dev debhelper dh-dkms lintian"
	;;
--fresh)
	pkgs="debootstrap"
	;;
--bench)
	pkgs="$pkgs python3 forkstat bpftrace strace linux-perf"
	;;
"") ;;
*)
	echo "usage: $0 [--test|--fresh|--bench]" >&2
	exit 2
	;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (sudo $0)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null

# Debian's prometheus packages enable and start their services (a
# Prometheus on :9090, a node_exporter on :9100). The tests start their
# own, on free loopback ports; what we installed must not leave servers
# listening that nobody asked for.
if [ -d /run/systemd/system ]; then
	for svc in prometheus prometheus-node-exporter; do
		case " $missing " in
		*" $svc "*)
			echo "install-deps: disabling the $svc service the package started (systemctl enable --now $svc to run it)"
			systemctl disable --now "$svc.service" >/dev/null 2>&1 || true
			;;
		esac
	done
fi
