#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages on the test VM's kernel, as a user would have them:
# dpkg -i, DKMS builds the module against the kernel's headers, modprobe,
# the udev rule gives the zcring group the control device, a member of the
# group creates a ring and reads it with the README's example built
# against libzcring-dev through pkg-config, then dpkg --purge leaves
# nothing behind.  Each step prints a TAP line; the exit status is 1 if
# any failed.  The guest's root is a throwaway overlay of the host's (of
# the chroot of Debian unstable, on the kernel built there), so the host
# keeps none of it.
#
#   guest-packages.sh DEB_DIR KDIR
#
# DEB_DIR holds the packages `make deb` built; KDIR the running kernel's
# headers, linked as /lib/modules/RELEASE/build as linux-headers-* would.
set -u

debs=${1:?usage: guest-packages.sh DEB_DIR KDIR}
kdir=${2:?usage: guest-packages.sh DEB_DIR KDIR}
top=$(dirname "$(realpath "$0")")/..
krel=$(uname -r)
pkgs=(zcring-dkms libzcring0 libzcring-dev zcring-tools)
user=zcring-test
work=$(mktemp -d)
failed=0
export DEBIAN_FRONTEND=noninteractive
# man-db's trigger rebuilds the whole index, minutes under TCG; the pages
# are found without it (man -w below).
echo 'man-db man-db/auto-update boolean false' | debconf-set-selections

step() {
	local desc=$1 t=$SECONDS
	shift
	if "$@"; then
		echo "ok - packages: $desc ($((SECONDS - t))s)"
	else
		echo "not ok - packages: $desc ($((SECONDS - t))s)"
		failed=1
	fi
}

# "${as_user[@]}" CMD...: CMD as the test user, with its groups.
as_user=(setpriv --reuid="$user" --regid="$user" --init-groups)

# DKMS installs into /lib/modules/RELEASE and runs depmod there, on
# install and on removal: over the kernel's thousands of modules, each
# read and decompressed, that takes minutes under TCG.  So DKMS gets a
# module directory with the kernel's builtin lists but none of its
# modules (the VM's own are loaded already, and zcring needs none), their
# index as an installed kernel has one (DKMS 3.2 runs no depmod for a
# kernel without modules.dep), and the headers as its build link.
moddir() {
	local m=/lib/modules/$krel
	mkdir -p "$work/modules" &&
		cp "$m"/modules.builtin "$m"/modules.builtin.modinfo \
		   "$m"/modules.order "$work/modules/" &&
		mount --bind "$work/modules" "$m" &&
		depmod "$krel" && [ -f "$m/modules.dep" ] &&
		ln -sfn "$kdir" "$m/build" &&
		[ -f "$m/build/include/config/kernel.release" ]
}

# No init runs udevd in the VM: start it, as the first boot would.
udevd() {
	/lib/systemd/systemd-udevd --daemon && udevadm control --ping
}

install_debs() {
	local deb
	for deb in "${pkgs[@]}"; do
		ls "$debs/${deb}"_*.deb >/dev/null || return 1
	done
	dpkg -i "$debs"/*.deb || return 1
	# Kept to look for after the purge.
	dpkg -L "${pkgs[@]}" | sort -u >"$work/files"
}

man_pages() {
	local page
	for page in 1/zcring 8/zcring-probe 4/zcring 3/libzcring 3/zcring_close \
		    3/zcring_peek 3/zcring_set_poll 3/zcring_list 3/zcring_gen_verify; do
		man -w "${page%/*}" "${page#*/}" >/dev/null || return 1
	done
}

dkms_built() {
	dkms status zcring
	dkms status zcring -k "$krel" | grep -q ': installed' &&
		modinfo -n zcring | grep -q "^/lib/modules/$krel/updates/dkms/zcring.ko"
}

loaded() {
	modprobe zcring && [ -e /sys/module/zcring ] &&
		[ -c /dev/zcring/control ]
}

# node_is NODE WANT: once udev is done, NODE's mode, owner and group.
node_is() {
	local got
	udevadm settle --timeout=60 || return 1
	got=$(stat -c '%a %U %G' "$1")
	echo "# $1: $got"
	[ "$got" = "$2" ]
}

