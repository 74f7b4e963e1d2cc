#!/bin/bash
# Boot a Debian kernel in QEMU (TCG) with rxring.ko and run the selftests
# (check) or the demo (demo) in it. Prints TAP on stdout, also saved in
# build/vm/KVER/results.tap; exits non-zero when any result is "not ok".
#
# Usage: scripts/vm.sh [-t SECS] KERNEL [check|demo|bench]
#   KERNEL   a version with /boot/vmlinuz-KERNEL, or a prefix such as 6.1 or
#            6.12 (the newest installed 6.1.x / 6.12.x kernel), or "debug":
#            the KASAN/lockdep/kmemleak/UBSAN kernel scripts/debug-kernel.sh
#            built (its drivers are built in; null_blk's parameters go on
#            the kernel command line; guest timeouts are longer), or
#            Debian sid's kernel when no installed one matches: 7.2 or
#            7.2.13+deb14-amd64 (scripts/sid-kernel.sh fetches its image
#            and modules once into /var/cache/rxring/sid-kernel, root and
#            Debian's archive needed then; rxring.ko is built in the sid
#            chroot of scripts/sid-chroot.sh, made first when missing).
#   -t SECS  hard timeout of the guest (default $VM_TIMEOUT or 1200; 3600
#            for the debug kernel).
# Environment:
#   SELFTESTS_DIR  selftests to run (default build/selftests: TESTS + files)
#   USERSPACE_BIN  tools to install in the guest's /bin (build/userspace/bin)
#   RXRING_KO      a prebuilt rxring.ko (or .ko.xz/.ko.zst/.ko.gz, e.g. the
#                  one DKMS built) to test instead of building one; its
#                  vermagic must name KERNEL
#   VM_CMDLINE     more guest kernel parameters (e.g. idle=poll)
#   VERBOSE=1      stream the guest console (to stderr) while it runs
#   VM_ICOUNT=1    count instructions instead of running on the host's
#                  clock (QEMU -icount): reproducible benchmarks on a busy host
#   VM_ICOUNT_SLEEP=1  with VM_ICOUNT=1: the clock runs while the guest
#                  idles (for device I/O; see below)
#   BENCH_TIO      bench mode: fio's t/io_uring (static) for the guest, and
#                  BENCH_TIO-sqpoll when there is one
#   BENCH_PERF     bench mode: a perf binary (Debian's linux-perf) to copy
#                  into the guest with its libraries, for BENCH_CONF SET=perf
#   BENCH_FIO      bench mode: the fio bundle of scripts/build-fio-engine.sh
#                  (fio, the rxring engine, their libraries), copied to the
#                  guest's /fio-bundle (scripts/vm/bench-file)
#   VM_DISK_SIZE   size of the emulated NVMe namespace (default 256M)
#   BENCH_CONF     bench mode: settings for scripts/vm/bench, shell
#                  assignments ("RUNS=3 SECS=5 SET=full"); its result lines
#                  go to build/vm/KVER/bench.txt
#   BENCH_SCRIPT   bench mode: the guest script to run instead of
#                  scripts/vm/bench (e.g. scripts/vm/u2u-bench)
#   RXRING_FUZZ_SEED, RXRING_FUZZ_SQES, RXRING_FUZZ_SECS, RXRING_FUZZ_JOBS,
#   RXRING_TEARDOWN_ITERS, RXRING_U2U_N, RXRING_U2U_ONLY, RXRING_FS_SEED
#                  passed on to the selftests in the guest (see their files);
#                  with RXRING_FUZZ_SECS (a long fuzzing run, see
#                  scripts/fuzz-long.sh) the per-program time limit and the
#                  guest's timeout grow to fit it
#
# Files in build/vm/KVER/: console.log (serial console, ttyS0), results.log
# (the guest's result channel, ttyS1), results.tap, build-module.log,
# initramfs.cpio.gz, disk.img (the emulated NVMe namespace), root/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

