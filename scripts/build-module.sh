#!/bin/sh
# Build rxring.ko out of tree for one kernel without touching the source
# tree: Kbuild, module/ and uapi/ are mirrored into build/kmod/KVER/ and
# kbuild runs there.
#
# Usage: scripts/build-module.sh KVER [make args...]   e.g. W=1 C=2
#        KDIR=/path/to/kernel/build overrides /lib/modules/KVER/build;
#        KMOD_DIR=dir overrides the build directory build/kmod/KVER.
# Result: build/kmod/KVER/rxring.ko
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
if [ ! -f "$kdir/Makefile" ]; then
	echo "build-module: no kernel build tree at $kdir (headers for $kver missing?)" >&2
	exit 1
fi

out=${KMOD_DIR:-"$top/build/kmod/$kver"}
mkdir -p "$out"

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
exec make -C "$kdir" M="$out" -j"$jobs" "$@" modules
