// SPDX-License-Identifier: GPL-2.0
/*
 * zcring: zero-copy rings from the kernel to userspace.
 *
 * This file keeps the registry of rings: the control device that creates
 * and destroys them from userspace (/dev/zcring/control), the exported
 * zcring_create() and zcring_destroy() for modules, and each ring's device
 * (class "zcring", node /dev/zcring/NAME, sysfs /sys/class/zcring/NAME).
 *
 * Every open file of the control device or of a ring holds a module
 * reference (their fops are owned by this module), and every mapping holds
 * its file, so the module cannot be unloaded while either is in use.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/cred.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/log2.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "zcring_internal.h"

static unsigned long max_ring_size = 64UL << 20;
module_param(max_ring_size, ulong, 0644);
MODULE_PARM_DESC(max_ring_size,
		 "Largest ring data size, bytes (at most 1 GiB)");

/* The rings by device minor; zcring_lock guards it and ring names. */
static DEFINE_MUTEX(zcring_lock);
static DEFINE_IDR(zcring_idr);
static dev_t zcring_devt;
static struct cdev zcring_cdev;

/*
 * A ring's node, /dev/zcring/NAME: the mode its creator asked for and the
 * creator as its owner, so that a user allowed to create rings (a member
 * of the group the control device is given to) may open its own.
 */
static char *zcring_devnode(ZCRING_DEVNODE_CONST struct device *dev,
			    umode_t *mode, kuid_t *uid, kgid_t *gid)
{
	struct zcring *ring = dev_get_drvdata(dev);

	if (ring && mode)
		*mode = ring->mode;
	if (ring && uid)
		*uid = ring->uid;
	if (ring && gid)
		*gid = ring->gid;
	return kasprintf(GFP_KERNEL, "zcring/%s", dev_name(dev));
}

static void zcring_dev_release(struct device *dev)
{
	kfree(dev);
}

static const struct device_type zcring_dev_type = {
	.devnode = zcring_devnode,
	.release = zcring_dev_release,
};

static ssize_t data_size_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct zcring *ring = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", ring->data_size);
}
static DEVICE_ATTR_RO(data_size);

static ssize_t flags_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct zcring *ring = dev_get_drvdata(dev);

	return sysfs_emit(buf, "0x%x\n", ring->flags);
}
static DEVICE_ATTR_RO(flags);

static ssize_t owner_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct zcring *ring = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", ring->kernel_owned ? "kernel" : "user");
}
static DEVICE_ATTR_RO(owner);

static struct attribute *zcring_dev_attrs[] = {
	&dev_attr_data_size.attr,
	&dev_attr_flags.attr,
	&dev_attr_owner.attr,
	NULL,
};
ATTRIBUTE_GROUPS(zcring_dev);

static struct class zcring_class = {
	.name = "zcring",
	.dev_groups = zcring_dev_groups,
};

/*
 * The open path of a ring's node: a reference to the ring that @inode is
 * the node of, or NULL once that ring was destroyed.
 *
 * The minor alone does not say which: a destroyed ring's minor goes to a
 * later ring, and an open that passed the permission check of the old node
 * (or that holds it by an O_PATH descriptor) must not land on the new ring.
 * __zcring_destroy() removes the node from devtmpfs, synchronously, before
 * it lets go of zcring_lock, so by the time a minor is given again the
 * inode of every node it had is unlinked: an inode without links is a
 * destroyed ring's.  (Aliases root makes, with mknod or a hard link, follow
 * the device number, as for any device.)
 */
struct zcring *zcring_get_for_inode(struct inode *inode)
{
	struct zcring *ring;

	mutex_lock(&zcring_lock);
	ring = idr_find(&zcring_idr, iminor(inode));
	if (ring && READ_ONCE(inode->i_nlink))
		zcring_get(ring);
	else
		ring = NULL;
	mutex_unlock(&zcring_lock);
	return ring;
}

/* zcring_lock held. */
static struct zcring *zcring_find_name(const char *name)
{
	struct zcring *ring;
	int id;

	idr_for_each_entry(&zcring_idr, ring, id)
		if (!strcmp(ring->name, name))
			return ring;
	return NULL;
}

/* The name rules of ZCRING_IOC_CREATE: @name is NUL-terminated. */
static int zcring_check_name(const char *name)
{
	const char *c;

	if (!*name)
		return -ENOENT;
	if (strlen(name) >= ZCRING_NAME_MAX)
		return -ENAMETOOLONG;
	if (!strcmp(name, ".") || !strcmp(name, "..") ||
	    !strcmp(name, "control"))
		return -EILSEQ;
	for (c = name; *c; c++)
		if (*c == '/' || *c <= ' ' || *c > '~')
			return -EILSEQ;
	return 0;
}