vm_timeout=${VM_TIMEOUT:-}
while getopts t: opt; do
	case "$opt" in
	t) vm_timeout=$OPTARG ;;
	*) echo "usage: $0 [-t SECS] KERNEL [check|demo|bench]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 [-t SECS] KERNEL [check|demo|bench]" >&2
	exit 2
fi
mode=${2:-check}
case "$mode" in
check|demo|bench) ;;
*) echo "vm.sh: unknown mode '$mode' (check, demo or bench)" >&2; exit 2 ;;
esac

# resolve_kver ARG: the installed kernel version ARG names.
resolve_kver() {
	local k
	if [ -f "/boot/vmlinuz-$1" ]; then
		echo "$1"
		return
	fi
	# "6.1" must not match 6.12.x, hence the dot after the prefix.
	k=$(for f in /boot/vmlinuz-"$1".*-amd64 /boot/vmlinuz-"$1"-*-amd64; do
		[ -f "$f" ] && echo "${f#/boot/vmlinuz-}"
	done | sort -uV | tail -n 1)
	if [ -z "$k" ]; then
		echo "vm.sh: no kernel /boot/vmlinuz-$1* installed (run scripts/install-deps.sh)" >&2
		return 1
	fi
	echo "$k"
}
# The kernel to boot, its build tree (for rxring.ko) and its modules.
if [ "$1" = debug ]; then
	if ! dk=$("$here/debug-kernel.sh" path); then
		echo "vm.sh: the debug kernel is not built (scripts/debug-kernel.sh)" >&2
		exit 1
	fi
	kver=$(cat "$dk/release")
	kimage=$dk/bzImage
	kdir=$dk/linux-source-6.1
	moddir=$dk/mods/lib/modules/$kver
	lane=debug
	vm_timeout=${vm_timeout:-3600}
	# The kernel has UBSAN but is not instrumented with it as a whole
	# (scripts/debug-kernel.config); rxring.ko is.
	kbuild_args=(UBSAN_SANITIZE=y)
elif ! resolve_kver "$1" >/dev/null 2>&1 &&
		kver=$("$here/sid-kernel.sh" -n "$1"); then
	# Debian sid's kernel, which a Debian 12 host does not install: its
	# image and modules unpacked in a cache (fetched now if they are not
	# there yet). There is no /lib/modules/KVER/build on the host, so
	# build-module.sh builds rxring.ko in the sid chroot.
	if ! sk=$("$here/sid-kernel.sh" "$kver"); then
		echo "vm.sh: sid's kernel $kver is not available (scripts/sid-kernel.sh)" >&2
		exit 1
	fi
	kimage=$sk/vmlinuz
	kdir=/lib/modules/$kver/build
	moddir=$sk/lib/modules/$kver
	lane=normal
	vm_timeout=${vm_timeout:-1200}
	kbuild_args=()
else
	kver=$(resolve_kver "$1")
	kimage=/boot/vmlinuz-$kver
	kdir=/lib/modules/$kver/build
	moddir=/lib/modules/$kver
	lane=normal
	vm_timeout=${vm_timeout:-1200}
	kbuild_args=()
fi
# A long fuzzing run needs more than the default time limits.
fuzz_secs=${RXRING_FUZZ_SECS:-0}
case "$fuzz_secs" in
'' | *[!0-9]*) echo "vm.sh: RXRING_FUZZ_SECS must be a number of seconds" >&2; exit 2 ;;
esac
if [ "$fuzz_secs" -gt 0 ] && [ -z "${VM_TIMEOUT:-}" ] &&
		[ "$vm_timeout" -lt $((fuzz_secs * 2 + 900)) ]; then
	vm_timeout=$((fuzz_secs * 2 + 900))
fi

# One guest at a time per checkout: runs share build/kmod and build/vm, and
# the machine has few cores. A second caller waits here for the first.
mkdir -p "$top/build"
exec 9>"$top/build/.vm.lock"
if ! flock -n 9; then
	echo "vm.sh: waiting for another VM run in this tree to finish" >&2
	flock 9
