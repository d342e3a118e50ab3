// SPDX-License-Identifier: GPL-2.0
/*
 * zcring: the ring itself.  Its memory, the reservation protocol shared by
 * every producer (the kernel API, write() and the generator), and the
 * wake-ups of consumers and of producers waiting for space.
 *
 * The consumer position lives in a page userspace writes, so it is read
 * once per use and never trusted: a bad value may make the ring look full
 * or corrupt, but every access stays within the ring's own pages, because
 * offsets are always taken modulo the ring and a record is never longer
 * than the ring, whose data is mapped twice.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/math64.h>
#include <linux/percpu.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "zcring_internal.h"
#include "zcring_trace.h"

static void zcring_wake_consumers(struct zcring *ring);

static void zcring_wake_now(struct zcring *ring)
{
	atomic64_inc(&ring->wakeups);
	trace_zcring_wakeup(ring->minor, READ_ONCE(ring->wake_commit_ns));
	wake_up_all(&ring->waitq);
}

static void zcring_wake_work(struct irq_work *work)
{
	zcring_wake_now(container_of(work, struct zcring, wake_work));
}

static void zcring_free_mem(struct zcring *ring)
{
	unsigned long i, nr_unique = ring->nr_pages / 2 + 1;

	/* The second copy of the data repeats the first: free each once. */
	for (i = 0; ring->pages && i < nr_unique && ring->pages[i]; i++)
		__free_page(ring->pages[i]);
	kvfree(ring->pages);
	free_percpu(ring->counters);
}

struct zcring *zcring_alloc(u64 data_size, u32 flags)
{
	unsigned long nr_data = data_size >> PAGE_SHIFT, i;
	struct zcring *ring;

	ring = kzalloc(sizeof(*ring), GFP_KERNEL_ACCOUNT);
	if (!ring)
		return ERR_PTR(-ENOMEM);

	ring->counters =
		alloc_percpu_gfp(struct zcring_counters, GFP_KERNEL_ACCOUNT);
	if (!ring->counters)
		goto err_ring;
	ring->nr_pages = 2 + 2 * nr_data;
	/* Zeroed, so that an early failure frees exactly what was allocated. */
	ring->pages = kvcalloc(ring->nr_pages, sizeof(*ring->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!ring->pages)
		goto err_pages;
	/*
	 * Charged to the creator's memory cgroup: rings are its memory.  A
	 * ring past the cgroup's limit (or the machine's memory) is refused,
	 * ENOMEM, rather than OOM-killing for it: __GFP_RETRY_MAYFAIL.
	 */
	for (i = 0; i < 2 + nr_data; i++) {
		ring->pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					    __GFP_RETRY_MAYFAIL | __GFP_NOWARN);
		if (!ring->pages[i])
			goto err_pages;
	}
	for (i = 0; i < nr_data; i++)
		ring->pages[2 + nr_data + i] = ring->pages[2 + i];
	ring->vaddr = vmap(ring->pages, ring->nr_pages, VM_MAP, PAGE_KERNEL);
	if (!ring->vaddr)
		goto err_pages;

	ring->cons = ring->vaddr;
	ring->prod = ring->vaddr + PAGE_SIZE;
	ring->data = ring->vaddr + 2 * PAGE_SIZE;
	ring->data_size = data_size;
	ring->mask = data_size - 1;
	ring->max_payload = data_size - ZCRING_HDR_SIZE;
	ring->flags = flags;

	ring->prod->abi_version = ZCRING_ABI_VERSION;
	ring->prod->flags = flags;
	ring->prod->data_size = data_size;

	kref_init(&ring->ref);
	raw_spin_lock_init(&ring->lock);
	init_waitqueue_head(&ring->waitq);
	init_waitqueue_head(&ring->space_waitq);
	init_irq_work(&ring->wake_work, zcring_wake_work);
	mutex_init(&ring->read_lock);
	ring->minor = -1;
	return ring;

err_pages:
	zcring_free_mem(ring);
err_ring:
	kfree(ring);
	return ERR_PTR(-ENOMEM);
}

static void zcring_free(struct kref *ref)
{
	struct zcring *ring = container_of(ref, struct zcring, ref);

	/* A wake-up queued by the last commit may still be on its way. */
	irq_work_sync(&ring->wake_work);
	vunmap(ring->vaddr);
	zcring_free_mem(ring);
	if (ring->charged_bytes)
		zcring_user_uncharge(ring->charged_uid, ring->charged_bytes);
	mutex_destroy(&ring->read_lock);
	kfree(ring);
}

