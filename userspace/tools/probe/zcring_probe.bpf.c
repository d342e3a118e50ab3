// SPDX-License-Identifier: GPL-2.0
/*
 * zcring-probe's BPF side: counts and times what zcring rings cost in page
 * faults, copies and wake-ups, per ring (device minor), into the "rings"
 * array map that the tool reads; and the page faults again per process and
 * ring, into the "fault_procs" hash map.
 *
 * Attach points, and why (docs/probe.md says more):
 *  - the zcring module's own tracepoints (zcring_fault, zcring_copy,
 *    zcring_wakeup, zcring_poll) are the stable interface: the module
 *    promises their scalar arguments, so they are attached as raw
 *    tracepoints, which need no BTF of the (out-of-tree, BTF-less) module.
 *    zcring_commit and zcring_drop are left alone: a program on every
 *    record slows the zero-copy path down by a quarter (docs/probe.md),
 *    and the stats ioctl counts the same records for nothing;
 *  - handle_mm_fault(), vfs_read() and vfs_write() are long-lived core
 *    functions with the same arguments on every kernel we target; fentry
 *    and fexit read them through BTF, and CO-RE relocates the few struct
 *    fields used (vma->vm_file->f_inode->i_rdev, vm_start, vm_pgoff), so
 *    one object built against one kernel's vmlinux.h loads on the others.
 *
 * Everything is counted with atomic adds into cumulative counters: the
 * tool computes intervals as differences, so nothing is ever reset here.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "zcring_probe.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the tool before loading. */
const volatile __u32 zcring_major;	/* the module's chrdev major */
const volatile __u32 filter_tgid;	/* 0: every process */
const volatile bool filter_ring;	/* count only ring_minor */
const volatile __u32 ring_minor;

/* The kernel's dev_t: 12 bits of major, 20 of minor. */
#define KDEV_MINORBITS 20
#define KDEV_MINORMASK ((1U << KDEV_MINORBITS) - 1)
#define EPOLLIN_BIT 0x1
#define ZCP_PAGE_SHIFT 12	/* x86-64 */
#define ZCP_EEXIST 17		/* errno's EEXIST: vmlinux.h has no errno */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZCP_MAX_RINGS);
	__type(key, __u32);
	__type(value, struct zcp_ring);
} rings SEC(".maps");

/*
 * Faults by process and ring.  Entries are never deleted (the tool takes
 * differences, as for "rings"); once the map is full, the faults of
 * processes without an entry go to their ring's faults_other_procs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZCP_MAX_PROCS);
	__type(key, struct zcp_proc_key);
	__type(value, struct zcp_proc);
} fault_procs SEC(".maps");

/* A fault in progress on a zcring mapping, by thread. */
struct fault_start {
	__u64 ts;
	__u64 address;
	__u32 minor;
	__u8 write;
	__u8 region;		/* 0 consumer page, 1 producer page, 2 data */
	__u8 first_touch;	/* zcring_fault fired inside it */
	__u8 retry;		/* returned VM_FAULT_RETRY: it will come again */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct fault_start);
} faults_inflight SEC(".maps");

/*
 * A read() or write() in progress on a ring, by thread.  Separate from the
 * faults: a copy_to_user() inside read() may itself fault.
 */
struct sys_start {
	__u64 ts;
	__u32 minor;
	__u32 dir;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sys_start);
} sys_inflight SEC(".maps");

/* Per minor: the commit time of the wake-up not yet seen arriving; 0 none. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ZCP_MAX_RINGS);
	__type(key, __u32);
	__type(value, __u64);
} wake_pending SEC(".maps");

static __always_inline __u32 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4;
	v >>= r;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/* The log2 bucket of ns: 0 and 1 in slot 0. */
static __always_inline __u32 slot_of(__u64 ns)
{
	__u32 hi = ns >> 32;

	if (hi)
		return log2_u32(hi) + 32;
	return log2_u32((__u32)ns);
}

static __always_inline void hist_add(__u64 *hist, __u64 ns)
{
	__sync_fetch_and_add(&hist[slot_of(ns) & (ZCP_HIST_SLOTS - 1)], 1);
}

static __always_inline bool tgid_ok(void)
{
	return !filter_tgid ||
	       (bpf_get_current_pid_tgid() >> 32) == filter_tgid;
}

/* The ring's counters, or NULL when the ring is not one we count. */
static __always_inline struct zcp_ring *ring_of(__u32 minor)
{
	if (filter_ring && minor != ring_minor)
		return NULL;
	return bpf_map_lookup_elem(&rings, &minor);
}

/*
 * The ring minor a file is a node of, or -1: a zcring ring device has the
 * module's major.  The control device is a misc device (major 10): it is
 * never taken for a ring.
 */
