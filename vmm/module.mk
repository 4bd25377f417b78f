# vmm/: the KVM hypervisor, build/bin/vmm.
VMM_SRCS := $(filter-out vmm/main.c,$(wildcard vmm/*.c)) $(wildcard vmm/hw/*.c)
VMM_CPPFLAGS := -iquote vmm

BINS += $(BIN)/vmm

$(BIN)/vmm: $(call objs,vmm/main.c $(VMM_SRCS) $(COMMON_SRCS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ $^

# vmm headers are included as "bus.h", "hw/uart16550.h" (-iquote: vmm/elf.h must
# not hide <elf.h>).
$(call objs,vmm/main.c $(VMM_SRCS)) $(call asan_objs,$(VMM_SRCS)): CPPFLAGS += $(VMM_CPPFLAGS)
$(call asan_objs,$(wildcard tests/unit/test_vmm*.c)): CPPFLAGS += $(VMM_CPPFLAGS)

$(eval $(call unit_test,test_vmm_devices,tests/unit/test_vmm_devices.c $(VMM_SRCS) $(COMMON_SRCS),-pthread))
$(eval $(call unit_test,test_vmm_boot,tests/unit/test_vmm_boot.c $(VMM_SRCS) $(COMMON_SRCS),-pthread))
$(eval $(call unit_test,test_vmm_mptable,tests/unit/test_vmm_mptable.c vmm/mptable.c $(COMMON_SRCS),))
$(eval $(call unit_test,test_vmm_image,tests/unit/test_vmm_image.c vmm/image.c $(COMMON_SRCS),))
