# SPDX-License-Identifier: GPL-2.0
#
# Which kernels the top-level Makefile builds the module for and boots in
# the test VM; included after CACHE and BUILD are set.
#
# KVER picks one of $(KVERS_ALL) (default: all of them); each is a Debian
# kernel fetched into $(CACHE) by scripts/fetch-kernel.sh.  unstable is
# the newest kernel Debian unstable carries (7.2 at the time of writing),
# built with a newer compiler than this machine's: its module is built in
# a chroot of unstable that has it (IN_CHROOT).  KVER_DEBUG is
# built here from linux-source (scripts/build-debug-kernel.sh) and tested
# by make check-debug only.  To use a kernel of your own instead, set KDIR
# (its build tree) and VM_KERNEL (its bzImage), and VM_MODDIR (its
# /lib/modules/RELEASE) unless virtio, 9p and overlayfs are built in.
#
# For one kernel it sets KREL, KBUILD_DIR, MODULE, INITRAMFS and IN_CHROOT,
# and includes the kernel's kernel.mk (KDIR, VM_KERNEL, VM_MODDIR,
# KBUILD_CHROOT), fetching or building the kernel first if need be.

KVERS_ALL := 6.1 6.12 6.12-rt unstable
# Built here, not fetched, and tested by check-debug only.
KVER_DEBUG := 6.1-debug

# Targets about one kernel use the first one unless told which.
PER_KERNEL_GOALS := module vm-check vm-runner-test vm demo soak bench bench-progs \
	bench-kit check-repeat latency dkms-build vm-packages
ifeq ($(KDIR)$(KVER),)
# make install and uninstall are for the running kernel unless told which;
# without its headers they leave the module out, and say so.
ifneq ($(filter install uninstall,$(MAKECMDGOALS)),)
ifneq ($(wildcard /lib/modules/$(shell uname -r)/build/include/config/kernel.release),)
KDIR := /lib/modules/$(shell uname -r)/build
else
NO_MODULE_INSTALL := no headers for the running kernel $(shell uname -r): install linux-headers-$(shell uname -r), or set KVER= or KDIR=
endif
endif
ifneq ($(filter $(PER_KERNEL_GOALS),$(MAKECMDGOALS)),)
KVER := $(firstword $(KVERS_ALL))
endif
endif

ifdef KDIR
KVERS := custom
else
KVERS := $(or $(KVER),$(KVERS_ALL))
endif

# --- one kernel (KVER set by the loops below, or KDIR given) -------------
ifneq ($(filter-out $(KVERS_ALL) $(KVER_DEBUG),$(KVER)),)
# unstable's kernel changes: a version asked for by number may be it.
UNSTABLE_KREL := $(shell sed -n 's/^KREL := //p' $(CACHE)/kernels/unstable/kernel.mk 2>/dev/null)
$(error unknown KVER '$(KVER)': known are $(KVERS_ALL) $(KVER_DEBUG), or set KDIR and VM_KERNEL$(if $(UNSTABLE_KREL),; unstable is $(UNSTABLE_KREL)))
endif
ifdef KDIR
KREL := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
ifeq ($(KREL),)
$(error KDIR=$(KDIR) is not a configured kernel build tree)
endif
else ifdef KVER
KERNEL_MK := $(CACHE)/kernels/$(KVER)/kernel.mk
include $(KERNEL_MK)
ifeq ($(KVER),$(KVER_DEBUG))
$(KERNEL_MK): scripts/build-debug-kernel.sh kernel-debug/debug.config | deps-packages
	scripts/build-debug-kernel.sh $(CACHE)
else
$(KERNEL_MK): scripts/fetch-kernel.sh scripts/extract-vmlinux.sh | deps-packages
	scripts/fetch-kernel.sh $(KVER) $(CACHE)
endif
endif
KBUILD_DIR := $(BUILD)/$(KREL)
MODULE := $(KBUILD_DIR)/kmod/zcring.ko
INITRAMFS := $(KBUILD_DIR)/initramfs.cpio

# The prefix of a command that builds against KDIR: a kernel whose headers
# are in a chroot (KBUILD_CHROOT) is built in there, with the project and
# build trees, and DESTDIR, at the same paths as here.
ifneq ($(KBUILD_CHROOT),)
IN_CHROOT = scripts/in-chroot.sh $(KBUILD_CHROOT) --bind $(CURDIR) \
	--bind $(BUILD) $(if $(DESTDIR),--bind $(DESTDIR)) --
endif
