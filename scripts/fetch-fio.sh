#!/bin/sh
# Fetch fio's source from Debian (the version bookworm ships, with Debian's
# patches applied) and print the directory it is in. Cached outside git in
# build/fio-src/ (FIO_SRC_CACHE): a second call prints the same directory
# without touching the network. fio's code is never committed here.
#
# Needs a deb-src entry for bookworm: as root, one is added in
# /etc/apt/sources.list.d/rxring-src.sources (deb822) when apt has none,
# followed by apt-get update. dpkg-dev (dpkg-source) unpacks the package.
#
# Usage: scripts/fetch-fio.sh          prints e.g. build/fio-src/fio-3.33
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cache=${FIO_SRC_CACHE:-$top/build/fio-src}
mkdir -p "$cache"

# The unpacked tree, if an earlier call made one.
src=$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'fio-*' | sort -V | tail -n 1)
if [ -n "$src" ] && [ -f "$src/t/io_uring.c" ]; then
	echo "$src"
	exit 0
fi

have_src() { apt-cache showsrc fio 2>/dev/null | grep -q '^Package: fio'; }

if ! have_src; then
	if [ "$(id -u)" != 0 ]; then
		echo "fetch-fio: no deb-src entry for fio, and not root to add one" >&2
		exit 1
	fi
	list=/etc/apt/sources.list.d/rxring-src.sources
	if [ ! -f "$list" ]; then
		cat >"$list" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	fi
	apt-get update -qq >&2
	have_src || { echo "fetch-fio: apt knows no source package fio" >&2; exit 1; }
fi
command -v dpkg-source >/dev/null || {
	echo "fetch-fio: dpkg-source missing (install dpkg-dev)" >&2
	exit 1
}

cd "$cache"
# --download-only, then unpack ourselves: apt-get source would also try to
# unpack as the _apt user, which cannot write here.
apt-get source -qq --download-only fio >&2 2>/dev/null ||
	apt-get source -qq --download-only fio >&2
dsc=$(for f in fio_*.dsc; do echo "$f"; done | sort -V | tail -n 1)
ver=${dsc#fio_}
ver=${ver%.dsc}
ver=${ver%-*}
rm -rf "fio-$ver"
dpkg-source -q -x "$dsc" "fio-$ver" >&2
echo "$cache/fio-$ver"
