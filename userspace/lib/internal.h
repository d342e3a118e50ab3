/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * What the library's files share and do not export.  The host tests link
 * the static library and may use these too.
 */
#ifndef ZCRING_INTERNAL_H
#define ZCRING_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "libzcring.h"

struct zcring {
	int fd;
	/* A memfd or file laid out as the mapping: no ioctls, no poll. */
	bool file_image;
	size_t page_size;
	__u64 data_size;
	/*
	 * Where consumption goes on from.  The consumer page holds the same
	 * value once published; this copy is ours, which no other mapper
	 * of the page can change under us.
	 */
	__u64 pos;
	/* NULL in a handle that does not consume. */
	struct zcring_consumer_page *cons;
	/* One mapping: the producer page, then the data twice; NULL with cons. */
	void *prod_map;
	size_t prod_map_len;
	const struct zcring_producer_page *prod;
	const __u8 *data;
};

/*
 * 1 if a committed record is ready, 0 if not, -EBADMSG as zcring_peek();
 * consumes nothing.
 */
int zcring__ready(struct zcring *ring);

/* zcring_list() on another directory, for the tests. */
int zcring__list_dir(const char *dir, char (*names)[ZCRING_NAME_MAX],
		     unsigned int max);

#endif /* ZCRING_INTERNAL_H */
