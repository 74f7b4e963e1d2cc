#!/bin/bash
# The benchmark behind "make bench": rxring against io_uring on the same
# kernel, in the same QEMU boot. For each kernel it boots the guest in bench
# mode (scripts/vm.sh, scripts/vm/bench), where fio's t/io_uring and
# rxring-iobench run identical workloads interleaved, and one more boot for
# files on ext4 and xfs (scripts/vm/bench-file: reads by the same two tools,
# writes by fio with its io_uring engine and with the rxring engine), then
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
#                nvme0n1 or nop (e.g. "nop:128 nop:1:1"); "none" for none
#                (only the files, with BENCH_FILES=1)
#   BENCH_FILES  1: the file workloads (scripts/vm/bench-file) in boots
#                of their own after the others; the default with the full
#                set and no BENCH_WORKLOADS, 0 otherwise. With the mixed
#                clock, warm buffered reads (CPU-bound: every read a page
#                cache hit) run on the instruction clock, the others (which
#                wait for the emulated NVMe device) on the host's
#   BENCH_FILE_WORKLOADS  VARIANT:QD words (default: odirect, cold and
#                warm reads at QD 1 and 32; write and fsync at QD 32; see
#                scripts/vm/bench-file)
#   BENCH_FILE_FS  file systems (default "ext4 xfs"; xfs is reported
#                "skipped: no xfs" where the guest lacks mkfs.xfs or xfs.ko)
#   BENCH_FILE_RUNS  runs of each file workload on the host's clock
#                (default BENCH_RUNS); on the instruction clock, where runs
#                agree to 0.1%, BENCH_FILE_ICOUNT_RUNS (default 1)
#   BENCH_FILE_SECS  the file workloads' SECS (default 4)
#   BENCH_FILE_MB, BENCH_COLD_MB  sizes of the file (default 96) and of the
#                cold-cache reads' file (default 1024)
#   BENCH_ENGINES  only these engines ("rxring"): for A/B runs of one
#                with BENCH_CLOCK=icount, where the other's figures do not
#                change
#   BENCH_PLOT   where the plot goes (default docs/performance.png; "" for
#                none)
#   BENCH_CLOCK  mixed (the default), icount or real. icount: the guest's
#                clock counts instructions (QEMU -icount shift=0,sleep=on:
#                one instruction one nanosecond, one vCPU; scripts/vm.sh
#                VM_ICOUNT=1 VM_ICOUNT_SLEEP=1), so whatever the CPU does is
#                measured in instructions, the same from run to run and
#                whatever else the host runs. real: the host's clock and
#                two vCPUs, as fast as the emulation runs - meaningful only
#                on an otherwise idle host. The emulated NVMe device works
#                on the host's clock, so its figures under icount measure
#                QEMU's timers, not the I/O path. mixed: two boots per
#                kernel, null_blk and NOP workloads (and the allocation
#                count) on the icount clock, NVMe ones on the real clock;
#                each comparison still runs both engines in one boot.
#
# Files: build/bench/raw-KVER.CLOCK.txt (the guest's result lines;
# raw-KVER.files-CLOCK.txt for the file boots), build/bench/vm-KVER.*.tap,
# build/bench/results.{csv,json,md}.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=$top/build/bench
runs=${BENCH_RUNS:-3}
clock=${BENCH_CLOCK:-mixed}
case "$clock" in
icount | real | mixed) ;;
*) echo "bench: BENCH_CLOCK is mixed, icount or real" >&2; exit 2 ;;
esac
secs=${BENCH_SECS:-5}
set_=${BENCH_SET:-full}
plot=${BENCH_PLOT-$top/docs/performance.png}
if [ $# -eq 0 ]; then
	set -- 6.1 6.12
fi
if [ "$set_" = full ] && [ -z "${BENCH_WORKLOADS:-}" ]; then
	files=${BENCH_FILES:-1}
else
	files=${BENCH_FILES:-0}
fi
[ "$set_" != perf ] || files=0
file_runs=${BENCH_FILE_RUNS:-$runs}
file_icount_runs=${BENCH_FILE_ICOUNT_RUNS:-1}
file_secs=${BENCH_FILE_SECS:-4}
file_mb=${BENCH_FILE_MB:-96}
cold_mb=${BENCH_COLD_MB:-1024}
file_fs=${BENCH_FILE_FS:-ext4 xfs}
file_wl=${BENCH_FILE_WORKLOADS:-odirect:1 odirect:32 cold:1 cold:32 warm:1 warm:32 write:32 fsync:32}
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
# t/io_uring with its compile-time sq_thread_poll switch on: SQPOLL, for
# the "sqpoll" variant. The same objects, linked the way fio links it.
if [ ! -x "$tio-sqpoll" ] || [ "$tio-sqpoll" -ot "$tio" ]; then
	progress "building t/io_uring-sqpoll"
	(
		cd "$out/fio-build"
		sed 's/^static int sq_thread_poll = 0;/static int sq_thread_poll = 1;/' \
			t/io_uring.c >t/io_uring_sqpoll.c
		grep -q '^static int sq_thread_poll = 1;' t/io_uring_sqpoll.c
		make t/io_uring_sqpoll.o >>make.log 2>&1
		link=$(make -s -n -W t/io_uring.o t/io_uring | grep -e '-o t/io_uring ' | tail -n 1)
		link=${link#*;}
		eval "${link/ -o t\/io_uring t\/io_uring.o / -o t/io_uring-sqpoll t/io_uring_sqpoll.o }"
	) >>"$out/fio-build/make.log" 2>&1 ||
		{ echo "bench: t/io_uring-sqpoll failed to build (see $out/fio-build/make.log)" >&2; exit 1; }
fi

progress "building userspace"
make -C "$top" --no-print-directory userspace >"$out/userspace.log" 2>&1 || {
	echo "bench: userspace failed to build (see $out/userspace.log)" >&2
	exit 1
}

# fio (dynamic, Debian's source) and the rxring engine, for the file
# boot's writes: t/io_uring only reads.
fio_bundle=
if [ "$files" = 1 ]; then
	progress "building fio and the rxring fio engine"
	if fio_bundle=$("$here/build-fio-engine.sh" 2>"$out/fio-engine.log"); then
		:
	else
		echo "bench: the fio bundle failed to build (see $out/fio-engine.log): no file write workloads" >&2
		fio_bundle=
	fi
fi

# The workloads of a set: DEV:QD[:BATCH] words (as scripts/vm/bench).
case "$set_" in
quick) all="nullb0:128 nullb0:1 nop:128" ;;
*) all="nullb0:1 nullb0:32 nullb0:128 nvme0n1:1 nvme0n1:32 nvme0n1:128 nop:128" ;;
esac
# On the host's clock besides NVMe (mixed): SQPOLL (its thread and the
# program need two CPUs), and null_blk and NOPs again, to set beside the
# instruction counts.
real_extra=
[ "$set_" != full ] || real_extra="nullb0:128:32:plain+fixed+sqpoll nop:128:32:plain+sqpoll"
all=${BENCH_WORKLOADS:-$all $real_extra}
[ "$all" != none ] || all=
real_of() {
	for w in $all; do
		case "$w" in nvme* | *sqpoll*) printf '%s ' "$w" ;; esac
	done
}
cpu_of() {
	for w in $all; do
		case "$w" in nvme* | *sqpoll*) ;; *) printf '%s ' "$w" ;; esac
	done
}

