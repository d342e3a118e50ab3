#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build zcring's Debian packages: zcring-dkms, libzcring0, libzcring-dev
# and zcring-tools (make deb).
#
#   scripts/mkdeb.sh OUT_DIR LINUX_SOURCE VMLINUX_BTF
#
# The sources (tracked and not ignored) are staged in OUT_DIR/zcring-VERSION,
# where debian/changelog and debian/copyright are written: the version is
# libzcring.h's, the one place it is kept, and the licence texts come from
# LINUX_SOURCE (the kernel tree scripts/fetch-linux-source.sh unpacks).
# dpkg-buildpackage leaves the packages in OUT_DIR; then lintian checks
# them, and any error or warning fails the build.
set -euo pipefail

out=${1:?usage: mkdeb.sh OUT_DIR LINUX_SOURCE VMLINUX_BTF}
ksrc=${2:?usage: mkdeb.sh OUT_DIR LINUX_SOURCE VMLINUX_BTF}
btf=${3:?usage: mkdeb.sh OUT_DIR LINUX_SOURCE VMLINUX_BTF}
top=$(realpath "$(dirname "$0")/..")
die() { echo "mkdeb: $*" >&2; exit 1; }

version=$("$top/scripts/version.sh")
[ -e "$btf" ] || die "no BTF at $btf"

rm -rf "$out"
stage=$out/zcring-$version
mkdir -p "$stage"
out=$(realpath "$out")
stage=$(realpath "$stage")

# The commit the packages come from, and its time for SOURCE_DATE_EPOCH;
# a tree that is not a git checkout is copied whole but for build/.
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 -r cp --parents -P -t "$stage")
	origin="commit $(git -C "$top" rev-parse --short=12 HEAD)"
	git -C "$top" diff --quiet HEAD -- || origin+=",
    with changes not committed"
	when=$(git -C "$top" log -1 --format=%ct)
else
	tar -C "$top" --exclude=./build -cf - . | tar -C "$stage" -xf -
	origin="a source tree"
	when=$(date +%s)
fi

cat >"$stage/debian/changelog" <<EOC
zcring ($version) unstable; urgency=medium

  * Built from the zcring sources at $origin.

 -- zcring developers <zcring@zcring.invalid>  $(date -R -u -d "@$when")
EOC

# A licence text from the kernel tree, as a copyright file's paragraph
# body: what follows License-Text:, each line indented, blank lines " .".
licence() {
	local f=$ksrc/LICENSES/$1
	[ -f "$f" ] || die "no $f; run 'make deps'"
	sed '1,/^License-Text:/d' "$f" | awk 'NF { while (blank) { print " ."; \
		blank-- } print " " $0; seen = 1; next } seen { blank++ }'
}
awk -v bsd="$(licence preferred/BSD-2-Clause)" \
    -v note="$(licence exceptions/Linux-syscall-note)" '
	$0 == "@BSD-2-Clause@" { print bsd; next }
	$0 == "@Linux-syscall-note@" { print note; next }
	{ print }' "$stage/debian/copyright.in" >"$stage/debian/copyright"
rm "$stage/debian/copyright.in"

# Four packages: no automatic -dbgsym ones beside them.
(cd "$stage" && VMLINUX_BTF=$(realpath "$btf") DEB_BUILD_OPTIONS=noautodbgsym \
	dpkg-buildpackage --build=binary --no-sign -j"$(nproc)")

echo "=== lintian"
lintian --fail-on error,warning --info --display-level '>=warning' \
	"$out"/zcring_"${version}"_*.changes
echo "=== packages in $out"
ls -1 "$out"/*.deb
