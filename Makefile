# SPDX-License-Identifier: GPL-2.0
#
# zcring: the top-level build.  `make help` lists the targets; which
# kernels they build and test for is scripts/kernels.mk's business.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
MAKEFLAGS += --no-print-directory

CACHE ?= $(HOME)/.cache/zcring
BUILD ?= $(CURDIR)/build
WERROR ?= 1
VM_TIMEOUT ?= 900

override CACHE := $(abspath $(CACHE))
override BUILD := $(abspath $(BUILD))
# The sub-makes run in other directories.
ifneq ($(DESTDIR),)
override DESTDIR := $(abspath $(DESTDIR))
endif
KSRC := $(CACHE)/linux-source
KSFT_DIR := $(KSRC)/tools/testing/selftests
CHECKPATCH := $(KSRC)/scripts/checkpatch.pl

include scripts/kernels.mk

# --- userspace -----------------------------------------------------------
# zcring-probe's vmlinux.h comes from the first VM kernel's BTF; CO-RE
# relocates the probes on the others.  VMLINUX_BTF= names another image.
ifndef VMLINUX_BTF
BTF_KERNEL_MK := $(CACHE)/kernels/$(firstword $(KVERS_ALL))/kernel.mk
VMLINUX_BTF := $(dir $(BTF_KERNEL_MK))vmlinux
ifneq ($(BTF_KERNEL_MK),$(KERNEL_MK))
$(BTF_KERNEL_MK): scripts/fetch-kernel.sh scripts/extract-vmlinux.sh | deps-packages
	scripts/fetch-kernel.sh $(firstword $(KVERS_ALL)) $(CACHE)
endif
endif
US_MAKE := $(MAKE) -C userspace OUTPUT=$(BUILD)/userspace/ UAPI=$(CURDIR)/uapi \
	KSFT_DIR=$(KSFT_DIR) WERROR=$(WERROR) VMLINUX_BTF=$(VMLINUX_BTF)
KSFT_MAKE := $(MAKE) -C selftests OUTPUT=$(BUILD)/selftests KSFT_DIR=$(KSFT_DIR) \
	KHDR_INCLUDES="-isystem $(CURDIR)/uapi" \
	LIBZCRING_INCLUDE=$(CURDIR)/userspace/lib \
	LIBZCRING_A=$(BUILD)/userspace/lib/libzcring.a \
	USERCFLAGS="$(if $(filter 1,$(WERROR)),-Werror)"
KSFT_INSTALL := $(BUILD)/kselftest

.DEFAULT_GOAL := all
all: modules userspace selftests

# The README's table of targets is the one list of them.
help:
	@scripts/make-help.sh README.md

# --- dependencies --------------------------------------------------------
# deps-packages only checks when nothing is missing; the rest is fetched
# once into the cache, by the rules that need it.
deps: deps-packages
	scripts/fetch-linux-source.sh $(CACHE)
	$(if $(KDIR),,$(foreach k,$(KVERS),scripts/fetch-kernel.sh $k $(CACHE) &&) true)

deps-packages:
	@scripts/deps.sh --check 2>/dev/null || scripts/deps.sh

# The licence texts are for make deb's copyright file.
KSRC_LICENCE := $(KSRC)/LICENSES/preferred/BSD-2-Clause
$(KSFT_DIR)/lib.mk $(CHECKPATCH) $(KSRC_LICENCE): | deps-packages
	scripts/fetch-linux-source.sh $(CACHE)

# --- the module, once per kernel ----------------------------------------
modules:
	@$(foreach k,$(KVERS),$(MAKE) KVER=$(filter-out custom,$k) module &&) true

# kbuild writes next to the sources, so each kernel gets a tree of links to
# them under build/KREL (make install, one of its own).  Warnings fail the
# build when WERROR=1.
link_tree = mkdir -p $(1) && \
	cp -asf $(CURDIR)/Kbuild $(CURDIR)/kmod $(CURDIR)/uapi $(1)/
module: | deps-packages
	@$(call link_tree,$(KBUILD_DIR))
	$(IN_CHROOT) $(MAKE) -C $(KDIR) M=$(KBUILD_DIR) W=1 \
		$(if $(filter 1,$(WERROR)),KCFLAGS=-Werror) modules

# --- userspace and selftests ---------------------------------------------
userspace: | deps-packages $(KSFT_DIR)/lib.mk $(BTF_KERNEL_MK)
	$(US_MAKE) all tests