# boot KERNEL CLOCK WORKLOADS ALLOCS: one guest boot; its result lines go
# to build/bench/raw-KVER.CLOCK.txt.
boot() {
	k=$1 c=$2 wl=$3 al=$4
	# Guest time: runs x workloads x engines x (secs + start-up), plus
	# boot and the allocation count, with room to spare.
	n=0
	for w in $wl; do n=$((n + 6)); done
	per_kernel=$((runs * n * (secs + 3) + 400))
	if [ "$c" = icount ]; then
		# Counting instructions, a virtual second takes several real ones.
		per_kernel=$((per_kernel * 6))
		icount=1
	else
		icount=0
	fi
	progress "$k: booting the guest (bench: $runs runs x ${secs} s, clock $c: $wl)"
	t=$(date +%s)
	tap=$out/vm-$k.$c.tap
	VM_ICOUNT=$icount VM_ICOUNT_SLEEP=$icount BENCH_TIO=$tio BENCH_PERF=$perf_bin \
		BENCH_CONF="RUNS=$runs SECS=$secs SET=$set_ CLOCK=$c ALLOCS=$al WORKLOADS='$wl' PROFILE='${BENCH_PROFILE:-}' PERF_LIMIT='${PERF_LIMIT:-}' PERF_LINES='${PERF_LINES:-}' ENGINES='${BENCH_ENGINES:-}'" \
		USERSPACE_BIN=$top/build/userspace/bin \
		"$here/vm.sh" -t "$per_kernel" "$k" bench >"$tap" 2>"$out/vm-$k.$c.err" || rc=1
	kver=$(sed -n 's/^# rxring bench on \([^:]*\):.*/\1/p' "$tap" | head -n 1)
	if [ -z "$kver" ] || [ ! -s "$top/build/vm/$kver/bench.txt" ]; then
		echo "bench: $k: no results (see $tap, build/vm/*/console.log)" >&2
		rc=1
		return
	fi
	if [ "$set_" = perf ]; then
		cp "$top/build/vm/$kver/bench.txt" "$out/perf-$kver.txt"
		progress "$kver: profiles in $out/perf-$kver.txt"
		return
	fi
	cp "$top/build/vm/$kver/bench.txt" "$out/raw-$kver.$c.txt"
	raws="$raws $out/raw-$kver.$c.txt"
	progress "$kver ($c clock): $(grep -c '^RXRING-BENCH ' "$out/raw-$kver.$c.txt") runs in $(($(date +%s) - t)) s"
}

