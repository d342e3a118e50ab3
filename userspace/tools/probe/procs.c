// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The page faults by process and ring: the BPF map "fault_procs" read at
 * each report, and its differences, as rings.c does for the ring counters.
 *
 * The map only grows and its counters too, so each {process, ring} keeps
 * two points: its counters now, and at the end of the last interval (0
 * before its first fault).  The table holds as many as the map can, and
 * is kept sorted by key between reads so that a read finds each entry's
 * slot by bisection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "probe.h"

struct proc_slot {
	struct zcp_proc_key key;
	struct zcp_proc now;	/* last read */
	struct zcp_proc iv;	/* ... at the end of the last interval */
};

static struct proc_slot procs[ZCP_MAX_PROCS];
static unsigned int nr_procs;

static int key_cmp(const struct zcp_proc_key *a, const struct zcp_proc_key *b)
{
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->tgid != b->tgid)
		return a->tgid < b->tgid ? -1 : 1;
	return 0;
}

static int slot_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct proc_slot *)a)->key,
		       &((const struct proc_slot *)b)->key);
}

/*
 * The slot of @key: among the first @sorted by bisection, else among those
 * added by this read; a new one if there is room, else NULL.
 */
static struct proc_slot *slot_of(const struct zcp_proc_key *key,
				 unsigned int sorted)
{
	struct proc_slot probe = { .key = *key }, *s;
	unsigned int i;

	s = bsearch(&probe, procs, sorted, sizeof(procs[0]), slot_cmp);
	if (s)
		return s;
	for (i = sorted; i < nr_procs; i++)
		if (!key_cmp(&procs[i].key, key))
			return &procs[i];
	if (nr_procs == ZCP_MAX_PROCS)
		return NULL;
	s = &procs[nr_procs++];
	memset(s, 0, sizeof(*s));
	s->key = *key;
	return s;
}

int procs_read(int map_fd)
{
	unsigned int sorted = nr_procs;
	struct zcp_proc_key key, next;
	struct zcp_proc_key *prev = NULL;
	struct zcp_proc v;
	struct proc_slot *s;

	/* Entries are never deleted, so the walk cannot lose its place. */
	while (!bpf_map_get_next_key(map_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(map_fd, &key, &v))
			return -errno;
		s = slot_of(&key, sorted);
		if (s)
			s->now = v;
	}
	if (errno != ENOENT)
		return -errno;
	if (nr_procs != sorted)
		qsort(procs, nr_procs, sizeof(procs[0]), slot_cmp);
	return 0;
}

/* By ring, then most faults first, then by pid. */
static int row_cmp(const void *a, const void *b)
{
	const struct proc_figures *x = a, *y = b;

	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return 0;
}

void procs_report(struct report *rep, bool final)
{
	static const struct zcp_proc zero;
	struct proc_figures *row, *end;
	unsigned int i, r;

	rep->nr_procs = 0;
	for (i = 0; i < nr_procs; i++) {
		struct proc_slot *s = &procs[i];
		/* The final report is since the start: the map was empty. */
		const struct zcp_proc *base = final ? &zero : &s->iv;

		if (s->now.count != base->count) {
			row = &rep->procs[rep->nr_procs++];
			row->pid = s->key.tgid;
			row->minor = s->key.minor;
			/* The kernel ends comm with a NUL; not counted on. */
			snprintf(row->comm, sizeof(row->comm), "%.*s",
				 ZCP_COMM_LEN - 1, s->now.comm);
			row->count = s->now.count - base->count;
			row->first_touch = s->now.first_touch -
					   base->first_touch;
			row->ns = s->now.ns - base->ns;
		}
		if (!final)
			s->iv = s->now;
	}
	qsort(rep->procs, rep->nr_procs, sizeof(rep->procs[0]), row_cmp);

	/* Rings and rows are both in minor order: hand each ring its rows. */
	row = rep->procs;
	end = rep->procs + rep->nr_procs;
	for (r = 0; r < rep->nr_rings; r++) {
		struct figures *f = &rep->rings[r];

		while (row < end && row->minor < f->minor)
			row++;
		f->procs = row;
		f->nr_procs = 0;
		while (row < end && row->minor == f->minor) {
			row++;
			f->nr_procs++;
		}
	}
}
