// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * log2 histograms of nanoseconds, as the BPF programs fill them: slot 0
 * holds 0 and 1 ns, slot i (i > 0) holds [2^i, 2^(i+1) - 1].  Printed the
 * way bcc and libbpf-tools print theirs, so that they read the same.
 */
#include <inttypes.h>

#include "probe.h"

#define BAR_WIDTH 40

__u64 hist_lo(unsigned int slot)
{
	return slot ? 1ULL << slot : 0;
}

__u64 hist_hi(unsigned int slot)
{
	return slot >= 63 ? UINT64_MAX : (1ULL << (slot + 1)) - 1;
}

__u64 hist_total(const __u64 *slots)
{
	__u64 n = 0;
	unsigned int i;

	for (i = 0; i < ZCP_HIST_SLOTS; i++)
		n += slots[i];
	return n;
}

void hist_print(FILE *out, const char *title, const __u64 *slots)
{
	int first = -1, last = -1, i, stars;
	__u64 max = 0;

	for (i = 0; i < ZCP_HIST_SLOTS; i++) {
		if (!slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	if (first < 0)
		return;
	fprintf(out, "  %s\n", title);
	fprintf(out, "%*s%-*s : count     distribution\n", 5, "", 23, "nsecs");
	/* From the first slot in use: the sub-microsecond ones are mostly empty. */
	for (i = first; i <= last; i++) {
		stars = (int)(slots[i] * BAR_WIDTH / max);
		fprintf(out, "%12" PRIu64 " -> %-12" PRIu64 " : %-9" PRIu64 " |%-*.*s|\n",
			(uint64_t)hist_lo(i), (uint64_t)hist_hi(i),
			(uint64_t)slots[i], BAR_WIDTH, stars,
			"****************************************");
	}
}

void hist_json(FILE *out, const __u64 *slots)
{
	const char *sep = "";
	unsigned int i;

	fputc('[', out);
	for (i = 0; i < ZCP_HIST_SLOTS; i++) {
		if (!slots[i])
			continue;
		fprintf(out, "%s{\"lo\":%" PRIu64 ",\"hi\":%" PRIu64
			",\"count\":%" PRIu64 "}", sep, (uint64_t)hist_lo(i),
			(uint64_t)hist_hi(i), (uint64_t)slots[i]);
		sep = ",";
	}
	fputc(']', out);
}

double ns_per_kib(__u64 ns, __u64 bytes)
{
	return bytes ? (double)ns * 1024.0 / (double)bytes : 0.0;
}
