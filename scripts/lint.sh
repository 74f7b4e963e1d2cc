#!/bin/bash
# Static checks. Prints one TAP line per check and exits non-zero when any
# fails:
#   checkpatch        checkpatch.pl --strict on module/ and uapi/ (Linux 6.1)
#   kbuild-W1-C2 KVER rxring.ko built with W=1 C=2 (sparse) for 6.1 and 6.12;
#                     any warning or error in our sources fails
#   userspace-Werror  userspace built from scratch with -Wall -Wextra -Werror
#   mandoc            mandoc -T lint on docs/man/*.[1-9] (when there are any)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"
export LC_ALL=C
logdir=$top/build/lint
mkdir -p "$logdir"

n=0
failed=0
report() {	# report ok|"not ok" NAME [LOGFILE]: a TAP line (+ the log)
	n=$((n + 1))
	echo "$1 $n $2"
	if [ "$1" != ok ]; then
		failed=$((failed + 1))
		if [ -n "${3:-}" ] && [ -s "$3" ]; then
			sed -e 's/^/# /' "$3" | head -n 80
		fi
	fi
}

echo "TAP version 13"

"$here/ksft-fetch.sh" "$top/build/ksft"

# ---- checkpatch
shopt -s nullglob
srcs=(module/*.c module/*.h uapi/*.h)
# Nothing is ignored: version differences are detected from the headers
# (Kbuild), so no LINUX_VERSION_CODE test is needed.
cp_opts=()
if [ -n "${CHECKPATCH_IGNORE:-}" ]; then
	cp_opts=(--ignore "$CHECKPATCH_IGNORE")
fi
if [ ${#srcs[@]} -eq 0 ]; then
	echo "no sources" >"$logdir/checkpatch.log"
	report "not ok" checkpatch "$logdir/checkpatch.log"
elif perl "$top/build/ksft/scripts/checkpatch.pl" --no-tree --strict \
		--no-summary --terse --show-types "${cp_opts[@]}" \
		-f "${srcs[@]}" \
		>"$logdir/checkpatch.log" 2>&1; then
	report ok checkpatch
else
	report "not ok" checkpatch "$logdir/checkpatch.log"
fi

# ---- module with W=1 and sparse, for each kernel
for series in 6.1 6.12; do
	kver=$(for f in /boot/vmlinuz-"$series".*-amd64; do
		[ -f "$f" ] && echo "${f#/boot/vmlinuz-}"
	done | sort -V | tail -n 1)
	log=$logdir/kbuild-$series.log
	if [ -z "$kver" ]; then
		echo "no /boot/vmlinuz-$series.*-amd64 (run scripts/install-deps.sh)" >"$log"
		report "not ok" "kbuild-W1-C2 $series" "$log"
		continue
	fi
	# A separate tree: W=1 changes the flags, which would force the normal
	# build to recompile everything afterwards.
	kmod=$logdir/kmod/$kver
	rm -rf "$kmod"
	rc=0
	KMOD_DIR=$kmod "$here/build-module.sh" "$kver" W=1 C=2 >"$log.full" 2>&1 || rc=$?
	# Warnings and errors about our files (compiler, sparse, modpost), not
	# those in the kernel's headers.
	awk -v d="$kmod/" '{
		rest = $0
		if (index(rest, d) == 1)
			rest = substr(rest, length(d) + 1)
		if (rest ~ /^(module|uapi)\/[^: ]+:[0-9]+(:[0-9]+)?: (warning|error)/ ||
		    rest ~ /^Kbuild:[0-9]+/ || rest ~ /(WARNING|ERROR): modpost/)
			print
	}' "$log.full" | awk '!seen[$0]++' >"$log"
	if [ "$rc" != 0 ]; then
		{ echo "make failed with status $rc:"; tail -n 40 "$log.full"; } >>"$log"
	fi
	if [ -s "$log" ]; then
		report "not ok" "kbuild-W1-C2 $kver" "$log"
	else
		report ok "kbuild-W1-C2 $kver"
	fi
done

# ---- userspace from scratch with warnings as errors
log=$logdir/userspace.log
rm -rf "$logdir/userspace"
if [ ! -f userspace/Makefile ]; then
	echo "userspace/Makefile missing" >"$log"
	report "not ok" userspace-Werror "$log"
elif make -C userspace OUT="$logdir/userspace" \
		CFLAGS="-O2 -g -Wall -Wextra -Werror" \
		CXXFLAGS="-O2 -g -Wall -Wextra -Werror" >"$log" 2>&1; then
	report ok userspace-Werror
else
	grep -E 'warning:|error:' "$log" >"$log.short" || tail -n 40 "$log" >"$log.short"
	report "not ok" userspace-Werror "$log.short"
fi

# ---- man pages
pages=(docs/man/*.[1-9])
if [ ${#pages[@]} -gt 0 ]; then
	# -W style: everything but OpenBSD base-system conventions.
	if mandoc -T lint -W style "${pages[@]}" >"$logdir/mandoc.log" 2>&1; then
		report ok mandoc
	else
		report "not ok" mandoc "$logdir/mandoc.log"
	fi
fi

# ---- every function librxring exports has a man page (or an alias in
# docs/man/LINKS)
if [ -d docs/man ] && [ -f userspace/librxring.map ]; then
	log=$logdir/man-coverage.log
	: >"$log"
	for f in $(sed -n 's/^[[:space:]]*\(rxring_[a-z0-9_]*\);.*/\1/p' \
			userspace/librxring.map); do
		[ -f "docs/man/$f.3" ] ||
			grep -q " $f\.3\$" docs/man/LINKS 2>/dev/null ||
			echo "no man page for $f (docs/man/$f.3 or docs/man/LINKS)" >>"$log"
	done
	if [ -s "$log" ]; then
		report "not ok" man-coverage "$log"
	else
		report ok man-coverage
	fi
fi

echo "1..$n"
if [ "$failed" -gt 0 ]; then
	echo "# lint: $failed of $n checks failed (logs in $logdir)"
	exit 1
fi
echo "# lint: all $n checks passed"
