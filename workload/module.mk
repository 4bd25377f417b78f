# workload/: the shared static workload (no libc) and its compute core.
WORKLOAD_SRCS := workload/main.c workload/sys.c workload/vmexit.c workload/job.c workload/sha256.c workload/mem.c
WORKLOAD_CFLAGS := -Os -static -nostdlib -ffreestanding -fno-stack-protector -fno-pie \
	-no-pie -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections \
	-Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack -s \
	-Wl,-n # -n: no page alignment of segments, halves the file (4.5 KB)

$(BIN)/workload: $(WORKLOAD_SRCS) workload/job.h workload/sha256.h workload/sys.h workload/vmexit.h workload/module.mk
	@mkdir -p $(@D)
	$(CC) $(WARN) $(WORKLOAD_CFLAGS) -o $@ $(WORKLOAD_SRCS)

BINS += $(BIN)/workload

$(eval $(call unit_test,test_workload,tests/unit/test_workload.c workload/job.c workload/sha256.c,))
