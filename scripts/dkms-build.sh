#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS builds the module from the zcring-dkms package for one kernel, on
# this machine, as it would where the package is installed: the package
# unpacked, dkms build against the kernel's headers, in a DKMS tree and
# with a signing key of its own so that nothing of the machine's changes
# (make dkms-build).
#
#   scripts/dkms-build.sh DEB_DIR KREL KDIR WORK_DIR
set -euo pipefail

debs=${1:?usage: dkms-build.sh DEB_DIR KREL KDIR WORK_DIR}
krel=${2:?usage: dkms-build.sh DEB_DIR KREL KDIR WORK_DIR}
kdir=${3:?usage: dkms-build.sh DEB_DIR KREL KDIR WORK_DIR}
work=${4:?usage: dkms-build.sh DEB_DIR KREL KDIR WORK_DIR}
die() { echo "dkms-build: $*" >&2; exit 1; }

deb=$(ls "$debs"/zcring-dkms_*_all.deb 2>/dev/null) ||
	die "no zcring-dkms package in $debs; run 'make deb'"
version=$(dpkg-deb -f "$deb" Version)
rm -rf "$work"
mkdir -p "$work/root" "$work/dkms"
dpkg-deb -x "$deb" "$work/root"
# DKMS signs what it builds, with a key it makes on first use: here, one
# of this tree's, not the machine's /var/lib/dkms/mok.key.
export mok_signing_key=$work/mok.key mok_certificate=$work/mok.pub
dkms build -m zcring -v "$version" -k "$krel" --kernelsourcedir "$kdir" \
	--dkmstree "$work/dkms" --sourcetree "$work/root/usr/src"
ko=$(find "$work/dkms/zcring/$version/$krel" -name 'zcring.ko*' | head -1)
[ -n "$ko" ] || die "dkms built no zcring.ko for $krel"
magic=$(modinfo -F vermagic "$ko")
[ "${magic%% *}" = "$krel" ] || die "$ko is for ${magic%% *}, not $krel"
echo "dkms-build: $ko, vermagic $magic"
