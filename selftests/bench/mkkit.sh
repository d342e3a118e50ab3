#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Pack make bench into one archive that runs on another x86-64 Linux host,
# for a run under KVM where this one has none: QEMU with the libraries and
# firmware it loads, the VM runner, the guest kernel and initramfs, the
# module, zcring-bench and its libraries.  Nothing is installed on the host
# that runs it; the guest's root is that host's root, as in make bench, and
# the initramfs brings busybox where the host has none.
#
#   mkkit.sh OUTPUT.tar.xz KERNEL INITRAMFS MODULE.ko ZCRING_BENCH
#
# On the other host, as root:
#   tar xJf kit.tar.xz && zcring-kit/run.sh LOG [BENCH OPTIONS...]
# LOG gets the VM's output, which report.py turns into the tables here.
set -euo pipefail

usage="usage: mkkit.sh OUTPUT.tar.xz KERNEL INITRAMFS MODULE.ko ZCRING_BENCH"
out=${1:?$usage} kernel=${2:?$usage} initrd=${3:?$usage}
ko=${4:?$usage} bench=${5:?$usage}
here=$(dirname "$(realpath "$0")")
vm=$here/../../testvm
die() { echo "mkkit: $*" >&2; exit 1; }

qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 is missing; run 'make deps'"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
kit=$stage/zcring-kit
mkdir -p "$kit"/{bin,lib,qemu/lib,qemu/share,qemu/modules,vm}

# Every shared library a binary loads, the loader included, into DIR.
copy_libs() {
	local bin=$1 dir=$2
	ldd "$bin" | awk '/=>/ { print $3 } /^\t\// { print $1 }' |
		while read -r lib; do
			[ -f "$lib" ] && cp -L "$lib" "$dir/"
		done
}

cp "$qemu" "$kit/qemu/qemu-system-x86_64"
copy_libs "$qemu" "$kit/qemu/lib"
# TCG is a loadable module in Debian's QEMU; KVM is built in.
for m in /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so; do
	[ -f "$m" ] && cp "$m" "$kit/qemu/modules/" && copy_libs "$m" "$kit/qemu/lib"
done
# The firmware a q35 guest booted with -kernel reads.
for f in bios-256k.bin kvmvapic.bin linuxboot_dma.bin pvh.bin; do
	src=$(find /usr/share/qemu /usr/share/seabios -name "$f" 2>/dev/null | head -n1)
	[ -n "$src" ] || die "QEMU firmware $f not found"
	cp -L "$src" "$kit/qemu/share/"
done
cat >"$kit/bin/qemu-system-x86_64" <<'WRAP'
#!/bin/sh
# The kit's QEMU, run by its own loader against its own libraries.
q=$(dirname "$(dirname "$(realpath "$0")")")/qemu
QEMU_MODULE_DIR=$q/modules exec "$q/lib/ld-linux-x86-64.so.2" \
	--library-path "$q/lib" "$q/qemu-system-x86_64" -L "$q/share" "$@"
WRAP
chmod +x "$kit/bin/qemu-system-x86_64"

cp "$vm/run-vm.sh" "$vm/stage2" "$kit/"
cp "$vm/guest-bench.sh" "$vm/guest-lib.sh" "$kit/"
cp "$kernel" "$kit/vm/kernel"
cp "$initrd" "$kit/vm/initramfs.cpio"
cp "$ko" "$kit/vm/zcring.ko"
cp "$bench" "$kit/vm/zcring-bench"
copy_libs "$bench" "$kit/lib"
# The guest uses the host's C library and loader, not ours.
rm -f "$kit"/lib/libc.so.* "$kit"/lib/ld-linux-*

# insmod and rmmod for a host without kmod: busybox's, by name.
mkdir -p "$kit/guestbin"
ln -s /bin/busybox "$kit/guestbin/insmod"
ln -s /bin/busybox "$kit/guestbin/rmmod"

cat >"$kit/run.sh" <<'RUN'
#!/bin/bash
# Run make bench's guest side in a VM on this host: KVM where it works.
#   run.sh LOG [BENCH OPTIONS...]
set -uo pipefail
kit=$(dirname "$(realpath "$0")")
log=${1:?usage: run.sh LOG [BENCH OPTIONS...]}
shift
export PATH=$kit/bin:$PATH
# Under TCG, a host thread per vCPU: producers must run in parallel.
export ZCVM_TCG_THREAD=${ZCVM_TCG_THREAD:-multi}
"$kit/run-vm.sh" --kernel "$kit/vm/kernel" --initrd "$kit/vm/initramfs.cpio" \
	--log "$log.kernel" --timeout "${KIT_TIMEOUT:-1800}" --dir "$kit" -- \
	env LD_LIBRARY_PATH="$kit/lib" PATH="$PATH:$kit/guestbin" \
	sh "$kit/guest-bench.sh" \
	"$kit/vm/zcring.ko" "$kit/vm/zcring-bench" "$@" | tee "$log"
RUN
chmod +x "$kit/run.sh"

tar -C "$stage" -cJf "$out" zcring-kit
echo "mkkit: $out ($(du -h "$out" | cut -f1))"
