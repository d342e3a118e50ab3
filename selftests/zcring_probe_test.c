// SPDX-License-Identifier: GPL-2.0
/*
 * zcring-probe against loads whose costs are known exactly: P pages
 * touched in a lazy ring are P faults, a populated ring takes none, read()
 * and write() of B bytes copy B bytes; its JSON parses (with Python's
 * parser) and agrees with the stats ioctl; and it attaches and detaches
 * under load, leaving no BPF program or link behind.
 *
 * ZCRING_PROBE names the zcring-probe binary.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <linux/bpf.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include "zcring_util.h"

#include "kselftest_harness.h"

#define RING_PAGES 16

/* A running probe: its pid and where its JSON goes. */
struct probe {
	pid_t pid;
	char out[64];
};

/*
 * Start zcring-probe --json with @args (NULL-terminated) and wait for it
 * to say it is attached.  0, or -1 with a message.
 */
static int probe_start(struct __test_metadata *_metadata, struct probe *p,
		       const char *const *args)
{
	const char *bin = getenv("ZCRING_PROBE");
	const char *argv[16] = { "zcring-probe", "--json" };
	char line[256];
	int i = 2, errp[2], fd;
	FILE *err;

	snprintf(p->out, sizeof(p->out), "/tmp/probe-%d.json", getpid());
	while (*args && i < 15)
		argv[i++] = *args++;
	argv[i] = NULL;
	if (pipe(errp))
		return -1;
	p->pid = fork();
	if (p->pid < 0)
		return -1;
	if (!p->pid) {
		fd = open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		close(errp[0]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(errp[1]);
	err = fdopen(errp[0], "r");
	while (fgets(line, sizeof(line), err)) {
		if (!strcmp(line, "zcring-probe: attached\n")) {
			/* Its later messages, if any, go nowhere. */
			fclose(err);
			return 0;
		}
		TH_LOG("probe: %s", line);
	}
	fclose(err);
	return -1;
}

/* Interrupt the probe as Ctrl-C would; its exit status. */
static int probe_stop(struct probe *p)
{
	int status;

	kill(p->pid, SIGINT);
	if (waitpid(p->pid, &status, 0) != p->pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The final JSON object's figures for one ring, flattened. */
struct figures {
	char names[96][48];
	long long values[96];
	int n;
};

/*
 * Parse the probe's output with Python's json module: every line must be
 * a JSON object, the last one the final summary; flatten the ring named
 * @ring in it to "dotted.path value" lines (numbers only).  A list of
 * processes is flattened by pid ("faults.by_process.PID.count"); other
 * lists (the histograms) are left out.
 */
static int parse_final(struct __test_metadata *_metadata, const char *out,
		       const char *ring, struct figures *f)
{
	static const char script[] =
		"import json, sys\n"
		"objs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]\n"
		"final = objs[-1]\n"
		"assert final['type'] == 'final' and final['final'] is True\n"
		"assert all(o['type'] == 'interval' for o in objs[:-1])\n"
		"ring = [r for r in final['rings'] if r['name'] == sys.argv[2]]\n"
		"assert len(ring) == 1, 'ring not in the summary'\n"
		"def walk(prefix, v):\n"
		"    if isinstance(v, dict):\n"
		"        for k, x in v.items():\n"
		"            walk(prefix + '.' + k if prefix else k, x)\n"
		"    elif isinstance(v, list):\n"
		"        for x in v:\n"
		"            if isinstance(x, dict) and 'pid' in x:\n"
		"                walk(prefix + '.' + str(x['pid']), x)\n"
		"    elif isinstance(v, (int, float)) and not isinstance(v, bool):\n"
		"        print(prefix, int(v))\n"
		"walk('', ring[0])\n";
	char cmd[512], name[48];
	long long v;
	FILE *py;
	int rc;

	snprintf(cmd, sizeof(cmd), "python3 -c \"$ZC_PY\" '%s' '%s'", out, ring);
	setenv("ZC_PY", script, 1);
	py = popen(cmd, "r");
	if (!py)
		return -1;
	f->n = 0;
	while (f->n < 96 && fscanf(py, "%47s %lld", name, &v) == 2) {
		strcpy(f->names[f->n], name);
		f->values[f->n++] = v;
	}
	rc = pclose(py);
	if (rc)
		TH_LOG("python3 could not parse %s (status %d)", out, rc);
	return rc ? -1 : 0;
}

static long long fig(struct __test_metadata *_metadata,
		     const struct figures *f, const char *name)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->names[i], name))
			return f->values[i];
	TH_LOG("no figure %s in the summary", name);
	return -1;
}

FIXTURE(probe)
{
	char name[32], name2[40];
	char pid[16];
	struct probe p;
	struct figures f, f2;
	size_t size;
};

FIXTURE_SETUP(probe)
{
	if (!getenv("ZCRING_PROBE"))
		SKIP(return, "ZCRING_PROBE is not set");
	snprintf(self->name, sizeof(self->name), "probe-%d", getpid());
	snprintf(self->name2, sizeof(self->name2), "%s-b", self->name);
	snprintf(self->pid, sizeof(self->pid), "%d", getpid());
	self->size = RING_PAGES * PAGE;
	self->p.pid = 0;
}

FIXTURE_TEARDOWN(probe)
{
	if (self->p.pid > 0) {
		kill(self->p.pid, SIGKILL);
		waitpid(self->p.pid, NULL, 0);
		unlink(self->p.out);
	}
	zc_destroy(self->name);
	zc_destroy(self->name2);
}

/* Start the probe on this ring and this process. */
#define START(self)                                                         \
	do {                                                                \
		const char *args[] = { "--ring", self->name, "--pid",      \
				       self->pid, NULL };                   \
		ASSERT_EQ(0, probe_start(_metadata, &self->p, args));       \
	} while (0)

#define STOP_AND_PARSE(self)                                                \
	do {                                                                \
		ASSERT_EQ(0, probe_stop(&self->p));                         \
		self->p.pid = 0;                                            \
		ASSERT_EQ(0, parse_final(_metadata, self->p.out,            \
					 self->name, &self->f));            \
		unlink(self->p.out);                                        \
	} while (0)

/*
 * Lazy: P pages touched, P faults, all first touches of data pages, and
 * all this process's.
 */
TEST_F(probe, lazy_ring_faults_once_per_page_touched)
{
	const unsigned int touched = 10;
	struct zcring_stats st;
	char by_me[64];
	volatile uint8_t sum = 0;
	struct zc_map m;
	unsigned int i;

	ASSERT_EQ(0, zc_create(self->name, self->size, 0, 0));
	START(self);
	ASSERT_EQ(0, zc_map(&m, self->name, self->size));
	for (i = 0; i < touched; i++)
		sum += m.data[i * PAGE];
	ASSERT_EQ(0, zc_stats(m.fd, &st));
	zc_unmap(&m);
	STOP_AND_PARSE(self);

	EXPECT_EQ(touched, st.faults);
	EXPECT_EQ(touched, fig(_metadata, &self->f, "faults.count"));
	EXPECT_EQ(touched, fig(_metadata, &self->f, "faults.first_touch"));
	EXPECT_EQ(touched, fig(_metadata, &self->f, "faults.data"));
	EXPECT_EQ(0, fig(_metadata, &self->f, "faults.other"));
	EXPECT_EQ(touched, fig(_metadata, &self->f, "stats.faults"));
	EXPECT_LT(0, fig(_metadata, &self->f, "faults.ns"));
	snprintf(by_me, sizeof(by_me), "faults.by_process.%d.count", getpid());
	EXPECT_EQ(touched, fig(_metadata, &self->f, by_me));
	(void)sum;
}

/* Populated at mmap: touching every page takes no fault at all. */
TEST_F(probe, populated_ring_takes_no_fault)
{
	volatile uint8_t sum = 0;
	struct zc_map m;
	size_t i;

	ASSERT_EQ(0, zc_create(self->name, self->size, ZCRING_F_POPULATE, 0));
	START(self);
	ASSERT_EQ(0, zc_map(&m, self->name, self->size));
	sum += m.prod->data_size;
	sum += m.cons->consumer_pos;
	for (i = 0; i < 2 * self->size; i += PAGE)
		sum += m.data[i];
	zc_unmap(&m);
	STOP_AND_PARSE(self);

	EXPECT_EQ(0, fig(_metadata, &self->f, "faults.count"));
	EXPECT_EQ(0, fig(_metadata, &self->f, "stats.faults"));
	(void)sum;
}

/* write() of B bytes copies B from the user; read() copies them back. */
TEST_F(probe, copies_counted_to_the_byte)
{
	uint8_t buf[4096];
	uint64_t in = 0, out = 0;
	unsigned int i, len;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, zc_create(self->name, self->size, 0, 0));
	fd = zc_open(self->name, O_RDWR | O_NONBLOCK);
	ASSERT_LE(0, fd);
	memset(buf, 0x5a, sizeof(buf));
	START(self);
	for (i = 0; i < 100; i++) {
		len = 1 + (i * 37) % 600;
		ASSERT_EQ(len, write(fd, buf, len));
		in += len;
		if (i % 2)
			continue;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			out += n;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		out += n;
	close(fd);
	STOP_AND_PARSE(self);

	EXPECT_EQ(in, out);
	EXPECT_EQ(100, fig(_metadata, &self->f, "copy_from_user.calls"));
	EXPECT_EQ(in, fig(_metadata, &self->f, "copy_from_user.bytes"));
	EXPECT_EQ(100, fig(_metadata, &self->f, "copy_to_user.calls"));
	EXPECT_EQ(out, fig(_metadata, &self->f, "copy_to_user.bytes"));
	EXPECT_EQ(0, fig(_metadata, &self->f, "zero_copy.bytes"));
	EXPECT_LT(0, fig(_metadata, &self->f, "copy_to_user.copy_ns"));
	EXPECT_LE(fig(_metadata, &self->f, "copy_to_user.copy_ns"),
		  fig(_metadata, &self->f, "copy_to_user.syscall_ns"));
}

/*
 * Pass the committed records from *pos up to @prod, in place, and hand
 * them back; returns how many.  It stops at a record still being written.
 */
static uint64_t pass_records(struct zc_map *m, uint64_t *pos, uint64_t prod)
{
	uint64_t n = 0;

	while (*pos != prod) {
		const struct zcring_rec_hdr *hdr =
			(const void *)(m->data + (*pos & (m->size - 1)));
		uint32_t len = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE);

		if (len & ZCRING_REC_BUSY)
			break;
		*pos += ZCRING_REC_SIZE(len & ZCRING_REC_LEN_MASK);
		n++;
	}
	zc_set_cons_pos(m, *pos);
	return n;
}