void zcring_get(struct zcring *ring)
{
	kref_get(&ring->ref);
}

/* Process context: the last reference frees the pages. */
void zcring_put(struct zcring *ring)
{
	kref_put(&ring->ref, zcring_free);
}

/*
 * No reservation succeeds after this; readers and blocked producers are
 * woken and see the ring closed.  Records already committed stay readable.
 */
void zcring_mark_closed(struct zcring *ring)
{
	unsigned long irqflags;

	raw_spin_lock_irqsave(&ring->lock, irqflags);
	/* Records committed before the close are visible with the state. */
	smp_store_release(&ring->prod->state, ZCRING_STATE_CLOSED);
	raw_spin_unlock_irqrestore(&ring->lock, irqflags);
	wake_up_all(&ring->waitq);
	wake_up_all(&ring->space_waitq);
}

bool zcring_is_closed(struct zcring *ring)
{
	/*
	 * Pairs with the release in zcring_mark_closed(): a caller that sees the
	 * ring closed sees every reservation made before, and the producer
	 * position after them.
	 */
	return smp_load_acquire(&ring->prod->state) & ZCRING_STATE_CLOSED;
}

/*
 * Committed records that pending_pos passes per hold of ring->lock.
 * Behind a reservation held long (a kernel producer's, a write() copying
 * a large record) up to N/16 records may be committed, some 4 M in a
 * 64 MiB ring: passing them in one hold would keep interrupts off, here
 * and on every CPU spinning for the lock, for milliseconds.  512 headers
 * take about a microsecond.
 */
#define ZCRING_WALK_MAX 512

/*
 * Move pending_pos past the committed records at its head, at most
 * ZCRING_WALK_MAX of them; ring->lock held.  True if it stopped at that
 * bound, with more records perhaps committed behind.
 */
static bool zcring_walk_pending_locked(struct zcring *ring)
{
	u64 pend = ring->pending_pos;
	unsigned int n;

	for (n = 0; pend != ring->producer_pos; n++) {
		u32 len;

		if (n == ZCRING_WALK_MAX) {
			ring->pending_pos = pend;
			return true;
		}
		len = zcring_hdr_len(ring, pend);
		if (len & ZCRING_REC_BUSY)
			break;
		pend += zcring_rec_size(len);
	}
	ring->pending_pos = pend;
	return false;
}

/*
 * The bytes free at producer_pos; ring->lock held.  Two bounds: the
 * consumer position (untrusted: a bad value, misaligned included, leaves
 * no room at all) and the oldest record still busy, so that no
 * reservation ever overlaps one that a producer is still writing.
 */
static u64 zcring_room_locked(struct zcring *ring)
{
	u64 cons = READ_ONCE(ring->cons->consumer_pos);
	u64 used;

	if (!zcring_cons_trusted(ring, cons, ring->producer_pos))
		return 0;
	used = max(ring->producer_pos - cons,
		   ring->producer_pos - ring->pending_pos);
	return ring->data_size - used;
}

/*
 * Take ring->lock, and the room at producer_pos once pending_pos has
 * passed enough committed records to give @need bytes, or all of them.
 * It walks ZCRING_WALK_MAX records per hold and lets the lock go between
 * holds, interrupts back on where the caller had them on.  A caller with
 * interrupts already off walks once: it would keep them off for the whole
 * walk, so it gets the room found so far, and a reservation it cannot
 * make is dropped, and counted; the callers that may take interrupts
 * finish the walk.
 */
static u64 zcring_lock_room(struct zcring *ring, u64 need,
			    unsigned long *irqflags)
{
	u64 room;

	raw_spin_lock_irqsave(&ring->lock, *irqflags);
	for (;;) {
		bool more = zcring_walk_pending_locked(ring);

		room = zcring_room_locked(ring);
		if (room >= need || !more || irqs_disabled_flags(*irqflags))
			return room;
		raw_spin_unlock_irqrestore(&ring->lock, *irqflags);
		cpu_relax();
		raw_spin_lock_irqsave(&ring->lock, *irqflags);
	}
}

bool zcring_has_space(struct zcring *ring, u32 size)
{
	u64 rec = zcring_rec_size(size);
	unsigned long irqflags;
	bool fits;

	fits = zcring_lock_room(ring, rec, &irqflags) >= rec;
	raw_spin_unlock_irqrestore(&ring->lock, irqflags);
	return fits;
}

