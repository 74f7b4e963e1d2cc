#!/bin/sh
# Install what rxring needs on a Debian 12 (bookworm) machine.
# Idempotent: packages already present are skipped by apt-get.
set -eu

PKGS="build-essential kmod cpio busybox-static qemu-system-x86 qemu-utils
sparse xz-utils e2fsprogs xfsprogs bc bison flex libelf-dev libssl-dev dwarves
pkg-config mandoc dkms
dpkg-dev python3 gnuplot-nox
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64
linux-source-6.1"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
