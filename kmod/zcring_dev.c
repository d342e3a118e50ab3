// SPDX-License-Identifier: GPL-2.0
/*
 * zcring: a ring's device node, /dev/zcring/NAME.  The copying paths
 * (read, write), readiness (poll), the ring's ioctls, and mmap of the
 * ring's pages, with the refusals that keep read-only pages read-only.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "zcring_internal.h"
#include "zcring_trace.h"

static int zcring_open(struct inode *inode, struct file *file)
{
	struct zcring *ring = zcring_get_for_inode(inode);

	if (!ring)
		return -ENODEV;
	file->private_data = ring;
	return nonseekable_open(inode, file);
}

static int zcring_file_release(struct inode *inode, struct file *file)
{
	struct zcring *ring = file->private_data;

	/* Its mappings hold the file: none of them is left to consume. */
	cmpxchg(&ring->consumer, file, NULL);
	zcring_put(ring);
	return 0;
}

/*
 * Consuming is one file's role.  Another reader moving the consumer
 * position would skip records meant for the consumer, or free a record
 * the consumer still reads in place in its mapping.  The first file that
 * reads or maps the consumer page takes the role and keeps it until it
 * is released; the others get EBUSY.  An open that only inspects (info,
 * stats, the producer page) needs no role.  0 if @file holds it.
 */
static int zcring_take_consumer(struct zcring *ring, struct file *file)
{
	struct file *holder;

	if (READ_ONCE(ring->consumer) == file)
		return 0;
	holder = cmpxchg(&ring->consumer, NULL, file);
	return !holder || holder == file ? 0 : -EBUSY;
}

/* Whether @file may consume: it holds the role, or nobody does. */
static bool zcring_may_consume(struct zcring *ring, struct file *file)
{
	struct file *holder = READ_ONCE(ring->consumer);

	return !holder || holder == file;
}

/*
 * A consumer is back to wait: the next commit may wake it again.  The
 * barrier pairs with the one in zcring_wake_consumers().  Once it is told
 * the ring is ready, the drops so far wake it no more.
 */
static bool zcring_waiter_ready(struct zcring *ring)
{
	clear_bit(ZCRING_WAKE_PENDING, &ring->wake_flags);
	/* The cleared bit before the records: see zcring_wake_consumers(). */
	smp_mb__after_atomic();
	if (!zcring_consumer_ready(ring))
		return false;
	WRITE_ONCE(ring->drops_seen, READ_ONCE(ring->dropped_records));
	return true;
}

/*
 * The copies of read() and write(), timed for the zcring_copy tracepoint
 * only while it is on.
 */
static unsigned long zcring_copy_out(struct zcring *ring, char __user *to,
				     const void *from, u32 size)
{
	u64 t0 = trace_zcring_copy_enabled() ? ktime_get_ns() : 0;
	unsigned long left = copy_to_user(to, from, size);

	if (t0 && !left)
		trace_zcring_copy(ring->minor, ZCRING_COPY_TO_USER, size,
				  ktime_get_ns() - t0);
	return left;
}

static bool zcring_copy_in(struct zcring *ring, void *to, size_t len,
			   struct iov_iter *from)
{
	u64 t0 = trace_zcring_copy_enabled() ? ktime_get_ns() : 0;
	bool done = copy_from_iter_full(to, len, from);

	if (t0 && done)
		trace_zcring_copy(ring->minor, ZCRING_COPY_FROM_USER, len,
				  ktime_get_ns() - t0);
	return done;
}

/*
 * Copy out the record at the consumer position, skipping discarded ones.
 * Returns its length, 0 if the ring is closed and empty, -EAGAIN if no
 * record is ready, -EMSGSIZE if @count is too small (the record stays),
 * -EBADMSG if the consumer position cannot be trusted.
 */
