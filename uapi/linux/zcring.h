/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcring: zero-copy rings from the kernel to userspace.
 *
 * This header is the ABI between the zcring module and its users.  It is
 * shared verbatim by the module and by libzcring, and must build in both
 * places, so it uses only <linux/types.h> fixed-width types.
 *
 * A ring is N bytes of data (N a power of two, at least a page) in kernel
 * pages, and two pages of positions.  A process maps it from the ring's
 * device node, /dev/zcring/NAME, in two pieces:
 *
 *   page offset 0   ZCRING_PGOFF_CONSUMER  1 page    read-write
 *                   struct zcring_consumer_page
 *   page offset 1   ZCRING_PGOFF_PRODUCER  1 page    read-only
 *                   struct zcring_producer_page
 *   page offset 2   ZCRING_PGOFF_DATA      N bytes   read-only
 *   page offset 2 + N/page                 the same N bytes again
 *
 * The consumer page is mapped alone (offset 0, one page); the producer page
 * and the data are mapped together (offset one page, length one page + 2N)
 * and never writable.  Because the data appears twice back to back, every
 * record is contiguous in the mapping, even one that wraps.
 *
 * Positions are free-running 64-bit byte counts; a record starts at
 * data + (pos & (N - 1)).  Each record is a struct zcring_rec_hdr followed
 * by its payload, the whole padded to ZCRING_REC_ALIGN bytes.
 *
 * Ordering: the kernel writes a record's header with ZCRING_REC_BUSY set,
 * then advances producer_pos with a release store; it publishes the record
 * by clearing ZCRING_REC_BUSY in the header with a release store.  The
 * consumer reads producer_pos with an acquire load, then each header with
 * an acquire load, stops at the first busy record, skips discarded ones,
 * and publishes its own consumer_pos with a release store, once per batch.
 *
 * The copying paths share the same positions.  read() returns the payload
 * of one record per call (never a part of one: a buffer too small for the
 * next record gets EMSGSIZE and the record stays), 0 once the ring is
 * closed and empty, EAGAIN when empty under O_NONBLOCK; otherwise it waits,
 * interruptibly, until a record is ready.  write() (and writev()) adds one
 * record per call; EMSGSIZE if the ring can never hold it; when the ring is
 * full, EAGAIN under O_NONBLOCK (the record counts as dropped), else it
 * waits for space; EPIPE once the ring is closed.  poll() reports EPOLLIN
 * when a committed record is ready and at least the watermark's bytes are
 * waiting, EPOLLOUT when a record of a page (a quarter of a smaller ring)
 * would fit, EPOLLHUP once the ring is closed; producers waiting for space
 * are woken by read() and by ZCRING_IOC_WAKE_PRODUCERS, not by poll().  A
 * consumer position the kernel cannot trust (behind the producer by more
 * than the ring, ahead of it, or misaligned) makes the ring look full to
 * producers (records are dropped, and counted) and makes read() fail with
 * EBADMSG; it never makes the kernel touch memory outside the ring.
 *
 * Consuming is one open file's role: the first file that read()s or maps
 * the consumer page takes it, and keeps it until the file is released (its
 * last descriptor closed and its last mapping gone).  read() or a mapping
 * of the consumer page through any other file gets EBUSY.  A file that
 * only inspects the ring (the INFO and STATS ioctls, the producer page and
 * data mapped read-only, poll()) needs no role; its poll() looks without
 * taking from the consumer the news of drops.  Whoever may open the node
 * for reading may take the role first: give others read permission on a
 * ring only if any of them may consume it.
 */
#ifndef _UAPI_LINUX_ZCRING_H
#define _UAPI_LINUX_ZCRING_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * ABI version.  It stays 0 while the ABI is being built and may change
 * between commits; it becomes 1 with the first release, and then grows only
 * in compatible ways (size fields, reserved fields that must be zero).
 */
#define ZCRING_ABI_VERSION 0

/* Rings appear as ZCRING_DEV_DIR/NAME; the control device sits beside them. */
#define ZCRING_DEV_DIR "/dev/zcring"
#define ZCRING_CONTROL_PATH ZCRING_DEV_DIR "/control"
/*
 * Each ring has a directory here, named after it: the list of rings.  It
 * holds the text attributes data_size (bytes, decimal), flags (ZCRING_F_*,
 * hexadecimal with 0x) and owner ("kernel" for rings a module created with
 * zcring_create(), which userspace cannot destroy; "user" otherwise).
 */
#define ZCRING_SYSFS_DIR "/sys/class/zcring"

/* A ring's name: 1 to ZCRING_NAME_MAX - 1 bytes, no '/', NUL-terminated. */
#define ZCRING_NAME_MAX 32

/* mmap offsets, in pages of the system's page size. */
#define ZCRING_PGOFF_CONSUMER 0
#define ZCRING_PGOFF_PRODUCER 1
#define ZCRING_PGOFF_DATA 2

