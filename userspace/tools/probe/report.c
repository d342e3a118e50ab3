// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The report for people, in the manner of bcc and libbpf-tools: per ring a
 * one-line summary, the histograms that have anything in them, and one
 * line that sets the copying read() path beside the zero-copy one; then
 * the same for all rings together.
 */
#include <inttypes.h>

#include "probe.h"

/* The processes listed per ring, most faults first. */
#define TOP_PROCS 10

static double kib(__u64 bytes)
{
	return (double)bytes / 1024.0;
}

/* A byte count in the unit that reads best: B, KiB or MiB. */
struct size_str {
	char s[32];
};

static struct size_str size_str(__u64 bytes)
{
	struct size_str b;

	if (bytes < 1024)
		snprintf(b.s, sizeof(b.s), "%" PRIu64 " B", (uint64_t)bytes);
	else if (bytes < 1024 * 1024)
		snprintf(b.s, sizeof(b.s), "%.1f KiB", kib(bytes));
	else
		snprintf(b.s, sizeof(b.s), "%.1f MiB", kib(bytes) / 1024.0);
	return b;
}

static void summary(FILE *out, const struct figures *f, bool has_stats)
{
	const struct zcp_ring *d = &f->d;

	fprintf(out, "%" PRIu64 " committed (%s), %" PRIu64 " dropped",
		(uint64_t)f->commit_records, size_str(f->commit_bytes).s,
		(uint64_t)f->drop_records);
	if (has_stats)
		fprintf(out, ", %" PRIu64 " consumed (%s)",
			(uint64_t)f->st.consumed_records,
			size_str(f->st.consumed_bytes).s);
	fprintf(out, "; %" PRIu64 " faults (%" PRIu64 " first touch, %" PRIu64
		" other); read() copied %" PRIu64 " (%s), write() %" PRIu64
		" (%s); %" PRIu64 " wake-ups\n",
		(uint64_t)d->faults, (uint64_t)d->faults_first_touch,
		(uint64_t)(d->faults - d->faults_first_touch),
		(uint64_t)d->copy_calls[ZCP_TO_USER],
		size_str(d->copy_bytes[ZCP_TO_USER]).s,
		(uint64_t)d->copy_calls[ZCP_FROM_USER],
		size_str(d->copy_bytes[ZCP_FROM_USER]).s, (uint64_t)d->wakeups);
}

/*
 * The two ways to the consumer side by side: read() pays a copy per byte,
 * the mapping pays its page faults, once per page per mapping.
 */
static void compare(FILE *out, const struct figures *f)
{
	const struct zcp_ring *d = &f->d;

	fprintf(out, "  copy: %.1f KiB in %" PRIu64 " ns (%.1f ns/KiB)  "
		"zero-copy: %.1f KiB, %" PRIu64 " faults in %" PRIu64
		" ns (%.1f ns/KiB)\n",
		kib(d->copy_bytes[ZCP_TO_USER]), (uint64_t)d->copy_ns[ZCP_TO_USER],
		ns_per_kib(d->copy_ns[ZCP_TO_USER], d->copy_bytes[ZCP_TO_USER]),
		kib(f->zc_bytes), (uint64_t)d->faults, (uint64_t)d->fault_ns,
		ns_per_kib(d->fault_ns, f->zc_bytes));
}

/*
 * A process name for a terminal: any process may name itself with any
 * bytes (prctl(PR_SET_NAME)), escape sequences included.
 */
static void comm_print(FILE *out, const char *comm)
{
	char s[ZCP_COMM_LEN];
	size_t i;

	for (i = 0; comm[i] && i < sizeof(s) - 1; i++) {
		unsigned char c = comm[i];

		s[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	s[i] = '\0';
	fprintf(out, "%-16s", s);
}

/* The ring's faults by process, most first: the first few of them. */
static void by_process(FILE *out, const struct figures *f)
{
	const struct zcp_ring *d = &f->d;
	unsigned int i;

	if (!f->nr_procs && !d->faults_other_procs)
		return;
	fputs("  faults by process:\n", out);
	if (f->nr_procs)
		fprintf(out, "    %8s  %-16s %8s %8s %10s\n",
			"PID", "COMM", "FAULTS", "FIRST", "AVG_NS");
	for (i = 0; i < f->nr_procs && i < TOP_PROCS; i++) {
		const struct proc_figures *p = &f->procs[i];

		fprintf(out, "    %8u  ", p->pid);
		comm_print(out, p->comm);
		fprintf(out, " %8" PRIu64 " %8" PRIu64 " %10" PRIu64 "\n",
			(uint64_t)p->count, (uint64_t)p->first_touch,
			(uint64_t)(p->ns / p->count));
	}
	if (f->nr_procs > TOP_PROCS)
		fprintf(out, "    ... %u more\n", f->nr_procs - TOP_PROCS);
	if (d->faults_other_procs)
		fprintf(out, "    ... %" PRIu64 " faults by other processes "
			"(past the %u process and ring pairs tracked)\n",
			(uint64_t)d->faults_other_procs, ZCP_MAX_PROCS);
}

/* A ring's, or with !ring the total's, fault breakdown and histograms. */
static void details(FILE *out, const struct figures *f, bool ring)
{
	const struct zcp_ring *d = &f->d;

	if (d->faults)
		fprintf(out, "  faults: %" PRIu64 " read, %" PRIu64
			" write; %" PRIu64 " consumer page, %" PRIu64
			" producer page, %" PRIu64 " data\n",
			(uint64_t)d->faults_read, (uint64_t)d->faults_write,
			(uint64_t)d->faults_consumer_page,
			(uint64_t)d->faults_producer_page,
			(uint64_t)d->faults_data);
	/* Per ring only: the total's is not broken down by process. */
	if (ring)
		by_process(out, f);
	hist_print(out, "page-fault latency (handle_mm_fault on the ring's mappings)",
		   d->hist_fault);
	hist_print(out, "copy_to_user latency (read)", d->hist_copy[ZCP_TO_USER]);
	hist_print(out, "read() latency (whole call, waiting included)",
		   d->hist_syscall[ZCP_TO_USER]);
	hist_print(out, "copy_from_user latency (write)",
		   d->hist_copy[ZCP_FROM_USER]);
	hist_print(out, "write() latency (whole call, waiting included)",
		   d->hist_syscall[ZCP_FROM_USER]);
	hist_print(out, "wake-up latency (commit to consumer back)",
		   d->hist_wakeup);
	compare(out, f);
}

void report_print(FILE *out, const struct report *rep)
{
	unsigned int i;

	if (rep->final)
		fprintf(out, "zcring-probe: whole run, %.3f s\n",
			(double)rep->interval_ns / 1e9);
	else
		fprintf(out, "zcring-probe: interval of %.3f s\n",
			(double)rep->interval_ns / 1e9);
	for (i = 0; i < rep->nr_rings; i++) {
		const struct figures *f = &rep->rings[i];

		if (f->name[0])
			fprintf(out, "\nring %s (minor %u): ", f->name, f->minor);
		else
			fprintf(out, "\nring with minor %u (gone): ", f->minor);
		summary(out, f, true);
		details(out, f, true);
	}
	fputs("\ntotal: ", out);
	summary(out, &rep->total, false);
	/* With one ring, its histograms are the total's. */
	if (rep->nr_rings > 1)
		details(out, &rep->total, false);
	else
		compare(out, &rep->total);
	fputc('\n', out);
}
