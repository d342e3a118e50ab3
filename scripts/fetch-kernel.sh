#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch a Debian kernel for the test VM into the cache, without installing it.
#
#   scripts/fetch-kernel.sh SERIES CACHE_DIR
#
# SERIES 6.1:  bookworm's kernel; the image whose version matches the
#              installed linux-headers-amd64 is downloaded from the machine's
#              own apt sources.
# SERIES 6.12: bookworm-backports' kernel; image, headers, common headers and
#              kbuild come through a private apt configuration under
#              CACHE_DIR/apt/bookworm-backports, so the machine's sources
#              never change.
# SERIES 6.12-rt: the same kernel built with PREEMPT_RT, the same way.
# SERIES unstable: the newest kernel Debian unstable carries, found anew
#              each day (7.2 at the time of writing).  It is built with a
#              compiler bookworm does not have, so its headers are not
#              unpacked here: they are installed, with what they depend on
#              (that compiler, pahole), into a minimal unstable root made
#              by scripts/mkchroot.sh, CACHE_DIR/kernels/unstable/chroot,
#              along with what the packages' test in the VM needs (dkms,
#              udev, man-db, a C compiler for the README's example).
#
# Packages are unpacked with dpkg-deb under CACHE_DIR/kernels/SERIES/root and
# CACHE_DIR/kernels/SERIES/kernel.mk names what the Makefile needs:
# KREL, KDIR (headers to build against), VM_KERNEL (the uncompressed
# CACHE_DIR/kernels/SERIES/vmlinux where the image allows, else the bzImage),
# VM_MODDIR, and KBUILD_CHROOT for a kernel whose headers are in a chroot
# (KDIR is then a path in there).
set -euo pipefail

series=${1:?usage: fetch-kernel.sh SERIES CACHE_DIR}
cache=${2:?usage: fetch-kernel.sh SERIES CACHE_DIR}
mkdir -p "$cache"
cache=$(realpath "$cache")
dest=$cache/kernels/$series
debs=$cache/debs
mkdir -p "$debs"

die() { echo "fetch-kernel: $*" >&2; exit 1; }

. "$(dirname "$0")/debian-apt.sh"

# Names of the packages to fetch, one per line, for this series; sets krel.
resolve_6_1() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
		die "linux-headers-amd64 is not installed; run 'make deps'"
	krel=$(sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p' <<<"$dep")
	[ -n "$krel" ] || die "cannot parse linux-headers-amd64's dependency '$dep'"
	[ -d "/usr/src/linux-headers-$krel" ] ||
		die "/usr/src/linux-headers-$krel is missing; run 'make deps'"
	local ver
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$krel")
	pkgs=("linux-image-$krel-unsigned=$ver")
	kdir=/usr/src/linux-headers-$krel
}

# FLAVOUR: amd64 or rt-amd64.
resolve_6_12() {
	local flavour=$1
	debian_apt "$cache" bookworm-backports
	krel=$(apt-cache pkgnames linux-headers-6.12. |
	       grep -E "^linux-headers-6\.12\.[0-9]+\+deb12(\.[0-9]+)?-$flavour\$" |
	       sed 's/^linux-headers-//' | sort -V | tail -n 1)
	[ -n "$krel" ] || die "no linux-headers-6.12.*+deb12-$flavour in bookworm-backports"
	local deps
	deps=$(apt-cache show --no-all-versions "linux-headers-$krel" |
	       sed -n 's/^Depends: //p' | tr ',' '\n' |
	       sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ ]*\).*/\1/p')
	pkgs=("linux-image-$krel-unsigned" "linux-headers-$krel" $deps)
	kdir=$dest/root/usr/src/linux-headers-$krel
}

