# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the fetch scripts: a private apt configuration for one suite
# of Debian's archive (bookworm-backports, unstable) under CACHE/apt/SUITE,
# so that packages can be downloaded from there (never installed) while
# the machine's own apt sources and state stay as they are.
#
#   debian_apt CACHE SUITE  sets APT_CONFIG; refreshes the package lists
#                           when missing or older than a day
#   APT_OPTS                options for each apt-get call
#   DEBIAN_MIRROR           the archive
#
# The caller defines die().

# apt refuses to drop privileges into a cache directory _apt cannot reach.
APT_OPTS=(-q -o APT::Sandbox::User=root)
DEBIAN_MIRROR=http://deb.debian.org/debian

debian_apt() {
	local suite=$2
	local conf=$1/apt/$suite
	mkdir -p "$conf/lists/partial" "$conf/archives/partial" "$conf/cache" \
		 "$conf/empty.d"
	cat >"$conf/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main
SRC
	cat >"$conf/apt.conf" <<CONF
Dir::Etc::SourceList "$conf/sources.list";
Dir::Etc::SourceParts "$conf/empty.d";
Dir::Etc::Preferences "$conf/empty.d/preferences";
Dir::Etc::PreferencesParts "$conf/empty.d";
Dir::State::Lists "$conf/lists";
Dir::State::status "/dev/null";
Dir::Cache "$conf/cache";
Dir::Cache::Archives "$conf/archives";
APT::Sandbox::User "root";
CONF
	export APT_CONFIG=$conf/apt.conf
	if [ -z "$(find "$conf/lists" -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
		apt-get "${APT_OPTS[@]}" update >/dev/null ||
			die "apt-get update of $suite failed"
	fi
}