static __always_inline int file_minor(struct file *file)
{
	dev_t rdev;

	if (!file)
		return -1;
	rdev = file->f_inode->i_rdev;
	if ((rdev >> KDEV_MINORBITS) != zcring_major)
		return -1;
	return rdev & KDEV_MINORMASK;
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* ---- page faults --------------------------------------------------------- */

/*
 * One finished fault of the current process on ring @minor, for the faults
 * by process.  The first takes an entry, counted as it goes in; a second
 * thread of the process may insert first (-EEXIST), and then is added to.
 */
static __always_inline void proc_fault(struct zcp_ring *r, __u32 minor,
				       bool first_touch, __u64 ns)
{
	struct zcp_proc_key key = {
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.minor = minor,
	};
	struct zcp_proc *p, init = {};
	long err;

	p = bpf_map_lookup_elem(&fault_procs, &key);
	if (!p) {
		init.count = 1;
		init.first_touch = first_touch;
		init.ns = ns;
		bpf_get_current_comm(init.comm, sizeof(init.comm));
		err = bpf_map_update_elem(&fault_procs, &key, &init,
					  BPF_NOEXIST);
		if (!err)
			return;
		if (err == -ZCP_EEXIST)
			p = bpf_map_lookup_elem(&fault_procs, &key);
	}
	if (!p) {
		/*
		 * The map is full (-E2BIG), or was busy on this CPU: the
		 * fault stays in the ring's figures, unattributed.
		 */
		__sync_fetch_and_add(&r->faults_other_procs, 1);
		return;
	}
	__sync_fetch_and_add(&p->count, 1);
	__sync_fetch_and_add(&p->ns, ns);
	if (first_touch)
		__sync_fetch_and_add(&p->first_touch, 1);
}

SEC("fentry/handle_mm_fault")
int BPF_PROG(fault_enter, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags)
{
	struct fault_start start = {}, *old;
	__u32 tid = current_tid();
	__u64 pgoff;
	int minor;

	if (!tgid_ok())
		return 0;
	minor = file_minor(vma->vm_file);
	if (minor < 0 || (filter_ring && minor != ring_minor))
		return 0;
	/*
	 * A fault that returned VM_FAULT_RETRY is taken again (6.12 tries
	 * under the VMA lock first, and our .fault needs the mmap lock):
	 * one fault for the user, timed from its first entry.
	 */
	old = bpf_map_lookup_elem(&faults_inflight, &tid);
	if (old && old->retry && old->address == address) {
		old->retry = 0;
		return 0;
	}
	pgoff = ((address - vma->vm_start) >> ZCP_PAGE_SHIFT) + vma->vm_pgoff;
	start.ts = bpf_ktime_get_ns();
	start.address = address;
	start.minor = minor;
	start.write = !!(flags & FAULT_FLAG_WRITE);
	start.region = pgoff < 2 ? pgoff : 2;
	bpf_map_update_elem(&faults_inflight, &tid, &start, BPF_ANY);
	return 0;
}

SEC("fexit/handle_mm_fault")
int BPF_PROG(fault_exit, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags, struct pt_regs *regs, vm_fault_t ret)
{
	__u32 tid = current_tid();
	struct fault_start *start;
	struct zcp_ring *r;
	__u64 ns;

	/*
	 * Looked up by thread, not by the VMA: a fault that returns
	 * VM_FAULT_RETRY or VM_FAULT_COMPLETED has dropped the lock that
	 * kept the VMA alive.
	 */
	start = bpf_map_lookup_elem(&faults_inflight, &tid);
	if (!start)
		return 0;
	if (ret & VM_FAULT_RETRY) {
		start->retry = 1;
		return 0;
	}
	ns = bpf_ktime_get_ns() - start->ts;
	r = ring_of(start->minor);
	if (r) {
		__sync_fetch_and_add(&r->faults, 1);
		__sync_fetch_and_add(&r->fault_ns, ns);
		if (start->first_touch)
			__sync_fetch_and_add(&r->faults_first_touch, 1);
		if (start->write)
			__sync_fetch_and_add(&r->faults_write, 1);
		else
			__sync_fetch_and_add(&r->faults_read, 1);
		if (start->region == 0)
			__sync_fetch_and_add(&r->faults_consumer_page, 1);
		else if (start->region == 1)
			__sync_fetch_and_add(&r->faults_producer_page, 1);
		else
			__sync_fetch_and_add(&r->faults_data, 1);
		hist_add(r->hist_fault, ns);
		/*
		 * After the ring's counters: the tool reads fault_procs
		 * first, so a process never shows more than its ring.
		 */
		proc_fault(r, start->minor, start->first_touch, ns);
	}
	bpf_map_delete_elem(&faults_inflight, &tid);
	return 0;
}

/*
 * The module's .fault handler ran: this fault maps a page for the first
 * time in this mapping.  Marks the fault in progress on this thread; a
 * fault without it (a write to the consumer page first mapped by a read)
 * counts as "other".
 */
SEC("raw_tp/zcring_fault")
int BPF_PROG(on_zcring_fault, __u32 minor, __u64 pgoff, __u32 write)
{
	__u32 tid = current_tid();
	struct fault_start *start;

	start = bpf_map_lookup_elem(&faults_inflight, &tid);
	if (start && start->minor == minor)
		start->first_touch = 1;
	return 0;
}

/* ---- read() and write() ------------------------------------------------- */

static __always_inline int sys_enter(struct file *file, __u32 dir)
{
	struct sys_start start = {};
	__u32 tid = current_tid();
	int minor;

	if (!tgid_ok())
		return 0;
	minor = file_minor(file);
	if (minor < 0 || (filter_ring && minor != ring_minor))
		return 0;
	start.ts = bpf_ktime_get_ns();
	start.minor = minor;
	start.dir = dir;
	bpf_map_update_elem(&sys_inflight, &tid, &start, BPF_ANY);
	return 0;
}

/* Commit to consumer back: the first sign that a woken consumer ran. */
static __always_inline void wakeup_seen(struct zcp_ring *r, __u32 minor)
{
	__u64 *pending = bpf_map_lookup_elem(&wake_pending, &minor);
	__u64 then, now;

	if (!pending)
		return;
	then = *pending;
	/* Only one consumer takes a given wake-up's latency. */
	if (!then || __sync_val_compare_and_swap(pending, then, 0) != then)
		return;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&r->wakeups_timed, 1);
	hist_add(r->hist_wakeup, now > then ? now - then : 0);
}