control_mode() { node_is /dev/zcring/control "660 root zcring"; }

# The node is the creator's, with the mode it asked for.
member_creates() {
	useradd --no-create-home --user-group --groups zcring "$user" &&
		"${as_user[@]}" zcring create demo --size 1M --mode 0640 &&
		node_is /dev/zcring/demo "640 $user $user"
}

outsider_refused() {
	local msg
	msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		zcring create other --size 1M 2>&1) && return 1
	echo "# uid 65534: $msg"
	[ ! -e /dev/zcring/other ]
}

# The README's "Reading a ring" program, as a user would copy it.
example_builds() {
	"$top/scripts/readme-example.sh" >"$work/app.c" || return 1
	echo "# cc app.c $(pkg-config --cflags --libs libzcring)"
	cc -Wall -Werror -o "$work/app" "$work/app.c" \
		$(pkg-config --cflags --libs libzcring)
}

# The example prints each payload raw; what it printed must be what
# zcring cat prints of a second ring the generator filled the same way.
example_reads() {
	local pid rc
	chmod 0755 "$work"
	# exec: $! is the example's own pid, whose files are looked at below.
	(exec "${as_user[@]}" "$work/app" >"$work/out") &
	pid=$!
	# Destroyed before the example opens it, the ring would not be found.
	for _ in $(seq 600); do
		ls -l /proc/$pid/fd 2>/dev/null | grep -q /dev/zcring/demo && break
		sleep 0.1
	done
	"${as_user[@]}" zcring gen demo --count 5 --size 32 &&
		"${as_user[@]}" zcring destroy demo || { kill $pid; return 1; }
	# zcring_wait() returns once the ring is destroyed and drained.
	timeout 120 tail --pid=$pid -f /dev/null || kill $pid
	wait $pid
	rc=$?
	zcring create ref --size 1M && zcring gen ref --count 5 --size 32 &&
		zcring cat ref --raw --count 5 >"$work/ref" && zcring destroy ref ||
		return 1
	echo "# the example exited $rc, printed $(stat -c %s "$work/out") bytes"
	[ $rc -eq 0 ] && [ -s "$work/ref" ] && cmp "$work/ref" "$work/out"
}

purge() {
	userdel "$user" && dpkg --purge "${pkgs[@]}"
}

nothing_left() {
	local f left=0
	# Directories are shared (/usr, /lib, itself a link to usr/lib).
	while read -r f; do
		[ -d "$f" ] && continue
		if [ -e "$f" ] || [ -L "$f" ]; then
			echo "# left: $f"
			left=1
		fi
	done <"$work/files"
	for f in /usr/src/zcring-* /var/lib/dkms/zcring /usr/include/zcring \
		 /usr/share/doc/zcring-* /usr/share/doc/libzcring*; do
		[ -e "$f" ] && { echo "# left: $f"; left=1; }
	done
	f=$(find /lib/modules -name 'zcring*.ko*')
	[ -z "$f" ] || { echo "# left: $f"; left=1; }
	getent group zcring && { echo "# left: the zcring group"; left=1; }
	[ -e /sys/module/zcring ] && { echo "# left: the module, loaded"; left=1; }
	dpkg-query -W "${pkgs[@]}" 2>/dev/null &&
		{ echo "# left: dpkg's record"; left=1; }
	return $left
}

step "/lib/modules/$krel: the kernel's headers, none of its modules" moddir
step "udevd runs" udevd
step "dpkg -i ${pkgs[*]}" install_debs
step "man finds every page and function" man_pages
step "DKMS built and installed zcring for $krel" dkms_built
step "modprobe zcring" loaded
step "the udev rule: /dev/zcring/control 0660 root:zcring" control_mode
step "a member of the zcring group creates a ring, owns its node, mode 0640" member_creates
step "a user outside the group cannot create one" outsider_refused
step "the README's example builds against libzcring-dev with pkg-config" example_builds
step "the example reads the generator's records" example_reads
step "dpkg --purge ${pkgs[*]}" purge
step "nothing left: files, DKMS tree, module, group" nothing_left
exit $failed
