// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The rings zcring-probe reports on, by device minor: their names (from
 * zcring_list(); the minors from their nodes), the BPF counters read last, and samples of their stats
 * (zcring_stats() through a handle that only inspects, and so maps and
 * faults in nothing that the probe would then count).
 *
 * Both sources are cumulative, so each ring keeps three points: the run's
 * start, the last interval's end, and now.  An interval is now minus the
 * last interval's end; the final report is now minus the start.  Nothing
 * is ever reset, so nothing counted between two reads is lost.
 *
 * A ring is reported when it was in sysfs at the start, or appeared there
 * later, or the probes counted anything on its minor.  A destroyed ring's
 * stats are read one last time when the probe notices (within a second),
 * and its minor may be reused: the figures of both rings then add up
 * under that minor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "probe.h"

#define NR_COUNTERS (sizeof(struct zcp_ring) / sizeof(__u64))
_Static_assert(sizeof(struct zcp_ring) % sizeof(__u64) == 0,
	       "struct zcp_ring holds only __u64 counters");

struct ring_slot {
	bool known;		/* reported */
	bool seen;		/* in sysfs at the last look */
	struct zcring *ring;	/* open to inspect, for the stats; or NULL */
	ino_t ino;		/* of that node: a ring made again is another */
	char name[ZCRING_NAME_MAX];
	struct zcp_ring now;	/* BPF counters, last read */
	struct zcp_ring iv;	/* ... at the end of the last interval */
	struct zcring_stats st_start, st_now, st_iv;
};

static struct ring_slot slots[ZCP_MAX_RINGS];
static unsigned int zc_major;
static int zc_only_minor = -1;

/* Whether @sb is a ring's node, with a minor the probe can report on. */
static bool ring_node(const struct stat *sb)
{
	return S_ISCHR(sb->st_mode) && major(sb->st_rdev) == zc_major &&
	       minor(sb->st_rdev) < ZCP_MAX_RINGS;
}

static void sample(struct ring_slot *s)
{
	struct zcring_stats st;

	if (!zcring_stats(s->ring, &st))
		s->st_now = st;
}

/*
 * The ring is gone (destroyed, or its minor taken by another): its last
 * stats, then let its pages go.
 */
static void ring_close(struct ring_slot *s)
{
	sample(s);
	zcring_close(s->ring);
	s->ring = NULL;
}

/* d = a - b, field by field (those of stat_fields); d may be a. */
static void sub_stats(struct zcring_stats *d, const struct zcring_stats *a,
		      const struct zcring_stats *b)
{
	size_t i;

	for (i = 0; i < nr_stat_fields; i++)
		*(__u64 *)((char *)d + stat_fields[i].offset) =
			stat_value(a, &stat_fields[i]) -
			stat_value(b, &stat_fields[i]);
}

/*
 * A ring found in sysfs, its node at @path as @node shows it; at_start:
 * its stats so far are not the run's.
 *
 * Its handle stays open (read-only) while the ring lives, so that the stats
 * of a ring destroyed during the run can still be read, through the open
 * file, once the probe notices: then it is closed.  devtmpfs makes a new
 * node for each ring, so a ring made again under the same name and minor
 * is told from the one before by its inode.
 */
static void ring_seen(const char *name, const char *path,
		      const struct stat *node, bool at_start)
{
	struct ring_slot *s = &slots[minor(node->st_rdev)];
	struct zcring_stats st;
	struct zcring *ring;
	struct stat sb;

	if (s->ring && node->st_ino == s->ino) {
		s->seen = true;
		sample(s);
		return;
	}
	/* Inspecting takes no consumer role: the ring's consumer runs on. */
	if (zcring_open(path, ZCRING_OPEN_INSPECT, &ring))
		return;
	/* The name may have moved to another ring since it was looked up. */
	if (fstat(zcring_fd(ring), &sb) || sb.st_rdev != node->st_rdev ||
	    !ring_node(&sb) || zcring_stats(ring, &st)) {
		zcring_close(ring);
		return;
	}
	if (s->ring)
		ring_close(s);
	if (at_start) {
		s->st_start = s->st_iv = st;
	} else {
		/*
		 * Made during the run: all its stats count, on top of those
		 * of the ring this minor had before (if any), whose last
		 * sample stays in: the starting points move back by it,
		 * modulo 2^64.
		 */
		sub_stats(&s->st_start, &s->st_start, &s->st_now);
		sub_stats(&s->st_iv, &s->st_iv, &s->st_now);
	}
	snprintf(s->name, sizeof(s->name), "%.*s", ZCRING_NAME_MAX - 1, name);
	s->ring = ring;
	s->ino = sb.st_ino;
	s->known = s->seen = true;
	s->st_now = st;
}

