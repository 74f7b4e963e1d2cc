#!/bin/sh
# Debian sid's kernel (7.2) for the QEMU guest of scripts/vm.sh: the
# kernel image and its modules, fetched once from Debian's archive and
# unpacked into a cache, never installed anywhere. sid splits the kernel
# into linux-binary-KVER (the image), linux-modules-KVER (the .ko.xz) and
# linux-base-KVER (modules.order, modules.builtin, config); apt in the sid
# chroot of scripts/sid-chroot.sh downloads them (the chroot is made first
# when missing: rxring.ko for this kernel is built in it), dpkg-deb
# unpacks them and sid's depmod writes modules.dep and the rest.
#
#   $RXRING_CACHE/sid-kernel/KVER/vmlinuz               the kernel image
#   $RXRING_CACHE/sid-kernel/KVER/lib/modules/KVER/     its module tree
#   (RXRING_CACHE default /var/cache/rxring; KVER.log beside the directory)
#
# Usage: scripts/sid-kernel.sh [KERNEL]     fetch and unpack once; print the
#                                           directory on stdout
#        scripts/sid-kernel.sh -n KERNEL    print the version KERNEL names,
#                                           fetching nothing; exit 1 when it
#                                           names no sid kernel
#   KERNEL  a full version (7.2.13+deb14-amd64) or a prefix of one (7.2,
#           7.2.13); default and the version prefixes match: the kernel
#           of scripts/sid-chroot.sh --kver, or one already here
# Fetching needs root and Debian's archive (about 125 MB); an existing
# cache needs neither.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${RXRING_CACHE:-/var/cache/rxring}
sid=$cache/sid-chroot
apt_opts="-o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root"

die() {
	echo "sid-kernel: $*" >&2
	exit 1
}

# known: the sid kernel versions this machine knows of, one a line: the
# default one, those cached, those whose headers the chroot has.
known() {
	"$here/sid-chroot.sh" --kver
	for d in "$cache"/sid-kernel/*/vmlinuz "$sid"/usr/src/linux-headers-*-amd64/Makefile; do
		[ -f "$d" ] || continue
		d=${d%/*}
		d=${d##*/}
		echo "${d#linux-headers-}"
	done
}

# resolve ARG: the sid kernel version ARG names ("7.2" must not match
# 7.20.x, hence the separator after a prefix), or nothing.
resolve() {
	k=$(known | awk -v a="$1" 'index($0, a) == 1 &&
		(length($0) == length(a) || substr($0, length(a) + 1, 1) ~ /[.+-]/)' |
		sort -uV | tail -n 1)
	if [ -z "$k" ] && [ -x "$sid/usr/bin/apt-cache" ] &&
		chroot "$sid" apt-cache show "linux-modules-$1" >/dev/null 2>&1; then
		k=$1	# a full version sid's package lists have
	fi
	echo "$k"
}

