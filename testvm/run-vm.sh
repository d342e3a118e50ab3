#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside a throwaway VM booted from a given kernel, with the
# host's root filesystem as the guest's (read-only over 9p, tmpfs overlay),
# or another root the host holds.
#
#   run-vm.sh --kernel BZIMAGE --initrd CPIO [options] -- COMMAND [ARG...]
#
#   --kernel FILE   kernel image to boot
#   --initrd FILE   initramfs from mkinitramfs.sh for that kernel
#   --moddir DIR    the kernel's /lib/modules/RELEASE, bound there in the guest
#   --log FILE      where the guest's kernel log goes (default: a temp file)
#   --timeout S     kill a guest that runs longer (default 600)
#   --dir DIR       directory the command runs in (default: current one)
#   --root DIR      the guest's root filesystem instead of the host's: a
#                   Debian root (scripts/mkchroot.sh) whose userland the
#                   command is to run on.  The command's directory, the
#                   module directory and each --bind DIR come from the
#                   host, at the same paths
#   --bind DIR      with --root, a host directory the command also needs
#   --mem MIB       guest memory (default 2048)
#   --smp N         guest CPUs (default 2)
#   --qemu FILE     the qemu-system-x86_64 to run (default: $ZCVM_QEMU, else
#                   the one on PATH)
#
# Environment: ZCVM_ACCEL=kvm|tcg|auto, ZCVM_TCG_THREAD=single|multi (TCG
# only; default single), ZCVM_CPU (TCG's CPU model), ZCVM_QEMU.
#
# The command's output streams to standard output as it runs.  Exit status:
# the command's own; 1 when it succeeded but the kernel log has a report
# (WARN, BUG, Oops, KASAN, UBSAN, lockdep, kmemleak, lockup, RCU stall);
# 124 when the guest hung past the timeout; 125 when it panicked or never
# reported a status; 123 when the emulator ran stale kernel code (an int3
# the guest's memory does not hold; see docs/testing.md), whatever else
# followed; 2 for a usage error.  Last line on standard output, a
# TAP line saying whether the kernel log is clean.
set -uo pipefail

