#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages zcring builds and tests with.
#
#   scripts/deps.sh          install what is missing (needs root)
#   scripts/deps.sh --check  exit 1, naming them, if any package is missing
#
# Kernels and kselftest sources are fetched into the cache by
# scripts/fetch-kernel.sh and scripts/fetch-linux-source.sh.
set -euo pipefail

PACKAGES=(
	build-essential make gcc-12 pkg-config
	linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static kmod cpio xz-utils zstd
	libbpf-dev bpftool clang llvm libelf-dev zlib1g-dev dwarves
	perl python3 gawk rsync
	ca-certificates debian-archive-keyring
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

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run 'make deps' as root" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A machine whose lists are missing or stale cannot find the packages.
apt-get update -q || true
apt-get install -y -q --no-install-recommends "${missing[@]}"
