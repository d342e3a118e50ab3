/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libzcring: read zcring rings in place, straight out of their mapping.
 *
 * Functions return 0 or a positive count on success and a negative errno on
 * failure; they do not set errno.  Symbols are versioned (libzcring.map).
 */
#ifndef ZCRING_H
#define ZCRING_H

#include <linux/zcring.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBZCRING_MAJOR_VERSION 0
#define LIBZCRING_MINOR_VERSION 1

/*
 * The version of the library actually loaded, which may differ from the
 * LIBZCRING_*_VERSION macros a program was built with.
 */
unsigned int zcring_version_major(void);
unsigned int zcring_version_minor(void);
/* "MAJOR.MINOR", static storage. */
const char *zcring_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* ZCRING_H */
