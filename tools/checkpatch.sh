#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the kernel's checkpatch.pl on the module sources.
#
# checkpatch.pl is not shipped in Debian's header packages; it is inside the
# linux-source-6.1 package. Fetch that package once (apt-get download, no
# install), extract only the three files checkpatch needs into a cache
# directory and reuse them on later runs.
#
# usage: tools/checkpatch.sh [FILE...]   (default: kmod/*.c kmod/*.h)
# env:   CT_CHECKPATCH_CACHE  cache dir (default /var/cache/clonetrace/checkpatch)
set -eu

cache=${CT_CHECKPATCH_CACHE:-/var/cache/clonetrace/checkpatch}
srcpkg=linux-source-6.1
top=$(cd "$(dirname "$0")/.." && pwd)

need_cmd() {
	command -v "$1" >/dev/null 2>&1
}

fetch() {
	if ! need_cmd apt-get; then
		echo "checkpatch.sh: apt-get not found; put checkpatch.pl in $cache/scripts" >&2
		exit 1
	fi
	# perl runs checkpatch; xz unpacks the source tarball.
	for c in perl xz; do
		if ! need_cmd "$c"; then
			apt-get update -qq
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				perl xz-utils >/dev/null
			break
		fi
	done

	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	(cd "$work" && apt-get download "$srcpkg" >/dev/null 2>&1) || {
		apt-get update -qq
		(cd "$work" && apt-get download "$srcpkg" >/dev/null)
	}
	deb=$(ls "$work"/"$srcpkg"_*.deb)
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$work" --wildcards './usr/src/linux-source-*.tar.xz'
	tarball=$(ls "$work"/usr/src/linux-source-*.tar.xz)
	base=$(basename "$tarball" .tar.xz)
	xz -dc "$tarball" | tar -x -C "$work" \
		"$base/scripts/checkpatch.pl" \
		"$base/scripts/spelling.txt" \
		"$base/scripts/const_structs.checkpatch"
	mkdir -p "$cache/scripts"
	for f in checkpatch.pl spelling.txt const_structs.checkpatch; do
		cp "$work/$base/scripts/$f" "$cache/scripts/$f.tmp"
		mv "$cache/scripts/$f.tmp" "$cache/scripts/$f"
	done
	chmod 0755 "$cache/scripts/checkpatch.pl"
	echo "$base" >"$cache/VERSION"
}

if [ ! -x "$cache/scripts/checkpatch.pl" ] ||
   [ ! -f "$cache/scripts/spelling.txt" ] ||
   [ ! -f "$cache/scripts/const_structs.checkpatch" ]; then
	fetch
fi

cd "$top"
if [ $# -eq 0 ]; then
	set -- kmod/*.c kmod/*.h
fi

# checkpatch exits non-zero on errors and warnings; keep going so every file
# is reported, then fail if any was not clean.
rc=0
for f in "$@"; do
	[ -e "$f" ] || continue
	"$cache/scripts/checkpatch.pl" --no-tree --terse --show-types -f "$f" ||
		rc=1
done
exit $rc