# The header comment, from its usage line to its end.
usage() { sed -n '4,/^[^#]/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
die() { echo "run-vm: $*" >&2; exit 2; }

kernel= initrd= moddir= log= timeout=600 dir=$PWD mem=2048 smp=2 root=/
binds=()
qemu=${ZCVM_QEMU:-qemu-system-x86_64}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--moddir) moddir=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--bind) binds+=("$2"); shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--qemu) qemu=$2; shift 2 ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
done
[ $# -gt 0 ] || die "no command given (see --help)"
[ -f "$kernel" ] || die "kernel image '$kernel' not found"
[ -f "$initrd" ] || die "initramfs '$initrd' not found"
[ -z "$moddir" ] || [ -d "$moddir" ] || die "module directory '$moddir' not found"
[ -x "$root/bin/sh" ] || die "'$root' is not a root filesystem"
root=$(realpath "$root")
for b in "${binds[@]}"; do
	[ -d "$b" ] || die "--bind: '$b' is not a directory"
done
[ ${#binds[@]} -eq 0 ] || [ "$root" != / ] || die "--bind goes with --root"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || die "--timeout wants seconds, not '$timeout'"
command -v "$qemu" >/dev/null || die "QEMU '$qemu' not found; run 'make deps'"

here=$(dirname "$(realpath "$0")")
run=$(mktemp -d "${TMPDIR:-/tmp}/zcvm.XXXXXX")
trap 'rm -rf "$run"' EXIT
[ -n "$log" ] || log=$run.kernel.log
: >"$log" || die "cannot write the kernel log '$log'"

krel=$(basename "${moddir:-unknown}")
cp "$here/stage2" "$run/stage2"
{
	printf 'ZCVM_DIR=%q\n' "$(realpath "$dir")"
	printf 'ZCVM_KREL=%q\n' "$krel"
	printf 'ZCVM_MODDIR=%q\n' "${moddir:+$(realpath "$moddir")}"
} >"$run/env"
# With another root, the host's comes too, for what is bound from it: the
# command's directory and each --bind DIR, one per line in `binds`.
host_share=()
if [ "$root" != / ]; then
	echo ZCVM_HOST=/run/zcvm-host >>"$run/env"
	for b in "$dir" "${binds[@]}"; do
		realpath "$b"
	done >"$run/binds"
	host_share=(-fsdev "local,id=host,path=/,security_model=none,readonly=on,multidevs=remap"
		    -device virtio-9p-pci,fsdev=host,mount_tag=host)
fi
printf '%q ' exec "$@" >"$run/cmd"
echo >>"$run/cmd"

# KVM where it can boot a kernel.  Some hosts offer a /dev/kvm that runs
# real-mode code but hangs on the switch to protected mode (nested
# virtualisation without the CPU's help), so the probe boots the kernel
# itself with no root filesystem: reaching the "no root" panic proves KVM
# runs it.  The verdict is kept for the host's boot; ZCVM_ACCEL=kvm|tcg
# overrides it.
kvm_usable() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	local stamp verdict=no
	stamp=${TMPDIR:-/tmp}/zcvm-kvm.$(cat /proc/sys/kernel/random/boot_id)
	if ! [ -s "$stamp" ]; then
		timeout -k 2 10 "$qemu" -accel kvm -cpu host -m 256 \
			-nodefaults -no-user-config -display none -no-reboot \
			-kernel "$kernel" -append "console=ttyS0 panic=-1" \
			-serial stdio </dev/null 2>/dev/null |
			grep -aq 'Kernel panic' && verdict=yes
		echo $verdict >"$stamp"
	fi
	[ "$(cat "$stamp")" = yes ]
}

case ${ZCVM_ACCEL:-auto} in
kvm) use_kvm=1 ;;
tcg) use_kvm= ;;
auto) use_kvm=; kvm_usable && use_kvm=1 ;;
*) die "ZCVM_ACCEL is kvm, tcg or auto, not '$ZCVM_ACCEL'" ;;
esac
if [ -n "$use_kvm" ]; then
	accel_name=kvm accel=(-accel kvm -cpu host)
else
	# All vCPUs on one host thread.  With a thread each (thread=multi),
	# QEMU 7.2 and 10.0 alike sometimes run a stale translation of kernel
	# code that another vCPU has just live-patched, and the guest dies of
	# an int3 that is no longer there (docs/testing.md has the reproducer
	# and the counts); on one thread, translation and patching never
	# overlap.  ZCVM_TCG_THREAD=multi brings the threads back, for what
	# needs vCPUs running in parallel (make bench).
	#
	# Without ERMS and FSRM: with them the kernel copies and clears
	# memory with "rep movsb"/"rep stosb", which TCG runs a byte per step,
	# several times slower than the 8-byte loops it uses otherwise
	# (measured: make bench's copying cases went 3 to 5 times faster).
	# ZCVM_CPU overrides the model.
	tcg_thread=${ZCVM_TCG_THREAD:-single}
	case $tcg_thread in
	single|multi) ;;
	*) die "ZCVM_TCG_THREAD is single or multi, not '$tcg_thread'" ;;
	esac
	accel_name="tcg (thread=$tcg_thread)"
	accel=(-accel "tcg,thread=$tcg_thread" -cpu "${ZCVM_CPU:-max,-erms,-fsrm}")
fi

# Kernel messages up to info level go to ttyS1, the log file; a panic
# reboots at once, and -no-reboot turns that into QEMU's exit.
append="console=ttyS1 loglevel=7 panic=-1"

