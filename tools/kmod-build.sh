#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build clonetrace.ko for one kernel in a build tree of its own, so builds
# for several kernels (or a build next to the developer's `make kmod`) never
# clobber each other's objects.
#
# usage: tools/kmod-build.sh [KDIR [OUTDIR]]
#   KDIR    kernel build directory (default /lib/modules/$(uname -r)/build)
#   OUTDIR  build tree; Kbuild and kmod/ are copied there (default
#           build/kmod/<name of KDIR>)
# The build log goes to stderr; the last line on stdout is the path of the
# built clonetrace.ko. Exits non-zero if the build fails or, unless
# CT_KMOD_WERROR=0, if the compiler or sparse printed any warning (W=1 is
# on) or modpost any WARNING (section mismatches, symbols it cannot
# resolve). sparse (Debian package sparse) checks every source (C=2) when
# it is installed; CT_KMOD_SPARSE=1 requires it, CT_KMOD_SPARSE=0 skips it.
# The compiler is the kernel's own (CONFIG_CC_VERSION_TEXT); CC=gcc
# overrides it (e.g. Debian 12's gcc 12 builds Debian 11's 5.10 modules).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:-/lib/modules/$(uname -r)/build}

if [ ! -f "$kdir/Makefile" ]; then
	echo "kmod-build.sh: no kernel build tree at $kdir" >&2
	echo "kmod-build.sh: install Debian's linux-headers-<release> package" >&2
	exit 1
fi
kdir=$(cd "$kdir" && pwd)

# The tools the kernel's build needs, named with the package to install.
# The compiler is the one the kernel was built with (its name is in the
# headers' configuration); a module built with another one may not load.
conf=$kdir/include/config/auto.conf
cc_text=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$conf" 2>/dev/null)
cc=${cc_text%% *}
if [ -n "$cc" ] && [ -z "${CC:-}" ] && ! command -v "$cc" >/dev/null 2>&1; then
	echo "kmod-build.sh: $kdir was built with $cc_text;" \
		"$cc is not installed (Debian installs it with the kernel's" \
		"linux-headers package), or set CC= to use another compiler" >&2
	exit 1
fi
if grep -q '^CONFIG_DEBUG_INFO_BTF_MODULES=y' "$conf" 2>/dev/null &&
	! command -v pahole >/dev/null 2>&1; then
	echo "kmod-build.sh: $kdir builds module BTF with pahole, which is" \
		"not installed (Debian package dwarves)" >&2
	exit 1
fi
echo "kmod-build.sh: compiler: ${CC:-$cc_text}" >&2

sparse=
case ${CT_KMOD_SPARSE:-auto} in
0) ;;
1 | auto)
	if command -v sparse >/dev/null 2>&1; then
		# KBUILD_CHECKSRC too: from 6.15 on the kernel's Makefile
		# turns C= off unless scripts/checker-valid.sh approves
		# sparse, and Debian's headers do not ship that script.
		sparse="C=2 KBUILD_CHECKSRC=2 CHECK=sparse"
		echo "kmod-build.sh: sparse: $(sparse --version 2>&1)" >&2
	elif [ "${CT_KMOD_SPARSE:-auto}" = 1 ]; then
		echo "kmod-build.sh: CT_KMOD_SPARSE=1 but sparse is not installed" \
			"(Debian package sparse)" >&2
		exit 1
	fi
	;;
*)
	echo "kmod-build.sh: CT_KMOD_SPARSE must be 0, 1 or auto" >&2
	exit 1
	;;
esac

if [ $# -ge 2 ]; then
	out=$2
else
	# /lib/modules/REL/build -> REL; /usr/src/linux-headers-REL -> itself
	name=$(basename "$kdir")
	[ "$name" = build ] && name=$(basename "$(dirname "$kdir")")
	out=$top/build/kmod/$name
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $out in
"$top")
	echo "kmod-build.sh: OUTDIR must not be the source tree" >&2
	exit 1
	;;
esac

# A fresh copy of the sources; stale objects of removed files go too.
rm -rf "$out/kmod"
cp "$top/Kbuild" "$out/Kbuild"
cp -R "$top/kmod" "$out/kmod"
rm -f "$out"/kmod/*.o "$out"/kmod/.*.cmd

log=$out/build.log
# shellcheck disable=SC2086 # $sparse is two words or none
if ! make -C "$kdir" M="$out" W=1 $sparse ${CC:+CC="$CC"} modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "kmod-build.sh: build against $kdir failed" >&2
	exit 1
fi
cat "$log" >&2

if [ "${CT_KMOD_WERROR:-1}" != 0 ] && grep -q 'warning:\|: error:' "$log"; then
	echo "kmod-build.sh: compiler or sparse warnings (set CT_KMOD_WERROR=0 to ignore)" >&2
	exit 1
fi
if [ "${CT_KMOD_WERROR:-1}" != 0 ] && grep -q '^WARNING:' "$log"; then
	echo "kmod-build.sh: modpost warnings (set CT_KMOD_WERROR=0 to ignore)" >&2
	exit 1
fi

ko=$out/clonetrace.ko
if [ ! -f "$ko" ]; then
	echo "kmod-build.sh: $ko was not produced" >&2
	exit 1
fi
echo "$ko"
