#!/bin/bash
# Packaging checks run by "make check" on the host, without changing the
# system: everything goes to a scratch directory.
#   install-tree  "make install DESTDIR=... PREFIX=/usr" lays out the files
#                 a distribution package takes (module, library with soname
#                 and version script, headers, pkg-config file, programs,
#                 man pages, udev rule, modules-load.d entry), and a program
#                 built against the staged tree with pkg-config links to
#                 librxring.so.1 and calls only versioned symbols
#   dkms-build    "dkms build" of the sources "make dkms-src" installs, in a
#                 private DKMS tree, for each kernel given; each built
#                 rxring.ko's vermagic names its kernel. With
#                 DKMS_KO_OUT=DIR the built modules are copied to
#                 DIR/KVER/rxring.ko.* (scripts/vm.sh RXRING_KO= tests them)
#
# Usage: scripts/package-check.sh KVER...
# Prints TAP lines ("ok NAME # ..." / "not ok NAME"), diagnostics as "# ";
# exits non-zero when anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
scratch=$top/build/package-check
rm -rf "$scratch"
mkdir -p "$scratch"
failed=0

result() {	# result ok|"not ok" NAME [NOTE] [LOG]
	if [ -n "${3:-}" ]; then
		echo "$1 $2 # $3"
	else
		echo "$1 $2"
	fi
	if [ "$1" != ok ]; then
		failed=1
		[ -z "${4:-}" ] || [ ! -f "$4" ] || tail -n 20 "$4" | sed 's/^/# /'
	fi
}

# ---- install-tree
kver=$1
dest=$scratch/dest
log=$scratch/install.log
if make -C "$top" --no-print-directory install KVER="$kver" PREFIX=/usr \
	DESTDIR="$dest" >"$log" 2>&1; then
	missing=""
	for f in "lib/modules/$kver/updates/rxring.ko" \
		usr/lib/librxring.a usr/lib/librxring.so usr/lib/librxring.so.1 \
		usr/include/rxring.h usr/include/rxring_u2u.h \
		usr/include/linux/rxring.h usr/lib/pkgconfig/librxring.pc \
		usr/share/man/man7/rxring.7 usr/share/man/man3/librxring.3 \
		usr/share/man/man3/rxring_submit.3 usr/bin/rxring-info \
		usr/lib/udev/rules.d/60-rxring.rules \
		usr/lib/modules-load.d/rxring.conf; do
		[ -e "$dest/$f" ] || missing="$missing $f"
	done
	soname=$(readelf -d "$dest/usr/lib/librxring.so.1" 2>/dev/null |
		sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	# A program against the staged tree, found through pkg-config.
	cat >"$scratch/t.c" <<'EOF'
#include <rxring.h>
#include <stdio.h>

int main(void)
{
	struct rxring ring;
	int ret = rxring_queue_init(8, &ring, 0);

	if (ret == 0)
		rxring_queue_exit(&ring);
	printf("%d\n", ret);
	return 0;
}
EOF
	pc="PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig"
	cflags=$(env $pc pkg-config --cflags librxring 2>>"$log")
	libs=$(env $pc pkg-config --libs librxring 2>>"$log")
	# shellcheck disable=SC2086
	if [ -n "$missing" ]; then
		result "not ok" install-tree "missing:$missing" "$log"
	elif [ "$soname" != librxring.so.1 ]; then
		result "not ok" install-tree "soname '$soname', want librxring.so.1" "$log"
	elif ! gcc -Wall -Wextra -Werror $cflags -o "$scratch/t" "$scratch/t.c" \
		$libs >>"$log" 2>&1; then
		result "not ok" install-tree "a program does not build against the staged tree" "$log"
	elif ! readelf -d "$scratch/t" | grep -q 'NEEDED.*\[librxring.so.1\]' ||
		! readelf -V "$scratch/t" | grep -q 'LIBRXRING_1'; then
		result "not ok" install-tree "the program does not link librxring.so.1 by version" "$log"
	else
		result ok install-tree "$(find "$dest" -type f | wc -l) files, $(find "$dest" -type l | wc -l) links; pkg-config build links librxring.so.1 (LIBRXRING_1.x)"
	fi
else
	result "not ok" install-tree "make install failed" "$log"
fi

# ---- dkms-build
if ! command -v dkms >/dev/null; then
	result "not ok" dkms-build "dkms is not installed (scripts/install-deps.sh)"
	exit 1
fi
version=$(cat "$top/VERSION")
src=$scratch/dkms-src
tree=$scratch/dkms-tree
log=$scratch/dkms.log
mkdir -p "$tree"
if ! make -C "$top" --no-print-directory dkms-src DESTDIR="$src" >"$log" 2>&1; then
	result "not ok" dkms-build "make dkms-src failed" "$log"
	exit 1
fi
srcdir=$src/usr/src
dk() { dkms "$@" --dkmstree "$tree" --sourcetree "$srcdir" -m rxring -v "$version"; }
if ! dk add >>"$log" 2>&1; then
	result "not ok" dkms-build "dkms add failed" "$log"
	exit 1
fi
for k in "$@"; do
	t=$(date +%s)
	if ! dk build -k "$k" >>"$log" 2>&1; then
		result "not ok" "dkms-build $k" "dkms build failed" "$log"
		continue
	fi
	ko=$(find "$tree/rxring/$version/$k" -name 'rxring.ko*' | head -n 1)
	magic=""
	case "$ko" in
	*.xz) xz -dc "$ko" >"$scratch/rxring-$k.ko" ;;
	*.zst) zstd -qdc "$ko" >"$scratch/rxring-$k.ko" ;;
	*.gz) gzip -dc "$ko" >"$scratch/rxring-$k.ko" ;;
	*) cp "$ko" "$scratch/rxring-$k.ko" ;;
	esac
	magic=$(modinfo -F vermagic "$scratch/rxring-$k.ko" 2>/dev/null)
	if [ "${magic%% *}" != "$k" ]; then
		result "not ok" "dkms-build $k" "vermagic '$magic'" "$log"
		continue
	fi
	if [ -n "${DKMS_KO_OUT:-}" ]; then
		mkdir -p "$DKMS_KO_OUT/$k"
		cp "$ko" "$DKMS_KO_OUT/$k/"
	fi
	result ok "dkms-build $k" "$(basename "$ko"), vermagic $k, $(($(date +%s) - t)) s"
done
exit $failed
