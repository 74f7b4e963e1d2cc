#!/bin/sh
# Build fio (Debian's fio source, the version bookworm ships) and the rxring
# external I/O engine against it, and lay out a bundle the test guest can
# run without Debian's fio package:
#
#   build/fio-engine/bundle/fio                 fio, dynamically linked
#   build/fio-engine/bundle/rxring-engine.so    --ioengine=external:...
#   build/fio-engine/bundle/lib/                the shared libraries fio
#                                               needs, and the loader
#   build/fio-engine/bundle/run-fio             runs fio with those
#
# fio must be dynamically linked: it loads external engines with dlopen().
# The source comes from scripts/fetch-fio.sh (apt-get source, cached in
# build/fio-src/) and is configured and built in a copy of its own here.
# librxring must be built first (make userspace): the engine links its
# position-independent objects.
#
# Usage: scripts/build-fio-engine.sh      prints the bundle directory
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=${FIO_ENGINE_OUT:-$top/build/fio-engine}
lib=${LIBRXRING_BUILD:-$top/build/userspace}
mkdir -p "$out"

src=$("$here/fetch-fio.sh")
fio=$out/fio-build

# fio: configured and built once per source tree.
if [ ! -x "$fio/fio" ] || [ "$fio/fio" -ot "$src/fio.c" ]; then
	echo "build-fio-engine: building fio from $src" >&2
	rm -rf "$fio"
	cp -a "$src" "$fio"
	(
		cd "$fio"
		make clean >/dev/null 2>&1 || true
		./configure --disable-native >configure.log 2>&1
		make -j"$(nproc)" fio >make.log 2>&1
	) || { echo "build-fio-engine: fio failed to build (see $fio/*.log)" >&2; exit 1; }
fi

# The engine: fio's headers as system headers (they are not -Wextra clean),
# our code with every warning an error.
set -- "$lib"/obj/shared/*.o
if [ ! -f "$1" ]; then
	echo "build-fio-engine: no librxring objects in $lib (make userspace)" >&2
	exit 1
fi
${CC:-cc} -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	-isystem "$fio" -include "$fio/config-host.h" -I"$lib/include" \
	-shared -fPIC -rdynamic -o "$out/rxring-engine.so" \
	"$top/userspace/fio/rxring-engine.c" "$@"

# The bundle.
b=$out/bundle
rm -rf "$b"
mkdir -p "$b/lib"
cp "$fio/fio" "$out/rxring-engine.so" "$b/"
for l in $(ldd "$fio/fio" "$out/rxring-engine.so" | grep -oE '/[^ ]+' | sort -u); do
	[ -f "$l" ] && cp -L "$l" "$b/lib/"
done
loader=$(ldd "$fio/fio" | grep -oE '/[^ ]*ld-linux[^ ]*' | head -n 1)
cat >"$b/run-fio" <<EOS
#!/bin/sh
# fio with the libraries of this directory (no fio package needed).
d=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$d/lib/$(basename "$loader")" --library-path "\$d/lib" "\$d/fio" "\$@"
EOS
chmod 755 "$b/run-fio"
echo "$b"
