# images/build.mk: `container build` (Dockerfile parsing, .dockerignore, the
# layer writer, the build cache and the builder). The rest of images/ (the
# store, import, run of an image, pull/push) has its own images/module.mk.
IMG_BUILD_SRCS := images/dockerfile.c images/dockerignore.c

$(eval $(call unit_test,test_dockerfile,tests/unit/test_dockerfile.c $(IMG_BUILD_SRCS) $(COMMON_SRCS),-ljansson -lm))

$(BUILD)/asan/tests/unit/test_dockerfile.o: CPPFLAGS += -Iimages