if [ "${1:-}" = -n ]; then
	[ $# -eq 2 ] || die "usage: $0 -n KERNEL"
	k=$(resolve "$2")
	[ -n "$k" ] || exit 1
	echo "$k"
	exit 0
fi
[ $# -le 1 ] || die "usage: $0 [KERNEL] | -n KERNEL"
if [ $# -eq 0 ]; then
	kver=$("$here/sid-chroot.sh" --kver)
else
	kver=$(resolve "$1")
	[ -n "$kver" ] || die "'$1' names no sid kernel (known: $(known | sort -uV | paste -sd ' ' -))"
fi

dest=$cache/sid-kernel/$kver
ready() {
	[ -f "$dest/vmlinuz" ] && [ -s "$dest/lib/modules/$kver/modules.dep" ]
}
if ready; then
	echo "$dest"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "need root to fetch sid's $kver into $dest"

mkdir -p "$cache/sid-kernel"
exec 8>"$dest.lock"
if ! flock -n 8; then
	echo "sid-kernel: waiting for another run fetching $kver" >&2
	flock 8
	if ready; then
		echo "$dest"
		exit 0
	fi
fi

# The chroot (and in it the headers rxring.ko is built with).
"$here/sid-chroot.sh" "$kver" >/dev/null

log=$dest.log
: >"$log"
mirror=$(sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}\([^[:space:]]*\)[[:space:]]\{1,\}sid.*/\1/p' \
	"$sid/etc/apt/sources.list" 2>/dev/null | head -n 1)
mirror=${mirror%/}
[ -n "$mirror" ] || die "no sid entry in $sid/etc/apt/sources.list"
# Say plainly when the archive is out of reach, before apt fails somewhere
# in its output.
probe=$(mktemp)
trap 'rm -f "$probe"' EXIT
if ! /usr/lib/apt/apt-helper download-file "$mirror/dists/sid/Release" \
	"$probe" >>"$log" 2>&1; then
	die "cannot reach Debian's archive at $mirror (dists/sid/Release; see $log): fetching sid's kernel needs it"
fi

pkgs="linux-binary-$kver linux-modules-$kver linux-base-$kver"
# A scratch directory inside the chroot ($work as the chroot sees it).
mkdir -p "$sid/var/tmp"
work=$(mktemp -d "$sid/var/tmp/rxring-sid-kernel.XXXXXX")
work=${work#"$sid"}
trap 'rm -f "$probe"; rm -rf "$sid$work"' EXIT
mkdir -p "$sid$work/debs" "$sid$work/root"
# download PKGS...: apt-get download into $work/debs, in the chroot.
download() {
	# shellcheck disable=SC2016,SC2086
	chroot "$sid" sh -c 'cd "$1" && shift && exec apt-get "$@"' sh \
		"$work/debs" $apt_opts -q download "$@" >>"$log" 2>&1
}
echo "sid-kernel: downloading $pkgs from $mirror (log: $log)" >&2
# shellcheck disable=SC2086
if ! download $pkgs; then
	# The chroot's package lists may be older than the archive.
	echo "sid-kernel: download failed; apt-get update and once more" >&2
	# shellcheck disable=SC2086
	chroot "$sid" apt-get $apt_opts -q update >>"$log" 2>&1 ||
		die "apt-get update in $sid failed (see $log)"
	# shellcheck disable=SC2086
	download $pkgs || die "cannot download $pkgs (does sid still have $kver? see $log)"
fi
for deb in "$sid$work"/debs/*.deb; do
	chroot "$sid" dpkg-deb -x "$work/debs/${deb##*/}" "$work/root" >>"$log" 2>&1 ||
		die "dpkg-deb -x ${deb##*/} failed (see $log)"
done
rm -rf "$sid$work/debs"

# sid puts everything under /usr; lib -> usr/lib, as on a merged-/usr
# system, gives depmod -b and scripts/vm.sh the usual lib/modules/KVER.
r=$sid$work/root
[ -e "$r/lib" ] || ln -s usr/lib "$r/lib"
[ -d "$r/lib/modules/$kver/kernel" ] || die "linux-modules-$kver has no lib/modules/$kver/kernel (see $log)"
img=
for f in "$r/boot/vmlinuz-$kver" "$r/lib/modules/$kver/vmlinuz"; do
	if [ -f "$f" ]; then
		img=$f
		break
	fi
done
[ -n "$img" ] || die "no vmlinuz in linux-binary-$kver (see $log)"
mv "$img" "$r/vmlinuz"
chroot "$sid" depmod -b "$work/root" "$kver" >>"$log" 2>&1 ||
	die "depmod for $kver failed (see $log)"
[ -s "$r/lib/modules/$kver/modules.dep" ] || die "depmod wrote no modules.dep (see $log)"

rm -rf "$dest"
mv "$r" "$dest"
echo "sid-kernel: $kver unpacked into $dest ($(du -sh "$dest" | cut -f 1))" >&2
echo "$dest"
