// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The kernel generator's records (struct zcring_gen_payload): every byte
 * is a function of the record's seq, so a reader can tell a torn, stale or
 * misplaced record from a good one.  Filling them here too lets userspace
 * producers (write() threads, the test producer) make records that the
 * same check accepts.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/* As zcring_gen_fill() in the module's linux/zcring_payload.h. */
int zcring_gen_fill(void *payload, __u32 len, __u64 seq)
{
	struct zcring_gen_payload hdr;
	__u32 i, n, hash = ZCRING_GEN_FNV_BASIS;
	__u8 *bytes;

	if (!payload || len < sizeof(hdr))
		return -EINVAL;
	bytes = (__u8 *)payload + sizeof(hdr);
	n = len - sizeof(hdr);
	for (i = 0; i < n; i++) {
		bytes[i] = ZCRING_GEN_BYTE(seq, i);
		hash = (hash ^ bytes[i]) * ZCRING_GEN_FNV_PRIME;
	}
	hdr.seq = seq;
	hdr.len = len;
	hdr.csum = hash;
	/* Any alignment: the payload may be a caller's buffer. */
	memcpy(payload, &hdr, sizeof(hdr));
	return 0;
}

int zcring_gen_verify(const void *payload, __u32 len, __u64 *seq)
{
	struct zcring_gen_payload hdr;
	__u32 i, n, hash = ZCRING_GEN_FNV_BASIS;
	const __u8 *bytes;

	if (!payload)
		return -EINVAL;
	if (len < sizeof(hdr))
		return -EBADMSG;
	/* Any alignment: the payload may come from a copy. */
	memcpy(&hdr, payload, sizeof(hdr));
	if (seq)
		*seq = hdr.seq;
	if (hdr.len != len)
		return -EBADMSG;
	bytes = (const __u8 *)payload + sizeof(hdr);
	n = len - sizeof(hdr);
	for (i = 0; i < n; i++) {
		if (bytes[i] != ZCRING_GEN_BYTE(hdr.seq, i))
			return -EBADMSG;
		hash = (hash ^ bytes[i]) * ZCRING_GEN_FNV_PRIME;
	}
	return hash == hdr.csum ? 0 : -EBADMSG;
}
