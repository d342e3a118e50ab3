#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo, inside the test VM: load the zcring module, show what it
# created, and unload it.
#
#   demo.sh MODULE.ko
set -eu

ko=${1:?usage: demo.sh MODULE.ko}

echo "== insmod $(basename "$ko") on $(uname -r)"
insmod "$ko"
echo "== the control device"
ls -l /dev/zcring/
echo "== the module: $(cat /sys/module/zcring/initstate), $(cat /sys/module/zcring/refcnt) users"
echo "== its kernel messages"
dmesg | grep 'zcring'
echo "== the tool"
build/userspace/tools/zcring version
echo "== rmmod zcring"
rmmod zcring
[ ! -e /sys/module/zcring ] && [ ! -e /dev/zcring/control ]
echo "module unloaded, device node gone"
