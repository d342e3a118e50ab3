// SPDX-License-Identifier: GPL-2.0
/*
 * zcring: zero-copy rings from the kernel to userspace.
 *
 * This file registers the control device, /dev/zcring/control.  The device
 * is a misc device owned by this module, so every open file holds a module
 * reference and the module cannot be unloaded while it is open.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>

#include <linux/zcring.h>

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
};

/*
 * Root only: the control device will create rings, and rings are kernel
 * memory.  devtmpfs creates the node as ZCRING_CONTROL_PATH.
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

	err = misc_register(&zcring_control_dev);
	if (err) {
		pr_err("cannot register the control device: %d\n", err);
		return err;
	}
	pr_info("ABI version %d, control device %s\n", ZCRING_ABI_VERSION,
		ZCRING_CONTROL_PATH);
	return 0;
}

static void __exit zcring_exit(void)
{
	misc_deregister(&zcring_control_dev);
}

module_init(zcring_init);
module_exit(zcring_exit);

MODULE_DESCRIPTION("zcring: zero-copy rings from the kernel to userspace");
MODULE_LICENSE("GPL");