static ssize_t zcring_read_one(struct zcring *ring, char __user *buf,
			       size_t count)
{
	u64 cons = READ_ONCE(ring->cons->consumer_pos), start = cons;
	/*
	 * Closed first, with acquire: a ring seen closed has its final
	 * producer position, read next, so that end of file is only ever
	 * said with every reserved record in view.
	 */
	bool closed = zcring_is_closed(ring);
	/* Pairs with the release in __zcring_reserve_batch(): headers up to prod. */
	u64 prod = smp_load_acquire(&ring->prod->producer_pos);
	ssize_t ret = -EAGAIN;

	if (!zcring_cons_trusted(ring, cons, prod))
		return -EBADMSG;

	while (cons != prod) {
		struct zcring_rec_hdr *hdr = zcring_hdr_at(ring, cons);
		u32 len = zcring_hdr_len(ring, cons);
		u32 size = len & ZCRING_REC_LEN_MASK;
		u64 rec = zcring_rec_size(len);

		if (len & ZCRING_REC_BUSY)
			break;
		if (!zcring_rec_sane(ring, len, cons, prod)) {
			ret = -EBADMSG;
			break;
		}
		if (len & ZCRING_REC_DISCARD) {
			cons += rec;
			continue;
		}
		if (count < size) {
			ret = -EMSGSIZE;
			break;
		}
		if (zcring_copy_out(ring, buf, hdr + 1, size)) {
			ret = -EFAULT;
			break;
		}
		cons += rec;
		ret = size;
		break;
	}
	/*
	 * End of file once closed and empty, not before: a record still
	 * reserved at the head may be committed yet, with others behind it.
	 */
	if (ret == -EAGAIN && closed && cons == prod)
		ret = 0;
	if (cons != start) {
		/* The record is read before producers may reuse its space. */
		smp_store_release(&ring->cons->consumer_pos, cons);
		zcring_wake_producers(ring);
	}
	return ret;
}

/*
 * read_lock makes each read() take a whole record, but is held only for
 * that, never while waiting for one: a reader asleep on an empty ring
 * must not hold up another, and a non-blocking reader never waits for
 * the lock either.
 */
static ssize_t zcring_read(struct file *file, char __user *buf, size_t count,
			   loff_t *ppos)
{
	struct zcring *ring = file->private_data;
	bool nonblock = file->f_flags & O_NONBLOCK;
	ssize_t ret;

	ret = zcring_take_consumer(ring, file);
	if (ret < 0)
		return ret;
	for (;;) {
		if (nonblock) {
			if (!mutex_trylock(&ring->read_lock))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&ring->read_lock)) {
			return -ERESTARTSYS;
		}
		ret = zcring_read_one(ring, buf, count);
		mutex_unlock(&ring->read_lock);
		if (ret != -EAGAIN || nonblock)
			return ret;
		ret = wait_event_interruptible(ring->waitq,
					       zcring_waiter_ready(ring));
		if (ret)
			return ret;
	}
}

/* Space for write()'s record of @len bytes: waits for it unless @nonblock. */
static void *zcring_write_reserve(struct zcring *ring, size_t len,
				  bool nonblock)
{
	void *rec;
	int err;

	for (;;) {
		rec = __zcring_reserve(ring, len, nonblock);
		if (!IS_ERR(rec) || PTR_ERR(rec) != -ENOSPC)
			return rec;
		if (nonblock)
			return ERR_PTR(-EAGAIN);
		err = zcring_wait_space(ring, len);
		if (err)
			return ERR_PTR(err);
	}
}

/*
 * One record per call; writev() gathers its vectors into that record.
 *
 * A reservation must never wait on userspace: every producer, hard-IRQ
 * ones included, stops at a reserved record until it is committed.  So
 * the source is faulted in before anything is reserved (a fault may sleep
 * as long as userfaultfd or a FUSE daemon likes), and copied with page
 * faults disabled.  If the source went away in between (reclaim, another
 * thread's munmap), the copy stops short: the record is discarded, never
 * seen half-written, and the write starts over.
 */
