#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The zcring test session inside the test VM: load the module, run every
# installed kselftest, unload the module.  Each step prints a TAP line; the
# exit status is 1 if any step or test failed.
#
#   guest-check.sh MODULE.ko KSELFTEST_DIR [PROBE]
#
# KSELFTEST_DIR is an installed kselftest tree (run_kselftest.sh at its top).
# The tests get the module's path in ZCRING_KO, to unload and reload it, the
# sample producer's in ZCRING_SAMPLE_KO, zcring-probe's (PROBE) in
# ZCRING_PROBE, and the zcring tool's, beside it, in ZCRING_TOOL.
# ZCRING_SOAK_RECORDS and ZCRING_FUZZ_SECONDS (and _SEED), when set, reach
# the soak test and the kernel fuzzer.  ZCRING_RUN, when
# set, names the one program of KSELFTEST_DIR/zcring to run instead.
set -u
. "$(dirname "$0")/guest-lib.sh"

ko=${1:?usage: guest-check.sh MODULE.ko KSELFTEST_DIR [PROBE]}
ksft=${2:?usage: guest-check.sh MODULE.ko KSELFTEST_DIR [PROBE]}
probe=${3:-}
failed=0

step() {
	desc=$1
	shift
	if "$@"; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		failed=1
	fi
}


# kmemleak, where the kernel has it (the debug kernel): forget what booting
# left, and after the run report whatever the tests leaked.
kmemleak=/sys/kernel/debug/kmemleak
[ -w $kmemleak ] && echo clear >$kmemleak

no_leaks() {
	# Two scans: an object is reported once it was unreferenced in both.
	echo scan >$kmemleak && echo scan >$kmemleak || return 1
	leaks=$(cat $kmemleak)
	[ -z "$leaks" ] && return 0
	echo "$leaks"
	return 1
}

step "insmod $(basename "$ko")" zc_load "$ko"
if [ $failed -eq 0 ]; then
	export ZCRING_KO="$(realpath "$ko")"
	export ZCRING_SAMPLE_KO="$(dirname "$ZCRING_KO")/samples/zcring_sample.ko"
	if [ -n "$probe" ]; then
		export ZCRING_PROBE="$(realpath "$probe")"
		# The zcring tool is built beside the probe.
		export ZCRING_TOOL="$(dirname "$ZCRING_PROBE")/zcring"
	fi
	if [ -n "${ZCRING_RUN:-}" ]; then
		# One program alone, with no runner's timeout over it.
		step "$ZCRING_RUN" "$ksft/zcring/$ZCRING_RUN"
	else
		out=/tmp/kselftest.out
		"$ksft/run_kselftest.sh" | tee $out
		# run_kselftest.sh always exits 0: its TAP says what failed.
		grep -q '^not ok' $out && failed=1
	fi
	step "rmmod zcring" zc_unload
fi
[ -w $kmemleak ] && step "kmemleak: nothing leaked" no_leaks
exit $failed
