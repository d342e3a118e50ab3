// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * zcring-probe: what zcring rings cost, measured with BPF.
 *
 *	zcring-probe [--ring NAME] [--pid PID] [--interval S] [--duration S]
 *		     [--json] [--verbose]
 *
 * Loads zcring_probe.bpf.c (a skeleton, CO-RE), attaches it, then reports
 * page faults on ring mappings, the copies of read() and write(), and
 * wake-ups, per ring and in total: every --interval, and for the whole run
 * when stopped (SIGINT, SIGTERM or --duration).  docs/probe.md explains the
 * figures.  Errors are one line on stderr; the exit status is 0, 1 (it
 * failed) or 2 (it was used wrongly), as for the zcring tool.
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cli.h"
#include "probe.h"
#include "zcring_probe.skel.h"

#define NSEC_PER_SEC 1000000000ULL
/* How often sysfs and the stats are looked at between reports. */
#define SCAN_NS NSEC_PER_SEC
#define BTF_PATH "/sys/kernel/btf/vmlinux"
#define MODULE_PATH "/sys/module/zcring"

static const char usage_text[] =
	"usage: zcring-probe [--ring NAME] [--pid PID] [--interval S] [--duration S]\n"
	"                    [--json] [--verbose]\n"
	"\n"
	"Measure what zcring rings cost, per ring and in total: page faults on\n"
	"their mappings (count, kind, latency, by process), the copies of read()\n"
	"and write() (bytes, time in the copy and in the call), the records\n"
	"consumed through the mapping without a copy, and wake-ups (count,\n"
	"commit-to-consumer latency).  Runs until SIGINT (Ctrl-C) or SIGTERM, or\n"
	"for --duration, then prints the figures of the whole run.\n"
	"\n"
	"  -r, --ring NAME     only the ring /dev/zcring/NAME\n"
	"  -p, --pid PID       only the faults, copies and read()/write() of PID\n"
	"  -i, --interval S    also print the figures of every S seconds\n"
	"  -d, --duration S    stop after S seconds\n"
	"  -j, --json          one JSON object per report and line (docs/probe.md)\n"
	"  -v, --verbose       show libbpf's messages\n"
	"  -h, --help          print this message\n"
	"\n"
	"Needs root (CAP_BPF and CAP_PERFMON), the kernel's BTF (" BTF_PATH ")\n"
	"and the zcring module.  Prints \"zcring-probe: attached\" on stderr once\n"
	"the probes are in place.\n";

struct options {
	const char *ring;
	unsigned long long pid;
	unsigned long long interval_s;
	unsigned long long duration_s;
	bool json;
	bool verbose;
};

static bool verbose;
static volatile sig_atomic_t stop;
static struct report report;	/* large: one entry per possible ring */

/* zcring-probe is one command: its messages say "zcring-probe: ...". */
static const struct command probe_cmd = { .usage = usage_text };

