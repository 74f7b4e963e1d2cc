#!/bin/bash
# The rxring debug kernel: Debian's 6.1 source (linux-source-6.1) built
# with KASAN, lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, kmemleak, UBSAN
# and fault injection (failslab, fail_page_alloc, null_blk) from
#   make defconfig kvm_guest.config + scripts/debug-kernel.config
# Everything the test guest needs (NVMe, null_blk, configfs, ext4) is built
# in. The build is cached outside the checkout, keyed by the sha256 of the
# fragment, this recipe and the source package version:
#   $RXRING_CACHE/debug-kernel/KEY/   (RXRING_CACHE default /var/cache/rxring)
#     linux-source-6.1/   the build tree (KDIR for rxring.ko; keeps
#                         Module.symvers and the objects)
#     mods/lib/modules/KREL/  modules_install output (modules.dep/.builtin)
#     bzImage, release, build.log, done
# and only rebuilt when the key changes (an interrupted build resumes).
#
# Usage: scripts/debug-kernel.sh [build]  build if needed; print the cache
#                                         directory on stdout
#        scripts/debug-kernel.sh path     print it if built, else exit 1
# Environment: RXRING_CACHE, JOBS (default nproc).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug-kernel.config
src_tar=/usr/src/linux-source-6.1.tar.xz
cache=${RXRING_CACHE:-/var/cache/rxring}/debug-kernel
action=${1:-build}
# Bump when the recipe below changes in a way that changes the result.
recipe=1

case "$action" in
build|path) ;;
*) echo "usage: $0 [build|path]" >&2; exit 2 ;;
esac

if [ ! -f "$src_tar" ]; then
	if [ "$action" = path ]; then
		exit 1
	fi
	echo "debug-kernel: $src_tar missing (run scripts/install-deps.sh)" >&2
	exit 1
fi
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || stat -c %Y "$src_tar")
key=$({ echo "recipe $recipe"; echo "source $srcver"; cat "$frag"; } | sha256sum | cut -c1-16)
dir=$cache/$key

if [ -f "$dir/done" ]; then
	echo "$dir"
	exit 0
fi
if [ "$action" = path ]; then
	exit 1
fi

mkdir -p "$dir"
exec 8>"$dir.lock"
if ! flock -n 8; then
	echo "debug-kernel: waiting for another build of $dir" >&2
	flock 8
	if [ -f "$dir/done" ]; then
		echo "$dir"
		exit 0
	fi
fi

log=$dir/build.log
tree=$dir/linux-source-6.1
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
start=$(date +%s)
echo "debug-kernel: building in $dir (log: $log); this takes a while" >&2
{
	echo "debug-kernel: source linux-source-6.1 $srcver, key $key, started $(date)"
	if [ ! -f "$tree/Makefile" ]; then
		rm -rf "$tree"
		tar -C "$dir" -xJf "$src_tar"
	fi
	cp "$frag" "$tree/kernel/configs/rxring-debug.config"
	make -C "$tree" -s defconfig
	make -C "$tree" -s kvm_guest.config
	make -C "$tree" -s rxring-debug.config
} >>"$log" 2>&1 || {
	echo "debug-kernel: configuring failed, see $log" >&2
	tail -n 20 "$log" >&2
	exit 1
}

# Every setting of the fragment must have survived Kconfig.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	name=${want#\# }
	name=${name%%[= ]*}
	if [ "${want#\#}" != "$want" ]; then
		# "is not set": absent or not set are both fine
		if grep -qE "^$name=" "$tree/.config"; then
			echo "debug-kernel: $name should be off but is $(grep -E "^$name=" "$tree/.config")" >&2
			bad=1
		fi
	elif ! grep -qxF "$want" "$tree/.config"; then
		got=$(grep -E "^(# )?$name[= ]" "$tree/.config" || echo "absent")
		echo "debug-kernel: wanted $want, got: $got" >&2
		bad=1
	fi
done <"$frag"
if [ "$bad" != 0 ]; then
	echo "debug-kernel: $frag does not apply cleanly (see above)" >&2
	exit 1
fi

if ! {
	make -C "$tree" -j"$jobs" all
	rm -rf "$dir/mods"
	make -C "$tree" -s INSTALL_MOD_PATH="$dir/mods" modules_install
} >>"$log" 2>&1; then
	echo "debug-kernel: build failed, see $log" >&2
	grep -E 'error|Error' "$log" | tail -n 20 >&2
	exit 1
fi
krel=$(make -C "$tree" -s kernelrelease)
cp "$tree/arch/x86/boot/bzImage" "$dir/bzImage"
echo "$krel" >"$dir/release"
secs=$(($(date +%s) - start))
echo "debug-kernel: $krel built in $secs s" | tee -a "$log" >&2
echo "$secs" >"$dir/done"
echo "$dir"