struct gen_consumer {
	const char *name;
	uint64_t records;
	int err;
};

/* Consume through the mapping, waiting in poll(), until the ring closes. */
static void *map_consumer(void *arg)
{
	struct gen_consumer *c = arg;
	struct pollfd pfd = { .events = POLLIN };
	struct zc_map m;
	uint64_t pos = 0, prod;

	c->err = zc_map(&m, c->name, RING_PAGES * PAGE);
	if (c->err)
		return NULL;
	pfd.fd = m.fd;
	for (;;) {
		prod = zc_prod_pos(&m);
		c->records += pass_records(&m, &pos, prod);
		if (m.prod->state & ZCRING_STATE_CLOSED && pos == prod)
			break;
		if (poll(&pfd, 1, 5000) < 0) {
			c->err = -errno;
			break;
		}
	}
	zc_unmap(&m);
	return NULL;
}

/*
 * A generator against a consumer reading in place: the probe's own
 * counts (commits, wake-ups, faults) agree with the stats ioctl's, as its
 * JSON reports them and as this process reads them itself.
 */
TEST_F(probe, json_agrees_with_the_stats_ioctl)
{
	struct gen_consumer c = { .name = self->name };
	struct zc_gen_job g = { .count = 20000, .size = 64 };
	struct zcring_stats st;
	pthread_t t;

	ASSERT_EQ(0, zc_create(self->name, self->size, 0, 0));
	g.fd = zc_open(self->name, O_RDWR);
	ASSERT_LE(0, g.fd);
	START(self);
	ASSERT_EQ(0, pthread_create(&t, NULL, map_consumer, &c));
	zc_gen_thread(&g);
	ASSERT_EQ(0, g.ret);
	ASSERT_EQ(0, zc_stats(g.fd, &st));
	ASSERT_EQ(0, zc_destroy(self->name));
	pthread_join(t, NULL);
	ASSERT_EQ(0, c.err);
	ASSERT_EQ(0, zc_stats(g.fd, &st));
	close(g.fd);
	STOP_AND_PARSE(self);

	EXPECT_EQ(g.count, c.records);
	EXPECT_EQ(g.count, fig(_metadata, &self->f, "commits.records"));
	EXPECT_EQ(g.count * g.size, fig(_metadata, &self->f, "commits.bytes"));
	EXPECT_EQ(st.produced_records,
		  fig(_metadata, &self->f, "stats.produced_records"));
	EXPECT_EQ(st.consumed_bytes,
		  fig(_metadata, &self->f, "stats.consumed_bytes"));
	EXPECT_EQ(st.wakeups, fig(_metadata, &self->f, "stats.wakeups"));
	EXPECT_EQ(st.wakeups, fig(_metadata, &self->f, "wakeups.count"));
	EXPECT_EQ(st.faults, fig(_metadata, &self->f, "faults.count"));
	EXPECT_EQ(st.faults, fig(_metadata, &self->f, "stats.faults"));
	EXPECT_EQ(st.consumed_bytes,
		  fig(_metadata, &self->f, "zero_copy.bytes"));
	EXPECT_EQ(0, fig(_metadata, &self->f, "copy_to_user.bytes"));
}

