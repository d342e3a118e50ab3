/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * zcring-probe's parts: the ring table (rings.c) turns the BPF counters and
 * the stats ioctl into a report, procs.c adds the faults by process to it,
 * and report.c prints it for people and json.c for programs; hist.c holds
 * the log2 histograms both print.
 */
#ifndef ZCRING_PROBE_TOOL_H
#define ZCRING_PROBE_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/zcring.h>

#include "cli.h"
#include "zcring_probe.h"

/* One process's faults on one ring's mappings, over one period. */
struct proc_figures {
	unsigned int pid;		/* its thread group id */
	unsigned int minor;
	char comm[ZCP_COMM_LEN];
	__u64 count;
	__u64 first_touch;
	__u64 ns;
};

/* One ring's figures, or the total's, over one period. */
struct figures {
	char name[ZCRING_NAME_MAX];	/* "" when the ring went unnamed */
	unsigned int minor;
	struct zcp_ring d;		/* what the BPF programs counted */
	struct zcring_stats st;		/* ZCRING_IOC_STATS, the difference */
	/* From the stats: produced is committed + dropped. */
	__u64 commit_records;
	__u64 commit_bytes;
	__u64 drop_records;
	__u64 drop_bytes;
	/* Consumed through the mapping: consumed minus copied by read(). */
	__u64 zc_records;
	__u64 zc_bytes;
	/* Its processes with faults in the period, most first (ring only). */
	const struct proc_figures *procs;
	unsigned int nr_procs;
};

struct report {
	bool final;		/* the whole run, else one interval */
	__u64 time_ns;		/* CLOCK_MONOTONIC when it was taken */
	__u64 interval_ns;	/* the period it covers */
	unsigned int nr_rings;
	struct figures rings[ZCP_MAX_RINGS];
	struct figures total;	/* name, minor, st and procs unused */
	/* Every ring's faults by process; the rings point into it. */
	unsigned int nr_procs;
	struct proc_figures procs[ZCP_MAX_PROCS];
};

/* ---- rings.c ------------------------------------------------------------- */

/*
 * Start tracking rings: those in ZCRING_SYSFS_DIR now (only only_minor when
 * it is >= 0), with their stats as the run's starting point.
 */
void rings_init(unsigned int major, int only_minor);
/* Look at sysfs again and sample every live ring's stats. */
void rings_refresh(void);
/* Read the BPF counters of every minor; a ring with any is reported. */
int rings_read_counters(int map_fd);
/*
 * Fill rep from the counters read last: since the last interval (the
 * interval's starting point then moves to now), or since the start.
 */
void rings_report(struct report *rep, bool final);

/* The fields of struct zcring_stats that reports carry, in order. */
/* ---- procs.c ------------------------------------------------------------- */

/*
 * Read the faults by process and ring (the BPF map fault_procs).  Before
 * the ring counters: the programs count a fault in its ring first, so a
 * process's figures never exceed its ring's.
 */
int procs_read(int map_fd);
/*
 * Fill in rep's faults by process from the last read, after rings_report():
 * since the last interval (whose end then moves to now), or since the
 * start; only the processes with faults in that period, for the rings in
 * rep.
 */
void procs_report(struct report *rep, bool final);

/* ---- hist.c --------------------------------------------------------------- */

/* Slot i holds [hist_lo(i), hist_hi(i)] ns. */
__u64 hist_lo(unsigned int slot);
__u64 hist_hi(unsigned int slot);
__u64 hist_total(const __u64 *slots);
/* bcc-style: a header, then a line with a bar per slot in use. */
void hist_print(FILE *out, const char *title, const __u64 *slots);
/* [{"lo":n,"hi":n,"count":n},...], the slots in use only. */
void hist_json(FILE *out, const __u64 *slots);

/* ns per KiB, 0 when nothing moved. */
double ns_per_kib(__u64 ns, __u64 bytes);

/* ---- report.c and json.c --------------------------------------------------- */

void report_print(FILE *out, const struct report *rep);
void report_json(FILE *out, const struct report *rep);

#endif /* ZCRING_PROBE_TOOL_H */
