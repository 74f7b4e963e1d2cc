#!/bin/bash
# The fuzzer's long mode: selftests/fuzz.c alone in one guest, for a given
# time (default one hour) instead of the CI run's 500,000 SQEs (30,000 on
# the debug kernel). Prints the guest's TAP; the fuzzer's totals and seed
# are in its comments (RXRING_FUZZ_SEED=... replays a run).
#
# Usage: scripts/fuzz-long.sh [-s SECS] [-n SQES] [-j JOBS] [-S SEED]
#                              [-r RUNS] KERNEL
#   KERNEL  as for scripts/vm.sh: 6.1, 6.12, debug or a version
#   -s      how long to fuzz (RXRING_FUZZ_SECS, default 3600)
#   -n      stop after SQES SQEs instead (default: no limit but the time)
#   -j      worker processes (RXRING_FUZZ_JOBS, default one per guest CPU)
#   -S      seed (RXRING_FUZZ_SEED, default random)
#   -r      run the fuzz program RUNS times in a row in the one guest, each
#           with its own seed unless -S is given (default 1). The CI run's
#           volume, 20 times: -r 20 -n 500000 -s 230
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

secs=3600
sqes=1000000000000
jobs=
seed=
runs=1
while getopts s:n:j:S:r: opt; do
	case "$opt" in
	s) secs=$OPTARG ;;
	n) sqes=$OPTARG ;;
	j) jobs=$OPTARG ;;
	S) seed=$OPTARG ;;
	r) runs=$OPTARG ;;
	*) echo "usage: $0 [-s SECS] [-n SQES] [-j JOBS] [-S SEED] [-r RUNS] KERNEL" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -ne 1 ]; then
	echo "usage: $0 [-s SECS] [-n SQES] [-j JOBS] [-S SEED] [-r RUNS] KERNEL" >&2
	exit 2
fi
case "$runs" in
'' | *[!0-9]* | 0) echo "fuzz-long: -r wants a number of runs" >&2; exit 2 ;;
esac

make -C "$top" --no-print-directory selftests >&2
dir=$top/build/fuzz-long/$1
rm -rf "$dir"
mkdir -p "$dir"
cp "$top/build/selftests/fuzz" "$top/build/selftests/settings" "$dir/"
for _ in $(seq "$runs"); do
	echo fuzz
done >"$dir/TESTS"

export SELFTESTS_DIR=$dir
export RXRING_FUZZ_SECS=$secs RXRING_FUZZ_SQES=$sqes
[ -z "$jobs" ] || export RXRING_FUZZ_JOBS=$jobs
[ -z "$seed" ] || export RXRING_FUZZ_SEED=$seed
# Each run: its time cap twice over (the sqes and hostile_indices tests)
# and room to boot and settle.
exec "$here/vm.sh" -t $((runs * (2 * secs + 120) + 600)) "$1" check