static ssize_t zcring_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct zcring *ring = iocb->ki_filp->private_data;
	bool nonblock = (iocb->ki_filp->f_flags & O_NONBLOCK) ||
			(iocb->ki_flags & IOCB_NOWAIT);
	size_t len = iov_iter_count(from);
	void *rec;
	bool done;

	if (!len)
		return 0;
	if (len > ring->max_payload)
		return -EMSGSIZE;
	for (;;) {
		if (fault_in_iov_iter_readable(from, len))
			return -EFAULT;
		rec = zcring_write_reserve(ring, len, nonblock);
		if (IS_ERR(rec))
			return PTR_ERR(rec);
		pagefault_disable();
		done = zcring_copy_in(ring, rec, len, from);
		pagefault_enable();
		if (done)
			break;
		zcring_discard(ring, rec);
		if (signal_pending(current))
			return -ERESTARTSYS;
		cond_resched();
	}
	zcring_commit(ring, rec);
	return len;
}

/*
 * EPOLLOUT promises room for a record of this many payload bytes: a page,
 * or a quarter of a smaller ring, so that a writer woken by poll can put
 * a useful record without a ring being empty first.
 */
static u32 zcring_poll_out_size(struct zcring *ring)
{
	return min_t(u64, PAGE_SIZE, ring->data_size / 4);
}

static __poll_t zcring_poll(struct file *file, poll_table *wait)
{
	struct zcring *ring = file->private_data;
	bool want_in = poll_requested_events(wait) & EPOLLIN;
	bool want_out = poll_requested_events(wait) & EPOLLOUT;
	u32 out_size = zcring_poll_out_size(ring);
	__poll_t events = 0;

	poll_wait(file, &ring->waitq, wait);
	/* A caller waiting for EPOLLOUT is one of the producers to wake. */
	if (want_out)
		poll_wait(file, &ring->space_waitq, wait);

	/*
	 * Only the consumer comes back to wait; a writer's or an onlooker's
	 * poll only looks, and leaves the drops for the consumer to be told.
	 */
	if (want_in && zcring_may_consume(ring, file) ?
		    zcring_waiter_ready(ring) :
		    zcring_consumer_ready(ring))
		events |= EPOLLIN | EPOLLRDNORM;
	if (zcring_is_closed(ring))
		events |= EPOLLHUP;
	else if (want_out ? zcring_space_or_wait(ring, out_size) :
			    zcring_has_space(ring, out_size))
		events |= EPOLLOUT | EPOLLWRNORM;
	/*
	 * No wake-up of space_waitq here: a caller polling for EPOLLOUT sits
	 * on it, and waking it from its own poll() would mark its table
	 * triggered every time, so that it never sleeps nor times out.
	 */
	trace_zcring_poll(ring->minor, events);
	return events;
}

static long zcring_ioctl_info(struct zcring *ring, void __user *arg)
{
	struct zcring_info info = {
		.size = sizeof(info),
		.abi_version = ZCRING_ABI_VERSION,
		.data_size = ring->data_size,
		.flags = ring->flags,
		.page_size = PAGE_SIZE,
	};

	strscpy(info.name, ring->name, sizeof(info.name));
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long zcring_ioctl_stats(struct zcring *ring, void __user *arg)
{
	struct zcring_stats st;

	zcring_get_stats(ring, &st);
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long zcring_ioctl_generate(struct file *file, struct zcring *ring,
				  void __user *arg)
{
	struct zcring_generate gen;
	int err;

	/* It produces records: as write(), only for a file open to write. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&gen, arg, sizeof(gen)))
		return -EFAULT;
	err = zcring_generate(ring, &gen);
	/* Report what was written even when interrupted part way. */
	if (copy_to_user(arg, &gen, sizeof(gen)))
		return -EFAULT;
	return err;
}

static long zcring_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct zcring *ring = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case ZCRING_IOC_INFO:
		return zcring_ioctl_info(ring, uarg);
	case ZCRING_IOC_STATS:
		return zcring_ioctl_stats(ring, uarg);
	case ZCRING_IOC_GENERATE:
		return zcring_ioctl_generate(file, ring, uarg);
	case ZCRING_IOC_WAKE_PRODUCERS:
		zcring_wake_producers(ring);
		return 0;
	default:
		return -ENOTTY;
	}
}

