# bench/: build/bin/bench, the comparison of runners (see docs/measurement.md).
BENCH_LIB_SRCS := $(filter-out bench/main.c,$(wildcard bench/*.c))
BENCH_SRCS     := $(BENCH_LIB_SRCS) bench/main.c

$(BIN)/bench: $(call objs,$(BENCH_SRCS) $(COMMON_SRCS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -ljansson -lz -lm

BINS += $(BIN)/bench

$(eval $(call unit_test,test_bench_stats,tests/unit/test_bench_stats.c bench/stats.c,-lm))
$(eval $(call unit_test,test_bench_report,tests/unit/test_bench_report.c $(BENCH_LIB_SRCS) $(COMMON_SRCS),-ljansson -lz -lm))
$(eval $(call unit_test,test_bench_diff,tests/unit/test_bench_diff.c $(BENCH_LIB_SRCS) $(COMMON_SRCS),-ljansson -lz -lm))
$(eval $(call unit_test,test_bench_args,tests/unit/test_bench_args.c $(BENCH_LIB_SRCS) $(COMMON_SRCS),-ljansson -lz -lm))
$(eval $(call unit_test,test_bench_spawn,tests/unit/test_bench_spawn.c bench/spawn.c bench/measure.c $(COMMON_SRCS),-lm))

# bench/floor/: ns-floor, the kernel's floor under a runtime's start-up
# (clone3 with the namespaces, exec, wait), timed by bench/crun-compare.sh.
$(BIN)/ns-floor: $(call objs,bench/floor/ns-floor.c)
	@mkdir -p $(@D)
	$(CC) -static -o $@ $^

BINS += $(BIN)/ns-floor