# The library tests link libzcring.a.
selftests: | deps-packages $(KSFT_DIR)/lib.mk
	$(US_MAKE) lib
	@mkdir -p $(BUILD)/selftests
	$(KSFT_MAKE) all
	@rm -rf $(KSFT_INSTALL)
	$(KSFT_MAKE) install INSTALL_PATH=$(KSFT_INSTALL)/zcring >/dev/null
	@mkdir -p $(KSFT_INSTALL)/kselftest
	@cp $(KSFT_DIR)/run_kselftest.sh $(KSFT_INSTALL)/
	@cp $(KSFT_DIR)/kselftest/runner.sh $(KSFT_DIR)/kselftest/prefix.pl $(KSFT_INSTALL)/kselftest/
	@$(KSFT_MAKE) -s emit_tests COLLECTION=zcring >$(KSFT_INSTALL)/kselftest-list.txt

# --- fuzzing -------------------------------------------------------------
# libFuzzer on libzcring's consume paths (docs/testing.md).  The committed
# seeds are only read: the working corpus, and any input that fails, are
# kept in build/fuzz/ (build/fuzz/check/ for fuzz-check, which starts
# afresh each time).  fuzz-corpus rewrites the seeds from mkcorpus.c.
FUZZ_SECONDS ?= 300
FUZZER := $(BUILD)/userspace/fuzz/consume_fuzz
FUZZ_SEEDS := $(CURDIR)/userspace/lib/fuzz/corpus

fuzz: | deps-packages
	$(US_MAKE) fuzz
	scripts/fuzz.sh $(FUZZER) $(FUZZ_SEEDS) $(BUILD)/fuzz $(FUZZ_SECONDS)

fuzz-check: | deps-packages
	$(US_MAKE) fuzz
	scripts/fuzz.sh --check 'fuzz consume' $(FUZZER) $(FUZZ_SEEDS) \
		$(BUILD)/fuzz/check 60

fuzz-corpus: | deps-packages
	$(US_MAKE) fuzz-corpus

KERNEL_SRCS := $(sort $(wildcard kmod/*.[ch] kmod/*/*.[ch] kmod/*/*/*.[ch])) uapi/linux/zcring.h

checkpatch: | $(CHECKPATCH)
	$(CHECKPATCH) --strict --no-tree --quiet --show-types \
		--ignore FILE_PATH_CHANGES -f $(KERNEL_SRCS)

# The kernel's own .clang-format, from linux-source.
format-check: | $(CHECKPATCH)
	clang-format --style=file:$(KSRC)/.clang-format --dry-run -Werror $(KERNEL_SRCS)

# --- the test VM ---------------------------------------------------------
$(INITRAMFS): testvm/mkinitramfs.sh testvm/init | deps-packages
	@mkdir -p $(@D)
	testvm/mkinitramfs.sh $@ $(VM_MODDIR)

RUN_VM = testvm/run-vm.sh --kernel $(VM_KERNEL) --initrd $(INITRAMFS) \
	$(if $(VM_MODDIR),--moddir $(VM_MODDIR)) --log $(KBUILD_DIR)/kernel.log \
	--timeout $(VM_TIMEOUT) $(VM_OPTS) --

# The soak test verifies CHECK_SOAK_RECORDS records per case: 10^7, and
# 10^6 on the debug kernel, where KASAN makes its producers about ten times
# slower (make soak runs it longer on any kernel).  The session there also
# needs more time than VM_TIMEOUT's default.
# The kernel fuzzer (zcring_fuzz_test) runs CHECK_FUZZ_SECONDS in each
# session: 20 s, and 120 s on the debug kernel, where KASAN, lockdep and
# kmemleak see what it does; make fuzz-kernel runs it alone, longer.
ifeq ($(KVER),$(KVER_DEBUG))
CHECK_SOAK_RECORDS ?= 1000000
CHECK_FUZZ_SECONDS ?= 120
vm-check: VM_TIMEOUT = 1800
else
CHECK_SOAK_RECORDS ?= 10000000
CHECK_FUZZ_SECONDS ?= 20
endif
vm-check: module userspace selftests $(INITRAMFS)
	$(RUN_VM) env ZCRING_SOAK_RECORDS=$(CHECK_SOAK_RECORDS) \
		ZCRING_FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) \
		testvm/guest-check.sh $(MODULE) $(KSFT_INSTALL) \
		$(BUILD)/userspace/tools/zcring-probe

