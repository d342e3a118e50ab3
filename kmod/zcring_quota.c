// SPDX-License-Identifier: GPL-2.0
/*
 * zcring: what each user's rings may take.  A ring userspace creates is
 * charged to the creating user (its real uid) until its memory is freed,
 * which may be after it is destroyed, while a mapping still holds it: the
 * number of rings and their bytes (data and the two position pages), each
 * under a limit the administrator sets.  The memory itself is also charged
 * to the creator's memory cgroup (GFP_KERNEL_ACCOUNT); these limits bound
 * what one user can pin where no cgroup limit applies.  Rings a module
 * creates are the module's and charged to no one.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "zcring_internal.h"

static unsigned int max_user_rings = 64;
module_param(max_user_rings, uint, 0644);
MODULE_PARM_DESC(max_user_rings, "Rings one user may hold (default 64)");

static unsigned long max_user_bytes = 1UL << 30;
module_param(max_user_bytes, ulong, 0644);
MODULE_PARM_DESC(max_user_bytes,
		 "Ring memory one user may hold, bytes (default 1 GiB)");

struct zcring_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int rings;
	u64 bytes;
};

/* Users holding rings; an entry goes with its last ring. */
static DEFINE_HASHTABLE(zcring_users, 6);
static DEFINE_SPINLOCK(zcring_users_lock);

static struct zcring_user *zcring_user_find(kuid_t uid)
{
	struct zcring_user *u;

	hash_for_each_possible(zcring_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/*
 * Charge a ring of @bytes to @uid, before its memory is allocated: 0,
 * -EDQUOT over a limit, or -ENOMEM.
 */
int zcring_user_charge(kuid_t uid, u64 bytes)
{
	struct zcring_user *u, *fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	int err = 0;

	if (!fresh)
		return -ENOMEM;
	spin_lock(&zcring_users_lock);
	u = zcring_user_find(uid);
	if (!u) {
		u = fresh;
		fresh = NULL;
		u->uid = uid;
		hash_add(zcring_users, &u->node, __kuid_val(uid));
	}
	if (u->rings + 1 > READ_ONCE(max_user_rings) ||
	    u->bytes + bytes > READ_ONCE(max_user_bytes)) {
		err = -EDQUOT;
		if (!u->rings) {
			hash_del(&u->node);
			fresh = u;
		}
	} else {
		u->rings++;
		u->bytes += bytes;
	}
	spin_unlock(&zcring_users_lock);
	kfree(fresh);
	return err;
}

/* Give back a ring of @bytes that zcring_user_charge() took for @uid. */
void zcring_user_uncharge(kuid_t uid, u64 bytes)
{
	struct zcring_user *u, *gone = NULL;

	spin_lock(&zcring_users_lock);
	u = zcring_user_find(uid);
	if (!WARN_ON_ONCE(!u || !u->rings || u->bytes < bytes)) {
		u->rings--;
		u->bytes -= bytes;
		if (!u->rings) {
			hash_del(&u->node);
			gone = u;
		}
	}
	spin_unlock(&zcring_users_lock);
	kfree(gone);
}