static int zcring_check_geometry(u64 data_size, u32 flags, u32 mode)
{
	if (flags & ~ZCRING_F_ALL)
		return -EOPNOTSUPP;
	if (mode & ~0777)
		return -EINVAL;
	if (data_size < PAGE_SIZE || !is_power_of_2(data_size))
		return -ERANGE;
	if (data_size >
	    min_t(u64, READ_ONCE(max_ring_size), ZCRING_DATA_SIZE_LIMIT))
		return -EFBIG;
	return 0;
}

/*
 * The ring's device, and with it its node: device_create() cannot give it
 * the type that says who owns the node.
 */
static struct device *zcring_add_node(struct zcring *ring)
{
	struct device *dev;
	int err;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	device_initialize(dev);
	dev->devt = MKDEV(MAJOR(zcring_devt), ring->minor);
	dev->class = &zcring_class;
	dev->type = &zcring_dev_type;
	dev_set_drvdata(dev, ring);
	err = dev_set_name(dev, "%s", ring->name) ?: device_add(dev);
	if (err) {
		put_device(dev);
		return ERR_PTR(err);
	}
	return dev;
}

/*
 * Create, register and publish a ring.  The registry holds the returned
 * ring's first reference until __zcring_destroy().  @mode is the ABI's
 * __u32, checked whole: narrowed to umode_t first, bits above 0777 would
 * vanish before the check could refuse them.
 */
static struct zcring *__zcring_create(const char *name, u64 data_size,
				      u32 flags, u32 mode, bool kernel_owned)
{
	u64 bytes = data_size + 2 * PAGE_SIZE;
	kuid_t uid = current_uid();
	struct zcring *ring;
	struct device *dev;
	int err, minor;

	err = zcring_check_name(name) ?:
		      zcring_check_geometry(data_size, flags, mode);
	if (err)
		return ERR_PTR(err);

	/* A user's ring is charged first: a refusal allocates nothing. */
	if (!kernel_owned) {
		err = zcring_user_charge(uid, bytes);
		if (err)
			return ERR_PTR(err);
	}
	ring = zcring_alloc(data_size, flags);
	if (IS_ERR(ring)) {
		if (!kernel_owned)
			zcring_user_uncharge(uid, bytes);
		return ring;
	}
	if (!kernel_owned) {
		ring->charged_uid = uid;
		ring->charged_bytes = bytes;
	}
	strscpy(ring->name, name, sizeof(ring->name));
	ring->mode = mode ?: 0600;
	ring->uid = kernel_owned ? GLOBAL_ROOT_UID : current_fsuid();
	ring->gid = kernel_owned ? GLOBAL_ROOT_GID : current_fsgid();
	ring->kernel_owned = kernel_owned;

	mutex_lock(&zcring_lock);
	if (zcring_find_name(name)) {
		err = -EEXIST;
		goto err_unlock;
	}
	/*
	 * Cyclic: a destroyed ring's minor is the last to be given again, so
	 * that tracepoints and zcring-probe, which name rings by minor, do not
	 * take a new ring for one just destroyed.
	 */
	minor = idr_alloc_cyclic(&zcring_idr, NULL, 0, ZCRING_MAX_RINGS,
				 GFP_KERNEL);
	if (minor < 0) {
		err = minor;
		goto err_unlock;
	}
	ring->minor = minor;
	dev = zcring_add_node(ring);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		idr_remove(&zcring_idr, minor);
		goto err_unlock;
	}
	ring->dev = dev;
	/* Visible to open() only once complete. */
	idr_replace(&zcring_idr, ring, minor);
	mutex_unlock(&zcring_lock);
	return ring;

err_unlock:
	mutex_unlock(&zcring_lock);
	zcring_put(ring);
	return ERR_PTR(err);
}

/* Unpublish, close and drop the registry's reference; zcring_lock held. */
static void __zcring_destroy(struct zcring *ring)
{
	idr_remove(&zcring_idr, ring->minor);
	device_unregister(ring->dev);
	zcring_mark_closed(ring);
	zcring_put(ring);
}

struct zcring *zcring_create(const char *name, u64 data_size, u32 flags,
			     umode_t mode)
{
	return __zcring_create(name, data_size, flags, mode, true);
}
EXPORT_SYMBOL_GPL(zcring_create);

void zcring_destroy(struct zcring *ring)
{
	mutex_lock(&zcring_lock);
	__zcring_destroy(ring);
	mutex_unlock(&zcring_lock);
}
EXPORT_SYMBOL_GPL(zcring_destroy);

/* zcring_get_request() finds each request's size at its start. */
static_assert(offsetof(struct zcring_create, size) == 0 &&
	      offsetof(struct zcring_destroy, size) == 0);

/*
 * Copy a control request of @size bytes in from @arg to @req, and check
 * what every request carries: its own size first (the ABI's room to
 * grow), reserved fields that are zero, and a name that ends within its
 * field.  @reserved0, @reserved and @name point into @req.
 */
