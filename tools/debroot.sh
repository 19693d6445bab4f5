#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian roots made with debootstrap, and commands run inside them. Used by
# tools/freshcheck (a fresh Debian 12 in which `make check` must pass) and
# tools/vmtest/vmtest (a root of the Debian release that ships a kernel,
# with that release's compiler, headers and DKMS, to build the module).
#
#   tools/debroot.sh sources SUITE
#       print the sources.list lines for SUITE (and SUITE-security, except
#       for sid) on this machine's Debian mirror
#   tools/debroot.sh create SUITE DIR
#       debootstrap a minimal SUITE root into DIR (which must not exist)
#   tools/debroot.sh run DIR [--bind HOSTDIR:DIR]... [--] COMMAND [ARGS]
#       run COMMAND as root inside DIR, in a mount namespace of its own
#       with /proc, /sys (with tracefs, the cgroups and bpffs), /dev and the
#       given bind mounts; DIR becomes the namespace's root (pivot_root, not
#       chroot: the kernel refuses user namespaces to chrooted processes)
#
# A root gets this machine's apt configuration (apt.conf.d: proxies,
# validity checks) and resolv.conf, as a fresh install on this network
# would have, and nothing else from the host.
#
# Environment: CT_DEBIAN_MIRROR, CT_DEBIAN_SECURITY_MIRROR (default: the
# mirrors this machine's apt uses, else deb.debian.org).
set -euo pipefail

me=debroot.sh
die() {
	echo "$me: $*" >&2
	exit 1
}

need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "needs $1 (Debian package $2): apt-get install $2, or tools/install-deps.sh --test"
}

# mirror_of DIST: the archive URL this machine's apt fetches DIST from.
mirror_of() {
	apt-get --print-uris update 2>/dev/null |
		sed -n "s|^'\\([^']*\\)/dists/$1/.*|\\1|p" | head -n1
}

main_mirror() {
	local m=${CT_DEBIAN_MIRROR:-}
	[ -n "$m" ] || m=$(mirror_of bookworm)
	[ -n "$m" ] || m=$(mirror_of "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")")
	echo "${m:-http://deb.debian.org/debian}"
}

security_mirror() {
	local m=${CT_DEBIAN_SECURITY_MIRROR:-}
	[ -n "$m" ] || m=$(mirror_of bookworm-security)
	echo "${m:-http://deb.debian.org/debian-security}"
}

cmd_sources() {
	local suite=$1 key=/usr/share/keyrings/debian-archive-keyring.gpg opt=
	[ -r "$key" ] && opt="[signed-by=$key] "
	echo "deb ${opt}$(main_mirror) $suite main"
	case $suite in
	sid | unstable | experimental) ;;
	*) echo "deb ${opt}$(security_mirror) $suite-security main" ;;
	esac
}

# The host's apt settings, without its sources: a root has its own.
copy_apt_config() {
	local dir=$1
	mkdir -p "$dir/etc/apt/apt.conf.d"
	if [ -d /etc/apt/apt.conf.d ]; then
		cp -a /etc/apt/apt.conf.d/. "$dir/etc/apt/apt.conf.d/"
	fi
	cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
}

cmd_create() {
	local suite=$1 dir=$2 log
	[ "$(id -u)" = 0 ] || die "create needs root"
	need debootstrap debootstrap
	[ ! -e "$dir" ] || die "$dir already exists"
	mkdir -p "$(dirname "$dir")"
	log=$dir.debootstrap.log
	if ! debootstrap --variant=minbase "$suite" "$dir" "$(main_mirror)" >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		rm -rf "$dir"
		die "debootstrap $suite failed (full log: $log)"
	fi
	rm -f "$log"
	cmd_sources "$suite" >"$dir/etc/apt/sources.list"
	rm -f "$dir"/etc/apt/sources.list.d/*
	copy_apt_config "$dir"
	# No daemons from package scripts inside the root.
	printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
	chmod 0755 "$dir/usr/sbin/policy-rc.d"
}

cmd_run() {
	local dir binds=() b
	dir=$(cd "${1:?run needs a root directory}" && pwd)
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--bind) binds+=("${2:?--bind needs HOSTDIR:DIR}"); shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	[ $# -gt 0 ] || die "run needs a command"
	[ "$(id -u)" = 0 ] || die "run needs root"
	[ -x "$dir/bin/sh" ] || die "$dir is not a root (no /bin/sh)"
	copy_apt_config "$dir"

	# The mounts are made in a private mount namespace: they go away
	# with it, and the host never sees them.
	local setup='set -e
		r=$1; shift
		nb=$1; shift
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount --rbind /sys "$r/sys"
		mount --rbind /dev "$r/dev"
		if [ -d "$r/sys/fs/bpf" ] && ! grep -q " $r/sys/fs/bpf bpf " /proc/mounts; then
			mount -t bpf bpf "$r/sys/fs/bpf" 2>/dev/null || true
		fi
		while [ "$nb" -gt 0 ]; do
			src=${1%%:*} dst=${1#*:}
			mkdir -p "$r$dst"
			mount --rbind "$src" "$r$dst"
			shift
			nb=$((nb - 1))
		done
		cd "$r"
		mkdir -p .debroot-old
		pivot_root . .debroot-old
		exec /usr/sbin/chroot . /bin/sh -c '\''umount -l /.debroot-old &&
			rmdir /.debroot-old && cd / && exec "$@"'\'' sh "$@"'
	# A clean environment, but the project's own settings (CT_*, CI, WERROR)
	# pass through.
	local envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}") v
	for v in $(compgen -e); do
		case $v in
		CT_* | CI | WERROR) envs+=("$v=${!v}") ;;
		esac
	done
	exec unshare --mount --propagation private -- /bin/sh -c "$setup" sh \
		"$dir" "${#binds[@]}" ${binds[@]+"${binds[@]}"} \
		/usr/bin/env -i "${envs[@]}" "$@"
}

case ${1:-} in
sources) [ $# -eq 2 ] || die "usage: $me sources SUITE"; cmd_sources "$2" ;;
create) [ $# -eq 3 ] || die "usage: $me create SUITE DIR"; cmd_create "$2" "$3" ;;
run) shift; cmd_run "$@" ;;
*) sed -n '4,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
