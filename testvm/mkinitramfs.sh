#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs: a static busybox, the first-stage init
# (testvm/init) and the kernel modules that init needs to reach the
# host's root filesystem (virtio PCI, 9p over virtio, overlayfs), taken from
# the VM kernel's own module tree with their dependencies, decompressed for
# busybox's insmod and listed in load order in /modules.load.
#
#   mkinitramfs.sh OUTPUT.cpio MODDIR
#
# MODDIR is the kernel's /lib/modules/RELEASE (with modules.dep).  A module
# that the kernel has built in is skipped; one that is neither built in nor
# present is an error.
set -euo pipefail

out=${1:?usage: mkinitramfs.sh OUTPUT.cpio MODDIR}
moddir=${2:?usage: mkinitramfs.sh OUTPUT.cpio MODDIR}
here=$(dirname "$(realpath "$0")")
want=(virtio_pci 9pnet_virtio 9p overlay)

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -f "$moddir/modules.dep" ] || die "$moddir/modules.dep is missing"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || die "busybox is missing; run 'make deps'"
file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	die "$busybox is not static; install busybox-static"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,lib/modules}
cp "$busybox" "$stage/bin/busybox"
install -m 0755 "$here/init" "$stage/init"

# Module names use '-' and '_' interchangeably; modules.dep uses file names.
norm() { local n=${1##*/}; n=${n%%.ko*}; echo "${n//-/_}"; }
declare -A path_of deps_of loaded
while IFS=: read -r mod deps; do
	name=$(norm "$mod")
	path_of[$name]=$mod
	deps_of[$name]=$deps
done <"$moddir/modules.dep"

order=()
add() {
	local name=$1 dep
	[ -n "${loaded[$name]:-}" ] && return
	loaded[$name]=1
	if [ -z "${path_of[$name]:-}" ]; then
		grep -qE "/${name//_/[-_]}\.ko$" "$moddir/modules.builtin" ||
			die "module $name is neither built in nor in $moddir"
		return
	fi
	for dep in ${deps_of[$name]}; do
		add "$(norm "$dep")"
	done
	order+=("$name")
}
for m in "${want[@]}"; do
	add "$m"
done

for name in "${order[@]}"; do
	src=$moddir/${path_of[$name]}
	dst=$stage/lib/modules/$name.ko
	case $src in
	*.ko.xz) xz -dc "$src" >"$dst" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" ;;
	*.ko.gz) gzip -dc "$src" >"$dst" ;;
	*.ko) cp "$src" "$dst" ;;
	*) die "unknown module format: $src" ;;
	esac
	echo "$name.ko" >>"$stage/modules.load"
done
touch "$stage/modules.load"

# Uncompressed: the kernel unpacks it faster than it would inflate it.
(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