# The kernel fuzzer alone for FUZZ_KERNEL_SECONDS, from FUZZ_SEED if set
# (its first line prints the seed of every run).
FUZZ_KERNEL_SECONDS ?= 600
fuzz-kernel: VM_TIMEOUT = $(shell echo $$(($(FUZZ_KERNEL_SECONDS) + 600)))
fuzz-kernel: module userspace selftests $(INITRAMFS)
	$(RUN_VM) env ZCRING_FUZZ_SECONDS=$(FUZZ_KERNEL_SECONDS) \
		ZCRING_FUZZ_SEED=$(FUZZ_SEED) ZCRING_RUN=zcring_fuzz_test \
		testvm/guest-check.sh $(MODULE) $(KSFT_INSTALL)

# The same session N times in a row, counted by how each ended; BUSY=1
# loads the machine with a second VM meanwhile; REPEAT_CMD= runs that
# command in the VM instead of the kselftests (docs/testing.md).
N ?= 20
check-repeat: module userspace selftests $(INITRAMFS)
	@BUILD=$(BUILD) VM_KERNEL=$(VM_KERNEL) INITRAMFS=$(INITRAMFS) \
		VM_MODDIR=$(VM_MODDIR) scripts/check-repeat.sh $(N) $(KVER) \
		"$(BUSY)" $(if $(REPEAT_CMD),'$(REPEAT_CMD)')

# The runner's own tests: exit status, streaming, log scan, panic, hang,
# the emulator's live-patching defect.
vm-runner-test: $(INITRAMFS)
	testvm/run-vm-test.sh --kernel $(VM_KERNEL) --initrd $(INITRAMFS) \
		$(if $(VM_MODDIR),--moddir $(VM_MODDIR))

vm: module userspace $(INITRAMFS)
	$(RUN_VM) $(or $(CMD),$(error set CMD to the command to run in the VM))

# The soak test alone, longer than make check runs it (docs/testing.md).
SOAK_RECORDS ?= 100000000
soak: VM_TIMEOUT = 14400
soak: module userspace selftests $(INITRAMFS)
	$(RUN_VM) testvm/guest-soak.sh $(MODULE) \
		$(KSFT_INSTALL)/zcring/zcring_soak_test $(SOAK_RECORDS)

DEMO_RECORDS ?= 2000000
DEMO_SIZE ?= 200
demo: module userspace $(INITRAMFS)
	$(RUN_VM) testvm/guest-demo.sh $(MODULE) $(BUILD)/userspace/tools \
		$(DEMO_RECORDS) $(DEMO_SIZE)

# The benchmark (docs/performance.md): one VM run, every transport; the
# guest prints its results, which report.py takes from the VM's output.
BENCH_OUT := $(BUILD)/bench
BENCH_ARGS ?= --duration 1 --reps 3 --producers 1,2
bench-progs: module userspace $(INITRAMFS)
	$(MAKE) -C selftests/bench OUTPUT=$(BENCH_OUT)/ UAPI=$(CURDIR)/uapi \
		LIBZCRING=$(CURDIR)/userspace/lib \
		LIBZCRING_A=$(BUILD)/userspace/lib/libzcring.a \
		WERROR=$(WERROR) VMLINUX_BTF=$(VMLINUX_BTF)

# Under TCG the producers need a host thread per vCPU to run in parallel:
# the benchmark takes that, and with it the emulator's live-patching
# defect, which the runner reports as such (docs/testing.md).
bench: bench-progs
	ZCVM_TCG_THREAD=$${ZCVM_TCG_THREAD:-multi} $(RUN_VM) testvm/guest-bench.sh $(MODULE) $(BENCH_OUT)/zcring-bench \
		$(BENCH_ARGS) | tee $(BENCH_OUT)/vm.log
	python3 selftests/bench/report.py $(BENCH_OUT)/vm.log $(BENCH_OUT)

# How long zcring keeps interrupts off (docs/performance.md): cyclictest
# on the VM's one CPU beside hostile loads, LATENCY_SECONDS each; meant for
# KVER=6.12-rt.  Under TCG only its cases compared with each other count.
LATENCY_SECONDS ?= 20
latency: VM_OPTS = --smp 1
latency: module userspace $(INITRAMFS)
	$(RUN_VM) testvm/guest-latency.sh $(MODULE) $(BUILD)/userspace/tools \
		$(LATENCY_SECONDS)

# The same guest side packed to run on another host (docs/performance.md).
bench-kit: bench-progs
	selftests/bench/mkkit.sh $(BUILD)/bench-kit.tar.xz $(VM_KERNEL) \
		$(INITRAMFS) $(MODULE) $(BENCH_OUT)/zcring-bench

# --- manual pages, installing, Debian packages ---------------------------
MAN_MAKE := $(MAKE) -C docs/man OUTPUT=$(BUILD)/man/

man: | deps-packages
	$(MAN_MAKE) all

