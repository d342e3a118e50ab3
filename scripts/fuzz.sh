#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a libFuzzer harness for a while, from a working corpus seeded with
# the committed one.
#
#   scripts/fuzz.sh [--check NAME] FUZZER SEEDS WORKDIR SECONDS
#
# The working corpus is WORKDIR/corpus; the fuzzer adds what it finds there
# and SEEDS, the committed corpus, is only read.  An input that crashes,
# leaks, hangs past the timeout or runs out of memory is written to WORKDIR
# under libFuzzer's name for it (crash-*, leak-*, timeout-*, oom-*) and the
# exit status is libFuzzer's, non-zero; rerun one with `FUZZER FILE`.
#
# --check starts from the seeds alone (WORKDIR is emptied first), so that a
# run does not depend on the ones before it, and ends, after libFuzzer's
# "Done N runs" line, with a TAP line, "ok - NAME: N executions" or
# "not ok - NAME: ...", for make check to count.
set -uo pipefail

check=
if [ "${1:-}" = --check ]; then
	check=$2
	shift 2
fi
if [ $# -ne 4 ]; then
	echo "usage: $0 [--check NAME] FUZZER SEEDS WORKDIR SECONDS" >&2
	exit 2
fi
fuzzer=$1 seeds=$2 work=$3 seconds=$4

[ -n "$check" ] && rm -rf "$work"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"

# Each input takes microseconds: one that runs 10 s does not end.
UBSAN_OPTIONS=print_stacktrace=1 "$fuzzer" -max_total_time="$seconds" \
	-timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" "$work/corpus" 2>&1 | tee "$work/fuzz.log"
rc=${PIPESTATUS[0]}
[ -z "$check" ] && exit "$rc"

# libFuzzer's last line, "Done N runs in T second(s)", is above.
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/fuzz.log")
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
	echo "ok - $check: $runs executions"
	exit 0
fi
unit=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$work/fuzz.log" | head -n 1)
echo "not ok - $check: exit $rc${unit:+, input in $unit}, log $work/fuzz.log"
[ "$rc" -ne 0 ] && exit "$rc"
exit 1
