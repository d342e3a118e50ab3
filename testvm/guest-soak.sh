#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make soak, inside the test VM: load the module, run the soak test (every
# producer into one ring in drop mode, each record verified) with RECORDS
# records to verify in each of its variants, unload the module.  The exit
# status is the test's, or 1 if the module does not unload.
#
#   guest-soak.sh MODULE.ko SOAK_TEST RECORDS
set -eu
. "$(dirname "$0")/guest-lib.sh"

usage="usage: guest-soak.sh MODULE.ko SOAK_TEST RECORDS"
ko=${1:?$usage}
test=${2:?$usage}
records=${3:?$usage}

zc_load "$ko"
ZCRING_SAMPLE_KO="$(dirname "$(realpath "$ko")")/samples/zcring_sample.ko"
ZCRING_SOAK_RECORDS=$records
export ZCRING_SAMPLE_KO ZCRING_SOAK_RECORDS
echo "soak: $records records per variant on $(uname -r), $(nproc) CPUs"
status=0
"$test" || status=$?
zc_unload
exit $status
