#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make latency, inside the test VM: how long zcring keeps interrupts off,
# as cyclictest (rt-tests) sees it at SCHED_FIFO 95 on the VM's only CPU,
# where any section with interrupts or preemption off delays its timer
# thread.  It runs SECONDS beside each load:
#
#   idle  nothing: the latency of the emulator and the kernel alone
#   copy  the user load's shape without zcring (uid 65534): 32 MiB copies
#         from /dev/zero to /dev/null and a process spinning, to tell the
#         emulator's and the kernel's share of the user case from zcring's
#   user  what an unprivileged user (uid 65534) may do to a 0666 ring of
#         64 MiB: write() records of 32 MiB, the generator's records of
#         16 bytes in batches and a consumer, all at once, so that small
#         records pile up behind each large one while it is copied
#   held  a kernel producer holding a reservation: zcring_sample reserves
#         its first record at load and commits it SECONDS/2 later, while
#         the generator fills the 64 MiB ring behind it with records of
#         16 bytes; the sample's next reservation, in hard IRQ context,
#         meets all of them committed (N/24: 2.8 M)
#
# It prints "LATENCY CASE max MAX_US avg AVG_US" per case, and for the
# loads the ring's counters, to show what they did.
#
#   guest-latency.sh MODULE.ko TOOLS_DIR SECONDS
set -eu
. "$(dirname "$0")/guest-lib.sh"

usage="usage: guest-latency.sh MODULE.ko TOOLS_DIR SECONDS"
ko=${1:?$usage}
tools=${2:?$usage}
secs=${3:?$usage}
zcring=$tools/zcring
sample=$(dirname "$ko")/samples/zcring_sample.ko
size=$((64 << 20))
nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"

# cyclictest's summary: "T: 0 (...) ... Avg: A Max: M".
measure() {
	out=$(cyclictest -m -q -p 95 -i 1000 -D "$secs")
	max=$(echo "$out" | sed -n 's/.*Max: *\([0-9]*\).*/\1/p')
	avg=$(echo "$out" | sed -n 's/.*Avg: *\([0-9]*\).*/\1/p')
	[ -n "$max" ] || { echo "latency: no figures from cyclictest: $out" >&2; exit 1; }
	echo "LATENCY $1 max $max avg $avg"
}

counters() {
	"$zcring" stat "$1" | grep -E '^(produced|consumed|dropped)_records'
}

zc_load "$ko"

measure idle

$nobody sh -c "while :; do dd if=/dev/zero of=/dev/null bs=32M count=1 \
	2>/dev/null; done" &
writer=$!
$nobody sh -c "while :; do :; done" &
spin=$!
measure copy
kill $writer $spin
wait $writer $spin || true

"$zcring" create lat --size $size --mode 0666
$nobody sh -c "while :; do dd if=/dev/zero of=/dev/zcring/lat bs=32M \
	count=1 2>/dev/null; done" &
writer=$!
$nobody sh -c "while :; do '$zcring' gen lat --count 100000 --size 16 \
	--batch >/dev/null; done" &
gen=$!
$nobody "$zcring" cat lat --follow --quiet &
cat=$!
measure user
kill $writer $gen
wait $writer $gen || true
counters lat
kill $cat
wait $cat || true
"$zcring" destroy lat

insmod "$sample" name=held size=$size period_us=1000 burst=1 \
	record_size=16 hold_ms=$((secs * 500))
"$zcring" gen held --count $((size / 24)) --size 16 --batch >/dev/null &
gen=$!
measure held
wait $gen || true
counters held
rmmod zcring_sample

zc_unload
echo "== done"
