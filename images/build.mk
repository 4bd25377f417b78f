# images/build.mk: `container build` (Dockerfile parsing, .dockerignore, the
# layer writer, the build cache and the builder). The rest of images/ (the
# store, import, run of an image, pull/push) has its own images/module.mk.
IMG_BUILD_SRCS := images/dockerfile.c images/dockerignore.c

$(eval $(call unit_test,test_dockerfile,tests/unit/test_dockerfile.c $(IMG_BUILD_SRCS) $(COMMON_SRCS),-ljansson -lm))

$(BUILD)/asan/tests/unit/test_dockerfile.o: CPPFLAGS += -Iimages

# The layer writer against a real store in a temp directory.
IMG_LAYER_TEST_SRCS := $(filter-out images/archive_static.c,$(wildcard images/*.c)) \
	$(filter-out container/main.c,$(wildcard container/*.c))
$(eval $(call unit_test,test_build_layer,tests/unit/test_build_layer.c $(IMG_LAYER_TEST_SRCS) $(COMMON_SRCS),-larchive -lcrypto -ljansson -lz -lcap -lseccomp))
$(BUILD)/asan/tests/unit/test_build_layer.o: CPPFLAGS += -Iimages -Icontainer