fi

selftests=${SELFTESTS_DIR:-$top/build/selftests}
ubin=${USERSPACE_BIN:-$top/build/userspace/bin}
ksft=$top/build/ksft
out=$top/build/vm/$kver
root=$out/root
mkdir -p "$out"

# ---------------------------------------------------------------- results
results=()	# TAP lines without numbers: "ok NAME # detail"
result() {	# result ok|"not ok" NAME [DETAIL]
	local line="$1 $kver: $2"
	if [ -n "${3:-}" ]; then
		line="$line # $3"
	fi
	results+=("$line")
}
note() {	# note LINE...: a TAP diagnostic attached to the last result
	local l
	for l in "$@"; do
		results+=("# $l")
	done
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# --------------------------------------------------------- 1. rxring.ko
t0=$(now)
module_ok=
kofile=$top/build/kmod/$kver/rxring.ko
if [ -n "${RXRING_KO:-}" ]; then
	kofile=$out/rxring-prebuilt.ko
	case "$RXRING_KO" in
	*.xz) xz -dc "$RXRING_KO" ;;
	*.zst) zstd -qdc "$RXRING_KO" ;;
	*.gz) gzip -dc "$RXRING_KO" ;;
	*) cat "$RXRING_KO" ;;
	esac >"$kofile" 2>"$out/build-module.log" || true
	vermagic=$(modinfo -F vermagic "$kofile" 2>>"$out/build-module.log" || true)
	if [ "${vermagic%% *}" = "$kver" ]; then
		module_ok=1
		result ok build-module "prebuilt $RXRING_KO"
	else
		result "not ok" build-module "RXRING_KO=$RXRING_KO: vermagic '${vermagic%% *}', not $kver"
	fi
elif KDIR=$kdir "$here/build-module.sh" "$kver" "${kbuild_args[@]}" \
		>"$out/build-module.log" 2>&1; then
	module_ok=1
	result ok build-module
