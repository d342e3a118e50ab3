#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the test VM: load the zcring module, create a ring,
# show a few records, then stream RECORDS records of SIZE bytes (default
# 2000000 of 200) from the kernel's generator to a consumer that reads them
# in place through libzcring and verifies every one; then destroy the ring
# and unload the module.
#
#   demo.sh MODULE.ko [RECORDS [SIZE]]
set -eu

ko=${1:?usage: demo.sh MODULE.ko}
zcring=build/userspace/tools/zcring
records=${2:-2000000}
size=${3:-200}
ring=demo

echo "== insmod $(basename "$ko") on $(uname -r)"
insmod "$ko"
echo "== zcring create $ring --size 4M"
$zcring create $ring --size 4M
ls -l /dev/zcring/
echo "== zcring list"
$zcring list

echo "== three records from the generator, read in place"
$zcring gen $ring --count 3 --size 24
$zcring cat $ring --hex

echo "== streaming $records records of $size bytes: kernel generator -> libzcring"
$zcring gen $ring --count "$records" --size "$size" --block >/tmp/gen.out &
gen=$!
$zcring cat $ring --follow --count "$records" --verify --quiet
wait $gen
echo "generator: $(cat /tmp/gen.out)"
echo "(rates are this VM's: under TCG, which emulates the CPU, they are far below real hardware)"

echo "== zcring stat $ring"
$zcring stat $ring
echo "== zcring destroy $ring; rmmod zcring"
$zcring destroy $ring
rmmod zcring
[ ! -e /sys/module/zcring ] && [ ! -e /dev/zcring/control ]
echo "module unloaded, device nodes gone"
