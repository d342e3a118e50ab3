#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the README's consumer example, the C block under "## Reading a
# ring", as a user would copy it: the install and package tests build it.
#
#   scripts/readme-example.sh [README.md]
readme=${1:-$(dirname "$0")/../README.md}
code=$(awk '/^## Reading a ring/ { r = 1 } r && /^```c$/ { c = 1; next }
	    c && /^```$/ { exit } c' "$readme")
if [ -z "$code" ]; then
	echo "readme-example: no C block under '## Reading a ring' in $readme" >&2
	exit 1
fi
printf '%s\n' "$code"