/* The ids of the BPF programs and links loaded now, counted. */
static int count_bpf(int cmd)
{
	union bpf_attr attr;
	int n = 0;

	memset(&attr, 0, sizeof(attr));
	while (!syscall(__NR_bpf, cmd, &attr, sizeof(attr))) {
		attr.start_id = attr.next_id;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

struct load {
	int fd;
	const char *name;
	volatile bool stop, stop_gen;
	uint64_t records;
	int err;
};

/*
 * Load threads run at the lowest priority: running whenever the probe
 * attaches, without starving the probe of the CPUs it attaches with (the
 * debug kernel on one emulated core has little to spare).
 */
static void background(void)
{
	setpriority(PRIO_PROCESS, syscall(SYS_gettid), 19);
}

/* The generator, blocking for space, until told to stop. */
static void *generator(void *arg)
{
	struct load *l = arg;
	uint64_t committed, dropped;

	background();
	while (!l->stop_gen && !l->err)
		l->err = zc_generate(l->fd, 1000, 100, ZCRING_GEN_BLOCK,
				     &committed, &dropped);
	return NULL;
}

/* A consumer that reads in place and never enters the kernel. */
static void *spinning_consumer(void *arg)
{
	struct load *l = arg;
	struct zc_map m;
	uint64_t pos;

	background();
	l->err = zc_map(&m, l->name, RING_PAGES * PAGE);
	if (l->err)
		return NULL;
	pos = zc_cons_pos(&m);
	while (!l->stop)
		l->records += pass_records(&m, &pos, zc_prod_pos(&m));
	zc_unmap(&m);
	return NULL;
}

/* write() and read() of records on a ring of their own. */
static void *copier(void *arg)
{
	struct load *l = arg;
	uint8_t rec[200] = { 0 };
	int fd = zc_open(l->name, O_RDWR | O_NONBLOCK);

	background();
	while (!l->stop)
		if (write(fd, rec, sizeof(rec)) == sizeof(rec))
			read(fd, rec, sizeof(rec));
	close(fd);
	return NULL;
}

/*
 * Page faults without pause: the read-only piece of a ring, mapped from a
 * read-only file, every page touched, unmapped, again.
 */
static void *faulter(void *arg)
{
	struct load *l = arg;
	size_t len = PAGE + 2 * RING_PAGES * PAGE, i;
	int fd = zc_open(l->name, O_RDONLY);
	volatile const uint8_t *p;

	background();
	if (fd < 0) {
		l->err = -errno;
		return NULL;
	}
	while (!l->stop) {
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd,
			 ZCRING_PGOFF_PRODUCER * PAGE);
		if (p == MAP_FAILED) {
			l->err = -errno;
			break;
		}
		for (i = 0; i < len; i += PAGE)
			(void)p[i];
		munmap((void *)p, len);
		l->records++;
	}
	close(fd);
	return NULL;
}

/*
 * Attach and detach three times while every path the probe hooks runs hot
 * on another CPU: the kernel's generator produces into one ring, a
 * consumer reads it through the mapping, a thread maps and faults its
 * pages in a loop, and write() and read() go on on a second ring (a ring
 * has one consumer).  Attaching and detaching rewrite that live code
 * (fentry/fexit sites, tracepoints' static keys), so this is also the test
 * that the machine, or the emulator, patches it correctly (docs/probe.md).
 * Each run ends with status 0 and saw the load it ran beside, and
 * afterwards exactly the BPF programs and links of before are loaded.
 * Under TCG each detach waits on the other, busy, vCPU for every text
 * patch: on 6.1 one cycle took 55 to 85 s, the test 150 to 250 s on an
 * idle machine and more beside another VM, which the 240 s this had did
 * not always cover.  480 s, within the runner's 600 for the program.
 */
TEST_F_TIMEOUT(probe, attaches_and_detaches_under_load, 480)
{
	struct load l = { .name = self->name }, c = { .name = self->name2 };
	struct load f = { .name = self->name };
	struct figures *f2 = &self->f2;
	pthread_t gen, con, cop, flt;
	int progs, links, i;

	progs = count_bpf(BPF_PROG_GET_NEXT_ID);
	links = count_bpf(BPF_LINK_GET_NEXT_ID);
	ASSERT_LE(0, progs);
	ASSERT_LE(0, links);
	ASSERT_EQ(0, zc_create(self->name, self->size, 0, 0));
	ASSERT_EQ(0, zc_create(self->name2, self->size, 0, 0));
	l.fd = zc_open(self->name, O_RDWR);
	ASSERT_LE(0, l.fd);
	ASSERT_EQ(0, pthread_create(&con, NULL, spinning_consumer, &l));
	ASSERT_EQ(0, pthread_create(&gen, NULL, generator, &l));
	ASSERT_EQ(0, pthread_create(&cop, NULL, copier, &c));
	ASSERT_EQ(0, pthread_create(&flt, NULL, faulter, &f));
	for (i = 0; i < 3; i++) {
		const char *args[] = { NULL };

		ASSERT_EQ(0, probe_start(_metadata, &self->p, args));
		EXPECT_LT(progs, count_bpf(BPF_PROG_GET_NEXT_ID));
		usleep(300 * 1000);
		EXPECT_EQ(0, probe_stop(&self->p));
		self->p.pid = 0;
		ASSERT_EQ(0, parse_final(_metadata, self->p.out, self->name,
					 &self->f));
		ASSERT_EQ(0, parse_final(_metadata, self->p.out, self->name2,
					 f2));
		EXPECT_LT(0, fig(_metadata, &self->f, "commits.records"));
		EXPECT_LT(0, fig(_metadata, &self->f, "faults.count"));
		EXPECT_LT(0, fig(_metadata, f2, "copy_from_user.calls"));
		EXPECT_LT(0, fig(_metadata, f2, "copy_to_user.calls"));
		unlink(self->p.out);
	}
	f.stop = true;
	pthread_join(flt, NULL);
	c.stop = true;
	pthread_join(cop, NULL);
	/* The generator first: it may wait for the consumer to make room. */
	l.stop_gen = true;
	pthread_join(gen, NULL);
	l.stop = true;
	pthread_join(con, NULL);
	close(l.fd);
	EXPECT_EQ(0, l.err);
	EXPECT_EQ(0, f.err);
	EXPECT_LT(0, l.records);
	EXPECT_LT(0, f.records);
	EXPECT_EQ(progs, count_bpf(BPF_PROG_GET_NEXT_ID));
	EXPECT_EQ(links, count_bpf(BPF_LINK_GET_NEXT_ID));
}

/* Without root it says so, on one line, and exits 1. */
TEST(refuses_to_run_unprivileged)
{
	const char *bin = getenv("ZCRING_PROBE");
	char line[256] = "", extra[256];
	int errp[2], status;
	FILE *err;
	pid_t pid;

	if (!bin)
		SKIP(return, "ZCRING_PROBE is not set");
	ASSERT_EQ(0, pipe(errp));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		dup2(errp[1], STDERR_FILENO);
		close(errp[0]);
		if (setgid(65534) || setuid(65534))
			_exit(126);
		execl(bin, "zcring-probe", "--duration", "1", NULL);
		_exit(127);
	}
	close(errp[1]);
	err = fdopen(errp[0], "r");
	ASSERT_NE(NULL, fgets(line, sizeof(line), err));
	EXPECT_EQ(NULL, fgets(extra, sizeof(extra), err));
	fclose(err);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(1, WEXITSTATUS(status));
	EXPECT_NE(NULL, strstr(line, "root")) TH_LOG("said: %s", line);
}

TEST_HARNESS_MAIN
