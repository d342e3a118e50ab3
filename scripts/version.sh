#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print zcring's version, MAJOR.MINOR: libzcring.h's LIBZCRING_*_VERSION,
# the one place it is kept.  The library's file name, its .pc file and the
# Debian packages take it from here.
hdr=$(dirname "$0")/../userspace/lib/libzcring.h
v=$(sed -n 's/^#define LIBZCRING_\(MAJOR\|MINOR\)_VERSION \([0-9]*\)$/\2/p' "$hdr" |
	paste -sd.)
case $v in
*.*) echo "$v" ;;
*) echo "version.sh: no LIBZCRING_*_VERSION in $hdr" >&2; exit 1 ;;
esac
