#!/bin/bash
# The user-to-user ring benchmark (docs/performance.md, "User-to-user
# rings"): rxring-u2u-bench in the QEMU guest, one boot per kernel, where a
# rxring u2u ring pair, a pipe, an eventfd + shared memory ring and a unix
# socket carry the same messages between two processes. Not a test.
#
# Usage: scripts/u2u-bench.sh [KERNEL...]      (default: 6.1 6.12)
# Environment:
#   U2U_BENCH_ARGS  rxring-u2u-bench options (default "-R 3 -t 1 -b 1,32":
#                   best of 3 runs of at most 1 s per cell, batch 1 and 32)
#   VM_ICOUNT=1     see scripts/vm.sh (one vCPU: no cross-CPU wake-ups)
#
#   VM_CMDLINE      more guest kernel parameters (scripts/vm.sh)
#
# Files: build/u2u-bench/raw-KVER.txt (the tool's table as the guest
# printed it), build/u2u-bench/vm-KVER.tap, build/u2u-bench/results.md (a
# markdown table per kernel: msgs/s, round trip, ratios to the pipe); with
# VM_ICOUNT=1, raw-icount-KVER.txt and results-icount.md.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
out=$top/build/u2u-bench
args=${U2U_BENCH_ARGS:--R 3 -t 1 -b 1,32}
if [ $# -eq 0 ]; then
	set -- 6.1 6.12
fi
mkdir -p "$out/bin" "$out/selftests"
sfx=
[ "${VM_ICOUNT:-0}" != 1 ] || sfx=-icount
results=$out/results$sfx.md

make -C "$top" userspace >"$out/build.log" 2>&1 ||
	{ echo "u2u-bench: userspace build failed ($out/build.log)" >&2; exit 1; }
rm -f "$out"/bin/*
cp "$top/build/userspace/bin/rxring-u2u-bench" "$out/bin/"

: >"$results"
status=0
for k in "$@"; do
	echo "u2u-bench: kernel $k" >&2
	rc=0
	BENCH_SCRIPT=$here/vm/u2u-bench BENCH_CONF="ARGS=\"$args\"" \
		SELFTESTS_DIR=$out/selftests USERSPACE_BIN=$out/bin \
		"$here/vm.sh" "$k" bench >"$out/vm-$k.tap" 2>&1 || rc=$?
	kver=$(sed -n 's/^# rxring bench on \([^:]*\):.*/\1/p' "$out/vm-$k.tap")
	raw=$top/build/vm/$kver/bench.txt
	if [ $rc -ne 0 ] || [ -z "$kver" ] || [ ! -s "$raw" ] ||
	   ! grep -qx 'RXRING-U2U-RC 0' "$raw"; then
		echo "u2u-bench: $k failed (see $out/vm-$k.tap)" >&2
		status=1
		continue
	fi
	cp "$raw" "$out/raw$sfx-$kver.txt"
	# The table: msgs/s and round trip per method and batch, each also
	# as a ratio to the pipe of the same batch size.
	awk -v kver="$kver" -v icount="$sfx" \
	    -v cpus="$(sed -n 's/^RXRING-U2U-CPUS //p' "$raw")" '
	$1 == "RXRING-U2U" && $2 == "rxring-u2u-bench:" {
		sub(/^RXRING-U2U rxring-u2u-bench: /, ""); conf = $0; next
	}
	$1 == "RXRING-U2U" && $4 ~ /^[0-9]+$/ {
		m = $2; b = $3
		if (!(b in seen)) { seen[b] = 1; batches[++nb] = b }
		if (!((b, m) in rate)) { order[b, ++nm[b]] = m }
		rate[b, m] = $4; rtt[b, m] = $6; calls[b, m] = $7
	}
	END {
		printf "**%s** (%s vCPU%s%s; %s)\n\n", kver, cpus,
			cpus == 1 ? "" : "s", icount ? ", QEMU -icount" : "", conf
		print "| method | batch | msgs/s | x pipe | round trip (us) | pipe RTT / RTT | futex calls/msg |"
		print "|---|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nb; i++) {
			b = batches[i]
			for (j = 1; j <= nm[b]; j++) {
				m = order[b, j]
				pr = rate[b, "pipe"]; pt = rtt[b, "pipe"]
				printf "| %s | %s | %.0f | %s | %.1f | %s | %s |\n",
					m, b, rate[b, m],
					pr ? sprintf("%.2f", rate[b, m] / pr) : "-",
					rtt[b, m],
					rtt[b, m] ? sprintf("%.2f", pt / rtt[b, m]) : "-",
					calls[b, m] == "" ? "" : calls[b, m]
			}
		}
		print ""
	}' "$raw" >>"$results"
done
cat "$results"
exit $status
