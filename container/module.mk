# container/: the container runtime build/bin/container, its unit tests, the
# static probe for the test rootfs and the test rootfs build/rootfs/test.
# (container/cgroup.mk adds the cgroup backends' own tests.)
CONTAINER_SRCS := $(filter-out container/main.c,$(wildcard container/*.c))
CONTAINER_LIBS := -lcap -ljansson -lseccomp

# Linked statically: no dynamic loader and no three shared libraries to map
# at every start, ~0.3 ms of a ~3.5 ms container start (bench/crun-compare.sh).
$(BIN)/container: $(call objs,container/main.c $(CONTAINER_SRCS) $(COMMON_SRCS))
	@mkdir -p $(@D)
	$(CC) -static -o $@ $^ $(CONTAINER_LIBS_STATIC) $(CONTAINER_LIBS)

BINS += $(BIN)/container

$(eval $(call unit_test,test_container_spec,tests/unit/test_container_spec.c $(CONTAINER_SRCS) $(COMMON_SRCS),$(CONTAINER_LIBS)))

# The probe answers questions from inside a container (tests/container/probe.c).
# Static: the test rootfs has no libc.
$(BUILD)/container/probe: tests/container/probe.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -static -o $@ $<

# build/rootfs/test: busybox-static with its applet links, /probe, and
# /workload when the workload is built.
ROOTFS_TEST := $(BUILD)/rootfs/test
ROOTFS_WORKLOAD := $(if $(wildcard workload/module.mk),$(BIN)/workload)
$(ROOTFS_TEST)/.stamp: $(BUILD)/container/probe $(ROOTFS_WORKLOAD) container/module.mk
	tests/container/make-rootfs.sh $(ROOTFS_TEST) $(BUILD)/container/probe $(ROOTFS_WORKLOAD)
	@touch $@

BINS += $(ROOTFS_TEST)/.stamp