else
	result "not ok" build-module "see $out/build-module.log"
	mapfile -t lines < <(grep -E 'error|warning|Error' "$out/build-module.log" | head -n 30)
	[ ${#lines[@]} -gt 0 ] || mapfile -t lines < <(tail -n 20 "$out/build-module.log")
	note "${lines[@]}"
fi

"$here/ksft-fetch.sh" "$ksft"

# ------------------------------------------------------------ 2. initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/rxring-modules,dev,proc,sys,tmp,run,root,etc} \
	"$root"/ksft/kselftest "$root"/ksft/rxring

busybox=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! readelf -l "$b" 2>/dev/null | grep -q INTERP; then
		busybox=$b
		break
	fi
done
if [ -z "$busybox" ]; then
	echo "vm.sh: no static busybox (install busybox-static)" >&2
	exit 1
fi
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while IFS= read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	mkdir -p "$root/$(dirname "$applet")"
	ln -sf /bin/busybox "$root/$applet"
done
rm -f "$root/usr/bin/timeout"
cp "$here/vm/timeout" "$root/usr/bin/timeout"
cp "$here/vm/init" "$root/init"
if [ "$mode" = bench ]; then
	cp "${BENCH_SCRIPT:-$here/vm/bench}" "$root/bench"
	chmod 755 "$root/bench"
	printf '%s\n' "${BENCH_CONF:-}" >"$root/bench.conf"
fi
chmod 755 "$root/init" "$root/usr/bin/timeout"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"

# copy_libs FILE: copy the shared libraries a dynamic executable needs (the
# tools are meant to be static; this keeps a dynamic one working).
copy_libs() {	# copy_libs FILE [quiet]
	local lib
	readelf -l "$1" 2>/dev/null | grep -q INTERP || return 0
	[ "${2:-}" = quiet ] ||
		echo "vm.sh: warning: $(basename "$1") is dynamically linked" >&2
	for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+'); do
		if [ -f "$lib" ] && [ ! -e "$root$lib" ]; then
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		fi
	done
}

# Kernel modules: null_blk, nvme, configfs, with their dependencies and the
# modules their soft dependencies name, decompressed for busybox insmod.
modpath() {	# modpath NAME: path of module NAME relative to $moddir
	awk -F: -v n="${1//-/_}" '{
		b = $1; sub(/.*\//, "", b); sub(/\.ko(\.(xz|zst|gz))?$/, "", b)
		gsub(/-/, "_", b)
		if (b == n) { print $1; exit }
	}' "$moddir/modules.dep"
}
modorder() {	# modorder PATH...: PATHs and their dependencies, in load order
	awk -v roots="$*" '{
		p = $1; sub(/:$/, "", p); $1 = ""; deps[p] = $0
	}
	function visit(p,    n, i, a) {
		if (p in seen) return
		seen[p] = 1
		n = split(deps[p], a, " ")
		for (i = n; i >= 1; i--) visit(a[i])
		print p
	}
	END { n = split(roots, r, " "); for (i = 1; i <= n; i++) visit(r[i]) }
	' "$moddir/modules.dep"
}
# nvme: one poll queue, for the IOPOLL tests (selftests/iopoll.c); the
# interrupt-driven queues stay as they were. null_blk has one by default.
declare -A modparams=(
	[null_blk]="queue_mode=2 irqmode=0 gb=4 nr_devices=1"
	[nvme]="poll_queues=1"
)
want=()
builtin_params=	# parameters of built-in modules, for the kernel command line
for m in configfs null_blk nvme; do
	p=$(modpath "$m")
	if [ -z "$p" ]; then
		if grep -qE "/$m\.ko" "$moddir/modules.builtin" 2>/dev/null; then
			for prm in ${modparams[$m]:-}; do
				builtin_params="$builtin_params $m.$prm"
			done
			continue
		fi
		echo "vm.sh: module $m not found in $moddir" >&2
		exit 1
	fi
	want+=("$p")
done
mapfile -t hard < <(modorder "${want[@]}")
# Optional: ext4 and xfs, for the tests that make a file system (rw_file,
# rw_fs, fio_engine); they skip that part without them.
extra=()
for m in ext4 xfs; do
	p=$(modpath "$m")
	[ -z "$p" ] || extra+=("$p")
done
# The soft dependencies of these and of what they depend on (xfs needs
# libcrc32c, which wants a crc32c implementation loaded first).
mapfile -t extra_deps < <(modorder "${extra[@]}")
soft=()
for p in "${hard[@]}" "${extra_deps[@]}"; do
	for name in $(modinfo -F softdep "$moddir/$p" 2>/dev/null |
			awk '{ for (i = 1; i <= NF; i++) { if ($i == "pre:") on = 1
				else if ($i == "post:") on = 0; else if (on) print $i } }'); do
		sp=$(modpath "$name")
		if [ -n "$sp" ]; then
			soft+=("$sp")
			continue
		fi
		# shellcheck disable=SC2013 # one module name per line
		for alias in $(awk -v n="$name" '$1 == "alias" &&
				($2 == n || $2 == "crypto-" n) { print $3 }' \
				"$moddir/modules.alias" | sort -u); do
			sp=$(modpath "$alias")
			[ -n "$sp" ] && soft+=("$sp")
		done
	done
done
: >"$root/lib/rxring-modules/order"
for p in $(modorder "${soft[@]}" "${extra[@]}" "${hard[@]}"); do
	ko=$(basename "$p")
	ko=${ko%.xz}
	ko=${ko%.zst}
	ko=${ko%.gz}
	case "$p" in
	*.xz) xz -dc "$moddir/$p" ;;
	*.zst) zstd -qdc "$moddir/$p" ;;
	*.gz) gzip -dc "$moddir/$p" ;;
	*) cat "$moddir/$p" ;;
	esac >"$root/lib/rxring-modules/$ko"
	name=${ko%.ko}
	name=${name//-/_}
	optional='?'
	for h in "${hard[@]}"; do
		[ "$h" = "$p" ] && optional=
	done
	echo "$optional$ko ${modparams[$name]:-}" >>"$root/lib/rxring-modules/order"
done

if [ -n "$module_ok" ]; then
	cp "$kofile" "$root/rxring.ko"
fi

cp "$ksft/kselftest/runner.sh" "$ksft/kselftest/prefix.pl" "$root/ksft/kselftest/"

ntests=0
if [ -f "$selftests/TESTS" ]; then
	cp -a "$selftests/." "$root/ksft/rxring/"
	find "$root/ksft/rxring" \( -name '*.o' -o -name '*.d' -o -name '*.a' \) -delete
	# KASAN and friends make everything slower: four times the time limit.
	if [ "$lane" = debug ] && [ -f "$root/ksft/rxring/settings" ]; then
		sed -i -E 's/^timeout=([0-9]+)/echo "timeout=$((\1 * 4))"/e' \
			"$root/ksft/rxring/settings"
	fi
	# A long fuzzing run: room for its two tests (both capped by it).
	if [ "$fuzz_secs" -gt 0 ] && [ -f "$root/ksft/rxring/settings" ]; then
		awk -F= -v f="$fuzz_secs" '$1 == "timeout" {
			t = 2 * f + 600; if ($2 + 0 > t) t = $2; print "timeout=" t; next
		} { print }' "$root/ksft/rxring/settings" >"$root/ksft/rxring/settings.new"
		mv "$root/ksft/rxring/settings.new" "$root/ksft/rxring/settings"
	fi
	while read -r t; do
		[ -n "$t" ] || continue
		ntests=$((ntests + 1))
		if [ -f "$root/ksft/rxring/$t" ]; then
			copy_libs "$root/ksft/rxring/$t"
		fi
	done <"$selftests/TESTS"
