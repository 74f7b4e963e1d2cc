#!/bin/sh
# Extract the kselftest harness, the kselftest runner and checkpatch from
# the Debian linux-source-6.1 tarball into a cache directory.
#
# Usage: scripts/ksft-fetch.sh [DESTDIR]     (default: build/ksft)
#
# Layout (compile tests with -I DESTDIR):
#   DESTDIR/kselftest_harness.h, DESTDIR/kselftest.h
#   DESTDIR/kselftest/runner.sh, prefix.pl, module.sh
#   DESTDIR/scripts/checkpatch.pl, spelling.txt, const_structs.checkpatch
#
# Nothing is extracted when DESTDIR already holds everything (the stamp file
# DESTDIR/.stamp records which tarball it came from).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
dest=${1:-"$top/build/ksft"}
tarball=${LINUX_SOURCE_TARBALL:-}
if [ -z "$tarball" ]; then
	# Debian names it linux-source-6.1.tar.xz (no patch level).
	for t in /usr/src/linux-source-6.1.tar.xz /usr/src/linux-source-6.1*.tar.xz; do
		if [ -f "$t" ]; then
			tarball=$t
			break
		fi
	done
fi
if [ -z "$tarball" ] || [ ! -f "$tarball" ]; then
	echo "ksft-fetch: no /usr/src/linux-source-6.1*.tar.xz (run scripts/install-deps.sh)" >&2
	exit 1
fi

stamp="$dest/.stamp"
# Bump "patch" when the fix-up below changes.
want="$(stat -c "%s %Y" "$tarball") $tarball patch 2"
files="kselftest_harness.h
kselftest.h
kselftest/runner.sh
kselftest/prefix.pl
scripts/checkpatch.pl
scripts/spelling.txt
scripts/const_structs.checkpatch"

complete=1
for f in $files; do
	[ -f "$dest/$f" ] || complete=0
done
if [ "$complete" = 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi

echo "ksft-fetch: extracting kselftest + checkpatch from $tarball" >&2
tmp="$dest.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT INT TERM
# The top-level directory name inside the tarball (linux-source-6.1).
prefix=$(basename "$tarball" .tar.xz)
mkdir "$tmp/x"
tar -xJf "$tarball" -C "$tmp/x" --strip-components=1 --wildcards \
	"$prefix/tools/testing/selftests/kselftest_harness.h" \
	"$prefix/tools/testing/selftests/kselftest.h" \
	"$prefix/tools/testing/selftests/kselftest/*" \
	"$prefix/scripts/checkpatch.pl" \
	"$prefix/scripts/spelling.txt" \
	"$prefix/scripts/const_structs.checkpatch"
mv "$tmp/x/tools/testing/selftests/kselftest_harness.h" \
	"$tmp/x/tools/testing/selftests/kselftest.h" \
	"$tmp/x/tools/testing/selftests/kselftest" \
	"$tmp/x/scripts" "$tmp/"
rm -rf "$tmp/x"
for f in $files; do
	if [ ! -f "$tmp/$f" ]; then
		echo "ksft-fetch: $f missing from $tarball" >&2
		exit 1
	fi
done
# The 6.1 harness runs a test body even when its FIXTURE_SETUP called
# SKIP() (fixed upstream in later kernels: setup that skips ends the test
# there too). Apply that fix so a skipped fixture is reported as SKIP.
h=$tmp/kselftest_harness.h
sed -i 's/^\(\t*\)if (!_metadata->passed) \\$/\1if (!_metadata->passed || _metadata->skip) \\/' "$h"
if ! grep -q '_metadata->passed || _metadata->skip' "$h"; then
	echo "ksft-fetch: could not apply the SKIP-in-setup fix to $h" >&2
	exit 1
fi
# Each test case's wall time, as a "time: NAME SECS s" comment after its
# result (which tests are slow, under the debug kernel above all).
perl -0pi -e 's/(\nvoid __run_test\(.*?\n\{\n)/$1\tstruct timespec __rx_t0, __rx_t1;\n\n\tclock_gettime(CLOCK_MONOTONIC, &__rx_t0);\n/s;
	s/(\tksft_print_msg\("         %4s  %s%s%s\.%s\\n", t->passed \? "OK" : "FAIL",\n[^\n]*\n)/$1\tclock_gettime(CLOCK_MONOTONIC, &__rx_t1);\n\tksft_print_msg("time: %s%s%s.%s %.1f s\\n", f->name,\n\t       variant->name[0] ? "." : "", variant->name, t->name,\n\t       (__rx_t1.tv_sec - __rx_t0.tv_sec) +\n\t       (__rx_t1.tv_nsec - __rx_t0.tv_nsec) \/ 1e9);\n/s;
	s/(#include <stdint.h>\n)/$1#include <time.h>\n/' "$h"
if [ "$(grep -c '__rx_t[01]' "$h")" -lt 4 ] || ! grep -q '^#include <time.h>' "$h"; then
	echo "ksft-fetch: could not add the per-test times to $h" >&2
	exit 1
fi
echo "$want" > "$tmp/.stamp"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp" "$dest"
trap - EXIT INT TERM