static void zcring_count_drops_locked(struct zcring *ring, u64 records,
				      u64 bytes)
{
	ring->dropped_records += records;
	ring->dropped_bytes += bytes;
	WRITE_ONCE(ring->prod->dropped_records, ring->dropped_records);
	WRITE_ONCE(ring->prod->dropped_bytes, ring->dropped_bytes);
}

/*
 * Reserve up to @n records of @size payload bytes each, one after the
 * other, under one acquisition of the lock, and store their payloads in
 * @recs.  Returns how many it reserved (at least one), or -EINVAL for an
 * empty record or @n of 0, -EMSGSIZE if the ring can never hold one,
 * -EPIPE once closed, -ENOSPC if none fits now.  With @count_drop, the
 * records that did not fit are counted as dropped (a producer that will
 * wait and retry passes false).
 */
int __zcring_reserve_batch(struct zcring *ring, u32 size, unsigned int n,
			   void **recs, bool count_drop)
{
	struct zcring_rec_hdr *hdr;
	unsigned long irqflags;
	unsigned int i, fit;
	u64 rec, room;

	if (!size || !n)
		return -EINVAL;
	if (size > ring->max_payload)
		return -EMSGSIZE;
	rec = zcring_rec_size(size);

	room = zcring_lock_room(ring, rec, &irqflags);
	/* ring->lock orders it against zcring_mark_closed(). */
	if (unlikely(READ_ONCE(ring->prod->state) & ZCRING_STATE_CLOSED)) {
		raw_spin_unlock_irqrestore(&ring->lock, irqflags);
		return -EPIPE;
	}
	/* No division for the common reservation of one. */
	fit = n == 1 ? room >= rec : min_t(u64, n, div64_u64(room, rec));
	if (unlikely(fit < n) && count_drop)
		zcring_count_drops_locked(ring, n - fit, (u64)(n - fit) * size);
	for (i = 0; i < fit; i++) {
		hdr = zcring_hdr_at(ring, ring->producer_pos);
		WRITE_ONCE(hdr->len, size | ZCRING_REC_BUSY);
		WRITE_ONCE(hdr->seq, (u32)ring->seq++);
		ring->producer_pos += rec;
		recs[i] = hdr + 1;
	}
	if (fit) {
		/* The busy headers are visible before the position. */
		smp_store_release(&ring->prod->producer_pos,
				  ring->producer_pos);
	}
	raw_spin_unlock_irqrestore(&ring->lock, irqflags);

	if (unlikely(fit < n) && count_drop) {
		for (i = fit; i < n; i++)
			trace_zcring_drop(ring->minor, size);
		/* Below its watermark or not, the consumer must hear of it. */
		zcring_wake_consumers(ring);
	}
	return fit ? fit : -ENOSPC;
}

/* One record: a batch of one.  Its payload, or an ERR_PTR as above. */
void *__zcring_reserve(struct zcring *ring, u32 size, bool count_drop)
{
	void *rec;
	int err = __zcring_reserve_batch(ring, size, 1, &rec, count_drop);

	return err < 0 ? ERR_PTR(err) : rec;
}

/*
 * Whether a consumer waiting on the ring should run: the ring is closed
 * and empty, or the record at the consumer position is committed and the
 * ring is closed, or records were dropped since the consumer last came
 * back to wait (zcring_waiter_ready() in zcring_dev.c), or at least the
 * consumer's watermark (capped at half the ring) is waiting.  A consumer
 * position that cannot be trusted counts as ready, so that the consumer
 * wakes and meets the error rather than sleeping forever.
 */
bool zcring_consumer_ready(struct zcring *ring)
{
	bool closed = zcring_is_closed(ring);
	/* Pairs with the release in __zcring_reserve_batch(). */
	u64 prod = smp_load_acquire(&ring->prod->producer_pos);
	u64 cons = READ_ONCE(ring->cons->consumer_pos);
	u64 mark = READ_ONCE(ring->cons->wake_watermark);
	u32 len;

	/* Closed and empty: end of file, to be read. */
	if (cons == prod)
		return closed;
	if (!zcring_cons_trusted(ring, cons, prod))
		return true;
	/* Its commit will wake the consumer, closed or not. */
	len = zcring_hdr_len(ring, cons);
	if (len & ZCRING_REC_BUSY)
		return false;
	if (closed)
		return true;
	/* Records were dropped since the consumer was last told of any. */
	if (READ_ONCE(ring->dropped_records) != READ_ONCE(ring->drops_seen))
		return true;
	return prod - cons >= min(mark, ring->data_size / 2);
}

