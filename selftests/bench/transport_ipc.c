// SPDX-License-Identifier: GPL-2.0
/*
 * The baselines most people reach for: a pipe and an AF_UNIX socketpair,
 * with a userspace producer thread making one system call per batch.
 *  - pipe: a byte stream; records have the run's fixed size, so they need
 *    no header: the producer write()s a batch of records at once, the
 *    consumer read()s what is there and takes the whole records.  The pipe
 *    is grown to the rings' 4 MiB (F_SETPIPE_SZ; root in the VM may),
 *    so it holds as much.
 *  - unix: SOCK_SEQPACKET, one message per record, so the kernel keeps the
 *    framing: sendmmsg() a batch, recvmmsg() up to a batch.
 * The producer fills each record's first 8 bytes with a count, as the
 * generator does with its seq: a write of the payload, as every producer
 * makes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

struct ipc {
	int rfd, wfd;
	unsigned char *rbuf;	/* the consumer's */
	size_t rbuf_size;
	unsigned char *wbuf[BENCH_MAX_PRODUCERS];
	struct mmsghdr *rmsg, *wmsg[BENCH_MAX_PRODUCERS];
	struct iovec *riov, *wiov[BENCH_MAX_PRODUCERS];
};

static int ipc_alloc(struct bench_run *r, struct ipc *ipc)
{
	size_t bytes = (size_t)r->batch * r->payload;
	int i;

	ipc->rbuf_size = bytes;
	ipc->rbuf = malloc(bytes);
	ipc->rmsg = calloc(r->batch, sizeof(*ipc->rmsg));
	ipc->riov = calloc(r->batch, sizeof(*ipc->riov));
	if (!ipc->rbuf || !ipc->rmsg || !ipc->riov)
		return -ENOMEM;
	for (i = 0; i < r->producers; i++) {
		ipc->wbuf[i] = calloc(1, bytes);
		ipc->wmsg[i] = calloc(r->batch, sizeof(*ipc->wmsg[i]));
		ipc->wiov[i] = calloc(r->batch, sizeof(*ipc->wiov[i]));
		if (!ipc->wbuf[i] || !ipc->wmsg[i] || !ipc->wiov[i])
			return -ENOMEM;
	}
	return 0;
}

static int pipe_setup(struct bench_run *r)
{
	struct ipc *ipc = calloc(1, sizeof(*ipc));
	int fds[2];

	if (!ipc || pipe(fds))
		return -errno;
	ipc->rfd = fds[0];
	ipc->wfd = fds[1];
	r->priv = ipc;
	/* Without CAP_SYS_RESOURCE, pipe-max-size (1 MiB by default) caps it. */
	if (fcntl(ipc->wfd, F_SETPIPE_SZ, BENCH_RING_SIZE) < 0 &&
	    fcntl(ipc->wfd, F_SETPIPE_SZ, 1U << 20) < 0)
		return -errno;
	return ipc_alloc(r, ipc);
}

static int unix_setup(struct bench_run *r)
{
	struct ipc *ipc = calloc(1, sizeof(*ipc));
	int fds[2];

	if (!ipc || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds))
		return -errno;
	ipc->wfd = fds[0];
	ipc->rfd = fds[1];
	r->priv = ipc;
	return ipc_alloc(r, ipc);
}

static void ipc_teardown(struct bench_run *r)
{
	struct ipc *ipc = r->priv;
	int i;

	close(ipc->rfd);
	close(ipc->wfd);
	free(ipc->rbuf);
	free(ipc->rmsg);
	free(ipc->riov);
	for (i = 0; i < BENCH_MAX_PRODUCERS; i++) {
		free(ipc->wbuf[i]);
		free(ipc->wmsg[i]);
		free(ipc->wiov[i]);
	}
	free(ipc);
}

/* Stamp n records at buf: a count, or the time for a latency run. */
static void ipc_fill(struct bench_run *r, unsigned char *buf, uint32_t n,
		     uint64_t *seq)
{
	uint64_t v;
	uint32_t i;

	for (i = 0; i < n; i++) {
		v = r->latency ? bench_now_ns() : (*seq)++;
		memcpy(buf + (size_t)i * r->payload, &v, sizeof(v));
	}
}

