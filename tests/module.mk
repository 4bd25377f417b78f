# tests/: programs the test suites run (unit tests register in their owner's
# module.mk). kvm_smoke is a normal build: it runs inside the test host.
KVM_SMOKE_SRCS := tests/kvm/smoke/kvm_smoke.c tests/kvm/smoke/guest.S

$(BUILD)/tests/kvm_smoke: $(KVM_SMOKE_SRCS) $(call objs,common/error.c) tests/module.mk
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(filter-out -MMD -MP,$(CPPFLAGS)) -o $@ $(KVM_SMOKE_SRCS) \
		$(call objs,common/error.c)

BINS += $(BUILD)/tests/kvm_smoke
include tests/fuzz/fuzz.mk
include tests/soak/soak.mk
