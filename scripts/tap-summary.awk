# SPDX-License-Identifier: GPL-2.0
#
# Count the test results in TAP output, nested the kselftest way (each
# level prefixed with "# "), and print "PASS FAIL SKIP".
#
# Only leaves count: a result line followed by nested results is an
# aggregate of them, and counts only as a failure of its own when it failed
# while none of its children did (the program crashed or timed out after
# its tests passed).

function strip_depth(   d) {
	d = 0
	while (substr(line, 1, 2) == "# ") {
		line = substr(line, 3)
		d++
	}
	return d
}

{
	line = $0
	sub(/\r$/, "", line)
	d = strip_depth()
	if (line !~ /^(not )?ok( |$)/)
		next
	notok = line ~ /^not ok/
	if (kids[d + 1] > 0) {
		if (notok) {
			if (!kidfail[d + 1])
				fail++
			kidfail[d]++
		}
		kids[d + 1] = 0
		kidfail[d + 1] = 0
	} else if (notok) {
		fail++
		kidfail[d]++
	} else if (toupper(line) ~ /# *SKIP/) {
		skip++
	} else {
		pass++
	}
	kids[d]++
}

END { printf "%d %d %d\n", pass, fail, skip }
