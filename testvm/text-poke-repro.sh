#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of the emulator's live-patching reproducer (docs/testing.md),
# with nothing of zcring loaded: vCPU 0 flips the static key of the
# exceptions:page_fault_user tracepoint through tracefs, each flip a
# text_poke_bp() of the jump label in the page-fault entry code, while
# vCPU 1 takes page faults in a loop and so runs that code all the time.
# A CPU (or an emulator) that honours x86's cross-modifying-code rules
# survives any number of flips; one that keeps running a stale copy of the
# patched bytes executes the temporary int3 after the kernel has removed
# it ("Oops: int3") or spins on it.
#
#   text-poke-repro.sh [FLIPS]    (default 2000; each enables and disables)
#
# Prints how many flips ran and how long they took; exit 0 when the guest
# lived through all of them (run-vm.sh fails the run on any kernel report).
set -euo pipefail

flips=${1:-2000}
[[ $flips =~ ^[1-9][0-9]*$ ]] || { echo "text-poke-repro: FLIPS is a count, not '$flips'" >&2; exit 2; }
ev=/sys/kernel/tracing/events/exceptions/page_fault_user/enable
[ -w "$ev" ] || { echo "text-poke-repro: no $ev in this kernel" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "text-poke-repro: needs two vCPUs, has $(nproc)" >&2; exit 2; }

# Every fork and exec faults in dozens of pages: the hot side needs no
# program of its own.
taskset -c 1 bash -c 'while :; do /bin/true; done' &
hot=$!
trap 'kill $hot 2>/dev/null || true' EXIT

start=$(date +%s%N)
taskset -p -c 0 $$ >/dev/null
for ((i = 0; i < flips; i++)); do
	echo 1 >"$ev"
	echo 0 >"$ev"
	# Progress, so that the output of a guest that died says how far it got.
	((i % 250 != 249)) || echo "text-poke-repro: $((i + 1)) flips"
done
ms=$((($(date +%s%N) - start) / 1000000))
kill $hot
wait $hot 2>/dev/null || true
echo "text-poke-repro: $flips flips in ${ms} ms, the guest is alive"
