# SPDX-License-Identifier: GPL-2.0
#
# BPF programs with their skeletons, for the Makefiles of zcring-probe
# (userspace/) and zcring-bench (selftests/bench/).  The includer sets
# BPF_OUT (a build directory ending in /), BPF_SRC (where NAME.bpf.c and
# NAME.h sit, ending in / or empty), VMLINUX_BTF and WERROR_FLAG, and
# depends on $(BPF_OUT)NAME.skel.h.
#
# The programs are compiled by clang against a vmlinux.h made at build
# time from VMLINUX_BTF (a kernel image with a .BTF section, or raw BTF
# such as /sys/kernel/btf/vmlinux), and bpftool makes the skeleton.
# CO-RE relocates them at load time, so one build serves every kernel
# whose BTF has what they use.  vmlinux.h is generated, never committed:
# it belongs to the kernel it came from.

CLANG ?= clang
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 \
	      -Wall $(WERROR_FLAG) -I$(BPF_OUT)

$(VMLINUX_BTF):
	@echo "no BTF at $@: set VMLINUX_BTF to a kernel image with .BTF" >&2; exit 1

$(BPF_OUT)vmlinux.h: $(VMLINUX_BTF)
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $< format c >$@.tmp
	mv $@.tmp $@

# bpftool's static linker checks the object and drops its DWARF; the BTF
# that CO-RE and the skeleton need stays.
$(BPF_OUT)%.bpf.o: $(BPF_SRC)%.bpf.c $(BPF_SRC)%.h $(BPF_OUT)vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $(@:.o=.tmp.o)
	$(BPFTOOL) gen object $@ $(@:.o=.tmp.o)
	rm -f $(@:.o=.tmp.o)

# Kept, for bpftool prog and for a look at what the verifier was given.
.PRECIOUS: $(BPF_OUT)%.bpf.o

$(BPF_OUT)%.skel.h: $(BPF_OUT)%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf >$@.tmp
	mv $@.tmp $@
