#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make help: the README's table of make targets and its paragraph of
# variables, as plain text.  The README is the one place they are
# written; this only strips the Markdown and wraps the lines.
#
#   scripts/make-help.sh README.md
set -euo pipefail

readme=${1:?usage: make-help.sh README.md}
width=$(( $(tput cols 2>/dev/null || echo 80) - 1 ))
[ "$width" -ge 40 ] || width=79

# Markdown to text: links keep their words, code loses its backticks.
plain() {
	sed -E 's/\[([^]]*)\]\([^)]*\)/\1/g; s/`//g'
}

echo "zcring targets (from README.md):"
awk '/^## Make targets/ { on = 1; next } /^## / { on = 0 }
     on && /^\| `make/ { print }' "$readme" | plain |
while IFS='|' read -r _ target what _; do
	target=$(echo "$target" | sed -E 's/^ +| +$//g')
	echo "  $target"
	echo "$what" | sed -E 's/^ +| +$//g' | fold -s -w $((width - 6)) |
		sed -E 's/^/      /; s/ +$//'
done
echo
awk '/^## Make targets/ { on = 1; next } /^## / { on = 0 }
     on && /^Variables:/ { v = 1 } v && /^$/ { exit } v { print }' "$readme" |
	plain | tr '\n' ' ' | fold -s -w "$width" | sed -E 's/ +$//'
echo