start=$(date +%s%N)
timeout -k 10 "$timeout" "$qemu" \
	"${accel[@]}" -smp "$smp" -m "$mem" \
	-machine q35 -nodefaults -no-user-config -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-chardev stdio,id=out -serial chardev:out \
	-chardev file,id=klog,path="$log" -serial chardev:klog \
	-fsdev local,id=hostroot,path="$root",security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	"${host_share[@]}" \
	-fsdev local,id=zcvm,path="$run",security_model=none \
	-device virtio-9p-pci,fsdev=zcvm,mount_tag=zcvm \
	</dev/null
qrc=$?
wall_ms=$((($(date +%s%N) - start) / 1000000))

# Reports that fail a run, whatever the command said.  The out-of-tree and
# unsigned-module taint messages are expected and match none of these.
problems=$(grep -aE \
	-e 'WARNING:|------------\[ cut here \]' \
	-e 'BUG:|kernel BUG at|Oops|general protection fault' \
	-e 'KASAN|UBSAN' \
	-e 'possible circular locking|inconsistent lock state|possible recursive locking' \
	-e 'suspicious RCU usage' \
	-e 'kmemleak:.*(suspected memory leak|unreferenced object)|unreferenced object 0x' \
	-e 'soft lockup|hard LOCKUP|hung_task|blocked for more than' \
	-e 'rcu.*(self-detected stall|detected stalls?)|RCU Stall' \
	-e 'Kernel panic' \
	"$log")

# The emulator's own defect (docs/testing.md): a vCPU trapped on an int3
# that the guest's memory no longer holds, left by text_poke_bp() while it
# patched kernel code and run from a stale translation after the patch was
# done.  The "Code:" line after an int3 report shows the bytes at the trap:
# the saved RIP sits just past the int3, or on it when a handler rewound it,
# so neither of the two bytes there being 0xcc means the int3 came from the
# emulator, not from the kernel.
stale_int3=$(awk '
	/Oops: int3|asm_exc_int3/ { trap = $0; rip = ""; next }
	trap != "" && /RIP: / { rip = $0 }
	trap != "" && /Code: / {
		for (i = 1; i <= NF; i++)
			if ($i ~ /^<[0-9a-f][0-9a-f]>$/) {
				at = substr($i, 2, 2); before = $(i - 1)
				if (at != "cc" && before != "cc") {
					sub(/^.*RIP: [0-9a-f]*:/, "", rip)
					print "int3 at " (rip != "" ? rip : "?") " in memory: " before " " $i
					exit
				}
			}
		trap = ""
	}' "$log")

rc=
if [ -n "$stale_int3" ]; then
	echo "run-vm: the emulator ran an int3 that the guest's memory no longer holds," \
		"a stale copy of live-patched kernel code: a defect of QEMU, not of the kernel" \
		"(docs/testing.md): $stale_int3"
	rc=123
elif [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "run-vm: the guest hung: killed after ${timeout}s (kernel log: $log)"
	rc=124
elif panic=$(grep -a -m1 'Kernel panic' "$log"); then
	echo "run-vm: the guest kernel panicked: ${panic#*] }"
	rc=125
elif [ $qrc -ne 0 ]; then
	echo "run-vm: qemu failed with status $qrc"
	rc=125
elif ! [ -s "$run/status" ]; then
	echo "run-vm: the guest stopped without reporting a status; last kernel messages:"
	tail -n 20 "$log"
	rc=125
fi

status=$(cat "$run/status" 2>/dev/null)
[ -n "$rc" ] || rc=$status
if [ -n "$problems" ]; then
	echo "run-vm: the guest kernel log has reports:"
	printf '%s\n' "$problems" | head -n 40 | sed 's/^/run-vm:   /'
	echo "not ok - $krel: kernel log has reports ($log)"
	[ "$rc" -eq 0 ] && rc=1
else
	echo "ok - $krel: kernel log clean"
fi
printf 'run-vm: %s under %s: %d.%03ds, exit %s\n' "$krel" "$accel_name" \
	$((wall_ms / 1000)) $((wall_ms % 1000)) "$rc"
exit "$rc"
