#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages zcring builds and tests with.
#
#   scripts/deps.sh          install what is missing and bring
#                            linux-headers-amd64 up to date (needs root)
#   scripts/deps.sh --check  exit 1, naming them, if any package is missing
#
# linux-headers-amd64 follows the archive because the VM kernel image is
# downloaded to match it, and the archive keeps only its current version.
#
# Kernels and kselftest sources are fetched into the cache by
# scripts/fetch-kernel.sh and scripts/fetch-linux-source.sh.
set -euo pipefail

PACKAGES=(
	build-essential make gcc-12 pkg-config clang-format
	linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static kmod cpio xz-utils zstd
	libbpf-dev bpftool clang llvm libelf-dev zlib1g-dev dwarves
	libclang-rt-14-dev	# clang's libFuzzer, for make fuzz and make check
	perl python3 gawk rsync file gnuplot-nox
	rt-tests		# cyclictest, for make latency
	flex bison bc libssl-dev
	ca-certificates debian-archive-keyring
	# make deb and its test in the VM, whose root is this machine's
	debhelper dh-dkms dkms lintian scdoc man-db groff-base udev adduser passwd
	# the chroot of Debian unstable its kernel's module is built in
	debootstrap
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null |
	     grep -q '^install ok installed$'; then
		missing+=("$pkg")
	fi
done

if [ "${1:-}" = --check ]; then
	if [ ${#missing[@]} -gt 0 ]; then
		echo "deps: missing packages: ${missing[*]}" >&2
		exit 1
	fi
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	[ ${#missing[@]} -eq 0 ] && exit 0
	echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# apt-get update fails as a whole when any one source does; the packages
# come from Debian's, and a failure there shows at install time.
apt-get update -q >/dev/null || echo "deps: apt-get update reported errors" >&2
hdr=linux-headers-amd64
if [ -n "$(dpkg-query -W -f='${Version}' $hdr 2>/dev/null)" ] &&
   [ "$(dpkg-query -W -f='${Version}' $hdr)" != \
     "$(apt-cache policy $hdr | sed -n 's/^ *Candidate: //p')" ]; then
	missing+=("$hdr")
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
apt-get install -y -q --no-install-recommends "${missing[@]}"