/* Written by the consumer; the kernel reads it and trusts none of it. */
struct zcring_consumer_page {
	__u64 consumer_pos;
	/*
	 * Bytes of records that must be waiting before a blocked consumer is
	 * woken; 0 wakes it on the first record.  The kernel caps it at half
	 * the ring, and wakes the consumer anyway when a record is dropped
	 * (a committed one waiting), so that it is always woken before the
	 * ring fills and when a record did not fit.
	 */
	__u64 wake_watermark;
};

/* Written by the kernel only. */
struct zcring_producer_page {
	__u64 producer_pos;
	__u32 abi_version; /* ZCRING_ABI_VERSION */
	__u32 flags; /* ZCRING_F_* the ring was created with */
	__u64 data_size; /* N */
	__u32 state; /* ZCRING_STATE_* */
	__u32 wait_flags; /* ZCRING_WAIT_*: who waits on the consumer */
	__u64 dropped_records; /* refused for lack of space */
	__u64 dropped_bytes;
};

/* zcring_producer_page.state */
#define ZCRING_STATE_CLOSED 0x1U /* destroyed: no more records */

/*
 * zcring_producer_page.wait_flags
 *
 * ZCRING_WAIT_SPACE: a producer waits for space (a blocking write(), or a
 * poll() for EPOLLOUT).  read() wakes such producers itself; a consumer
 * that moves consumer_pos through the mapping does not enter the kernel,
 * so after its release store of consumer_pos it issues a full memory
 * barrier, reads wait_flags, and if this flag is set calls
 * ZCRING_IOC_WAKE_PRODUCERS once.  The kernel sets the flag, then issues a
 * full barrier, then reads consumer_pos: either it sees the new position
 * or the consumer sees the flag.  (libzcring's zcring_iter_end() does
 * this.)
 */
#define ZCRING_WAIT_SPACE 0x1U

/*
 * A record: this header, then len payload bytes, the whole padded to
 * ZCRING_REC_ALIGN.  A record never exceeds the ring: len is at least 1
 * and at most data_size - sizeof(struct zcring_rec_hdr); a header with any
 * other length is corrupt (a consumer position that is not a record's).
 */
struct zcring_rec_hdr {
	/* payload length | ZCRING_REC_BUSY | ZCRING_REC_DISCARD */
	__u32 len;
	/*
	 * Low 32 bits of the ring's count of reservations before this one,
	 * dropped ones excluded: consecutive records have consecutive seq.
	 */
	__u32 seq;
};

#define ZCRING_REC_BUSY 0x80000000U /* reserved, not yet committed */
#define ZCRING_REC_DISCARD 0x40000000U /* cancelled: skip it */
#define ZCRING_REC_LEN_MASK (ZCRING_REC_DISCARD - 1)
#define ZCRING_REC_ALIGN 8
/* @x rounded up to a record boundary, as NLMSG_ALIGN rounds netlink's. */
#define ZCRING_REC_ALIGN_UP(x) \
	(((__u64)(x) + ZCRING_REC_ALIGN - 1) & ~(__u64)(ZCRING_REC_ALIGN - 1))
/*
 * The bytes a record of @len payload bytes takes in the ring, header and
 * padding included: the next record's header starts there.
 */
#define ZCRING_REC_SIZE(len) \
	ZCRING_REC_ALIGN_UP(sizeof(struct zcring_rec_hdr) + (__u64)(len))

/* Ring flags, zcring_create.flags. */
/* Map every page at mmap() time: no page faults on first touch. */
#define ZCRING_F_POPULATE 0x1U
#define ZCRING_F_ALL ZCRING_F_POPULATE

#define ZCRING_IOC_MAGIC 0xB8

/*
 * Control device ioctls, on a file of it open for writing.  The node of a
 * ring userspace creates is owned by its creator (fsuid and fsgid), with
 * the mode asked for.  Errors of both:
 *   EBADF         the control device's file is not open for writing
 *   EFAULT        the request is not readable
 * Of ZCRING_IOC_CREATE:
 *   EOPNOTSUPP    unknown bits in flags
 *   EINVAL        size is not sizeof(struct zcring_create), a reserved
 *                 field is not zero, or mode has bits beyond 0777
 *   ENOENT        empty name
 *   ENAMETOOLONG  name not NUL-terminated within ZCRING_NAME_MAX
 *   EILSEQ        name holds '/', a space, a control character or a
 *                 byte above '~', or is "." or "..", or "control"
 *   EEXIST        a ring of that name exists
 *   ERANGE        data_size not a power of two, or below a page
 *   EFBIG         data_size above the module's max_ring_size parameter
 *   ENOSPC        too many rings
 *   EDQUOT        the creator's rings or ring memory would pass the
 *                 module's max_user_rings or max_user_bytes
 *   ENOMEM        no memory for the ring
 * Of ZCRING_IOC_DESTROY (EINVAL and ENAMETOOLONG as above):
 *   ENOENT        no ring of that name
 *   EPERM         the ring is a kernel module's, or the caller is neither
 *                 its owner (by fsuid) nor CAP_SYS_ADMIN
 */
