#!/bin/sh
# Build rxring.ko out of tree for one kernel without touching the source
# tree: Kbuild, module/ and uapi/ are mirrored into build/kmod/KVER/ and
# kbuild runs there.
#
# Usage: scripts/build-module.sh KVER [make args...]   e.g. W=1 C=2
#        KDIR=/path/to/kernel/build overrides /lib/modules/KVER/build;
#        KMOD_DIR=dir overrides the build directory build/kmod/KVER.
# Result: build/kmod/KVER/rxring.ko
#
# A kernel whose build tree is not on the host but in the sid chroot of
# scripts/sid-chroot.sh (sid's 7.2, whose headers need sid's gcc-16) is
# built inside that chroot: the build directory is bind-mounted at the
# same path in it, in a mount namespace of its own that ends with make
# (nothing stays mounted), and kbuild runs there. Run sid-chroot.sh once
# first.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

if [ $# -lt 1 ]; then
	echo "usage: $0 KVER [make args...]" >&2
	exit 2
fi
kver=$1
shift
kdir=${KDIR:-"/lib/modules/$kver/build"}
sid=${RXRING_CACHE:-/var/cache/rxring}/sid-chroot
chroot=
if [ ! -f "$kdir/Makefile" ]; then
	if [ -f "$sid/lib/modules/$kver/build/Makefile" ]; then
		chroot=$sid
		kdir=/lib/modules/$kver/build
	else
		echo "build-module: no kernel build tree at $kdir (headers for $kver missing? for a sid kernel run scripts/sid-chroot.sh $kver)" >&2
		exit 1
	fi
fi

out=${KMOD_DIR:-"$top/build/kmod/$kver"}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# sync SRC DST: make DST a copy of file SRC. Only files whose content
# changed are rewritten, with a fresh mtime, so kbuild rebuilds exactly
# what changed (even when a source goes back to an older version).
sync() {
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2"
	fi
}

for d in module uapi; do
	mkdir -p "$out/$d"
	# Forget sources that vanished from the tree (and their objects).
	(cd "$out/$d" && find . -type f \( -name '*.[chS]' -o -name Makefile \
		-o -name Kbuild \) -print) | while IFS= read -r f; do
		if [ ! -e "$top/$d/$f" ]; then
			rm -f "$out/$d/$f" "$out/$d/${f%.*}.o"
		fi
	done
	[ -d "$top/$d" ] || continue
	(cd "$top/$d" && find . -type f ! -name '*.o' ! -name '*.ko' \
		! -name '.*.cmd' -print) | while IFS= read -r f; do
		sync "$top/$d/$f" "$out/$d/$f"
	done
done
sync "$top/Kbuild" "$out/Kbuild"
[ ! -f "$top/VERSION" ] || sync "$top/VERSION" "$out/VERSION"

# -j: two kernels may be built in a row; stay within the machine.
jobs=$(nproc 2>/dev/null || echo 2)
if [ -n "$chroot" ]; then
	echo "build-module: building for $kver in $chroot" >&2
	mkdir -p "$chroot$out"
	# shellcheck disable=SC2016
	exec unshare --mount --propagation private sh -c '
		root=$1 out=$2
		shift 2
		mount -t proc proc "$root/proc" &&
			mount --bind "$out" "$root$out" &&
			exec chroot "$root" "$@"' \
		sh "$chroot" "$out" make -C "$kdir" M="$out" -j"$jobs" "$@" modules
fi
exec make -C "$kdir" M="$out" -j"$jobs" "$@" modules
