/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * What zcring_probe.bpf.c counts, as zcring-probe reads it: one struct
 * zcp_ring per ring device minor, in the array map "rings".
 *
 * Every field only grows: the BPF programs never reset anything, and the
 * tool takes the difference between two reads for an interval.  So a read
 * racing with an update loses nothing, it only lands in the next interval.
 *
 * The same goes for the faults by process: one struct zcp_proc per
 * process and ring (struct zcp_proc_key) in the hash map "fault_procs",
 * never deleted.
 *
 * Shared by the BPF object (after vmlinux.h) and by the tool (after
 * <linux/types.h>), so it uses only __u32, __u64 and char.
 */
#ifndef ZCRING_PROBE_H
#define ZCRING_PROBE_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* The module's ZCRING_MAX_RINGS: minors are 0 to 255. */
#define ZCP_MAX_RINGS 256
/*
 * Entries of fault_procs: a process that faults on a ring takes one for the
 * whole run (they are not removed when it exits: the tool could not tell
 * its last faults from none).  Faults of processes beyond the cap are
 * counted in their ring's faults_other_procs only.
 */
#define ZCP_MAX_PROCS 1024
/* The kernel's TASK_COMM_LEN, NUL included. */
#define ZCP_COMM_LEN 16
/* log2 buckets of nanoseconds: slot 0 is 0-1 ns, slot i is [2^i, 2^(i+1)). */
#define ZCP_HIST_SLOTS 64

/* Directions of the copying paths, as the zcring_copy tracepoint gives them. */
#define ZCP_TO_USER 0	/* read(): copy_to_user */
#define ZCP_FROM_USER 1	/* write(): copy_from_user */

struct zcp_ring {
	/* handle_mm_fault() on a mapping of the ring, entry to return. */
	__u64 faults;
	__u64 faults_first_touch;	/* the module's .fault ran in it */
	__u64 faults_read;
	__u64 faults_write;
	__u64 faults_consumer_page;	/* page offset 0 */
	__u64 faults_producer_page;	/* page offset 1 */
	__u64 faults_data;		/* page offset 2 and up */
	__u64 fault_ns;
	/* Of faults: those of processes fault_procs had no room for. */
	__u64 faults_other_procs;

	/* The zcring_copy tracepoint, by direction: one per record copied. */
	__u64 copy_calls[2];
	__u64 copy_bytes[2];
	__u64 copy_ns[2];
	/* vfs_read() (0) and vfs_write() (1) on the ring, entry to return. */
	__u64 syscalls[2];
	__u64 syscall_ns[2];

	/* zcring_wakeup; and wake-ups whose consumer was seen coming back. */
	__u64 wakeups;
	__u64 wakeups_timed;

	__u64 hist_fault[ZCP_HIST_SLOTS];
	__u64 hist_copy[2][ZCP_HIST_SLOTS];
	__u64 hist_syscall[2][ZCP_HIST_SLOTS];
	__u64 hist_wakeup[ZCP_HIST_SLOTS];
};

/* No padding: a hash map compares its keys' bytes, all of them. */
struct zcp_proc_key {
	__u32 tgid;
	__u32 minor;
};

/* The faults of one process (thread group) on one ring's mappings. */
struct zcp_proc {
	__u64 count;
	__u64 first_touch;	/* the module's .fault ran in it */
	__u64 ns;		/* handle_mm_fault(), entry to return */
	/* The faulting thread's name at the process's first fault here. */
	char comm[ZCP_COMM_LEN];
};

#endif /* ZCRING_PROBE_H */
