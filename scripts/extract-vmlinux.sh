#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack the uncompressed kernel (vmlinux) from a bzImage, for QEMU to boot
# it directly through its PVH entry point.  Under TCG this skips the real-mode
# setup and the decompressor, which take seconds there (6.1's xz above all).
#
#   scripts/extract-vmlinux.sh BZIMAGE OUTPUT
#
# Exits 1 when the image cannot be booted that way (unknown compression, no
# PVH entry point); the caller then boots the bzImage.
set -euo pipefail

bz=${1:?usage: extract-vmlinux.sh BZIMAGE OUTPUT}
out=${2:?usage: extract-vmlinux.sh BZIMAGE OUTPUT}

# x86 boot protocol: setup_sects at 0x1f1 (0 means 4); payload_offset and
# payload_length at 0x248 and 0x24c, counted from the protected-mode code
# that follows the setup sectors.
field() { od -An -tu"$2" -j "$1" -N "$2" "$bz" | tr -d ' '; }
sects=$(field $((0x1f1)) 1)
[ "$sects" -ne 0 ] || sects=4
offset=$(($(field $((0x248)) 4) + (sects + 1) * 512))
length=$(field $((0x24c)) 4)
magic=$(od -An -tx1 -j "$offset" -N 4 "$bz" | tr -d ' ')

payload() {
	dd if="$bz" bs=64K iflag=skip_bytes,count_bytes skip="$offset" \
		count="$1" status=none
}
# The kernel appends the uncompressed size to every payload but gzip's.
case $magic in
1f8b*) payload "$length" | gzip -dc >"$out.tmp" ;;
fd377a58) payload $((length - 4)) | xz -dc >"$out.tmp" ;;
28b52ffd) payload $((length - 4)) | zstd -qdc >"$out.tmp" ;;
*) echo "extract-vmlinux: $bz: unknown compression (magic $magic)" >&2; exit 1 ;;
esac

# XEN_ELFNOTE_PHYS32_ENTRY (18) is the PVH entry point QEMU boots from.
if ! readelf -n "$out.tmp" | grep -q 'Xen.*(0x00000012)'; then
	echo "extract-vmlinux: $bz has no PVH entry point" >&2
	rm -f "$out.tmp"
	exit 1
fi
mv "$out.tmp" "$out"
