#!/bin/bash
# The whole test run behind "make check" (and "make demo", "make
# check-debug"):
#   1. scripts/install-deps.sh
#   2. build userspace and selftests (each one a TAP result); check-debug:
#      build (or find cached) the debug kernel, scripts/debug-kernel.sh
#   3. scripts/vm.sh MODE for the newest 6.1 and 6.12 kernels, both always
#      (check-debug: the debug kernel, with the selftests)
#   4. all TAP results, numbered; per kernel and in all, the counts the
#      reliability tests report ("tally: NAME N" lines: SQEs fuzzed,
#      teardown iterations, faults injected); then "N passed, N failed"
# Exits non-zero when anything failed. The TAP is also written to
# build/check/results.tap (MODE=check), build/check/debug.tap (check-debug)
# or build/check/demo.tap.
#
# Usage: scripts/check.sh [check|check-debug|demo]
# Environment: KERNELS (default "6.1 6.12 7.2"; "debug" for check-debug),
# VM_TIMEOUT (per guest).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
mode=${1:-check}
kernels=${KERNELS:-6.1 6.12 7.2}
case "$mode" in
check) tapfile=$top/build/check/results.tap ;;
check-debug)
	tapfile=$top/build/check/debug.tap
	kernels=${KERNELS:-debug}
	;;
demo) tapfile=$top/build/check/demo.tap ;;
*) echo "usage: $0 [check|check-debug|demo]" >&2; exit 2 ;;
esac
vmmode=$mode
# The fuzzer's volume: a million SQEs per run in all (.ci/run checks it),
# shared by the kernels: 340000 each with three, its default (500000)
# with fewer. RXRING_FUZZ_SQES set by the caller wins.
nk=$(echo $kernels | wc -w)
if [ "$mode" = check ] && [ -z "${RXRING_FUZZ_SQES:-}" ] && [ "$nk" -ge 3 ]; then
	export RXRING_FUZZ_SQES=340000
fi
[ "$mode" != check-debug ] || vmmode=check
logdir=$top/build/check
mkdir -p "$logdir"
rm -f "$tapfile"

start=$(date +%s)
progress() { echo "check: $*" >&2; }

progress "installing dependencies"
"$here/install-deps.sh"

lines=()	# unnumbered TAP lines: "ok NAME # ...", "not ok ...", "# ..."
add_result() {	# add_result ok|"not ok" NAME [LOGFILE]
	lines+=("$1 $2")
	if [ "$1" != ok ] && [ -n "${3:-}" ] && [ -f "$3" ]; then
		while IFS= read -r l; do
			lines+=("# $l")
		done < <(grep -E 'error|warning|Error|\*\*\*' "$3" | head -n 40)
		lines+=("# (full log: $3)")
	fi
}

# The host-side builds. A failed build must not leave stale binaries to be
# tested, so the guests then get an empty selftest/tool directory.
empty=$logdir/empty
mkdir -p "$empty"
export SELFTESTS_DIR=$top/build/selftests
export USERSPACE_BIN=$top/build/userspace/bin

progress "building userspace"
if make -C "$top" --no-print-directory userspace >"$logdir/userspace.log" 2>&1; then
	add_result ok build-userspace
else
	add_result "not ok" build-userspace "$logdir/userspace.log"
	USERSPACE_BIN=$empty
fi
if [ "$mode" = check-debug ]; then
	progress "building the debug kernel (cached; a cold build takes ~30 min)"
	t=$(date +%s)
	if dk=$("$here/debug-kernel.sh" build 2>"$logdir/debug-kernel.log"); then
		lines+=("ok build-debug-kernel # $(cat "$dk/release"), $(($(date +%s) - t)) s (a cold build took $(cat "$dk/done") s)")
	else
		add_result "not ok" build-debug-kernel "$logdir/debug-kernel.log"
	fi
fi
if [ "$vmmode" = check ] && [ "$mode" = check ]; then
	# fio (Debian's source, fetched once into build/fio-src) and the rxring
	# external engine, for selftests/fio_engine.c.
	progress "building fio and its rxring engine"
	if make -C "$top" --no-print-directory fio-engine >"$logdir/fio-engine.log" 2>&1; then
		add_result ok build-fio-engine
	else
		add_result "not ok" build-fio-engine "$logdir/fio-engine.log"
	fi
fi
if [ "$vmmode" = check ]; then
	progress "building selftests"
	if make -C "$top" --no-print-directory selftests >"$logdir/selftests.log" 2>&1; then
		add_result ok build-selftests
	else
		add_result "not ok" build-selftests "$logdir/selftests.log"
		SELFTESTS_DIR=$empty
	fi
fi

