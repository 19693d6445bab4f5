#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build clonetrace.ko with DKMS from dkms.conf, as `dkms install` would on
# a machine running kernel ABI, but in private DKMS trees: nothing is
# installed, no module is loaded.
#
# usage: tools/dkms-build.sh ABI WORKDIR
#   ABI      kernel release (uname -r of the target, e.g. 6.1.0-56-amd64)
#            whose headers are installed (/lib/modules/ABI/build)
#   WORKDIR  scratch directory for the DKMS source and build trees
# Prints the DKMS build log; the last line says which dkms and compiler
# built it.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 ABI WORKDIR" >&2
	exit 2
fi
abi=$1
work=$2
kdir=/lib/modules/$abi/build
top=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -f "$kdir/Makefile" ]; then
	echo "dkms-build.sh: no $kdir: install linux-headers-$abi" >&2
	exit 1
fi
if ! command -v dkms >/dev/null 2>&1; then
	echo "dkms-build.sh: dkms is not installed (Debian package dkms)" >&2
	exit 1
fi
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
[ -n "$ver" ] || { echo "dkms-build.sh: no PACKAGE_VERSION in dkms.conf" >&2; exit 1; }

rm -rf "$work"
src=$work/source/clonetrace-$ver
mkdir -p "$src" "$work/tree"
cp -R "$top/Kbuild" "$top/kmod" "$top/dkms.conf" "$src/"
rm -f "$src"/kmod/*.o "$src"/kmod/.*.cmd

trees="--sourcetree $work/source --dkmstree $work/tree"
# shellcheck disable=SC2086 # $trees is two options
dkms add "clonetrace/$ver" $trees
# shellcheck disable=SC2086
if ! dkms build "clonetrace/$ver" -k "$abi" $trees; then
	cat "$work/tree/clonetrace/$ver/build/make.log" 2>/dev/null
	echo "dkms-build.sh: dkms build for $abi failed" >&2
	exit 1
fi
ko=$(find "$work/tree/clonetrace/$ver/$abi" -name 'clonetrace.ko*' | head -n1)
if [ -z "$ko" ]; then
	echo "dkms-build.sh: dkms built no clonetrace.ko for $abi" >&2
	exit 1
fi
echo "dkms-build.sh: built $ko"
echo "dkms-build.sh: built with dkms $(dkms --version | sed 's/^dkms[-: ]*//'), $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^ "]*\).*/\1/p' "$kdir/include/config/auto.conf")"
