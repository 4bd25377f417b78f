# container/: the cgroup backends (cgroup.c, cgroup-v1.c, cgroup-v2.c).
# container/module.mk links them into the container binary; this fragment
# adds their unit tests and cg_probe, the driver of tests/e2e/cgroup_limits.sh.
CGROUP_SRCS := container/cgroup.c container/cgroup-v1.c container/cgroup-v2.c container/cgroup-devices.c

# The unit test fakes the kernel's side of cgroupfs: statfs, mkdir, rmdir and open
# are wrapped (see tests/unit/test_cgroup.c).
$(eval $(call unit_test,test_cgroup,tests/unit/test_cgroup.c $(CGROUP_SRCS) $(COMMON_SRCS),-Xlinker --wrap=statfs -Xlinker --wrap=mkdir -Xlinker --wrap=rmdir -Xlinker --wrap=open))

BINS += $(BUILD)/tests/cg_probe
$(BUILD)/tests/cg_probe: $(call objs,tests/cgroup/cg_probe.c $(CGROUP_SRCS) $(COMMON_SRCS))
	@mkdir -p $(@D)
	$(CC) -o $@ $^
