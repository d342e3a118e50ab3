#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The driver of `make check`: checkpatch, the userspace build, the host
# tests, 60 s of fuzzing libzcring's consume paths, the VM runner's own
# tests (first kernel only), the manual pages, make install and the Debian
# packages, and for each kernel in KVERS the module build, a VM session
# that loads it, runs the kselftests and unloads it, DKMS's build of the
# packaged module and, on 6.1, 6.12 and unstable, the packages in the VM.
# It goes on after a failure, so that one run reports everything, and
# ends with the line "N passed, M failed[, K skipped]", counting every
# test and every step.
#
# Environment (set by the Makefile): KVERS, BUILD, KSFT_DIR.
set -uo pipefail

: "${KVERS:?}" "${BUILD:?}" "${KSFT_DIR:?}"
here=$(dirname "$(realpath "$0")")
logs=$BUILD/check
rm -rf "$logs"
mkdir -p "$logs"
steps=$logs/steps.tap
: >"$steps"
start=$SECONDS

# run_logged NAME LOG COMMAND...: run COMMAND, its output to the terminal
# and to LOG; returns its exit status.
run_logged() {
	local name=$1 log=$2
	shift 2
	echo "=== $name"
	"$@" 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

# step NAME LOG COMMAND...: a step that passes or fails as a whole.
step() {
	local name=$1 log=$2 t=$SECONDS rc=0
	run_logged "$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok - $name ($((SECONDS - t))s)" | tee -a "$steps"
	else
		echo "not ok - $name (exit $rc, log $log)" | tee -a "$steps"
	fi
	return "$rc"
}

tap_counts() { awk -f "$here/tap-summary.awk" "$@"; }

# session NAME LOG COMMAND...: a run whose TAP output holds its results.
# One that failed without a failing TAP line (a hang, a panic, a crash of
# the harness) counts as one failure of its own.
session() {
	local name=$1 log=$2 t=$SECONDS rc=0 failed
	run_logged "$@" || rc=$?
	read -r _ failed _ < <(tap_counts "$log")
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
		echo "not ok - $name (exit $rc, log $log)" | tee -a "$steps"
	fi
	echo "=== $name: exit $rc ($((SECONDS - t))s)"
}

# KERNELS_ONLY (make check-debug): the builds the VM sessions need, then
# the sessions; style, host tests, fuzzing and the runner's tests belong to
# make check.
if [ -n "${KERNELS_ONLY:-}" ]; then
	step "build libzcring, tools and selftests" "$logs/build.log" \
		make userspace selftests
else
	step checkpatch "$logs/checkpatch.log" make checkpatch
	step clang-format "$logs/clang-format.log" make format-check

	if step "build libzcring, tools and selftests" "$logs/build.log" \
		make userspace selftests; then
		session "host tests" "$logs/host-tests.log" bash -c '
			cd "$1/userspace" && BASE_DIR=$2 &&
			. "$2/kselftest/runner.sh" &&
			run_many lib/tests/*_test tools/tests/*_test' _ "$BUILD" "$KSFT_DIR"
	fi

	# It builds its own sanitized copy of the library, so it runs even
	# when the build above failed.  Its last line is one TAP result; a
	# build that fails (no libFuzzer) counts as a failure of the session.
	session "fuzz consume (60 s)" "$logs/fuzz.log" make fuzz-check

	first=${KVERS%% *}
	session "VM runner tests ($first)" "$logs/vm-runner.log" \
		make KVER="${first/custom/}" vm-runner-test

	# The manual pages, make install and uninstall, and the Debian
	# packages (lintian-clean, or make deb fails), which DKMS builds for
	# each kernel below and the VM installs and purges on 6.1, 6.12 and
	# unstable (there, into a root of Debian unstable).
	step "man pages: man --warnings" "$logs/man.log" make man-check
	session "make install, make uninstall" "$logs/install.log" \
		scripts/install-test.sh "${first/custom/}" "$BUILD/install-test"
	step "make deb: four packages, lintian clean" "$logs/deb.log" make deb &&
		debs=y
fi

for k in $KVERS; do
	kver=${k/custom/}
	if step "module build ($k)" "$logs/module-$k.log" make KVER="$kver" module; then
		session "VM session ($k)" "$logs/vm-$k.log" make KVER="$kver" vm-check
	fi
	[ -n "${debs:-}" ] && [ "$k" != custom ] || continue
	step "DKMS builds zcring-dkms ($k)" "$logs/dkms-$k.log" \
		make KVER="$kver" dkms-build
	case $k in
	6.1|6.12|unstable)
		session "packages in the VM ($k)" "$logs/vm-packages-$k.log" \
			make KVER="$kver" vm-packages ;;
	esac
done

# The logs this run wrote (make check-debug writes no host or fuzz log).
results=()
for f in "$logs"/host-tests.log "$logs"/fuzz.log "$logs"/install.log \
	 "$logs"/vm-*.log; do
	[ -f "$f" ] && results+=("$f")
done
read -r pass fail skip < <(tap_counts "$steps" "${results[@]}")
echo "=== make check: $((SECONDS - start))s; logs in $logs"
line="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && line+=", $skip skipped"
echo "$line"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
