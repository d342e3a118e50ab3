#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, inside the test VM: load the zcring module, run zcring-bench
# with one producer and then two, and unload the module.  The results are
# the "BENCH {...}" lines on standard output, which the host's
# selftests/bench/report.py takes from the VM's output: the guest sees the
# repository read-only, so nothing is written back.
#
#   guest-bench.sh MODULE.ko ZCRING_BENCH [BENCH OPTIONS...]
set -eu
. "$(dirname "$0")/guest-lib.sh"

usage="usage: guest-bench.sh MODULE.ko ZCRING_BENCH [OPTIONS...]"
ko=${1:?$usage}
bench=${2:?$usage}
shift 2

zc_load "$ko"
"$bench" "$@"
zc_unload
echo "== done"