/*
 * Wake consumers after a commit, from any context, and only when one
 * waits and would find something: a wake-up is queued when the consumer is
 * ready and none is pending since the consumer last came back to wait
 * (ZCRING_WAKE_PENDING, cleared in poll() and read()), so a busy consumer
 * costs producers nothing, and a burst of commits costs one wake-up.
 */
static void zcring_wake_consumers(struct zcring *ring)
{
	/*
	 * Order the record's publication before the waiter checks; pairs
	 * with the barrier after a consumer queues itself and clears the
	 * pending bit, so either it sees the record or we see it waiting.
	 */
	smp_mb();
	/* waitqueue_active() is safe after the barrier above. */
	if (!waitqueue_active(&ring->waitq) ||
	    test_bit(ZCRING_WAKE_PENDING, &ring->wake_flags) ||
	    !zcring_consumer_ready(ring))
		return;
	if (!test_and_set_bit(ZCRING_WAKE_PENDING, &ring->wake_flags)) {
		/* For the wake-up latency; the pending bit serializes it. */
		WRITE_ONCE(ring->wake_commit_ns,
			   trace_zcring_wakeup_enabled() ? ktime_get_ns() : 0);
		/*
		 * A producer that may sleep wakes the consumer itself, sparing
		 * it an interrupt's round trip; elsewhere (interrupts or
		 * preemption off, where PREEMPT_RT forbids the wait queue's
		 * lock) irq_work does.  Without preemption counting,
		 * preemptible() is always false: irq_work then.
		 */
		if (preemptible())
			zcring_wake_now(ring);
		else
			irq_work_queue(&ring->wake_work);
	}
}

/* Hand a record to the consumer: committed, or discarded with @extra. */
static u32 zcring_release_rec(struct zcring *ring, void *data, u32 extra)
{
	struct zcring_rec_hdr *hdr = data - ZCRING_HDR_SIZE;
	u32 len = READ_ONCE(hdr->len) & ZCRING_REC_LEN_MASK;

	/* The payload is visible before the header that releases it. */
	smp_store_release(&hdr->len, len | extra);
	if (!(extra & ZCRING_REC_DISCARD))
		trace_zcring_commit(ring->minor, (u8 *)hdr - ring->data, len);
	return len;
}

static void zcring_publish(struct zcring *ring, void *data, u32 extra)
{
	u32 len = zcring_release_rec(ring, data, extra);

	if (extra & ZCRING_REC_DISCARD) {
		this_cpu_inc(ring->counters->discarded_records);
	} else {
		this_cpu_inc(ring->counters->committed_records);
		this_cpu_add(ring->counters->committed_bytes, len);
	}
	zcring_wake_consumers(ring);
}

/*
 * Process context, after the consumer moved: let blocked producers retry.
 * Only when the consumer position moved since the last wake-up: no space
 * was freed otherwise, and a caller of ZCRING_IOC_WAKE_PRODUCERS must not
 * be able to keep waiters, pollers among them, from ever sleeping.
 */
void zcring_wake_producers(struct zcring *ring)
{
	u64 cons = READ_ONCE(ring->cons->consumer_pos);

	if (xchg(&ring->space_woken_pos, cons) == cons)
		return;
	/* The woken recheck, and those still short set the flag again. */
	WRITE_ONCE(ring->prod->wait_flags, 0);
	if (wq_has_sleeper(&ring->space_waitq))
		wake_up_all(&ring->space_waitq);
}

/*
 * Whether a record of @size bytes fits, for a producer that will wait if
 * not: the flag tells a consumer reading through the mapping to wake it.
 */
bool zcring_space_or_wait(struct zcring *ring, u32 size)
{
	if (zcring_has_space(ring, size))
		return true;
	WRITE_ONCE(ring->prod->wait_flags, ZCRING_WAIT_SPACE);
	/*
	 * The flag before the consumer position is read again; pairs with
	 * the consumer's full barrier between its position and the flag.
	 */
	smp_mb();
	return zcring_has_space(ring, size);
}

static bool zcring_can_produce(struct zcring *ring, u32 size)
{
	return zcring_is_closed(ring) || zcring_space_or_wait(ring, size);
}

/*
 * Wait for room for a record of @size bytes, or for the ring to close.
 * Besides the wake-ups of read() and ZCRING_IOC_WAKE_PRODUCERS, the wait
 * rechecks every few milliseconds: space also comes back when an older
 * record that was still being written is committed, which wakes nobody,
 * and from a consumer that does not honour ZCRING_WAIT_SPACE.  0, or
 * -ERESTARTSYS on a signal.
 */