static const struct option longopts[] = {
	{ "ring", required_argument, NULL, 'r' },
	{ "pid", required_argument, NULL, 'p' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Whole seconds, 1 to 2^32 - 1: in ns they stay within 64 bits. */
static int parse_seconds(const char *opt, const char *arg,
			 unsigned long long *val)
{
	int err = parse_u64(arg, val);

	if (err || !*val || *val > UINT32_MAX)
		return usage_error(&probe_cmd,
				   "invalid --%s '%s': whole seconds, 1 or more",
				   opt, arg);
	return 0;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int c, status = -1;

	while ((c = next_option(&probe_cmd, argc, argv, ":r:p:i:d:jvh",
				longopts, &status)) != -1) {
		switch (c) {
		case 'r':
			if (!*optarg || strchr(optarg, '/') ||
			    strlen(optarg) >= ZCRING_NAME_MAX)
				return usage_error(&probe_cmd,
						   "invalid ring name '%s'",
						   optarg);
			o->ring = optarg;
			break;
		case 'p':
			if (parse_u64(optarg, &o->pid) || !o->pid ||
			    o->pid > INT_MAX)
				return usage_error(&probe_cmd,
						   "invalid --pid '%s'",
						   optarg);
			break;
		case 'i':
			if (parse_seconds("interval", optarg, &o->interval_s))
				return EXIT_USAGE;
			break;
		case 'd':
			if (parse_seconds("duration", optarg, &o->duration_s))
				return EXIT_USAGE;
			break;
		case 'j':
			o->json = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		default:
			return status;
		}
	}
	if (!positional(&probe_cmd, argc, argv, 0, "", &status))
		return status;
	return -1;
}

__attribute__((format(printf, 2, 0)))
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return verbose ? vfprintf(stderr, fmt, ap) : 0;
}

/* The module's character device major, from /proc/devices; 0 if absent. */
static unsigned int zcring_major(void)
{
	unsigned int major = 0, m;
	char line[128], name[64];
	bool chr = false;
	FILE *f;

	f = fopen("/proc/devices", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Character devices:", 18))
			chr = true;
		else if (!strncmp(line, "Block devices:", 14))
			chr = false;
		else if (chr && sscanf(line, "%u %63s", &m, name) == 2 &&
			 !strcmp(name, "zcring"))
			major = m;
	}
	fclose(f);
	return major;
}

/* The minor of ring NAME, or an exit status (> 0 after reporting). */
static int ring_minor(const char *name, unsigned int major, unsigned int *minor)
{
	char path[sizeof(ZCRING_DEV_DIR) + ZCRING_NAME_MAX + 1];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", ZCRING_DEV_DIR, name);
	if (stat(path, &sb))
		return fail(&probe_cmd, errno, "no ring '%s' (%s)", name, path);
	if (!S_ISCHR(sb.st_mode) || major(sb.st_rdev) != major ||
	    minor(sb.st_rdev) >= ZCP_MAX_RINGS)
		return fail(&probe_cmd, 0, "'%s' is not a ring (%s)", name,
			    path);
	*minor = minor(sb.st_rdev);
	return 0;
}

/*
 * Attach every program, one at a time, so that a failure names the
 * program and its attach point.  The links land in the skeleton, which
 * destroys them.
 */
static int attach(struct zcring_probe_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	int i, err;

	for (i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		const char *sec = bpf_program__section_name(prog);
		struct bpf_link *link = bpf_program__attach(prog);

		if (!link) {
			err = errno;
			return fail(&probe_cmd, 0, "attaching %s (%s): %s%s",
				    s->progs[i].name, sec, strerror(err),
				    err == ENOENT && !strncmp(sec, "raw_tp/", 7) ?
					    " (a zcring module without this tracepoint?)" :
					    "");
		}
		*s->progs[i].link = link;
	}
	return 0;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Take and print one report; final covers the run, else the interval. */
static int emit(const struct zcring_probe_bpf *skel, const struct options *o,
		bool final, __u64 now, __u64 since)
{
	int err;

	/*
	 * Faults by process, counters, then stats: the stats' baseline was
	 * taken just after the probes were attached, so both windows are
	 * shifted alike; and a process counted is in its ring's counters.
	 */
	err = procs_read(bpf_map__fd(skel->maps.fault_procs));
	if (err)
		return fail(&probe_cmd, err, "reading the faults by process");
	err = rings_read_counters(bpf_map__fd(skel->maps.rings));
	if (err)
		return fail(&probe_cmd, err, "reading the BPF counters");
	rings_refresh();
	rings_report(&report, final);
	procs_report(&report, final);
	report.time_ns = now;
	report.interval_ns = now - since;
	if (o->json)
		report_json(stdout, &report);
	else
		report_print(stdout, &report);
	/* Whoever reads the lines wants them as they come. */
	fflush(stdout);
	return 0;
}

static __u64 min3(__u64 a, __u64 b, __u64 c)
{
	__u64 m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Report every interval until stopped, then the whole run.  Signals are
 * blocked but inside ppoll(), so a signal is never missed between the
 * check of stop and the wait.
 */
static int run(struct zcring_probe_bpf *skel, const struct options *o,
	       const sigset_t *waitmask)
{
	__u64 start = now_ns(), last = start, now = start;
	__u64 interval = o->interval_s * NSEC_PER_SEC;
	__u64 end = o->duration_s ? start + o->duration_s * NSEC_PER_SEC :
				    UINT64_MAX;
	__u64 next_report = interval ? start + interval : UINT64_MAX;
	__u64 next_scan = start + SCAN_NS;
	struct timespec ts;
	__u64 wait;
	int err;

	for (;;) {
		now = now_ns();
		if (stop || now >= end)
			break;
		if (now >= next_report) {
			err = emit(skel, o, false, now, last);
			if (err)
				return err;
			last = now;
			next_report += interval;
			if (next_report <= now)
				next_report = now + interval;
			next_scan = now + SCAN_NS;
		} else if (now >= next_scan) {
			/* Names and stats of rings that may not last. */
			rings_refresh();
			next_scan = now + SCAN_NS;
		}
		wait = min3(next_report, next_scan, end) - now;
		ts.tv_sec = wait / NSEC_PER_SEC;
		ts.tv_nsec = wait % NSEC_PER_SEC;
		ppoll(NULL, 0, &ts, waitmask);
	}
	return emit(skel, o, true, now, start);
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct zcring_probe_bpf *skel;
	unsigned int major, minor = 0;
	struct sigaction sa = { 0 };
	sigset_t block, waitmask;
	char path[32];
	int ret, err;

	cli_prog = "zcring-probe";
	ret = parse_options(argc, argv, &o);
	if (ret >= 0)
		return ret;
	verbose = o.verbose;

	if (geteuid() != 0)
		return fail(&probe_cmd, 0,
			    "must run as root (needs CAP_BPF and CAP_PERFMON)");
	if (access(BTF_PATH, R_OK))
		return fail(&probe_cmd, 0,
			    "no kernel BTF (%s: %s): the kernel needs CONFIG_DEBUG_INFO_BTF=y",
			    BTF_PATH, strerror(errno));
	if (access(MODULE_PATH, F_OK))
		return fail(&probe_cmd, 0,
			    "the zcring module is not loaded (no %s)",
			    MODULE_PATH);
	major = zcring_major();
	if (!major)
		return fail(&probe_cmd, 0,
			    "no zcring character device in /proc/devices");
	if (o.ring) {
		ret = ring_minor(o.ring, major, &minor);
		if (ret)
			return ret;
	}
	if (o.pid) {
		snprintf(path, sizeof(path), "/proc/%llu", o.pid);
		if (access(path, F_OK))
			return fail(&probe_cmd, 0, "no process %llu", o.pid);
	}

	/* Until the wait in run(), a signal waits too: the probes come off. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	libbpf_set_print(libbpf_print);
	skel = zcring_probe_bpf__open();
	if (!skel)
		return fail(&probe_cmd, errno, "opening the BPF object");
	skel->rodata->zcring_major = major;
	skel->rodata->filter_tgid = (__u32)o.pid;
	skel->rodata->filter_ring = o.ring != NULL;
	skel->rodata->ring_minor = minor;
	err = zcring_probe_bpf__load(skel);
	if (err) {
		ret = fail(&probe_cmd, 0, "loading the BPF programs: %s%s",
			   strerror(-err),
			   verbose ? "" : " (--verbose shows why)");
		goto out;
	}
	ret = attach(skel);
	if (ret)
		goto out;
	/* The stats from here on are the run's, as the counters are. */
	rings_init(major, o.ring ? (int)minor : -1);
	fputs("zcring-probe: attached\n", stderr);

	ret = run(skel, &o, &waitmask);
	if (!ret && (fflush(stdout) || ferror(stdout)))
		ret = fail(&probe_cmd, errno, "writing the report");
out:
	zcring_probe_bpf__destroy(skel);
	return ret;
}