static int zcring_get_request(void *req, u32 size, const void __user *arg,
			      const u32 *reserved0, const u64 *reserved,
			      size_t reserved_size, const char *name)
{
	if (copy_from_user(req, arg, size))
		return -EFAULT;
	if (*(u32 *)req != size || *reserved0 ||
	    memchr_inv(reserved, 0, reserved_size))
		return -EINVAL;
	if (!memchr(name, '\0', ZCRING_NAME_MAX))
		return -ENAMETOOLONG;
	return 0;
}

static long zcring_ioctl_create(void __user *arg)
{
	struct zcring_create req;
	struct zcring *ring;
	int err;

	err = zcring_get_request(&req, sizeof(req), arg, &req.reserved0,
				 req.reserved, sizeof(req.reserved), req.name);
	if (err)
		return err;
	ring = __zcring_create(req.name, req.data_size, req.flags, req.mode,
			       false);
	return PTR_ERR_OR_ZERO(ring);
}

/*
 * Userspace destroys a ring of its own, or any but the kernel's with
 * CAP_SYS_ADMIN: the control device may be shared by a group.
 */
static bool zcring_may_destroy(const struct zcring *ring)
{
	if (ring->kernel_owned)
		return false;
	return uid_eq(current_fsuid(), ring->uid) || capable(CAP_SYS_ADMIN);
}

static long zcring_ioctl_destroy(void __user *arg)
{
	struct zcring_destroy req;
	struct zcring *ring;
	int err = 0;

	err = zcring_get_request(&req, sizeof(req), arg, &req.reserved0,
				 req.reserved, sizeof(req.reserved), req.name);
	if (err)
		return err;

	mutex_lock(&zcring_lock);
	ring = zcring_find_name(req.name);
	if (!ring)
		err = -ENOENT;
	else if (!zcring_may_destroy(ring))
		err = -EPERM;
	else
		__zcring_destroy(ring);
	mutex_unlock(&zcring_lock);
	return err;
}

static long zcring_control_ioctl(struct file *file, unsigned int cmd,
				 unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (cmd != ZCRING_IOC_CREATE && cmd != ZCRING_IOC_DESTROY)
		return -ENOTTY;
	/* What exists changes through a file open for writing only. */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (cmd == ZCRING_IOC_CREATE)
		return zcring_ioctl_create(uarg);
	return zcring_ioctl_destroy(uarg);
}

static int zcring_control_open(struct inode *inode, struct file *file)
{
	/*
	 * The control device has no file position: lseek, pread and pwrite
	 * fail with -ESPIPE.
	 */
	return nonseekable_open(inode, file);
}

static const struct file_operations zcring_control_fops = {
	.owner = THIS_MODULE,
	.open = zcring_control_open,
	.unlocked_ioctl = zcring_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/*
 * Root only, unless the administrator gives it to a group (the packages'
 * udev rule, 0660 root:zcring): rings are kernel memory, charged to each
 * user within the module's quotas.  devtmpfs creates the node as
 * ZCRING_CONTROL_PATH.
 */
static struct miscdevice zcring_control_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "zcring-control",
	.nodename = "zcring/control",
	.mode = 0600,
	.fops = &zcring_control_fops,
};

static int __init zcring_init(void)
{
	int err;

	zcring_gen_init();
	err = alloc_chrdev_region(&zcring_devt, 0, ZCRING_MAX_RINGS, "zcring");
	if (err)
		return err;
	cdev_init(&zcring_cdev, &zcring_ring_fops);
	zcring_cdev.owner = THIS_MODULE;
	err = cdev_add(&zcring_cdev, zcring_devt, ZCRING_MAX_RINGS);
	if (err)
		goto err_region;
	err = class_register(&zcring_class);
	if (err)
		goto err_cdev;
	err = misc_register(&zcring_control_dev);
	if (err) {
		pr_err("cannot register the control device: %d\n", err);
		goto err_class;
	}
	pr_info("ABI version %d, control device %s\n", ZCRING_ABI_VERSION,
		ZCRING_CONTROL_PATH);
	return 0;

err_class:
	class_unregister(&zcring_class);
err_cdev:
	cdev_del(&zcring_cdev);
err_region:
	unregister_chrdev_region(zcring_devt, ZCRING_MAX_RINGS);
	return err;
}

/*
 * Nothing holds the module: no file is open and no mapping exists, and
 * modules that created rings are gone, having destroyed them.  What is
 * left are rings userspace created and nobody uses.
 */
static void __exit zcring_exit(void)
{
	struct zcring *ring;
	int id;

	misc_deregister(&zcring_control_dev);
	mutex_lock(&zcring_lock);
	idr_for_each_entry(&zcring_idr, ring, id)
		__zcring_destroy(ring);
	mutex_unlock(&zcring_lock);
	idr_destroy(&zcring_idr);
	class_unregister(&zcring_class);
	cdev_del(&zcring_cdev);
	unregister_chrdev_region(zcring_devt, ZCRING_MAX_RINGS);
}

module_init(zcring_init);
module_exit(zcring_exit);

MODULE_DESCRIPTION("zcring: zero-copy rings from the kernel to userspace");
MODULE_LICENSE("GPL");
