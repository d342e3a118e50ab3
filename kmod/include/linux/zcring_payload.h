/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generator's payload format (struct zcring_gen_payload in the uapi
 * header), for test producers: the generator ioctl and the sample module.
 * A consumer checks it with libzcring's zcring_gen_verify().
 */
#ifndef _LINUX_ZCRING_PAYLOAD_H
#define _LINUX_ZCRING_PAYLOAD_H

#include <linux/types.h>
#include <linux/zcring.h>

/* Fill @len bytes at @payload for record @seq; len >= the struct's size. */
static inline void zcring_gen_fill(void *payload, u32 len, u64 seq)
{
	struct zcring_gen_payload *p = payload;
	u8 *bytes = (u8 *)(p + 1);
	u32 i, n = len - sizeof(*p), hash = ZCRING_GEN_FNV_BASIS;

	for (i = 0; i < n; i++) {
		bytes[i] = ZCRING_GEN_BYTE(seq, i);
		hash = (hash ^ bytes[i]) * ZCRING_GEN_FNV_PRIME;
	}
	p->seq = seq;
	p->len = len;
	p->csum = hash;
}

#endif /* _LINUX_ZCRING_PAYLOAD_H */
