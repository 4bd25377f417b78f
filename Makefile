# vclab — one build for the VMM, the container runtime, the bench, the guest
# artifacts and the tests. Everything goes out of tree under build/.
#
#   make            build all binaries and guest artifacts
#   make bench      install what is missing, build, run `bench run --compare`
#   make test       install what is missing, build, run every test suite
#   make bench-image      the course example (examples/python-app) as container and microVM:
#                         results/bench-python.{json,md,svg}
#   make bench-testhost   the bench inside the KVM test host (VM rows; functional figures)
#   make fuzz       each libFuzzer target for FUZZ_TIME s (600); make test runs fuzz-short
#   make soak       back-to-back containers and VMs, SIGKILLed set-ups (long; not in make test)
#   make deps       install the Debian packages the project needs (as root)
#
# Each folder adds its part through its own *.mk files (FOLDER/module.mk).

BUILD   ?= build
BIN     := $(BUILD)/bin
CC      ?= gcc

WARN     := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
CFLAGS   ?= -O2 -g
CPPFLAGS += -Icommon -MMD -MP
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Object lists: $(call objs,SRCS) for the normal build, $(call asan_objs,SRCS)
# for the sanitizer build the unit tests link against.
objs      = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
asan_objs = $(patsubst %.c,$(BUILD)/asan/%.o,$(1))

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g $(SANITIZE) $(CPPFLAGS) -c -o $@ $<

# $(eval $(call unit_test,NAME,SOURCES,LIBS)): a cmocka test binary built
# with ASan/UBSan as $(BUILD)/tests/NAME, run by `make unit`.
define unit_test
UNIT_TESTS += $(BUILD)/tests/$(1)
$(BUILD)/tests/$(1): $(call asan_objs,$(2))
	@mkdir -p $$(@D)
	$$(CC) $(SANITIZE) -o $$@ $$^ -lcmocka $(3)
endef

BINS       :=
GUEST      :=
UNIT_TESTS :=

COMMON_SRCS := $(wildcard common/*.c)

all: build

# Every target but those that install (test, bench, deps*) or need nothing
# (clean, format) first checks that the Debian packages are there, and names
# the one command to run when they are not.
NO_CHECK_GOALS := test bench deps deps-build deps-test deps-bench clean format
ifneq ($(filter-out $(NO_CHECK_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS_GROUPS := build guest $(if $(filter testhost bench-testhost,$(MAKECMDGOALS)),testhost) $(if $(filter bench-image,$(MAKECMDGOALS)),bench registry)
DEPS_MISSING := $(shell scripts/deps.sh --check $(DEPS_GROUPS) 2>&1 >/dev/null)
ifneq ($(DEPS_MISSING),)
$(error $(DEPS_MISSING))
endif
endif

include $(wildcard */*.mk)

.PHONY: all build bins guest deps deps-build deps-test deps-bench unit e2e testhost test bench bench-image bench-testhost clean format lint

build: bins guest
bins: $(BINS)
guest: $(GUEST)

# --- dependencies: Debian packages only, installed by one script ---------
deps:
	@scripts/deps.sh build testhost guest bench engines registry
deps-build:
	@scripts/deps.sh build
deps-test:
	@scripts/deps.sh build testhost guest engines registry
deps-bench:
	@scripts/deps.sh build guest bench

# --- tests ----------------------------------------------------------------
unit: $(UNIT_TESTS)
	@tests/run-unit.sh $(UNIT_TESTS)

e2e: build
	@tests/run-e2e.sh tests/e2e tests/labs

testhost: build
	@tests/testhost/run-suite.sh

test: deps-test
	@$(MAKE) --no-print-directory build $(UNIT_TESTS)
	@tests/run-all.sh

bench: deps-bench
	@$(MAKE) --no-print-directory build
	$(BIN)/bench run --compare

# The course example both ways: the debootstrapped base (scripts/base-image.sh,
# kept in /var/cache/vclab), examples/python-app built on it, then every runner
# on that image; podman and docker too (BENCH_IMAGE_FLAGS= leaves them out).
PYTHON_IMAGE := vclab-examples/python-app
BENCH_IMAGE_FLAGS ?= --engines
bench-image: build
	scripts/base-image.sh
	$(BIN)/container build -t $(PYTHON_IMAGE) examples/python-app
	@mkdir -p results
	$(BIN)/bench run --compare --image $(PYTHON_IMAGE) $(BENCH_IMAGE_FLAGS) \
	  --json results/bench-python.json --markdown results/bench-python.md --svg results/bench-python.svg

# The VM rows need real KVM: run the same bench inside the test host. Its
# figures are functional only (nested KVM under QEMU TCG), never performance.
bench-testhost: build
	@mkdir -p results
	@{ echo "> Measured inside the KVM test host (nested KVM under QEMU TCG): functional figures only."; \
	   echo; \
	   tests/testhost/run.sh --timeout 1800 -- bash -c \
	     'build/bin/bench run --compare --quiet --json /tmp/b.json --markdown /tmp/b.md --svg /tmp/b.svg && cat /tmp/b.md'; \
	 } > results/bench-testhost.md.tmp && mv results/bench-testhost.md.tmp results/bench-testhost.md
	@cat results/bench-testhost.md
	@echo "wrote results/bench-testhost.md"
	@# the course example's VM rows: the image travels as an OCI layout in build/bench
	@if ! $(BIN)/container image inspect $(PYTHON_IMAGE) >/dev/null 2>&1; then \
	   echo "bench-testhost: $(PYTHON_IMAGE) is not in the store (make bench-image): no VM rows for it"; \
	 else \
	   $(BIN)/container image save $(PYTHON_IMAGE) build/bench/python-app.oci.tar && \
	   { echo "> $(PYTHON_IMAGE) inside the KVM test host (nested KVM under QEMU TCG): functional figures only."; \
	     echo; \
	     tests/testhost/run.sh --timeout 1800 --mem 3G -- bash -c \
	       'export VCLAB_STORE=/tmp/store; build/bin/container image load build/bench/python-app.oci.tar $(PYTHON_IMAGE) >/dev/null && build/bin/bench run --image $(PYTHON_IMAGE) --runner container,microvm --runs 2 --warmup 0 --timeout 600 --quiet --json /tmp/b.json --markdown /tmp/b.md --svg /tmp/b.svg && cat /tmp/b.md'; \
	   } > results/bench-python-testhost.md.tmp; rc=$$?; rm -f build/bench/python-app.oci.tar; \
	   if [ $$rc != 0 ]; then rm -f results/bench-python-testhost.md.tmp; exit $$rc; fi; \
	   mv results/bench-python-testhost.md.tmp results/bench-python-testhost.md; \
	   cat results/bench-python-testhost.md; echo "wrote results/bench-python-testhost.md"; \
	 fi

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	@shellcheck -x $$(git ls-files '*.sh') .ci/run
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -D_GNU_SOURCE -Icommon $$(git ls-files '*.c')

-include $(shell find $(BUILD)/obj $(BUILD)/asan -name '*.d' 2>/dev/null)
