// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The ioctls that make rings and records rather than read them: create and
 * destroy through the control device, and the kernel's record generator.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

/* Copy a ring name into an ABI name field; -ENAMETOOLONG if it won't fit. */
static int copy_name(char dst[ZCRING_NAME_MAX], const char *name)
{
	size_t len;

	if (!name)
		return -EINVAL;
	len = strlen(name);
	if (len >= ZCRING_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(dst, name, len + 1);
	return 0;
}

static int control_ioctl(unsigned long cmd, void *arg)
{
	int fd, ret;

	fd = open(ZCRING_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, cmd, arg) ? -errno : 0;
	close(fd);
	return ret;
}

int zcring_create(const char *name, __u64 data_size, __u32 flags, __u32 mode)
{
	struct zcring_create req;
	int err;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = flags;
	req.data_size = data_size;
	req.mode = mode;
	err = copy_name(req.name, name);
	if (err)
		return err;
	return control_ioctl(ZCRING_IOC_CREATE, &req);
}

int zcring_destroy(const char *name)
{
	struct zcring_destroy req;
	int err;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	err = copy_name(req.name, name);
	if (err)
		return err;
	return control_ioctl(ZCRING_IOC_DESTROY, &req);
}

int zcring_generate(struct zcring *ring, __u64 count, __u32 record_size,
		    __u32 flags, __u64 *committed, __u64 *dropped)
{
	struct zcring_generate req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.flags = flags;
	req.count = count;
	req.record_size = record_size;
	if (ioctl(ring->fd, ZCRING_IOC_GENERATE, &req))
		return -errno;
	if (committed)
		*committed = req.committed;
	if (dropped)
		*dropped = req.dropped;
	return 0;
}
