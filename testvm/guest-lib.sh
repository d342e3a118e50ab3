# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that run in the test VM with the module: load it
# saying on what, and unload it making sure nothing of it is left.

# zc_load MODULE.ko [PARAM=VALUE...]
zc_load() {
	echo "== insmod $(basename "$1") on $(uname -r), $(nproc) CPUs"
	insmod "$@"
}

# The module gone, and its control node with it.
zc_unload() {
	rmmod zcring && ! [ -e /sys/module/zcring ] &&
		! [ -e /dev/zcring/control ]
}
