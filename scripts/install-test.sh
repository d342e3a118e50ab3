#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install and make uninstall into a scratch DESTDIR (make check): what
# install must put there, the README's example built against it through
# its pkg-config file, and nothing left after uninstall.
#
#   scripts/install-test.sh KVER DESTDIR
#
# Prints one TAP line per check; exit 1 if any failed.
set -uo pipefail

kver=${1:?usage: install-test.sh KVER DESTDIR}
dest=${2:?usage: install-test.sh KVER DESTDIR}
top=$(realpath "$(dirname "$0")/..")
dest=$(realpath -m "$dest")
failed=0
vars=(KVER="$kver" DESTDIR="$dest" PREFIX=/usr)

check() {
	local desc=$1
	shift
	if "$@"; then echo "ok - install: $desc"; else echo "not ok - install: $desc"; failed=1; fi
}

has_all() {
	local f missing=0
	for f in usr/lib/libzcring.so.0 usr/lib/libzcring.so usr/lib/libzcring.a \
		 usr/lib/pkgconfig/libzcring.pc usr/include/zcring/libzcring.h \
		 usr/include/zcring/linux/zcring.h usr/bin/zcring usr/sbin/zcring-probe \
		 usr/share/man/man1/zcring.1 usr/share/man/man3/libzcring.3 \
		 usr/share/man/man3/zcring_open.3 usr/share/man/man3/zcring_close.3 \
		 usr/share/man/man4/zcring.4 usr/share/man/man8/zcring-probe.8 \
		 lib/udev/rules.d/60-zcring.rules etc/modprobe.d/zcring.conf \
		 etc/modules-load.d/zcring.conf; do
		[ -e "$dest/$f" ] || { echo "# missing: $f"; missing=1; }
	done
	[ -n "$(find "$dest/lib/modules" -path '*/updates/*' -name 'zcring.ko*')" ] ||
		{ echo "# missing: the module under lib/modules/*/updates"; missing=1; }
	return $missing
}

not_in_linux() { [ ! -e "$dest/usr/include/linux" ]; }

example_builds() {
	local d=$dest/tmp
	mkdir -p "$d"
	"$top/scripts/readme-example.sh" >"$d/app.c" || return 1
	# shellcheck disable=SC2046
	cc -Wall -Werror -o "$d/app" "$d/app.c" $(PKG_CONFIG_SYSROOT_DIR=$dest \
		PKG_CONFIG_LIBDIR=$dest/usr/lib/pkgconfig pkg-config --cflags --libs libzcring) &&
		rm -rf "$d"
}

nothing_left() {
	local left
	left=$(find "$dest" ! -type d)
	[ -z "$left" ] || { echo "# left: $left"; return 1; }
}

rm -rf "$dest"
check "make install DESTDIR=... PREFIX=/usr" make -C "$top" -s install "${vars[@]}"
check "every file installed" has_all
check "no header in /usr/include/linux" not_in_linux
check "the README's example builds against it with pkg-config" example_builds
check "make uninstall" make -C "$top" -s uninstall "${vars[@]}"
check "nothing left after uninstall" nothing_left
rm -rf "$dest"
exit $failed
