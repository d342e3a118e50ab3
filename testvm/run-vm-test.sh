#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the test VM runner itself, on the host: the guest's exit status
# comes back, its output streams while it runs, kernel-log reports fail a
# run that otherwise passed, a panic, a hang or the emulator's stale code is
# reported as such, the emulator runs live-patched kernel code right, and
# --root boots a root filesystem other than the host's.
#
#   run-vm-test.sh RUN-VM-ARGS...    (--kernel, --initrd, --moddir)
#
# Prints TAP; exits 1 if any test failed.
set -uo pipefail

here=$(dirname "$(realpath "$0")")
vm_args=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# vm NAME TIMEOUT COMMAND...: run COMMAND in a guest; output in $tmp/NAME.out,
# each line stamped with the host's seconds when it arrived, exit in $rc.
# More options for run-vm.sh in the array vm_opts.
vm_opts=()
vm() {
	local name=$1 timeout=$2
	shift 2
	"$here/run-vm.sh" "${vm_args[@]}" "${vm_opts[@]}" --log "$tmp/$name.klog" \
		--timeout "$timeout" -- "$@" 2>&1 |
		while IFS= read -r line; do
			printf '%s %s\n' "$(date +%s.%N)" "$line"
		done >"$tmp/$name.out"
	rc=${PIPESTATUS[0]}
}

result() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
		sed 's/^/#   /' "$tmp/$3.out"
	fi
}

expect() { # NAME WANT_RC PATTERN DESCRIPTION
	if [ "$rc" -eq "$2" ] && grep -qE "$3" "$tmp/$1.out"; then
		result ok "$4" "$1"
	else
		result fail "$4 (exit $rc, wanted $2 and /$3/)" "$1"
	fi
}

echo "TAP version 13"
echo "1..12"

# --help prints the whole header comment, through its last line.
"$here/run-vm.sh" --help >"$tmp/help.out" 2>&1
rc=$?
expect help 2 'TAP line saying whether the kernel log is clean\.$' \
	"--help prints the whole usage, exit status 2"

vm status 120 sh -c 'echo guest says hi; exit 7'
expect status 7 ' guest says hi$' "the guest's exit status and output come back"

# Two lines three seconds apart in the guest arrive apart on the host.
vm stream 120 sh -c 'echo first; sleep 3; echo second'
t1=$(awk '$2 == "first" { print $1 }' "$tmp/stream.out")
t2=$(awk '$2 == "second" { print $1 }' "$tmp/stream.out")
if [ -n "$t1" ] && [ -n "$t2" ] && awk -v a="$t1" -v b="$t2" 'BEGIN { exit !(b - a >= 2) }'; then
	result ok "output streams live" stream
else
	result fail "output streams live" stream
fi

# Each kind of report the runner must catch, written into the kernel log.
reports=(
	'WARNING: CPU: 1 PID: 1 at zcvm_test+0x0/0x10'
	'BUG: unable to handle page fault for address: 0000000000000008'
	'Oops: 0002 [#1] PREEMPT SMP'
	'general protection fault, probably for non-canonical address'
	'BUG: KASAN: slab-out-of-bounds in zcvm_test'
	'UBSAN: shift-out-of-bounds in zcvm_test.c:1:1'
	'WARNING: possible circular locking dependency detected'
	'WARNING: inconsistent lock state'
	'kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
	'watchdog: BUG: soft lockup - CPU#0 stuck for 22s!'
	'Watchdog detected hard LOCKUP on cpu 1'
	'rcu: INFO: rcu_preempt self-detected stall on CPU'
)
script=
for r in "${reports[@]}"; do
	script+="echo '<4>$r' >/dev/kmsg; "
done
vm reports 120 sh -c "$script"
missing=
for r in "${reports[@]}"; do
	grep -F -- "$r" "$tmp/reports.out" | grep -q '^[0-9.]* run-vm:   ' ||
		missing+=" [$r]"
done
if [ "$rc" -eq 1 ] && [ -z "$missing" ] && grep -q 'not ok - .*kernel log has reports' "$tmp/reports.out"; then
	result ok "every kind of kernel report fails the run and is printed" reports
else
	result fail "every kind of kernel report fails the run and is printed (exit $rc; missed:$missing)" reports
fi

# What loading an out-of-tree, unsigned module prints is not a report.
vm taint 120 sh -c "echo '<4>zcring: loading out-of-tree module taints kernel.' >/dev/kmsg;
	echo '<4>zcring: module verification failed: signature and/or required key missing - tainting kernel' >/dev/kmsg"
expect taint 0 'ok - .*kernel log clean' "the out-of-tree taint message is allowed"

# An int3 trap where memory holds no int3 is the emulator's stale code
# (docs/testing.md); one where memory holds it is the kernel's own report.
int3_report() { # BYTE-BEFORE-THE-TRAP
	printf "echo '<4>%s' >/dev/kmsg; " \
		'Oops: int3: 0000 [#1] PREEMPT SMP NOPTI' \
		'RIP: 0010:exc_page_fault+0x3d/0x190' \
		"Code: 48 89 df e8 97 05 00 00 41 89 c5 $1 <90> 8b 05 cc 41 ab 01 85 c0"
}
vm stale 120 sh -c "$(int3_report 66)"
expect stale 123 'the emulator ran an int3 .*: int3 at exc_page_fault' \
	"an int3 that memory does not hold is reported as the emulator's"
vm int3 120 sh -c "$(int3_report cc)"
expect int3 1 'not ok - .*kernel log has reports' \
	"an int3 that memory holds is the kernel's report"

# The defect itself must not be there: static keys flipped on one vCPU
# while the other runs the code they patch (testvm/text-poke-repro.sh).
vm text-poke 600 testvm/text-poke-repro.sh 400
expect text-poke 0 'text-poke-repro: [0-9]+ flips in [0-9]+ ms, the guest is alive' \
	"the emulator runs live-patched kernel code correctly"

# Another root: a minimal one of the host's bash, which the second stage
# runs the command with, and a file to tell it by; the command's directory
# and a --bind directory come from the host.
root=$tmp/root
mkdir -p "$root"/{bin,proc,sys,dev,run,tmp} "$tmp/data"
for f in /bin/bash $(ldd /bin/bash | grep -o '/[^ ]*'); do
	mkdir -p "$root$(dirname "$f")" && cp -L "$f" "$root$f"
done
ln -s bash "$root/bin/sh"
echo "the other root" >"$root/zcvm-root"
echo "bound from the host" >"$tmp/data/file"
vm_opts=(--root "$root" --bind "$tmp/data")
vm root 120 sh -c "read -r a </zcvm-root; read -r b <'$tmp/data/file';
	[ -f testvm/run-vm-test.sh ] && echo \"\$a, \$b, here\""
vm_opts=()
expect root 0 ' the other root, bound from the host, here$' \
	"--root boots another root, with the directories it binds from the host"

# Binds are for another root: the host's, however spelt, takes none.
"$here/run-vm.sh" "${vm_args[@]}" --root /. --bind "$tmp/data" -- true \
	>"$tmp/bind-host.out" 2>&1
rc=$?
expect bind-host 2 'run-vm: --bind goes with --root' \
	"--bind with the host's root is refused, however --root spells it"

vm panic 120 sh -c 'echo c >/proc/sysrq-trigger; sleep 60'
expect panic 125 'the guest kernel panicked: .*sysrq' "a guest kernel panic is reported as one"

vm hang 15 sleep 600
expect hang 124 'the guest hung: killed after 15s' "a hung guest is killed at the timeout"

exit $failed
