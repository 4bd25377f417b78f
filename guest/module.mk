# guest/: what runs inside the VMs.
#   build/guest/bzImage            minimal Linux from Debian's linux-source-6.1
#   build/guest/initramfs.cpio.gz  the workload as /init, nothing else
#   build/guest/baremetal.elf      the bare-metal guest (64-bit and PVH entry)

# --- Linux guest -----------------------------------------------------------
# The kernel is rebuilt only when its config fragment or the scripts change;
# the script itself recompiles only what changed (objects in build/kernel).
$(BUILD)/guest/bzImage: guest/kernel.config guest/build-kernel.sh guest/check-config.sh
	@KBUILD_DIR=$(BUILD)/kernel guest/build-kernel.sh $@

$(BUILD)/guest/initramfs.cpio.gz: $(BIN)/workload guest/mkinitramfs.sh
	guest/mkinitramfs.sh $< $@

# --- the init of a microVM made from an OCI image ---------------------------
# build/bin/vclab-init: static, no libc (like the workload, whose syscall
# and exit-port code it shares); `container image export --initramfs` puts
# it into every image's initramfs as /.vclab/init (images/initramfs.c).
IMAGEINIT_SRCS := guest/imageinit/init.c workload/sys.c workload/vmexit.c

$(BIN)/vclab-init: $(IMAGEINIT_SRCS) workload/sys.h workload/vmexit.h guest/module.mk workload/module.mk
	@mkdir -p $(@D)
	$(CC) $(WARN) $(WORKLOAD_CFLAGS) -Iworkload -o $@ $(IMAGEINIT_SRCS)

BINS += $(BIN)/vclab-init

# --- bare-metal guest --------------------------------------------------------
# Freestanding: no libc, no SSE (nobody enabled it for us), no red zone
# (nothing may scribble below rsp, though no interrupts are on anyway),
# absolute addresses below 2 GiB.
BM_SRCS := guest/baremetal/start.S guest/baremetal/main.c guest/baremetal/serial.c guest/baremetal/fault.c \
	guest/baremetal/cmdline.c guest/baremetal/pvh.c guest/baremetal/heap.c \
	workload/mem.c workload/job.c workload/sha256.c
BM_OBJS := $(patsubst %,$(BUILD)/baremetal/%.o,$(basename $(BM_SRCS)))
BM_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-builtin -nostdlib \
	-mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie -mcmodel=small \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections \
	-Iworkload -Iguest/baremetal -MMD -MP
BM_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,guest/baremetal/link.ld -Wl,--build-id=none -Wl,--strip-debug \
	-Wl,--gc-sections -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments

$(BUILD)/baremetal/%.o: %.c guest/module.mk
	@mkdir -p $(@D)
	$(CC) $(BM_CFLAGS) -c -o $@ $<

$(BUILD)/baremetal/%.o: %.S guest/module.mk
	@mkdir -p $(@D)
	$(CC) $(BM_CFLAGS) -c -o $@ $<

$(BUILD)/guest/baremetal.elf: $(BM_OBJS) guest/baremetal/link.ld
	@mkdir -p $(@D)
	$(CC) $(BM_LDFLAGS) -o $@ $(BM_OBJS)

-include $(BM_OBJS:.o=.d)

GUEST += $(BUILD)/guest/bzImage $(BUILD)/guest/initramfs.cpio.gz $(BUILD)/guest/baremetal.elf

# Host-side unit tests of the guest's pure parts (command line, PVH start
# info, heap), built with ASan/UBSan like every unit test.
$(eval $(call unit_test,test_guest,tests/unit/test_guest.c guest/baremetal/cmdline.c \
	guest/baremetal/pvh.c guest/baremetal/heap.c guest/baremetal/fault.c workload/job.c workload/sha256.c,))