struct zcring_create {
	__u32 size; /* sizeof(struct zcring_create) */
	__u32 flags; /* ZCRING_F_* */
	__u64 data_size; /* N, bytes */
	__u32 mode; /* the device node's permissions; 0: 0600 */
	__u32 reserved0;
	char name[ZCRING_NAME_MAX];
	__u64 reserved[4];
};

struct zcring_destroy {
	__u32 size; /* sizeof(struct zcring_destroy) */
	__u32 reserved0;
	char name[ZCRING_NAME_MAX];
	__u64 reserved[2];
};

#define ZCRING_IOC_CREATE _IOW(ZCRING_IOC_MAGIC, 0x01, struct zcring_create)
#define ZCRING_IOC_DESTROY _IOW(ZCRING_IOC_MAGIC, 0x02, struct zcring_destroy)

/* Ring device ioctls. */

struct zcring_info {
	__u32 size; /* set by the kernel: sizeof(struct zcring_info) */
	__u32 abi_version;
	__u64 data_size;
	__u32 flags;
	__u32 page_size;
	char name[ZCRING_NAME_MAX];
	__u64 reserved[4];
};

/*
 * Conservation: produced == consumed + dropped at any point where no record
 * is reserved and the ring is empty.  Records are counted by payload.
 */
struct zcring_stats {
	__u32 size; /* set by the kernel: sizeof(struct zcring_stats) */
	__u32 reserved0;
	__u64 produced_records; /* committed + dropped */
	__u64 produced_bytes;
	__u64 consumed_records; /* committed and passed by the consumer */
	__u64 consumed_bytes;
	__u64 dropped_records;
	__u64 dropped_bytes;
	__u64 discarded_records; /* reserved, then discarded */
	__u64 wakeups; /* consumer wake-ups sent */
	__u64 faults; /* page faults on mappings of the ring */
	__u64 producer_pos;
	__u64 consumer_pos;
	__u64 reserved[4];
};

/*
 * The generator writes records of record_size bytes from kernel context.
 * Each payload starts with struct zcring_gen_payload; byte i after it is
 * ZCRING_GEN_BYTE(seq, i), and csum is the 32-bit FNV-1a hash of those
 * bytes (ZCRING_GEN_FNV_*).
 * seq counts the ring's generated records, dropped ones included, so a gap
 * in seq is a drop.  Without ZCRING_GEN_BLOCK a full ring drops the record
 * (counted); with it the generator waits for space.
 *
 * ZCRING_GEN_COPY makes the cheapest producer instead, for benchmarks: each
 * payload is a copy of one pattern (byte i is (__u8)i), with no header and
 * no checksum, and record_size may be as small as 1.
 *
 * ZCRING_GEN_BATCH reserves up to 32 records at a time (fewer when they
 * would pass 64 KiB of payload) and commits them together, as a driver
 * with a burst to write would with zcring_reserve_batch(); without it,
 * one record at a time.  A signal is checked between batches.  In drop mode
 * the records of a batch that do not fit are dropped.
 */
struct zcring_gen_payload {
	__u64 seq;
	__u32 len; /* payload length */
	__u32 csum;
};

/* Byte @i after the struct in record @seq's payload. */
#define ZCRING_GEN_BYTE(seq, i) ((__u8)(131 * (seq) + (i)))
/* csum: 32-bit FNV-1a, hash = (hash ^ byte) * prime from the basis. */
#define ZCRING_GEN_FNV_BASIS 2166136261U
#define ZCRING_GEN_FNV_PRIME 16777619U

#define ZCRING_GEN_BLOCK 0x1U
#define ZCRING_GEN_COPY 0x2U
#define ZCRING_GEN_BATCH 0x4U
#define ZCRING_GEN_ALL (ZCRING_GEN_BLOCK | ZCRING_GEN_COPY | ZCRING_GEN_BATCH)

struct zcring_generate {
	__u32 size; /* sizeof(struct zcring_generate) */
	__u32 flags; /* ZCRING_GEN_* */
	__u64 count; /* records to offer */
	__u32 record_size; /* payload bytes: see above for the minimum */
	__u32 reserved0;
	__u64 committed; /* out: records written */
	__u64 dropped; /* out: records dropped */
	__u64 reserved[2];
};

#define ZCRING_IOC_INFO _IOR(ZCRING_IOC_MAGIC, 0x10, struct zcring_info)
#define ZCRING_IOC_STATS _IOR(ZCRING_IOC_MAGIC, 0x11, struct zcring_stats)
#define ZCRING_IOC_GENERATE \
	_IOWR(ZCRING_IOC_MAGIC, 0x12, struct zcring_generate)
/*
 * The consumer moved consumer_pos through the mapping: wake the producers
 * waiting for space (see ZCRING_WAIT_SPACE).  It wakes them only if the
 * position moved since the last wake-up, so calling it costs nobody else
 * anything when no space was freed.  Always 0.
 */
#define ZCRING_IOC_WAKE_PRODUCERS _IO(ZCRING_IOC_MAGIC, 0x13)

#endif /* _UAPI_LINUX_ZCRING_H */
