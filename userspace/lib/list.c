// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Listing rings: every ring has a directory in ZCRING_SYSFS_DIR named after
 * it.  The names are gathered whole before any is copied out, so that they
 * come sorted and the count is right even when the caller's array is short.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct name_list {
	char (*names)[ZCRING_NAME_MAX];
	size_t nr, cap;
};

static int name_list_add(struct name_list *l, const char *name)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *p = reallocarray(l->names, cap, sizeof(*l->names));

		if (!p)
			return -ENOMEM;
		l->names = p;
		l->cap = cap;
	}
	memcpy(l->names[l->nr++], name, strlen(name) + 1);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Entries that are not rings. */
static bool skip_entry(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..") ||
	       /* Reserved for the control device, never a ring. */
	       !strcmp(name, "control") ||
	       /* Longer than any ring name: not one of ours. */
	       strlen(name) >= ZCRING_NAME_MAX;
}

int zcring__list_dir(const char *dir, char (*names)[ZCRING_NAME_MAX],
		     unsigned int max)
{
	struct name_list l = { 0 };
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (max && !names)
		return -EINVAL;
	d = opendir(dir);
	if (!d)
		return -errno;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			break;
		}
		if (skip_entry(de->d_name))
			continue;
		err = name_list_add(&l, de->d_name);
		if (err)
			break;
	}
	closedir(d);
	if (!err) {
		/* qsort() wants a valid pointer even for no elements. */
		if (l.nr)
			qsort(l.names, l.nr, sizeof(*l.names), name_cmp);
		if (max > l.nr)
			max = l.nr;
		if (max)
			memcpy(names, l.names, max * sizeof(*names));
		err = l.nr > INT_MAX ? INT_MAX : (int)l.nr;
	}
	free(l.names);
	return err;
}

int zcring_list(char (*names)[ZCRING_NAME_MAX], unsigned int max)
{
	return zcring__list_dir(ZCRING_SYSFS_DIR, names, max);
}
