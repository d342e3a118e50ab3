#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the test VM: load the zcring module, create a ring,
# show a few records, then stream RECORDS records of SIZE bytes (default
# 2000000 of 200) from the kernel's generator to a consumer that reads them
# in place through libzcring and verifies every one; then the same with
# zcring-probe attached, plus a tenth as many records through read(), and
# the probe's summary: faults and copies, and what the probe itself costs.
# Then destroy the ring and unload the module.
#
#   guest-demo.sh MODULE.ko TOOLS_DIR [RECORDS [SIZE]]
#
# TOOLS_DIR holds the zcring and zcring-probe tools.
set -eu
. "$(dirname "$0")/guest-lib.sh"

usage="usage: guest-demo.sh MODULE.ko TOOLS_DIR [RECORDS [SIZE]]"
ko=${1:?$usage}
tools=${2:?$usage}
zcring=$tools/zcring
probe=$tools/zcring-probe
records=${3:-2000000}
size=${4:-200}
copies=$((records / 10))
ring=demo

zc_load "$ko"
echo "== zcring create $ring --size 4M"
$zcring create $ring --size 4M
ls -l /dev/zcring/
echo "== zcring list"
$zcring list

echo "== three records from the generator, read in place"
$zcring gen $ring --count 3 --size 24
$zcring cat $ring --hex

# stream: the zero-copy load; its summary line goes to stdout.
stream() {
	$zcring gen $ring --count "$records" --size "$size" --block >/tmp/gen.out &
	gen=$!
	$zcring cat $ring --follow --count "$records" --verify --quiet
	wait $gen
	grep -q 'dropped 0$' /tmp/gen.out
}

# The figure after WORD on the summary line in FILE.
figure() { awk -v w="$1" '{ for (i = 1; i < NF; i++) if ($i == w) print $(i + 1) }' "$2"; }

# probe_start, probe_stop: zcring-probe around a load, its report in
# /tmp/probe.out.  It attaches before the load starts and detaches after it
# ends, so that the probe sees the whole of the load it is compared on.
probe_start() {
	$probe --ring $ring >/tmp/probe.out 2>/tmp/probe.err &
	probe_pid=$!
	until grep -q 'attached' /tmp/probe.err; do
		kill -0 $probe_pid 2>/dev/null || { cat /tmp/probe.err; exit 1; }
		sleep 0.1
	done
}
probe_stop() {
	kill -INT $probe_pid
	wait $probe_pid
}

echo "== streaming $records records of $size bytes, kernel generator -> libzcring,"
echo "   five rounds without and with zcring-probe attached, alternating"
: >/tmp/rates
for round in 1 2 3 4 5; do
	stream >/tmp/plain.out
	probe_start
	stream >/tmp/probed.out
	if [ $round = 5 ]; then
		# And some through the copying path, for the probe to compare.
		$zcring gen $ring --count "$copies" --size "$size" --block >/dev/null &
		gen=$!
		head -c $((copies * size)) /dev/zcring/$ring >/dev/null
		wait $gen
	fi
	probe_stop
	echo "round $round without: $(cat /tmp/plain.out)"
	echo "round $round with:    $(cat /tmp/probed.out)"
	echo "$(figure MB/s /tmp/plain.out) $(figure MB/s /tmp/probed.out)" >>/tmp/rates
done
# Medians: under TCG a round now and then runs far off the others.
a=$(cut -d' ' -f1 /tmp/rates | sort -n | sed -n 3p)
b=$(cut -d' ' -f2 /tmp/rates | sort -n | sed -n 3p)
awk -v a="$a" -v b="$b" 'BEGIN { printf "throughput: %.1f MB/s without the probe, %.1f MB/s with it, medians of 5 rounds (%.1f%% overhead)\n", a, b, (a - b) * 100 / a }'
echo "(rates are this VM's: under TCG, which emulates the CPU, they are far below real hardware)"

echo "== zcring-probe, round 5: $records records in place, then $copies through read()"
cat /tmp/probe.out

echo "== the same zero-copy load on a ring populated at mmap(), under zcring-probe"
lazy=$ring
ring=$lazy-populated
$zcring create $ring --size 4M --populate
probe_start
stream
probe_stop
grep -m 2 -E '^ring |^  copy:' /tmp/probe.out
$zcring destroy $ring
ring=$lazy

echo "== zcring stat $ring"
$zcring stat $ring
echo "== zcring destroy $ring; rmmod zcring"
$zcring destroy $ring
zc_unload
[ ! -e /sys/module/zcring ] && [ ! -e /dev/zcring/control ]
echo "module unloaded, device nodes gone"