int zcring_wait_space(struct zcring *ring, u32 size)
{
	long t = msecs_to_jiffies(5);

	t = wait_event_interruptible_timeout(ring->space_waitq,
					     zcring_can_produce(ring, size), t);
	return t < 0 ? t : 0;
}

static void zcring_sum_counters(struct zcring *ring,
				struct zcring_counters *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct zcring_counters *c = per_cpu_ptr(ring->counters, cpu);

		sum->committed_records += READ_ONCE(c->committed_records);
		sum->committed_bytes += READ_ONCE(c->committed_bytes);
		sum->discarded_records += READ_ONCE(c->discarded_records);
	}
}

/*
 * Stats.  The kernel does not see a consumer move through the mapping, so
 * consumed = committed - the committed records still between the consumer
 * and the producer, counted by walking their headers; exact whenever no
 * record is in flight.  A consumer position the kernel cannot trust
 * counts every committed record as consumed.
 */
void zcring_get_stats(struct zcring *ring, struct zcring_stats *st)
{
	/* Pairs with the release in __zcring_reserve_batch(). */
	u64 prod = smp_load_acquire(&ring->prod->producer_pos);
	u64 cons = READ_ONCE(ring->cons->consumer_pos);
	u64 pend_records = 0, pend_bytes = 0, pos, committed, bytes;
	struct zcring_counters sum;
	unsigned long irqflags;
	unsigned int steps = 0;

	zcring_sum_counters(ring, &sum);
	committed = sum.committed_records;
	bytes = sum.committed_bytes;

	if (zcring_cons_trusted(ring, cons, prod)) {
		for (pos = cons; pos != prod;) {
			u32 len = zcring_hdr_len(ring, pos);
			u64 rec = zcring_rec_size(len);

			/* Racing a consumer and producers: stop at nonsense. */
			if (!zcring_rec_sane(ring, len, pos, prod))
				break;
			if (!(len & (ZCRING_REC_BUSY | ZCRING_REC_DISCARD))) {
				pend_records++;
				pend_bytes += len;
			}
			pos += rec;
			if (!(++steps % 4096))
				cond_resched();
		}
	}

	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	raw_spin_lock_irqsave(&ring->lock, irqflags);
	st->dropped_records = ring->dropped_records;
	st->dropped_bytes = ring->dropped_bytes;
	raw_spin_unlock_irqrestore(&ring->lock, irqflags);
	st->consumed_records = committed - min(pend_records, committed);
	st->consumed_bytes = bytes - min(pend_bytes, bytes);
	st->produced_records = committed + st->dropped_records;
	st->produced_bytes = bytes + st->dropped_bytes;
	st->discarded_records = sum.discarded_records;
	st->wakeups = atomic64_read(&ring->wakeups);
	st->faults = atomic64_read(&ring->faults);
	st->producer_pos = prod;
	st->consumer_pos = cons;
}

/* The in-kernel producer API; contexts in <linux/zcring_api.h>. */

void *zcring_reserve(struct zcring *ring, u32 size)
{
	return __zcring_reserve(ring, size, true);
}
EXPORT_SYMBOL_GPL(zcring_reserve);

int zcring_reserve_batch(struct zcring *ring, u32 size, unsigned int n,
			 void **recs)
{
	return __zcring_reserve_batch(ring, size, n, recs, true);
}
EXPORT_SYMBOL_GPL(zcring_reserve_batch);

void zcring_commit(struct zcring *ring, void *data)
{
	zcring_publish(ring, data, 0);
}
EXPORT_SYMBOL_GPL(zcring_commit);

/* Commit @n records: one wake-up check and one count for all of them. */
void zcring_commit_batch(struct zcring *ring, void **recs, unsigned int n)
{
	u64 bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		bytes += zcring_release_rec(ring, recs[i], 0);
	this_cpu_add(ring->counters->committed_records, n);
	this_cpu_add(ring->counters->committed_bytes, bytes);
	zcring_wake_consumers(ring);
}
EXPORT_SYMBOL_GPL(zcring_commit_batch);

void zcring_discard(struct zcring *ring, void *data)
{
	zcring_publish(ring, data, ZCRING_REC_DISCARD);
}
EXPORT_SYMBOL_GPL(zcring_discard);

int zcring_output(struct zcring *ring, const void *data, u32 size)
{
	void *rec = zcring_reserve(ring, size);

	if (IS_ERR(rec))
		return PTR_ERR(rec);
	memcpy(rec, data, size);
	zcring_commit(ring, rec);
	return 0;
}
EXPORT_SYMBOL_GPL(zcring_output);