static __always_inline int sys_exit(struct file *file, __u32 dir, long ret)
{
	__u32 tid = current_tid();
	struct sys_start *start;
	struct zcp_ring *r;
	__u64 ns;

	/* The file is held across the call: skip the lookup for all others. */
	if (file_minor(file) < 0)
		return 0;
	start = bpf_map_lookup_elem(&sys_inflight, &tid);
	if (!start)
		return 0;
	if (start->dir == dir) {
		ns = bpf_ktime_get_ns() - start->ts;
		r = ring_of(start->minor);
		if (r) {
			dir &= 1;
			__sync_fetch_and_add(&r->syscalls[dir], 1);
			__sync_fetch_and_add(&r->syscall_ns[dir], ns);
			hist_add(r->hist_syscall[dir], ns);
			/* A reader blocked in read() is woken by the same commit. */
			if (dir == ZCP_TO_USER && ret > 0)
				wakeup_seen(r, start->minor);
		}
	}
	bpf_map_delete_elem(&sys_inflight, &tid);
	return 0;
}

SEC("fentry/vfs_read")
int BPF_PROG(read_enter, struct file *file)
{
	return sys_enter(file, ZCP_TO_USER);
}

SEC("fexit/vfs_read")
int BPF_PROG(read_exit, struct file *file, char *buf, size_t count,
	     loff_t *pos, ssize_t ret)
{
	return sys_exit(file, ZCP_TO_USER, ret);
}

SEC("fentry/vfs_write")
int BPF_PROG(write_enter, struct file *file)
{
	return sys_enter(file, ZCP_FROM_USER);
}

SEC("fexit/vfs_write")
int BPF_PROG(write_exit, struct file *file, const char *buf, size_t count,
	     loff_t *pos, ssize_t ret)
{
	return sys_exit(file, ZCP_FROM_USER, ret);
}

/* ---- the module's tracepoints --------------------------------------------- */

SEC("raw_tp/zcring_copy")
int BPF_PROG(on_zcring_copy, __u32 minor, __u32 dir, __u64 bytes, __u64 ns)
{
	struct zcp_ring *r;

	if (!tgid_ok())
		return 0;
	r = ring_of(minor);
	if (!r)
		return 0;
	dir &= 1;
	__sync_fetch_and_add(&r->copy_calls[dir], 1);
	__sync_fetch_and_add(&r->copy_bytes[dir], bytes);
	__sync_fetch_and_add(&r->copy_ns[dir], ns);
	hist_add(r->hist_copy[dir], ns);
	return 0;
}

/*
 * Consumers are being woken (from irq_work, any task): remember when the
 * commit that asked for it happened, for the consumer's return.
 */
SEC("raw_tp/zcring_wakeup")
int BPF_PROG(on_zcring_wakeup, __u32 minor, __u64 commit_ns)
{
	struct zcp_ring *r = ring_of(minor);
	__u64 *pending;

	if (!r)
		return 0;
	__sync_fetch_and_add(&r->wakeups, 1);
	pending = bpf_map_lookup_elem(&wake_pending, &minor);
	if (pending && commit_ns)
		*pending = commit_ns;
	return 0;
}

/* poll() or epoll found the ring readable: a woken consumer is back. */
SEC("raw_tp/zcring_poll")
int BPF_PROG(on_zcring_poll, __u32 minor, __u32 revents)
{
	struct zcp_ring *r;

	if (!(revents & EPOLLIN_BIT) || !tgid_ok())
		return 0;
	r = ring_of(minor);
	if (r)
		wakeup_seen(r, minor);
	return 0;
}
