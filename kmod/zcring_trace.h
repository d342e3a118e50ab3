/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcring's tracepoints: the events of a ring's life that cost something,
 * for perf, ftrace and BPF.  Every argument is a plain integer, so that a
 * BPF program reads them with raw_tp and BPF_PROG() without the module's
 * BTF (an out-of-tree module has none).  The prototypes are a stable
 * interface: arguments may be added at the end, never changed.
 *
 * minor is the ring's device minor (/dev/zcring/NAME's rdev).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM zcring

#if !defined(_ZCRING_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ZCRING_TRACE_H

#include <linux/tracepoint.h>

/* zcring_copy's dir: which way read() or write() copied. */
#define ZCRING_COPY_TO_USER 0
#define ZCRING_COPY_FROM_USER 1

/* The trace macros read best in their own layout. */
/* clang-format off */

/* A record committed: @len payload bytes at byte @offset of the data. */
TRACE_EVENT(zcring_commit,
	    TP_PROTO(u32 minor, u64 offset, u32 len),
	    TP_ARGS(minor, offset, len),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, len)
			     __field(u64, offset)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->len = len;
			   __entry->offset = offset;),
	    TP_printk("minor=%u offset=%llu len=%u", __entry->minor,
		      __entry->offset, __entry->len));

/* A record of @len payload bytes refused for lack of space, and counted. */
TRACE_EVENT(zcring_drop,
	    TP_PROTO(u32 minor, u32 len),
	    TP_ARGS(minor, len),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, len)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->len = len;),
	    TP_printk("minor=%u len=%u", __entry->minor, __entry->len));

/*
 * The fault handler maps page @pgoff (0 the consumer page, 1 the producer
 * page, then the data) into a mapping: its first touch there.
 */
TRACE_EVENT(zcring_fault,
	    TP_PROTO(u32 minor, u64 pgoff, u32 write),
	    TP_ARGS(minor, pgoff, write),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, write)
			     __field(u64, pgoff)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->write = write;
			   __entry->pgoff = pgoff;),
	    TP_printk("minor=%u pgoff=%llu write=%u", __entry->minor,
		      __entry->pgoff, __entry->write));

/*
 * read() or write() copied @bytes of one record, to or from the user
 * (@dir, ZCRING_COPY_*), in @ns nanoseconds: the copy alone.
 */
TRACE_EVENT(zcring_copy,
	    TP_PROTO(u32 minor, u32 dir, u64 bytes, u64 ns),
	    TP_ARGS(minor, dir, bytes, ns),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, dir)
			     __field(u64, bytes)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->dir = dir;
			   __entry->bytes = bytes;
			   __entry->ns = ns;),
	    TP_printk("minor=%u %s bytes=%llu ns=%llu", __entry->minor,
		      __entry->dir == ZCRING_COPY_TO_USER ? "to_user" :
							    "from_user",
		      __entry->bytes, __entry->ns));

/*
 * Consumers woken; @commit_ns is when the commit that asked for it ran
 * (ktime_get_ns()), or 0 if this tracepoint was off then.
 */
TRACE_EVENT(zcring_wakeup,
	    TP_PROTO(u32 minor, u64 commit_ns),
	    TP_ARGS(minor, commit_ns),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u64, commit_ns)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->commit_ns = commit_ns;),
	    TP_printk("minor=%u commit_ns=%llu", __entry->minor,
		      __entry->commit_ns));

/* The ring's poll() reports @revents: where a woken poller returns. */
TRACE_EVENT(zcring_poll,
	    TP_PROTO(u32 minor, u32 revents),
	    TP_ARGS(minor, revents),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, revents)),
	    TP_fast_assign(__entry->minor = minor;
			   __entry->revents = revents;),
	    TP_printk("minor=%u revents=0x%x", __entry->minor, __entry->revents));

/* clang-format on */

#endif /* _ZCRING_TRACE_H */

/* Out of the kernel's tree: the header is found next to this file. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE zcring_trace
#include <trace/define_trace.h>
