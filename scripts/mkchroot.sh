#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make a minimal Debian root of one suite with debootstrap, and install
# packages into it with that suite's apt (scripts/in-chroot.sh runs
# commands there).  scripts/fetch-kernel.sh makes one for a kernel that
# this machine's compiler cannot build modules for: its headers package,
# installed there, brings the compiler and pahole the kernel was built
# with.
#
#   scripts/mkchroot.sh DIR SUITE PACKAGE...
#
# DIR must not exist; it is made whole or not at all.  Needs root and
# Debian's archive.
set -euo pipefail

usage() { echo "usage: mkchroot.sh DIR SUITE PACKAGE..." >&2; exit 2; }
die() { echo "mkchroot: $*" >&2; exit 1; }

[ $# -ge 3 ] || usage
dir=$1 suite=$2
shift 2
[ ! -e "$dir" ] || die "'$dir' exists"
here=$(dirname "$(realpath "$0")")
. "$here/debian-apt.sh"

log=$dir.log
rm -rf "$dir.new"
t=$SECONDS
# A failed step's output, which goes to the log, is worth seeing.
run() {
	"$@" >>"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		die "'$*' failed (log: $log)"
	}
}
: >"$log"
run debootstrap --variant=minbase "$suite" "$dir.new" "$DEBIAN_MIRROR"
echo "mkchroot: $suite's base system in $((SECONDS - t))s" >&2
# Nothing installed here may start a service.
printf '#!/bin/sh\nexit 101\n' >"$dir.new/usr/sbin/policy-rc.d"
chmod +x "$dir.new/usr/sbin/policy-rc.d"
export DEBIAN_FRONTEND=noninteractive
# The caller's private apt configuration is not the chroot's.
unset APT_CONFIG
# The archive this is tested against can be a snapshot older than its
# Release file's Valid-Until, which the suite's apt refuses; the
# signatures are checked all the same.
run "$here/in-chroot.sh" "$dir.new" -- \
	apt-get -q -o Acquire::Check-Valid-Until=false update
run "$here/in-chroot.sh" "$dir.new" -- \
	apt-get -q install -y --no-install-recommends "$@"
run "$here/in-chroot.sh" "$dir.new" -- apt-get clean
rm -rf "$dir.new"/var/lib/apt/lists/*
mv "$dir.new" "$dir"
echo "mkchroot: $dir: $suite with $* in $((SECONDS - t))s," \
	"$(du -sh "$dir" | cut -f1)" >&2