kvers=""
if [ "$mode" = check ]; then
	# make install into a scratch DESTDIR, dkms build in a private tree
	# (nothing on the system changes).
	progress "packaging: make install DESTDIR=..., dkms build"
	kvers=""
	for k in $kernels; do
		# The newest installed K.x kernel, as scripts/vm.sh picks it.
		kv=$(for f in /boot/vmlinuz-"$k".*-amd64 /boot/vmlinuz-"$k"-*-amd64; do
			[ -f "$f" ] && echo "${f#/boot/vmlinuz-}"
		done | sort -V | tail -n 1)
		# sid's kernel is not installed here: vm.sh builds its module
		# in the sid chroot, DKMS does not run for it (yet).
		if [ -n "$kv" ]; then
			kvers="$kvers $kv"
		fi
	done
	# shellcheck disable=SC2086
	rm -rf "$logdir/dkms-ko"
	DKMS_KO_OUT=$logdir/dkms-ko "$here/package-check.sh" $kvers \
		>"$logdir/package.tap" 2>"$logdir/package.err" || true
	while IFS= read -r l; do
		lines+=("$l")
	done <"$logdir/package.tap"
	grep -q '^ok dkms-build' "$logdir/package.tap" ||
		add_result "not ok" "package-check (no dkms-build result)" "$logdir/package.err"
fi

# tally FILE: the sums of the "tally: NAME N" lines in FILE, as
# "fuzz_sqes=N teardown_iters=N faults_injected=N".
tally() {
	awk '{ for (i = 1; i < NF - 1; i++) if ($i == "tally:") s[$(i + 1)] += $(i + 2) }
		END { printf "fuzz_sqes=%d teardown_iters=%d faults_injected=%d\n",
			s["fuzz_sqes"], s["teardown_iters"], s["faults_injected"] }' "$1"
}
totals=()	# one "KVER fuzz_sqes=N ..." per kernel

for k in $kernels; do
	progress "$k: building rxring.ko and booting the guest ($vmmode)"
	t=$(date +%s)
	out=$logdir/vm-$k-$vmmode.tap
	rc=0
	# The selftests run on the rxring.ko that DKMS built (what a user
	# installs), when it built; vm.sh builds one otherwise.
	ko=""
	for kv in $kvers; do
		case "$kv" in
		"$k".* | "$k"-*) ko=$(ls "$logdir/dkms-ko/$kv"/rxring.ko* 2>/dev/null | head -n 1) ;;
		esac
	done
	RXRING_KO=$ko "$here/vm.sh" "$k" "$vmmode" >"$out" 2>"$logdir/vm-$k-$vmmode.err" || rc=$?
	n=0
	while IFS= read -r l; do
		case "$l" in
		"TAP version"* | 1..*) ;;
		"ok "* | "not ok "*)
			n=$((n + 1))
			lines+=("$(echo "$l" | sed -E 's/^(not )?ok [0-9]+ /\1ok /')")
			;;
		*) lines+=("$l") ;;
		esac
	done <"$out"
	if [ "$n" = 0 ]; then
		add_result "not ok" "$k: vm.sh $vmmode (status $rc, no results)" "$logdir/vm-$k-$vmmode.err"
	fi
	summary=$(grep -E '^# .*: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	t=$(($(date +%s) - t))
	kname=$(sed -nE 's/^# rxring [a-z]+ on ([^:]+):.*/\1/p' "$out" | head -n 1)
	totals+=("${kname:-$k} $(tally "$out") vm_secs=$t")
	lines+=("# tally ${totals[-1]}")
	progress "${summary#\# } ($t s); ${totals[-1]#* }"
done

n=0
pass=0
fail=0
skip=0
{
	echo "TAP version 13"
	for l in "${lines[@]}"; do
		case "$l" in
		"ok "*)
			n=$((n + 1)); pass=$((pass + 1))
			case "$l" in *"# SKIP"*) skip=$((skip + 1)) ;; esac
			echo "ok $n ${l#ok }"
			;;
		"not ok "*)
			n=$((n + 1)); fail=$((fail + 1))
			echo "not ok $n ${l#not ok }"
			;;
		*) echo "$l" ;;
		esac
	done
	echo "1..$n"
	if [ ${#totals[@]} -gt 0 ]; then
		printf '%s\n' "${totals[@]}" | awk '{
			for (i = 2; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] }
		} END {
			printf "# %s in all: %d SQEs fuzzed, %d teardown iterations, %d faults injected\n",
				mode, s["fuzz_sqes"], s["teardown_iters"], s["faults_injected"]
		}' mode="$mode"
	fi
	echo "# $mode took $(($(date +%s) - start)) s; $skip of the passes were skips"
	echo "$pass passed, $fail failed"
} >"$tapfile"

cat "$tapfile"
grep -q '^not ok ' "$tapfile" && exit 1
exit 0
