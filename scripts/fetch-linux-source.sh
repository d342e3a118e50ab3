#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unpack the pieces of Debian's linux-source-6.1 that zcring builds with:
# the kselftest framework (lib.mk, kselftest.h, kselftest_harness.h, the
# runner) and checkpatch.pl with its data files.  They belong to the kernel
# project, so they live in the cache, never in this repository.
# Also two licence texts, for the Debian packages' copyright file.
#
#   scripts/fetch-linux-source.sh CACHE_DIR
#
# Result: CACHE_DIR/linux-source, a link to a directory laid out like the
# kernel tree.
set -euo pipefail

cache=${1:?usage: fetch-linux-source.sh CACHE_DIR}
mkdir -p "$cache"
cache=$(realpath "$cache")

ver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || {
	echo "fetch-linux-source: linux-source-6.1 is not installed; run 'make deps'" >&2
	exit 1
}
dir=$cache/linux-source-$ver
link=$cache/linux-source
files=(
	.clang-format
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
	tools/testing/selftests/lib.mk
	tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/run_kselftest.sh
	tools/testing/selftests/kselftest/runner.sh
	tools/testing/selftests/kselftest/prefix.pl
	LICENSES/preferred/BSD-2-Clause
	LICENSES/exceptions/Linux-syscall-note
)
# Unpacked once, and again when this list has grown.
complete=y
[ -f "$dir/.complete" ] || complete=
for f in "${files[@]}"; do
	[ -e "$dir/$f" ] || complete=
done
if [ -n "$complete" ]; then
	[ "$(readlink "$link" 2>/dev/null)" = "$dir" ] || ln -sfn "$dir" "$link"
	exit 0
fi
echo "fetch-linux-source: unpacking ${#files[@]} files of linux-source-6.1 $ver"
rm -rf "$dir.new"
mkdir -p "$dir.new"
tar -xf /usr/src/linux-source-6.1.tar.xz -C "$dir.new" --strip-components=1 \
	"${files[@]/#/linux-source-6.1/}"
touch "$dir.new/.complete"
rm -rf "$dir"
mv "$dir.new" "$dir"
ln -sfn "$dir" "$link"
