// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * --json: one report per line, one JSON object each, so that a reader can
 * take them as they come.  The schema is docs/probe.md's; keys are never
 * left out when zero, so that a reader needs no defaults.
 */
#include <inttypes.h>

#include "probe.h"

/*
 * A ring or process name as a JSON string.  Names are bytes, not text: a
 * byte outside printable ASCII is written as \u00XX, one escape per byte,
 * so that the line is always valid JSON.
 */
static void json_string(FILE *out, const char *s)
{
	const unsigned char *p;

	fputc('"', out);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void copy_json(FILE *out, const char *key, const struct zcp_ring *d,
		      int dir)
{
	fprintf(out, "\"%s\":{\"calls\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"copy_ns\":%" PRIu64 ",\"syscalls\":%" PRIu64
		",\"syscall_ns\":%" PRIu64 ",\"ns_per_kib\":%.3f,\"copy_hist_ns\":",
		key, (uint64_t)d->copy_calls[dir], (uint64_t)d->copy_bytes[dir],
		(uint64_t)d->copy_ns[dir], (uint64_t)d->syscalls[dir],
		(uint64_t)d->syscall_ns[dir],
		ns_per_kib(d->copy_ns[dir], d->copy_bytes[dir]));
	hist_json(out, d->hist_copy[dir]);
	fputs(",\"syscall_hist_ns\":", out);
	hist_json(out, d->hist_syscall[dir]);
	fputc('}', out);
}

/*
 * A ring's faults by process: all those with faults in the period, most
 * first, and the faults of the processes the map had no room for.
 */
static void by_process_json(FILE *out, const struct figures *f)
{
	unsigned int i;

	fprintf(out, ",\"other_processes\":%" PRIu64 ",\"by_process\":[",
		(uint64_t)f->d.faults_other_procs);
	for (i = 0; i < f->nr_procs; i++) {
		const struct proc_figures *p = &f->procs[i];

		fprintf(out, "%s{\"pid\":%u,\"comm\":", i ? "," : "", p->pid);
		json_string(out, p->comm);
		fprintf(out, ",\"count\":%" PRIu64 ",\"first_touch\":%" PRIu64
			",\"ns\":%" PRIu64 "}", (uint64_t)p->count,
			(uint64_t)p->first_touch, (uint64_t)p->ns);
	}
	fputc(']', out);
}

/* The keys a ring and the total share; a ring's faults by process too. */
static void figures_json(FILE *out, const struct figures *f, bool ring)
{
	const struct zcp_ring *d = &f->d;

	fprintf(out, "\"faults\":{\"count\":%" PRIu64 ",\"first_touch\":%" PRIu64
		",\"other\":%" PRIu64 ",\"read\":%" PRIu64 ",\"write\":%" PRIu64
		",\"consumer_page\":%" PRIu64 ",\"producer_page\":%" PRIu64
		",\"data\":%" PRIu64 ",\"ns\":%" PRIu64 ",\"hist_ns\":",
		(uint64_t)d->faults, (uint64_t)d->faults_first_touch,
		(uint64_t)(d->faults - d->faults_first_touch),
		(uint64_t)d->faults_read, (uint64_t)d->faults_write,
		(uint64_t)d->faults_consumer_page,
		(uint64_t)d->faults_producer_page, (uint64_t)d->faults_data,
		(uint64_t)d->fault_ns);
	hist_json(out, d->hist_fault);
	if (ring)
		by_process_json(out, f);
	fputs("},", out);
	copy_json(out, "copy_to_user", d, ZCP_TO_USER);
	fputc(',', out);
	copy_json(out, "copy_from_user", d, ZCP_FROM_USER);
	fprintf(out, ",\"zero_copy\":{\"records\":%" PRIu64 ",\"bytes\":%" PRIu64
		",\"fault_ns\":%" PRIu64 ",\"ns_per_kib\":%.3f}",
		(uint64_t)f->zc_records, (uint64_t)f->zc_bytes,
		(uint64_t)d->fault_ns, ns_per_kib(d->fault_ns, f->zc_bytes));
	fprintf(out, ",\"commits\":{\"records\":%" PRIu64 ",\"bytes\":%" PRIu64
		"},\"drops\":{\"records\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
		(uint64_t)f->commit_records, (uint64_t)f->commit_bytes,
		(uint64_t)f->drop_records, (uint64_t)f->drop_bytes);
	fprintf(out, ",\"wakeups\":{\"count\":%" PRIu64 ",\"timed\":%" PRIu64
		",\"hist_ns\":", (uint64_t)d->wakeups,
		(uint64_t)d->wakeups_timed);
	hist_json(out, d->hist_wakeup);
	fputc('}', out);
}

static void stats_json(FILE *out, const struct zcring_stats *st)
{
	size_t i;

	fputs("\"stats\":{", out);
	for (i = 0; i < nr_stat_fields; i++)
		fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "",
			stat_fields[i].name,
			(uint64_t)stat_value(st, &stat_fields[i]));
	fputc('}', out);
}

void report_json(FILE *out, const struct report *rep)
{
	unsigned int i;

	fprintf(out, "{\"type\":\"%s\",\"final\":%s,\"time_ns\":%" PRIu64
		",\"interval_ns\":%" PRIu64 ",\"rings\":[",
		rep->final ? "final" : "interval",
		rep->final ? "true" : "false", (uint64_t)rep->time_ns,
		(uint64_t)rep->interval_ns);
	for (i = 0; i < rep->nr_rings; i++) {
		const struct figures *f = &rep->rings[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", out);
		json_string(out, f->name);
		fprintf(out, ",\"minor\":%u,", f->minor);
		figures_json(out, f, true);
		fputc(',', out);
		stats_json(out, &f->st);
		fputc('}', out);
	}
	fputs("],\"total\":{", out);
	figures_json(out, &rep->total, false);
	fputs("}}\n", out);
}