man-check: | deps-packages
	$(MAN_MAKE) check

# make install: libzcring (.so, .a, .pc), its headers under
# INCLUDEDIR/zcring, the tools, the manual pages, the udev rule and the
# modprobe.d and modules-load.d files, and the module for one kernel (the
# running one unless KVER= or KDIR= says another; left out, saying so,
# when that one has no headers) through kbuild's modules_install, all
# under DESTDIR; PREFIX (default /usr/local) for the
# first four.  Installing on the machine itself (no DESTDIR) also runs
# depmod and creates the zcring group the udev rule names; make uninstall
# undoes each.
INSTALL_KBUILD := $(BUILD)/install/$(KREL)
INSTALL_MOD := $(IN_CHROOT) $(MAKE) -C $(KDIR) M=$(INSTALL_KBUILD) \
	ZCRING_NO_SAMPLES=1
# A kernel built in a chroot (KVER=unstable) is not this machine's.
ifneq ($(KBUILD_CHROOT),)
ifeq ($(DESTDIR),)
ifneq ($(filter install uninstall,$(MAKECMDGOALS)),)
$(error make install for $(KREL) needs a DESTDIR: it is another machine's kernel)
endif
endif
endif
install: userspace man
	$(US_MAKE) install
	$(MAN_MAKE) install
	$(MAKE) -C kmod/dist install
ifdef NO_MODULE_INSTALL
	@echo "make install: the module is not installed: $(NO_MODULE_INSTALL)" >&2
else
	@rm -rf $(INSTALL_KBUILD)
	@$(call link_tree,$(INSTALL_KBUILD))
	$(if $(DESTDIR),@mkdir -p $(DESTDIR))
	$(INSTALL_MOD) modules
	$(INSTALL_MOD) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates \
		modules_install
endif
ifeq ($(DESTDIR),)
	$(if $(KREL),depmod -a $(KREL))
	getent group zcring >/dev/null || groupadd --system zcring
endif

uninstall:
	$(US_MAKE) uninstall
	$(MAN_MAKE) uninstall
	$(MAKE) -C kmod/dist uninstall
ifdef KREL
	find $(DESTDIR)/lib/modules/$(KREL)/updates -name 'zcring.ko*' -delete \
		2>/dev/null || true
endif
ifeq ($(DESTDIR),)
	$(if $(KREL),depmod -a $(KREL))
	! getent group zcring >/dev/null || groupdel zcring
endif

# The packages, in build/deb/, checked by lintian (docs/packages.md).
DEB_OUT := $(BUILD)/deb
deb: | deps-packages $(KSRC_LICENCE) $(BTF_KERNEL_MK)
	scripts/mkdeb.sh $(DEB_OUT) $(KSRC) $(VMLINUX_BTF)

# The packages on one kernel: DKMS builds the module from zcring-dkms, here
# against KDIR with a DKMS tree of its own (in the kernel's chroot, where it
# has one), and in the test VM from dpkg -i to dpkg --purge
# (testvm/guest-packages.sh).
dkms-build:
	$(IN_CHROOT) scripts/dkms-build.sh $(DEB_OUT) $(KREL) $(KDIR) $(BUILD)/dkms/$(KREL)

# A kernel built in a chroot (KVER=unstable) gets that chroot as the VM's
# root: its packages are installed on that system.
vm-packages: VM_OPTS += $(if $(KBUILD_CHROOT),--root $(KBUILD_CHROOT) --bind $(BUILD))
vm-packages: $(INITRAMFS)
	$(RUN_VM) testvm/guest-packages.sh $(DEB_OUT) $(KDIR)

check: deps-packages | $(KSFT_DIR)/lib.mk
	@KVERS="$(KVERS)" BUILD=$(BUILD) KSFT_DIR=$(KSFT_DIR) scripts/check.sh

# Every kselftest on the debug kernel (kernel-debug/debug.config: KASAN,
# lockdep, kmemleak, fault injection), built into the cache on first use.
check-debug: deps-packages | $(KSFT_DIR)/lib.mk
	@KVERS=$(KVER_DEBUG) KERNELS_ONLY=1 BUILD=$(BUILD) KSFT_DIR=$(KSFT_DIR) \
		scripts/check.sh

clean:
	rm -rf $(BUILD)

.PHONY: all help deps deps-packages modules module userspace selftests \
	fuzz fuzz-check fuzz-corpus fuzz-kernel checkpatch format-check vm-check \
	check-repeat vm-runner-test vm demo soak bench bench-progs bench-kit \
	latency man man-check install uninstall deb dkms-build \
	vm-packages check clean
