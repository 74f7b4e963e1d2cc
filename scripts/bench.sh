#!/bin/bash
# The benchmark behind "make bench": rxring against io_uring on the same
# kernel, in the same QEMU boot. For each kernel it boots the guest in bench
# mode (scripts/vm.sh, scripts/vm/bench), where fio's t/io_uring and
# rxring-iobench run identical workloads interleaved, then
# scripts/bench-report.py turns all result files into build/bench/results.*
# and docs/performance.png.
#
# Usage: scripts/bench.sh [KERNEL...]      (default: 6.1 6.12)
# Environment:
#   BENCH_RUNS   runs of each workload and engine (default 3)
#   BENCH_SECS   the tools' -r: SECS-1 one-second reports, the first of
#                which is dropped (default 5)
#   BENCH_SET    full (null_blk and NVMe at QD 1, 32, 128, NOPs, and the
#                allocation count), quick (null_blk QD 128 and 1, NOPs), or
#                perf: profiles instead of the table - perf from Debian's
#                linux-perf (installed when missing) samples the guest
#                during each engine's run of the BENCH_PROFILE workloads
#                (DEV:VARIANT:QD words, default "nop:plain:128
#                nullb0:fixed:128 nullb0:plain:128 nullb0:fixed:1"); the
#                flat profiles go to build/bench/perf-KVER.txt (symbols
#                above PERF_LIMIT percent, default 0.4, at most PERF_LINES,
#                default 45)
#   BENCH_WORKLOADS  instead of the set: DEV:QD[:BATCH] words, DEV nullb0,
#                nvme0n1 or nop (e.g. "nop:128 nop:1:1")
#   BENCH_ENGINES  only these engines ("rxring"): for A/B runs of one
#                with BENCH_CLOCK=icount, where the other's figures do not
#                change
#   BENCH_PLOT   where the plot goes (default docs/performance.png; "" for
#                none)
#   BENCH_CLOCK  icount (the default) or real. icount: the guest's clock
#                counts instructions (QEMU -icount shift=0,sleep=on: one
#                instruction one nanosecond, one vCPU; scripts/vm.sh
#                VM_ICOUNT=1 VM_ICOUNT_SLEEP=1), so whatever the CPU does is
#                measured in instructions, the same from run to run and
#                whatever else the host runs; only waits for the emulated
#                NVMe device, which go by the host's clock, stay noisy.
#                real: the host's clock and two vCPUs, as fast as the
#                emulation runs - meaningful only on an otherwise idle host.
#
# Files: build/bench/raw-KVER.txt (the guest's result lines),
# build/bench/vm-KVER.tap, build/bench/results.{csv,json,md}.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=$top/build/bench
runs=${BENCH_RUNS:-3}
clock=${BENCH_CLOCK:-icount}
case "$clock" in
icount) export VM_ICOUNT=1 VM_ICOUNT_SLEEP=1 ;;
real) export VM_ICOUNT=0 ;;
*) echo "bench: BENCH_CLOCK is icount or real" >&2; exit 2 ;;
esac
secs=${BENCH_SECS:-5}
set_=${BENCH_SET:-full}
plot=${BENCH_PLOT-$top/docs/performance.png}
if [ $# -eq 0 ]; then
	set -- 6.1 6.12
fi
mkdir -p "$out"

progress() { echo "bench: $*" >&2; }

"$here/install-deps.sh"
perf_bin=
if [ "$set_" = perf ]; then
	# The perf binary itself: /usr/bin/perf of Debian's linux-perf.
	if ! dpkg-query -W -f='${Status}' linux-perf 2>/dev/null | grep -q 'ok installed'; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends linux-perf >&2
	fi
	perf_bin=/usr/bin/perf
fi

# t/io_uring from Debian's fio source, built statically in a copy of the
# tree of its own (a fio build elsewhere may be configured differently).
src=$("$here/fetch-fio.sh")
tio=$out/fio-build/t/io_uring
if [ ! -x "$tio" ] || [ "$tio" -ot "$src/t/io_uring.c" ]; then
	progress "building t/io_uring from $src"
	rm -rf "$out/fio-build"
	cp -a "$src" "$out/fio-build"
	(
		cd "$out/fio-build"
		# --disable-native: the guest CPU (QEMU TCG) lacks most host extensions.
		if ! ./configure --build-static --disable-native >configure.log 2>&1; then
			# vm.sh copies the libraries of a dynamic binary.
			echo "bench: static configure failed, building dynamically" >&2
			./configure --disable-native >configure.log 2>&1
		fi
		make -j2 t/io_uring >make.log 2>&1
	) || { echo "bench: t/io_uring failed to build (see $out/fio-build/*.log)" >&2; exit 1; }
fi

progress "building userspace"
make -C "$top" --no-print-directory userspace >"$out/userspace.log" 2>&1 || {
	echo "bench: userspace failed to build (see $out/userspace.log)" >&2
	exit 1
}

# Guest time: runs x workloads x (secs + start-up), plus boot and the
# allocation count, with room to spare.
per_kernel=$((runs * 26 * (secs + 3) + 400))
# Counting instructions (VM_ICOUNT=1), a virtual second takes several real
# ones.
[ "${VM_ICOUNT:-0}" != 1 ] || per_kernel=$((per_kernel * 6))
rc=0
for k in "$@"; do
	progress "$k: booting the guest (bench: $runs runs x ${secs} s, set $set_, clock $clock)"
	t=$(date +%s)
	tap=$out/vm-$k.tap
	BENCH_TIO=$tio BENCH_PERF=$perf_bin \
		BENCH_CONF="RUNS=$runs SECS=$secs SET=$set_ CLOCK=$clock WORKLOADS='${BENCH_WORKLOADS:-}' PROFILE='${BENCH_PROFILE:-}' PERF_LIMIT='${PERF_LIMIT:-}' PERF_LINES='${PERF_LINES:-}' ENGINES='${BENCH_ENGINES:-}'" \
		USERSPACE_BIN=$top/build/userspace/bin \
		"$here/vm.sh" -t "$per_kernel" "$k" bench >"$tap" 2>"$out/vm-$k.err" || rc=1
	kver=$(sed -n 's/^# rxring bench on \([^:]*\):.*/\1/p' "$tap" | head -n 1)
	if [ -z "$kver" ] || [ ! -s "$top/build/vm/$kver/bench.txt" ]; then
		echo "bench: $k: no results (see $tap, build/vm/*/console.log)" >&2
		rc=1
		continue
	fi
	if [ "$set_" = perf ]; then
		cp "$top/build/vm/$kver/bench.txt" "$out/perf-$kver.txt"
		progress "$kver: profiles in $out/perf-$kver.txt"
		continue
	fi
	cp "$top/build/vm/$kver/bench.txt" "$out/raw-$kver.txt"
	progress "$kver: $(grep -c '^RXRING-BENCH ' "$out/raw-$kver.txt") runs in $(($(date +%s) - t)) s"
done

[ "$set_" != perf ] || exit $rc
python3 "$here/bench-report.py" --out "$out" ${plot:+--plot "$plot"} "$out"/raw-*.txt
exit $rc
