// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/* What version of libzcring this is, for programs that load it at run time. */

#include "libzcring.h"

#define STR_(x) #x
#define STR(x) STR_(x)

unsigned int zcring_version_major(void)
{
	return LIBZCRING_MAJOR_VERSION;
}

unsigned int zcring_version_minor(void)
{
	return LIBZCRING_MINOR_VERSION;
}

const char *zcring_version_string(void)
{
	return STR(LIBZCRING_MAJOR_VERSION) "." STR(LIBZCRING_MINOR_VERSION);
}
