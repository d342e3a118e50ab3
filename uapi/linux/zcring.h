/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcring: zero-copy rings from the kernel to userspace.
 *
 * This header is the ABI between the zcring module and its users.  It is
 * shared verbatim by the module and by libzcring, and must build in both
 * places, so it uses only <linux/types.h> fixed-width types.
 */
#ifndef _UAPI_LINUX_ZCRING_H
#define _UAPI_LINUX_ZCRING_H

#include <linux/types.h>

/*
 * ABI version.  It stays 0 while the ABI is being built and may change
 * between commits; it becomes 1 with the first release, and then grows only
 * in compatible ways (size fields, reserved fields that must be zero).
 */
#define ZCRING_ABI_VERSION 0

/* Rings appear as ZCRING_DEV_DIR/NAME; the control device sits beside them. */
#define ZCRING_DEV_DIR "/dev/zcring"
#define ZCRING_CONTROL_PATH ZCRING_DEV_DIR "/control"

#endif /* _UAPI_LINUX_ZCRING_H */
