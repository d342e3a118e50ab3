#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside a Debian root made by scripts/mkchroot.sh: the
# build environment of a kernel built with a compiler this machine does
# not have.  make KVER=unstable builds its module here, and so do DKMS
# (make dkms-build) and make install; mkchroot.sh installs packages
# with it.  (The test VM boots on that root instead: run-vm.sh --root.)
#
#   scripts/in-chroot.sh ROOT [--bind DIR]... -- COMMAND [ARG...]
#
# In a mount namespace of its own, so that nothing outlives the command,
# ROOT gets /proc, /sys and /dev from here, an empty /run and /tmp, and
# each DIR at the same path as outside (the project and build trees, so
# that the paths in make's command lines mean the same inside).  The
# command starts in the current directory if it is one of those.  Needs
# root.
set -euo pipefail

usage() { echo "usage: in-chroot.sh ROOT [--bind DIR]... -- COMMAND [ARG...]" >&2; exit 2; }
die() { echo "in-chroot: $*" >&2; exit 1; }

[ $# -ge 1 ] || usage
# The mounts go in a namespace of our own: run again inside one.
if [ -z "${ZCRING_CHROOT_NS:-}" ]; then
	ZCRING_CHROOT_NS=1 exec unshare --mount --propagation private -- "$0" "$@"
fi
unset ZCRING_CHROOT_NS

root=$1
shift
[ -x "$root/bin/sh" ] || die "'$root' is not a root filesystem"
root=$(realpath "$root")
binds=()
while [ $# -gt 0 ]; do
	case $1 in
	--bind) [ $# -ge 2 ] || usage; binds+=("$(realpath "$2")"); shift 2 ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || usage

mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
for dir in "${binds[@]}"; do
	[ -d "$dir" ] || die "'$dir' is not a directory"
	mkdir -p "$root$dir"
	mount --rbind "$dir" "$root$dir"
done
# The command runs where it was started, when that is in there too.
cwd=/
[ -d "$root$PWD" ] && cwd=$PWD
exec chroot "$root" /usr/bin/env --chdir="$cwd" \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
