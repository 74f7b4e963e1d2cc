#!/bin/sh
# A Debian sid chroot to build rxring.ko for a sid kernel from a Debian 12
# host. sid's kernel headers (7.2) are built with, and depend on, a
# compiler bookworm does not have (gcc-16), so kbuild for them runs inside
# sid; scripts/build-module.sh does that by itself when the kernel's build
# tree is in this chroot and not on the host.
#
# The chroot is cached outside the checkout and only made once:
#   $RXRING_CACHE/sid-chroot/   (RXRING_CACHE default /var/cache/rxring)
# debootstrap (minbase, with build-essential, gcc-16 and what kbuild
# needs) from the mirror the host's apt uses, then linux-headers-KVER
# installed inside. (No sparse: sid's is too old for 7.2's C=2.)
#
# Usage: scripts/sid-chroot.sh [KVER]   make or complete the chroot, with
#                                       the headers of KVER (default below);
#                                       print its path on stdout
#        scripts/sid-chroot.sh --kver   print that default KVER (the sid
#                                       kernel scripts/sid-kernel.sh and
#                                       scripts/vm.sh know) and exit
# Environment: RXRING_CACHE; RXRING_SID_MIRROR overrides the mirror.
# Needs root, debootstrap (installed with apt-get if missing) and Debian's
# archive. About 2 minutes and 1 GiB the first time.
set -eu

# The sid kernel rxring is built for.
SID_KVER=7.2.13+deb14-amd64
if [ "${1:-}" = --kver ]; then
	echo "$SID_KVER"
	exit 0
fi

kver=${1:-$SID_KVER}
root=${RXRING_CACHE:-/var/cache/rxring}/sid-chroot
pkgs=build-essential,gcc-16,kmod,xz-utils,bc,libelf-dev
# sid's Release file in the archive this machine reaches may be past its
# Valid-Until date; apt inside the chroot must accept it (debootstrap does
# not check it).
apt_opts="-o Acquire::Check-Valid-Until=false"

die() {
	echo "sid-chroot: $*" >&2
	exit 1
}

ready() {
	[ -x "$root/usr/bin/gcc-16" ] &&
		[ -f "$root/usr/src/linux-headers-$kver/Makefile" ]
}

if ready; then
	echo "$root"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "need root to make $root"

mkdir -p "$(dirname "$root")"
exec 8>"$root.lock"
if ! flock -n 8; then
	echo "sid-chroot: waiting for another run making $root" >&2
	flock 8
	if ready; then
		echo "$root"
		exit 0
	fi
fi

# The Debian mirror of the host's apt sources (one-line or deb822 format):
# the first URI ending in /debian.
mirror=${RXRING_SID_MIRROR:-$(cat /etc/apt/sources.list \
	/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
	2>/dev/null | sed -n -e 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
	-e 's/^[[:space:]]*URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' |
	grep -m 1 '/debian/\{0,1\}$' || true)}
[ -n "$mirror" ] || die "no Debian mirror in /etc/apt/sources.list*; set RXRING_SID_MIRROR"
mirror=${mirror%/}

log=$root.log
: >"$log"
# Say plainly when the archive is out of reach, before debootstrap fails
# somewhere in its output.
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
if ! /usr/lib/apt/apt-helper download-file "$mirror/dists/sid/Release" \
	"$probe" >>"$log" 2>&1; then
	die "cannot reach Debian's archive at $mirror (dists/sid/Release; see $log): the sid chroot needs it"
fi

if ! command -v debootstrap >/dev/null; then
	echo "sid-chroot: installing debootstrap" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
		>>"$log" 2>&1 || die "apt-get install debootstrap failed (see $log)"
fi

if [ ! -x "$root/usr/bin/gcc-16" ]; then
	# A half-made chroot is thrown away: debootstrap starts over.
	rm -rf "$root.new"
	echo "sid-chroot: debootstrap sid from $mirror into $root (log: $log)" >&2
	debootstrap --variant=minbase --arch=amd64 --include="$pkgs" \
		sid "$root.new" "$mirror" >>"$log" 2>&1 ||
		die "debootstrap failed (see $log)"
	echo "APT::Get::Assume-Yes \"true\";" >"$root.new/etc/apt/apt.conf.d/90rxring"
	echo "Acquire::Check-Valid-Until \"false\";" >>"$root.new/etc/apt/apt.conf.d/90rxring"
	rm -rf "$root"
	mv "$root.new" "$root"
fi

echo "sid-chroot: installing linux-headers-$kver in $root" >&2
# shellcheck disable=SC2086
{
	chroot "$root" apt-get $apt_opts -q update &&
		DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get $apt_opts \
			-q -y --no-install-recommends install "linux-headers-$kver"
} >>"$log" 2>&1 || die "apt-get install linux-headers-$kver in $root failed (see $log)"
ready || die "linux-headers-$kver installed, but $root/usr/src/linux-headers-$kver has no Makefile"
echo "$root"