/*
 * Every mapping holds a reference on the ring: its pages outlive a
 * destroy, a close of the file, a fork and a split of the mapping.
 */
static void zcring_vm_open(struct vm_area_struct *vma)
{
	zcring_get(vma->vm_private_data);
}

static void zcring_vm_close(struct vm_area_struct *vma)
{
	zcring_put(vma->vm_private_data);
}

/* A page's first touch in lazy mode, or after MADV_DONTNEED in either. */
static vm_fault_t zcring_vm_fault(struct vm_fault *vmf)
{
	struct zcring *ring = vmf->vma->vm_private_data;
	struct page *page;

	/* Only the consumer page may ever sit in a writable mapping. */
	if (vmf->pgoff >= ring->nr_pages ||
	    (vmf->pgoff != ZCRING_PGOFF_CONSUMER &&
	     (vmf->vma->vm_flags & VM_MAYWRITE)))
		return VM_FAULT_SIGBUS;
	page = ring->pages[vmf->pgoff];
	get_page(page);
	vmf->page = page;
	atomic64_inc(&ring->faults);
	trace_zcring_fault(ring->minor, vmf->pgoff,
			   !!(vmf->flags & FAULT_FLAG_WRITE));
	return 0;
}

static const struct vm_operations_struct zcring_vm_ops = {
	.open = zcring_vm_open,
	.close = zcring_vm_close,
	.fault = zcring_vm_fault,
};

/*
 * Two mappings are possible: the consumer page alone, read-write, and the
 * producer page with the data twice, read-only for good (no VM_MAYWRITE:
 * mprotect, /proc/PID/mem and a forked child cannot make it writable).
 * EINVAL for a private mapping, another offset or a length that is not
 * the region's; EPERM for PROT_EXEC, or PROT_WRITE on the read-only part.
 */
static int zcring_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct zcring *ring = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long first, count;
	int err;

	/*
	 * MAP_SHARED only.  VM_MAYSHARE, not VM_SHARED: the VFS clears
	 * VM_SHARED on a shared mapping of a file open read-only, which may
	 * still map the read-only piece to watch the ring.
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	switch (vma->vm_pgoff) {
	case ZCRING_PGOFF_CONSUMER:
		if (len != PAGE_SIZE)
			return -EINVAL;
		first = ZCRING_PGOFF_CONSUMER;
		count = 1;
		break;
	case ZCRING_PGOFF_PRODUCER:
		if (len != PAGE_SIZE + 2 * ring->data_size)
			return -EINVAL;
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
		first = ZCRING_PGOFF_PRODUCER;
		count = ring->nr_pages - ZCRING_PGOFF_PRODUCER;
		break;
	default:
		return -EINVAL;
	}
	vm_flags_clear(vma, VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);

	/* The consumer page is the consumer's, read-only or not. */
	if (first == ZCRING_PGOFF_CONSUMER) {
		err = zcring_take_consumer(ring, file);
		if (err)
			return err;
	}
	if (ring->flags & ZCRING_F_POPULATE) {
		unsigned long left = count;

		err = vm_insert_pages(vma, vma->vm_start, &ring->pages[first],
				      &left);
		if (err)
			return err;
	}
	vma->vm_ops = &zcring_vm_ops;
	vma->vm_private_data = ring;
	zcring_vm_open(vma);
	return 0;
}

const struct file_operations zcring_ring_fops = {
	.owner = THIS_MODULE,
	.open = zcring_open,
	.release = zcring_file_release,
	.read = zcring_read,
	.write_iter = zcring_write_iter,
	.poll = zcring_poll,
	.unlocked_ioctl = zcring_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = zcring_mmap,
};