static void pipe_produce(struct bench_run *r, int id)
{
	struct ipc *ipc = r->priv;
	size_t bytes = (size_t)r->batch * r->payload;
	uint64_t seq = 0, t0;
	ssize_t n;

	while (bench_producing(r)) {
		if (r->latency)
			bench_pace(r);
		t0 = bench_now_ns();
		ipc_fill(r, ipc->wbuf[id], r->batch, &seq);
		/* Blocking and under the pipe's size: written whole. */
		n = write(ipc->wfd, ipc->wbuf[id], bytes);
		if (n != (ssize_t)bytes)
			break;
		bench_busy(r, t0);
		atomic_fetch_add(&r->produced, r->batch);
	}
}

static void unix_produce(struct bench_run *r, int id)
{
	struct ipc *ipc = r->priv;
	uint64_t seq = 0, t0;
	uint32_t i, sent;
	int n;

	for (i = 0; i < r->batch; i++) {
		ipc->wiov[id][i].iov_base = ipc->wbuf[id] + (size_t)i * r->payload;
		ipc->wiov[id][i].iov_len = r->payload;
		ipc->wmsg[id][i].msg_hdr.msg_iov = &ipc->wiov[id][i];
		ipc->wmsg[id][i].msg_hdr.msg_iovlen = 1;
	}
	while (bench_producing(r)) {
		if (r->latency)
			bench_pace(r);
		t0 = bench_now_ns();
		ipc_fill(r, ipc->wbuf[id], r->batch, &seq);
		for (sent = 0; sent < r->batch; sent += n) {
			n = sendmmsg(ipc->wfd, ipc->wmsg[id] + sent,
				     r->batch - sent, 0);
			if (n <= 0)
				return;
		}
		bench_busy(r, t0);
		atomic_fetch_add(&r->produced, r->batch);
	}
}

/* One record nobody counts, to wake a consumer blocked in read(). */
static void ipc_wake(struct bench_run *r)
{
	struct ipc *ipc = r->priv;
	static const unsigned char zero[BENCH_MAX_PAYLOAD];

	if (write(ipc->wfd, zero, r->payload) < 0)
		return;
}

static int pipe_consume(struct bench_run *r)
{
	struct ipc *ipc = r->priv;
	size_t have = 0, off;
	ssize_t n;

	while (!bench_finished(r)) {
		n = read(ipc->rfd, ipc->rbuf + have, ipc->rbuf_size - have);
		if (n <= 0)
			return n ? -errno : -EPIPE;
		have += n;
		for (off = 0; have - off >= r->payload; off += r->payload) {
			bench_work(ipc->rbuf + off, r->payload);
			if (r->latency)
				bench_sample(r, ipc->rbuf + off);
			r->consumed++;
		}
		/* A partial record waits for the rest of it. */
		memmove(ipc->rbuf, ipc->rbuf + off, have - off);
		have -= off;
	}
	return 0;
}

static int unix_consume(struct bench_run *r)
{
	struct ipc *ipc = r->priv;
	uint32_t i;
	int n;

	for (i = 0; i < r->batch; i++) {
		ipc->riov[i].iov_base = ipc->rbuf + (size_t)i * r->payload;
		ipc->riov[i].iov_len = r->payload;
		ipc->rmsg[i].msg_hdr.msg_iov = &ipc->riov[i];
		ipc->rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	while (!bench_finished(r)) {
		/* Waits for the first message only, then takes what is there. */
		n = recvmmsg(ipc->rfd, ipc->rmsg, r->batch, MSG_WAITFORONE,
			     NULL);
		if (n < 0)
			return -errno;
		for (i = 0; i < (uint32_t)n; i++) {
			bench_work(ipc->riov[i].iov_base, ipc->rmsg[i].msg_len);
			if (r->latency)
				bench_sample(r, ipc->riov[i].iov_base);
		}
		r->consumed += n;
	}
	return 0;
}

const struct bench_transport bench_pipe = {
	.name = "pipe",
	.min_payload = 8, .max_payload = BENCH_MAX_PAYLOAD,
	.setup = pipe_setup, .produce = pipe_produce, .wake = ipc_wake,
	.consume = pipe_consume, .teardown = ipc_teardown,
};

const struct bench_transport bench_unix = {
	.name = "unix",
	.min_payload = 8, .max_payload = BENCH_MAX_PAYLOAD,
	.setup = unix_setup, .produce = unix_produce, .wake = ipc_wake,
	.consume = unix_consume, .teardown = ipc_teardown,
};