/* The rings now, by libzcring's list of them (the sysfs class). */
static void scan(bool at_start)
{
	static char names[ZCP_MAX_RINGS][ZCRING_NAME_MAX];
	char path[sizeof(ZCRING_DEV_DIR) + ZCRING_NAME_MAX + 1];
	struct stat sb;
	int i, n;

	for (i = 0; i < ZCP_MAX_RINGS; i++)
		slots[i].seen = false;
	/* How many rings there are, which may be more than it lists. */
	n = zcring_list(names, ZCP_MAX_RINGS);
	for (i = 0; i < n && i < ZCP_MAX_RINGS; i++) {
		/* The minor, from the node, which also tells a ring made again. */
		snprintf(path, sizeof(path), "%s/%.*s", ZCRING_DEV_DIR,
			 ZCRING_NAME_MAX - 1, names[i]);
		if (stat(path, &sb) || !ring_node(&sb) ||
		    (zc_only_minor >= 0 &&
		     minor(sb.st_rdev) != (unsigned int)zc_only_minor))
			continue;
		ring_seen(names[i], path, &sb, at_start);
	}
	for (i = 0; i < ZCP_MAX_RINGS; i++)
		if (slots[i].ring && !slots[i].seen)
			ring_close(&slots[i]);
}

void rings_init(unsigned int major, int only_minor)
{
	zc_major = major;
	zc_only_minor = only_minor;
	scan(true);
}

void rings_refresh(void)
{
	scan(false);
}

static bool any_counted(const struct zcp_ring *r)
{
	const __u64 *v = (const __u64 *)r;
	size_t i;

	for (i = 0; i < NR_COUNTERS; i++)
		if (v[i])
			return true;
	return false;
}

int rings_read_counters(int map_fd)
{
	struct zcp_ring r;
	__u32 minor;
	int err;

	for (minor = 0; minor < ZCP_MAX_RINGS; minor++) {
		if (zc_only_minor >= 0 && minor != (unsigned int)zc_only_minor)
			continue;
		err = bpf_map_lookup_elem(map_fd, &minor, &r);
		if (err)
			return -errno;
		slots[minor].now = r;
		if (!slots[minor].known && any_counted(&r))
			slots[minor].known = true;
	}
	return 0;
}

static void sub_counters(struct zcp_ring *d, const struct zcp_ring *a,
			 const struct zcp_ring *b)
{
	const __u64 *va = (const __u64 *)a, *vb = (const __u64 *)b;
	__u64 *vd = (__u64 *)d;
	size_t i;

	for (i = 0; i < NR_COUNTERS; i++)
		vd[i] = va[i] - vb[i];
}

static void add_counters(struct zcp_ring *sum, const struct zcp_ring *r)
{
	const __u64 *vr = (const __u64 *)r;
	__u64 *vs = (__u64 *)sum;
	size_t i;

	for (i = 0; i < NR_COUNTERS; i++)
		vs[i] += vr[i];
}

static __u64 sub_floor(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

void rings_report(struct report *rep, bool final)
{
	struct figures *tot = &rep->total;
	unsigned int minor;

	rep->final = final;
	rep->nr_rings = 0;
	memset(tot, 0, sizeof(*tot));
	for (minor = 0; minor < ZCP_MAX_RINGS; minor++) {
		struct ring_slot *s = &slots[minor];
		struct figures *f;

		if (!s->known)
			continue;
		f = &rep->rings[rep->nr_rings++];
		memset(f, 0, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "%s", s->name);
		f->minor = minor;
		if (final) {
			f->d = s->now;	/* the counters started at zero */
			sub_stats(&f->st, &s->st_now, &s->st_start);
		} else {
			sub_counters(&f->d, &s->now, &s->iv);
			sub_stats(&f->st, &s->st_now, &s->st_iv);
			s->iv = s->now;
			s->st_iv = s->st_now;
		}
		/*
		 * What consumers took minus what read() copied out is what
		 * went through the mapping.  Under --pid the copies are that
		 * process's only, and the rest counts as zero-copy.
		 */
		f->zc_records = sub_floor(f->st.consumed_records,
					  f->d.copy_calls[ZCP_TO_USER]);
		f->zc_bytes = sub_floor(f->st.consumed_bytes,
					f->d.copy_bytes[ZCP_TO_USER]);
		f->commit_records = sub_floor(f->st.produced_records,
					      f->st.dropped_records);
		f->commit_bytes = sub_floor(f->st.produced_bytes,
					    f->st.dropped_bytes);
		f->drop_records = f->st.dropped_records;
		f->drop_bytes = f->st.dropped_bytes;
		add_counters(&tot->d, &f->d);
		tot->zc_records += f->zc_records;
		tot->zc_bytes += f->zc_bytes;
		tot->commit_records += f->commit_records;
		tot->commit_bytes += f->commit_bytes;
		tot->drop_records += f->drop_records;
		tot->drop_bytes += f->drop_bytes;
	}
}