# The file workloads by clock (mixed): warm buffered reads use only the
# CPU; the others wait for the emulated NVMe device.
file_cpu_of() {
	for w in $file_wl; do
		case "$w" in warm:*) printf '%s ' "$w" ;; esac
	done
}
file_real_of() {
	for w in $file_wl; do
		case "$w" in warm:*) ;; *) printf '%s ' "$w" ;; esac
	done
}

# boot_files KERNEL CLOCK WORKLOADS: the file workloads, one boot; result
# lines to build/bench/raw-KVER.files-CLOCK.txt.
boot_files() {
	k=$1 c=$2 wl=$3
	if [ "$c" = icount ]; then
		r=$file_icount_runs icount=1
	else
		r=$file_runs icount=0
	fi
	# shellcheck disable=SC2086 # words
	set -- $wl
	n=$(($# * 2))
	# shellcheck disable=SC2086
	set -- $file_fs
	nfs=$#
	# Each run: the tool's seconds, fio's start, a cache drop or re-read;
	# per file system mkfs and the files; with room to spare.
	per_kernel=$((r * n * nfs * (file_secs + 8) + nfs * 150 + 400))
	[ "$icount" = 0 ] || per_kernel=$((per_kernel * 6))
	# The namespace: the files, and room for the file system (mkfs.xfs
	# wants more than 300 MB).
	disk=$((file_mb + 256))
	case " $wl " in *" cold:"*) disk=$((disk + cold_mb)) ;; esac
	[ "$disk" -ge 512 ] || disk=512
	progress "$k: booting the guest (files: $r runs x ${file_secs} s, clock $c, $file_fs: $wl)"
	t=$(date +%s)
	tap=$out/vm-$k.files-$c.tap
	VM_ICOUNT=$icount VM_ICOUNT_SLEEP=$icount VM_DISK_SIZE=${disk}M \
		BENCH_TIO=$tio BENCH_FIO=$fio_bundle BENCH_SCRIPT=$here/vm/bench-file \
		BENCH_CONF="RUNS=$r SECS=$file_secs CLOCK=$c FS='$file_fs' FILE_WORKLOADS='$wl' FILE_MB=$file_mb COLD_MB=$cold_mb" \
		USERSPACE_BIN=$top/build/userspace/bin \
		"$here/vm.sh" -t "$per_kernel" "$k" bench >"$tap" 2>"$out/vm-$k.files-$c.err" || rc=1
	kver=$(sed -n 's/^# rxring bench on \([^:]*\):.*/\1/p' "$tap" | head -n 1)
	if [ -z "$kver" ] || [ ! -s "$top/build/vm/$kver/bench.txt" ]; then
		echo "bench: $k: no file results (see $tap, build/vm/*/console.log)" >&2
		rc=1
		return
	fi
	cp "$top/build/vm/$kver/bench.txt" "$out/raw-$kver.files-$c.txt"
	raws="$raws $out/raw-$kver.files-$c.txt"
	progress "$kver (files, $c clock): $(grep -c '^RXRING-BENCH ' "$out/raw-$kver.files-$c.txt") runs in $(($(date +%s) - t)) s"
}

rc=0
raws=
# Profiles: one boot, on the instruction clock unless told otherwise.
[ "$set_" != perf ] || [ "$clock" != mixed ] || clock=icount
for k in "$@"; do
	case "$clock" in
	mixed)
		cpu=$(cpu_of) real=$(real_of)
		[ -z "$cpu" ] || boot "$k" icount "$cpu" 1
		[ -z "$real" ] || boot "$k" real "$real" 0
		;;
	*)
		[ -z "$all" ] || boot "$k" "$clock" "$all" 1
		;;
	esac
	[ "$files" = 1 ] || continue
	case "$clock" in
	mixed)
		cpu=$(file_cpu_of) real=$(file_real_of)
		[ -z "$cpu" ] || boot_files "$k" icount "$cpu"
		[ -z "$real" ] || boot_files "$k" real "$real"
		;;
	*)
		boot_files "$k" "$clock" "$file_wl"
		;;
	esac
done

[ "$set_" != perf ] || exit $rc
[ -n "$raws" ] || exit 1
# shellcheck disable=SC2086 # file names without spaces
python3 "$here/bench-report.py" --out "$out" ${plot:+--plot "$plot"} $raws
exit $rc
