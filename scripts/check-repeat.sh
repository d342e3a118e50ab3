#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The driver of `make check-repeat`: run one kernel's VM session (make
# vm-check) N times in a row and say how many failed and how, so that a
# flaky session shows as a count instead of a surprise.  A failed session is
# never run again in its place: each one counts as it came out.
#
#   check-repeat.sh N KVER [BUSY [COMMAND]]
#
# COMMAND, when given, runs in the VM instead of the kselftests (make vm
# CMD=COMMAND): for example testvm/text-poke-repro.sh, to count how
# often an emulator survives it (docs/testing.md).
# BUSY=1 keeps a second test VM busy beside the sessions the whole time (two
# vCPUs forking and faulting without pause), as another VM or build would on
# a developer's or a CI machine.
#
# Each session's output and kernel log are kept in
# $BUILD/repeat/KVER/N.{out,klog}.  The last line is "P passed, F failed";
# the exit status is 1 when any session failed.
#
# Environment (set by the Makefile): BUILD, VM_KERNEL, INITRAMFS, VM_MODDIR.
set -uo pipefail

usage="usage: check-repeat.sh N KVER [BUSY [COMMAND]]"
n=${1:?$usage}
kver=${2:?$usage}
busy=${3:-}
cmd=${4:-}
: "${BUILD:?}" "${VM_KERNEL:?}" "${INITRAMFS:?}" "${VM_MODDIR=}"
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "check-repeat: N is a count of sessions, not '$n'" >&2; exit 2; }
here=$(dirname "$(realpath "$0")")
root=$(dirname "$here")
logs=$BUILD/repeat/$kver
rm -rf "$logs"
mkdir -p "$logs"

# The pids of PID's descendants, then PID itself.
tree() {
	local c
	for c in $(pgrep -P "$1"); do
		tree "$c"
	done
	echo "$1"
}

load_pid=
stop_load() {
	[ -n "$load_pid" ] || return 0
	# The whole tree, gathered before any of it dies: timeout(1) puts
	# QEMU in a process group of its own, out of reach of a group kill.
	kill $(tree "$load_pid") 2>/dev/null
	wait "$load_pid" 2>/dev/null
	load_pid=
}
trap stop_load EXIT
if [ "$busy" = 1 ]; then
	# A load guest that dies is started again: the load must last.
	(
		while :; do
			"$root/testvm/run-vm.sh" --kernel "$VM_KERNEL" \
				--initrd "$INITRAMFS" ${VM_MODDIR:+--moddir "$VM_MODDIR"} \
				--log "$logs/load.klog" --timeout 7200 -- \
				bash -c 'for c in 0 1; do
						taskset -c $c bash -c "while :; do /bin/true; done" &
					done; wait' >>"$logs/load.out" 2>&1
		done
	) &
	load_pid=$!
	echo "check-repeat: a second VM loads the machine (pid $load_pid)"
fi

# The session's result from the runner's last lines (testvm/run-vm.sh).
classify() { # OUT RC
	local out=$1 rc=$2 failed
	case $rc in
	0) echo passed; return ;;
	123) echo "emulator: $(sed -n 's/.*(docs\/testing.md): //p' "$out" | head -n 1)"; return ;;
	124) echo "hang: killed at the timeout"; return ;;
	255) echo "build: make failed before the VM ran"; return ;;
	esac
	if grep -q '^run-vm: the guest kernel panicked' "$out"; then
		echo "panic: $(sed -n 's/^run-vm: the guest kernel panicked: //p' "$out" | head -n 1)"
	elif [ "$rc" -eq 125 ]; then
		echo "no status: the guest stopped without reporting one"
	elif grep -q '^not ok - .*kernel log has reports' "$out"; then
		echo "kernel report: $(sed -n 's/^run-vm:   //p' "$out" | head -n 1)"
	else
		read -r _ failed _ < <(awk -f "$here/tap-summary.awk" "$out")
		echo "tests: $failed failed: $(grep -E '^(# )*not ok' "$out" | head -n 3 | sed 's/^[# ]*//' | paste -sd ';')"
	fi
}

pass=0 fail=0
declare -A kinds=()
start=$SECONDS
for ((i = 1; i <= n; i++)); do
	t=$SECONDS
	if [ -n "$cmd" ]; then
		make -C "$root" KVER="$kver" vm CMD="$cmd" >"$logs/$i.out" 2>&1
	else
		make -C "$root" KVER="$kver" vm-check >"$logs/$i.out" 2>&1
	fi
	rc=$(sed -n 's/^run-vm: .* under .*: [0-9.]*s, exit \([0-9]*\)$/\1/p' "$logs/$i.out" | tail -n 1)
	[ -n "$rc" ] || rc=255	# no run-vm result line: the build failed
	cp "$(sed -n 's/.*--log \([^ ]*\) .*/\1/p' "$logs/$i.out" | head -n 1)" "$logs/$i.klog" 2>/dev/null
	what=$(classify "$logs/$i.out" "$rc")
	if [ "$what" = passed ]; then
		pass=$((pass + 1))
		echo "ok $i - $kver session $i ($((SECONDS - t))s)"
	else
		fail=$((fail + 1))
		kinds[${what%%:*}]=$((${kinds[${what%%:*}]:-0} + 1))
		echo "not ok $i - $kver session $i ($((SECONDS - t))s): $what (log $logs/$i.out)"
	fi
done
stop_load

summary=
for k in "${!kinds[@]}"; do
	summary+="${summary:+, }${kinds[$k]} $k"
done
beside=
[ "$busy" = 1 ] && beside=" beside a busy VM"
echo "=== check-repeat $kver${cmd:+ ($cmd)}, ${ZCVM_QEMU:-qemu-system-x86_64}" \
	"(TCG thread=${ZCVM_TCG_THREAD:-single}): $n sessions in $((SECONDS - start))s$beside:" \
	"$pass passed, $fail failed${summary:+ ($summary)}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
