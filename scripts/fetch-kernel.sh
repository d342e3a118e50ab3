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
#              CACHE_DIR/apt-backports, so the machine's sources never change.
# SERIES 6.12-rt: the same kernel built with PREEMPT_RT, the same way.
#
# Packages are unpacked with dpkg-deb under CACHE_DIR/kernels/SERIES/root and
# CACHE_DIR/kernels/SERIES/kernel.mk names what the Makefile needs:
# KREL, KDIR (headers to build against), VM_KERNEL (the uncompressed
# CACHE_DIR/kernels/SERIES/vmlinux where the image allows, else the bzImage)
# and VM_MODDIR.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh SERIES CACHE_DIR}
cache=${2:?usage: fetch-kernel.sh SERIES CACHE_DIR}
mkdir -p "$cache"
cache=$(realpath "$cache")
dest=$cache/kernels/$series
debs=$cache/debs
mkdir -p "$debs"

die() { echo "fetch-kernel: $*" >&2; exit 1; }

# apt refuses to drop privileges into a cache directory _apt cannot reach.
APT_OPTS=(-q -o APT::Sandbox::User=root)

backports_apt() {
	local conf=$cache/apt-backports
	mkdir -p "$conf/lists/partial" "$conf/archives/partial" "$conf/cache" \
		 "$conf/empty.d"
	cat >"$conf/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
SRC
	cat >"$conf/apt.conf" <<CONF
Dir::Etc::SourceList "$conf/sources.list";
Dir::Etc::SourceParts "$conf/empty.d";
Dir::Etc::Preferences "$conf/empty.d/preferences";
Dir::Etc::PreferencesParts "$conf/empty.d";
Dir::State::Lists "$conf/lists";
Dir::State::status "/dev/null";
Dir::Cache "$conf/cache";
Dir::Cache::Archives "$conf/archives";
APT::Sandbox::User "root";
CONF
	export APT_CONFIG=$conf/apt.conf
	# Refresh the lists when they are missing or older than a day.
	if [ -z "$(find "$conf/lists" -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
		apt-get "${APT_OPTS[@]}" update >/dev/null ||
			die "apt-get update of bookworm-backports failed"
	fi
}

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
	backports_apt
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

case $series in
6.1) resolve_6_1 ;;
6.12) resolve_6_12 amd64 ;;
6.12-rt) resolve_6_12 rt-amd64 ;;
*) die "unknown kernel series '$series' (known: 6.1 6.12 6.12-rt)" ;;
esac

# kernel.mk names its layout: a cache of another layout is fetched again.
FORMAT=2
if [ -f "$dest/kernel.mk" ] && grep -qx "KREL := $krel" "$dest/kernel.mk" &&
   grep -qx "FORMAT := $FORMAT" "$dest/kernel.mk"; then
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
# The modules directory links back to /usr/src with absolute paths that do
# not exist on this machine; nothing here needs them.
rm -f "$root/lib/modules/$krel/build" "$root/lib/modules/$krel/source"
# The arch headers include the common ones by absolute path: point that
# include at the unpacked copy (6.12 only; 6.1 builds against /usr/src).
if [ "$series" != 6.1 ]; then
	hdr=$root/usr/src/linux-headers-$krel
	sed -i "s|^include /usr/src/|include $dest/root/usr/src/|" "$hdr/Makefile"
fi
depmod -b "$root" "$krel"

[ -f "$root/boot/vmlinuz-$krel" ] || die "no vmlinuz-$krel in ${pkgs[0]}"
# The VM boots the uncompressed kernel where it can: seconds faster.
vm_kernel=$dest/root/boot/vmlinuz-$krel
if "$(dirname "$0")/extract-vmlinux.sh" "$root/boot/vmlinuz-$krel" "$dest.new/vmlinux"; then
	vm_kernel=$dest/vmlinux
fi
cat >"$dest.new/kernel.mk" <<MK
# Generated by scripts/fetch-kernel.sh; do not edit.
FORMAT := $FORMAT
KREL := $krel
KDIR := $kdir
VM_KERNEL := $vm_kernel
VM_MODDIR := $dest/root/lib/modules/$krel
MK
rm -rf "$dest"
mv "$dest.new" "$dest"
echo "fetch-kernel: $series: $krel ready in $dest"
