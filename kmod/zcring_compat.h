/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel interfaces that changed between the oldest kernel zcring builds
 * for (6.1) and the newest.  The code is written against the newest form;
 * this header gives that form to kernels that lack it.  kmod/Kbuild finds
 * out what a kernel has by testing its headers, and says so with the
 * ZCRING_HAVE_* macros: no kernel version number appears in the code, so
 * a distribution kernel with a change backported builds right as well.
 */
#ifndef _ZCRING_COMPAT_H
#define _ZCRING_COMPAT_H

#include <linux/device.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>

/* Since 6.3, vma->vm_flags is read-only outside these helpers. */
#ifndef ZCRING_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * Since 6.2, the devnode callback of a device type takes a const device:
 * zcring_devnode() is declared with ZCRING_DEVNODE_CONST struct device.
 */
#ifdef ZCRING_HAVE_CONST_DEVNODE
#define ZCRING_DEVNODE_CONST const
#else
#define ZCRING_DEVNODE_CONST
#endif

/*
 * Since 6.13, hrtimer_setup() sets a timer up with its callback in one
 * call; hrtimer_init(), which it replaced, is gone.
 */
#ifndef ZCRING_HAVE_HRTIMER_SETUP
static inline void
hrtimer_setup(struct hrtimer *timer,
	      enum hrtimer_restart (*function)(struct hrtimer *),
	      clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

#endif /* _ZCRING_COMPAT_H */