fi
if [ -d "$ubin" ]; then
	for f in "$ubin"/*; do
		[ -f "$f" ] || continue
		rm -f "$root/bin/$(basename "$f")"
		cp "$f" "$root/bin/"
		copy_libs "$f"
	done
fi

if [ "$mode" = bench ] && [ -n "${BENCH_TIO:-}" ]; then
	cp "$BENCH_TIO" "$root/bin/t-io_uring"
	copy_libs "$root/bin/t-io_uring"
	# Its SQPOLL build (scripts/bench.sh), beside it.
	if [ -x "$BENCH_TIO-sqpoll" ]; then
		cp "$BENCH_TIO-sqpoll" "$root/bin/t-io_uring-sqpoll"
		copy_libs "$root/bin/t-io_uring-sqpoll"
	fi
fi
if [ "$mode" = bench ] && [ -n "${BENCH_FIO:-}" ]; then
	cp -a "$BENCH_FIO" "$root/fio-bundle"
fi
if [ "$mode" = bench ] && [ -n "${BENCH_PERF:-}" ]; then
	cp "$BENCH_PERF" "$root/bin/perf"
	copy_libs "$root/bin/perf" quiet
fi

# mkfs.ext4 from e2fsprogs and mkfs.xfs from xfsprogs (dynamically linked),
# for the tests that make an ext4 or xfs file system; they skip that part
# without them.
for m in /usr/sbin/mke2fs /sbin/mke2fs; do
	[ -x "$m" ] || continue
	cp "$m" "$root/usr/sbin/mkfs.ext4"
	copy_libs "$m" quiet
	[ ! -f /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$root/etc/"
	break
done
for m in /usr/sbin/mkfs.xfs /sbin/mkfs.xfs; do
	[ -x "$m" ] || continue
	cp "$m" "$root/usr/sbin/mkfs.xfs"
	copy_libs "$m" quiet
	break
done

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out/initramfs.cpio.gz"

# ------------------------------------------------------------------ 3. boot
rm -f "$out/disk.img" "$out/console.log" "$out/results.log"
truncate -s "${VM_DISK_SIZE:-256M}" "$out/disk.img"
: >"$out/console.log"
: >"$out/results.log"

# tsc=reliable: under emulation on a busy host the clocksource watchdog
# can find the TSC "unstable" and switch sched_clock over by patching
# kernel text live; a 6.12 guest once died of that (an int3 Oops in
# sched_clock_cpu() from clocksource_watchdog_work, nothing of rxring's).
append="console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off tsc=reliable rxring_mode=$mode"
vm_cpus=${VM_CPUS:-2}
[ "${VM_ICOUNT:-0}" != 1 ] || vm_cpus=1
append="$append rxring_lane=$lane$builtin_params${VM_CMDLINE:+ $VM_CMDLINE}"
# The debug kernel's ACPI interpreter is so slow under emulation that
# evaluating the PCI IRQ routing (_PRT) runs into its 30 s loop timeout at
# every boot; PCI works without ACPI (NVMe uses MSI-X).
[ "$lane" != debug ] || append="$append pci=noacpi"
# Test knobs for the guest's environment (scripts/vm/init exports them).
for v in RXRING_FUZZ_SEED RXRING_FUZZ_SQES RXRING_FUZZ_SECS RXRING_FUZZ_JOBS \
		RXRING_TEARDOWN_ITERS RXRING_U2U_N RXRING_U2U_ONLY RXRING_FS_SEED; do
	if [ -n "${!v:-}" ]; then
		append="$append rxring_env=$v=${!v}"
	fi
done
# shellcheck disable=SC2054 # commas belong to QEMU options
qemu=(qemu-system-x86_64 -accel tcg -m 2048 -smp "${vm_cpus:-2}"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kimage" -initrd "$out/initramfs.cpio.gz"
	-append "$append"
	-chardev "file,id=con,path=$out/console.log" -serial chardev:con
	-chardev "file,id=res,path=$out/results.log" -serial chardev:res
	-drive "file=$out/disk.img,if=none,id=nvm,format=raw"
	-device nvme,serial=rxring0,drive=nvm)
# VM_ICOUNT=1: deterministic instruction counting (one guest instruction is
# one virtual ns; the clock does not run while the guest idles), for
# benchmarks on a busy machine: timings then count instructions. One vCPU:
# with two, this QEMU hangs bringing up the second.
# VM_ICOUNT_SLEEP=1 lets the virtual clock run at the host's pace while the
# guest idles (sleep=on), for I/O that waits on an emulated device: with
# sleep=off the clock jumps to the next timer then, and every wait for the
# NVMe device lasts a timer tick.
if [ "${VM_ICOUNT:-0}" = 1 ]; then
	if [ "${VM_ICOUNT_SLEEP:-0}" = 1 ]; then
		qemu+=(-icount shift=0,sleep=on)
	else
		qemu+=(-icount shift=0,sleep=off)
	fi
fi

t1=$(now)
tailpid=
if [ "${VERBOSE:-0}" = 1 ]; then
	tail -n +1 -f "$out/console.log" >&2 &
	tailpid=$!
fi
# A guest kernel that dies while booting, before /init has loaded
# rxring.ko (TCG with two vCPUs now and then trips over the kernel's own
# code patching: an int3 Oops in early boot), is booted once more; the
# first console log is kept as console-boot1.log and the TAP says so.
boot_retried=
for attempt in 1 2; do
	qrc=0
	# timeout(1) puts QEMU in a process group of its own, out of reach of
	# ^C: forward INT/TERM by hand.
	timeout --kill-after=10 "$vm_timeout" "${qemu[@]}" </dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	trap 'kill -TERM "$qpid" 2>/dev/null; wait "$qpid"; [ -z "$tailpid" ] || kill "$tailpid"; exit 130' INT TERM
	wait "$qpid" || qrc=$?
	trap - INT TERM
	if [ "$attempt" = 1 ] && [ "$qrc" != 124 ] &&
		! grep -q '^RXRING-RESULT [a-z ]* load' "$out/results.log" &&
		grep -q 'Kernel panic' "$out/console.log"; then
		cp "$out/console.log" "$out/console-boot1.log"
		boot_retried=1
		echo "vm.sh: $kver: the guest kernel died while booting, before rxring.ko was loaded; booting again" >&2
		: >"$out/console.log"
		: >"$out/results.log"
		continue
	fi
	break
done
if [ -n "$tailpid" ]; then
	sleep 0.5
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" 2>/dev/null || true
fi
t2=$(now)

# ----------------------------------------------------------------- 4. parse
tr -d '\r' <"$out/results.log" >"$out/results.txt"
finished=
grep -qx RXRING-END "$out/results.txt" && finished=1

# selftests_verdict: the result for the selftests when the guest did not
# report them all; called once, where the results would have been.
verdict_done=
selftests_verdict() {
	[ "$mode" = check ] && [ -z "$verdict_done" ] || return 0
	verdict_done=1
	if [ -z "$tap_seen" ]; then
		if [ "${loaded:-}" = 1 ] && [ "$ntests" = 0 ]; then
			result "not ok" selftests "no selftests: $selftests/TESTS missing or empty (make selftests)"
		elif [ "${loaded:-}" = 1 ]; then
			result "not ok" selftests "the guest did not run the selftests"
		elif [ -z "$finished" ] && [ -z "${load_seen:-}" ]; then
			result "not ok" selftests "not run: the guest did not get that far"
		else
			result "not ok" selftests "not run: rxring.ko did not load"
		fi
	elif [ -z "$tap_ended" ]; then
		last=$(tr -d '\r' <"$out/console.log" | grep -E '^# selftests: ' | tail -n 1)
		result "not ok" selftests "the guest stopped during the selftests${last:+ (last started: ${last#\# selftests: })}"
	elif [ "$tap_count" -lt "$tap_plan" ]; then
		result "not ok" selftests "only $tap_count of $tap_plan test programs reported a result"
	fi
}

section=
dmesg_seen=
tap_seen=
tap_ended=
tap_plan=0
tap_count=0
demo_out=()
: >"$out/dmesg.txt"
while IFS= read -r line; do
	case "$section:$line" in
	*:RXRING-TAP-BEGIN) section=tap; tap_seen=1; continue ;;
	*:RXRING-DEMO-BEGIN) section=demo; continue ;;
	*:RXRING-BENCH-BEGIN) section=bench; : >"$out/bench.txt"; continue ;;
	*:RXRING-BENCH-END) section=; continue ;;
	*:RXRING-DMESG-BEGIN) selftests_verdict; section=dmesg; dmesg_seen=1; continue ;;
	*:RXRING-TAP-END) section=; tap_ended=1; selftests_verdict; continue ;;
	*:RXRING-DEMO-END | *:RXRING-DMESG-END) section=; continue ;;
	esac
	case "$section" in
	tap)
		if [[ "$line" =~ ^(not\ )?ok\ [0-9]+\ (.*)$ ]]; then
			tap_count=$((tap_count + 1))
			result "${BASH_REMATCH[1]}ok" "${BASH_REMATCH[2]}"
		elif [[ "$line" =~ ^1\.\.([0-9]+) ]]; then
			tap_plan=${BASH_REMATCH[1]}
		elif [[ "$line" =~ ^TAP\ version ]]; then
			:
		elif [[ "$line" == \#* ]]; then
			results+=("$line")
		elif [ -n "$line" ]; then
			results+=("# $line")
		fi
		;;
	demo) demo_out+=("$line") ;;
	bench) printf '%s\n' "$line" >>"$out/bench.txt" ;;
	dmesg) printf '%s\n' "$line" >>"$out/dmesg.txt" ;;
	*)
		if [[ "$line" =~ ^RXRING-RESULT\ (ok|not\ ok)\ ([^ ]+)(\ \#\ (.*))?$ ]]; then
			case "${BASH_REMATCH[2]}" in
			load) load_seen=1 ;;
			unload) selftests_verdict ;;
			esac
			result "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]}"
			if [ "${BASH_REMATCH[2]}" = load ] && [ "${BASH_REMATCH[1]}" = ok ]; then
				loaded=1
			fi
		fi
		;;
	esac
done <"$out/results.txt"
selftests_verdict

# dmesg-clean: the kernel log the guest printed, or when it never got that
# far, whatever reached the console.
bad='WARNING:|BUG:|Oops|KASAN|UBSAN|general protection fault|possible circular locking|possible recursive locking|lockdep|inconsistent lock state|unreferenced object|kernel BUG|Call Trace:|RIP:|Kernel panic|hung_task|blocked for more than|soft lockup|hard LOCKUP|rcu_sched self-detected stall|rcu: INFO|memory leak detector disabled'
# The debug kernel's boot banner says "RCU lockdep checking is enabled."
benign='module verification failed|loading out-of-tree module taints kernel|RCU lockdep checking is enabled'
if [ -n "$dmesg_seen" ]; then
	logsrc=dmesg
	logfile=$out/dmesg.txt
	logshow=$out/dmesg.txt
else
	logsrc=console
	logfile=$out/console.log
	logshow=$out/console.log
fi
bad="$bad|suspected memory leak"
# Between the markers a fault injection test (selftests/faults.c) writes to
# /dev/kmsg, the stack dumps that failed allocations print are expected;
# everything else still counts.
injected='Call Trace:|FAULT_INJECTION|page allocation failure|vmalloc error'
mapfile -t offending < <(tr -d '\r' <"$logfile" |
	awk -v inj="$injected" '/rxring-fault-injection: begin/ { w = 1 }
		/rxring-fault-injection: end/ { w = 0 }
		!(w && $0 ~ inj)' |
	grep -E "$bad" | grep -vE "$benign" | head -n 60)
if [ ${#offending[@]} -eq 0 ]; then
	result ok dmesg-clean "$logsrc"
else
	result "not ok" dmesg-clean "${#offending[@]} suspicious lines in the $logsrc log ($logshow)"
	note "${offending[@]}"
fi

boot_s=$(elapsed "$t1" "$t2")
if [ -n "$finished" ]; then
	result ok guest-finished "${boot_s} s"
	if [ -n "$boot_retried" ]; then
		note "booted twice: the first boot died before rxring.ko was loaded ($out/console-boot1.log:" \
			"$(grep -m 1 -E 'Oops|BUG|panic' "$out/console-boot1.log" | tr -d '\r'))"
	fi
else
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		why="timed out after $vm_timeout s (hang?)"
	else
		why="QEMU exited with status $qrc after ${boot_s} s without the end marker (panic or crash?)"
	fi
	result "not ok" guest-finished "$why"
	mapfile -t lines < <(tr -d '\r' <"$out/console.log" | tail -n 40)
	note "last console lines ($out/console.log):" "${lines[@]}" \
		"QEMU: $(tr '\n' ' ' <"$out/qemu.log")"
fi

# ----------------------------------------------------------------- 5. report
pass=0
fail=0
n=0
{
	echo "TAP version 13"
	echo "# rxring $mode on $kver: build $(elapsed "$t0" "$t1") s, guest $boot_s s"
	for line in "${results[@]}"; do
		case "$line" in
		"ok "*) n=$((n + 1)); pass=$((pass + 1)); echo "ok $n ${line#ok }" ;;
		"not ok "*) n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n ${line#not ok }" ;;
		*) echo "$line" ;;
		esac
	done
	if [ ${#demo_out[@]} -gt 0 ]; then
		echo "# ---- rxring-demo output ($kver) ----"
		printf '#   %s\n' "${demo_out[@]}"
	fi
	echo "1..$n"
	echo "# $kver: $pass passed, $fail failed"
} | tee "$out/results.tap"

fail=$(grep -c '^not ok ' "$out/results.tap" || true)
[ "$fail" = 0 ]
