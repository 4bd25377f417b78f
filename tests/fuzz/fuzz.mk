# tests/fuzz/: libFuzzer harnesses (clang, scripts/deps.sh group "fuzz"),
# built with ASan and UBSan into build/fuzz/NAME.
#
#   make fuzz         run each target for FUZZ_TIME seconds (default 600);
#                     new inputs collect in build/fuzz/corpus/NAME, crashes
#                     in build/fuzz/crashes/ (commit each as a regression
#                     input: tests/fuzz/regress/NAME/)
#   make fuzz-short   tests/run-fuzz-short.sh: every committed input once,
#                     then FUZZ_SHORT_TIME seconds (default 30) per target
#
# Seeds: tests/fuzz/corpus/NAME; dictionaries: tests/fuzz/NAME.dict.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 600
FUZZ_FLAGS := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O1 -g \
              -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
              -Wno-gnu-variable-sized-type-not-at-end
FUZZ_LINK  := -fsanitize=fuzzer,address,undefined

FUZZ_TARGETS := fuzz_oci_config fuzz_kernel_image fuzz_bench_json fuzz_devices fuzz_image_ref
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

fuzz_objs = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(CPPFLAGS) $(FUZZ_CPPFLAGS) -c -o $@ $<

$(BUILD)/fuzz/obj/vmm/%.o $(BUILD)/fuzz/obj/tests/fuzz/fuzz_kernel_image.o \
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_devices.o: FUZZ_CPPFLAGS := -iquote vmm
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_oci_config.o: FUZZ_CPPFLAGS := -iquote container
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_bench_json.o: FUZZ_CPPFLAGS := -iquote bench
$(BUILD)/fuzz/obj/tests/fuzz/fuzz_image_ref.o $(BUILD)/fuzz/obj/images/%.o: FUZZ_CPPFLAGS := -iquote images -iquote container

FUZZ_CONTAINER_SRCS := $(filter-out container/main.c,$(wildcard container/*.c)) $(COMMON_SRCS)
FUZZ_LOADER_SRCS := vmm/loader.c vmm/elf.c vmm/bzimage.c vmm/memory.c vmm/x86.c $(COMMON_SRCS)
FUZZ_DEVICE_SRCS := vmm/bus.c $(wildcard vmm/hw/*.c) $(COMMON_SRCS)
FUZZ_BENCH_SRCS := $(filter-out bench/main.c,$(wildcard bench/*.c)) $(COMMON_SRCS)

$(BUILD)/fuzz/fuzz_oci_config: $(call fuzz_objs,tests/fuzz/fuzz_oci_config.c $(FUZZ_CONTAINER_SRCS))
	$(FUZZ_CC) $(FUZZ_LINK) -o $@ $^ -lcap -ljansson -lseccomp
$(BUILD)/fuzz/fuzz_kernel_image: $(call fuzz_objs,tests/fuzz/fuzz_kernel_image.c $(FUZZ_LOADER_SRCS))
	$(FUZZ_CC) $(FUZZ_LINK) -o $@ $^ -pthread
$(BUILD)/fuzz/fuzz_devices: $(call fuzz_objs,tests/fuzz/fuzz_devices.c $(FUZZ_DEVICE_SRCS))
	$(FUZZ_CC) $(FUZZ_LINK) -o $@ $^ -pthread
$(BUILD)/fuzz/fuzz_bench_json: $(call fuzz_objs,tests/fuzz/fuzz_bench_json.c $(FUZZ_BENCH_SRCS))
	$(FUZZ_CC) $(FUZZ_LINK) -o $@ $^ -ljansson -lz -lm
# images/ref.c and layers.c (layers.c needs the store for its unpacking)
FUZZ_IMAGE_SRCS := images/ref.c images/layers.c images/store.c $(COMMON_SRCS)
$(BUILD)/fuzz/fuzz_image_ref: $(call fuzz_objs,tests/fuzz/fuzz_image_ref.c $(FUZZ_IMAGE_SRCS))
	$(FUZZ_CC) $(FUZZ_LINK) -o $@ $^ -larchive -lcrypto -ljansson -lz

.PHONY: fuzz fuzz-build fuzz-short
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/crashes; \
		echo "== $$t: $(FUZZ_TIME) s"; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/crashes/$$t- \
			$$(cat tests/fuzz/$$t.options 2>/dev/null) \
			$$( [ -f tests/fuzz/$$t.dict ] && echo -dict=tests/fuzz/$$t.dict ) \
			$(BUILD)/fuzz/corpus/$$t tests/fuzz/corpus/$$t \
			$$( [ -d tests/fuzz/regress/$$t ] && echo tests/fuzz/regress/$$t ) || exit 1; \
	done

fuzz-short: fuzz-build
	@tests/run-fuzz-short.sh
-include $(shell find $(BUILD)/fuzz/obj -name "*.d" 2>/dev/null)

# Line coverage of the files under test over the corpora (llvm-cov).
.PHONY: fuzz-coverage
fuzz-coverage:
	@tests/fuzz/coverage.sh
