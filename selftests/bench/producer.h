/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by producer.bpf.c and bpf.c. */
#ifndef BENCH_PRODUCER_H
#define BENCH_PRODUCER_H

#define BENCH_BPF_RING_SIZE (4U << 20)	/* the zcring rings' size */
#define BENCH_BPF_MAX_PAYLOAD 65536U
#define BENCH_BPF_MAX_BATCH 256U	/* bench.c's batch_for() */

#endif /* BENCH_PRODUCER_H */