# The newest amd64 kernel in unstable: its image's parts (the image is a
# metapackage of a binary, a modules and a base package), the headers for
# the chroot, and the packages the VM test uses there.
resolve_unstable() {
	debian_apt "$cache" unstable
	krel=$(apt-cache pkgnames linux-headers- |
	       grep -E '^linux-headers-[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+(\.[0-9]+)?-amd64$' |
	       sed 's/^linux-headers-//' | sort -V | tail -n 1)
	[ -n "$krel" ] || die "no linux-headers-*-amd64 in unstable"
	mapfile -t pkgs < <(apt-cache show --no-all-versions "linux-image-$krel" |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed -n "s/^ *\(linux-[a-z]*-$krel\)\( .*\)\{0,1\}\$/\1/p")
	[ ${#pkgs[@]} -gt 0 ] || die "linux-image-$krel names none of its parts"
	chroot_pkgs=("linux-headers-$krel" make dkms udev man-db pkgconf gcc
		     libc6-dev kmod adduser passwd openssl)
	kdir=/usr/src/linux-headers-$krel
}

chroot_pkgs=()
case $series in
6.1) resolve_6_1 ;;
6.12) resolve_6_12 amd64 ;;
6.12-rt) resolve_6_12 rt-amd64 ;;
unstable) resolve_unstable ;;
*) die "unknown kernel series '$series' (known: 6.1 6.12 6.12-rt unstable)" ;;
esac

# kernel.mk names its layout: a cache of another layout is fetched again.
FORMAT=2
# A chroot is made again when what it should hold changes.
chroot_line="KBUILD_CHROOT_PKGS := ${chroot_pkgs[*]}"
if [ -f "$dest/kernel.mk" ] && grep -qx "KREL := $krel" "$dest/kernel.mk" &&
   grep -qx "FORMAT := $FORMAT" "$dest/kernel.mk" &&
   { [ ${#chroot_pkgs[@]} -eq 0 ] || grep -qxF "$chroot_line" "$dest/kernel.mk"; }; then
	touch "$dest/kernel.mk"
	exit 0
fi

echo "fetch-kernel: $series: fetching ${pkgs[*]}"
(cd "$debs" && apt-get "${APT_OPTS[@]}" download "${pkgs[@]}" >/dev/null) ||
	die "apt-get download ${pkgs[*]} failed"

rm -rf "$dest.new"
mkdir -p "$dest.new/root"
for p in "${pkgs[@]}"; do
	name=${p%%=*}
	deb=$(ls -t "$debs/${name}"_*.deb | head -n 1)
	dpkg-deb -x "$deb" "$dest.new/root"
	rm -f "$deb"
done

root=$dest.new/root
# Newer kernels keep their image and modules under /usr/lib.
usr=
[ -d "$root/usr/lib/modules/$krel" ] && usr=/usr
moddir=$usr/lib/modules/$krel
# The modules directory links back to /usr/src with absolute paths that do
# not exist on this machine; nothing here needs them.
rm -f "$root$moddir/build" "$root$moddir/source"
# The arch headers include the common ones by absolute path: point that
# include at the unpacked copy, where the headers are unpacked here (6.12;
# 6.1 builds against /usr/src, unstable in its chroot).
hdr=$root/usr/src/linux-headers-$krel
if [ -f "$hdr/Makefile" ]; then
	sed -i "s|^include /usr/src/|include $dest/root/usr/src/|" "$hdr/Makefile"
fi
depmod -b "$root$usr" "$krel"

image=
for f in "$root/boot/vmlinuz-$krel" "$root$moddir/vmlinuz"; do
	[ -f "$f" ] && image=${f#"$root"}
done
[ -n "$image" ] || die "no vmlinuz for $krel in ${pkgs[*]}"
# The VM boots the uncompressed kernel where it can: seconds faster.
vm_kernel=$dest/root$image
if "$(dirname "$0")/extract-vmlinux.sh" "$root$image" "$dest.new/vmlinux"; then
	vm_kernel=$dest/vmlinux
fi

kbuild_chroot=
if [ ${#chroot_pkgs[@]} -gt 0 ]; then
	"$(dirname "$0")/mkchroot.sh" "$dest.new/chroot" "$series" "${chroot_pkgs[@]}"
	kbuild_chroot=$dest/chroot
	[ -f "$dest.new/chroot$kdir/include/config/kernel.release" ] ||
		die "the chroot has no $kdir"
fi
cat >"$dest.new/kernel.mk" <<MK
# Generated by scripts/fetch-kernel.sh; do not edit.
FORMAT := $FORMAT
KREL := $krel
KDIR := $kdir
VM_KERNEL := $vm_kernel
VM_MODDIR := $dest/root$moddir
KBUILD_CHROOT := $kbuild_chroot
$chroot_line
MK
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "fetch-kernel: $series: $krel ready in $dest"
