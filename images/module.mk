# images/: the OCI image store, layers and the image commands, linked into
# build/bin/container (see images/README.md).
IMAGES_SRCS := $(wildcard images/*.c)
IMAGES_LIBS := -larchive -lcrypto -ljansson -lz

# The container binary is static: libarchive.a and libcrypto.a need these
# (only what the tar reader, the disk writer and SHA-256 pull in).
IMAGES_STATIC_LIBS := -larchive -lacl -lnettle -lxml2 -licuuc -licudata -lstdc++ -lm -llzma -lbz2 -lcrypto -lz -lpthread

$(call objs,$(IMAGES_SRCS) container/main.c): CPPFLAGS += -Iimages -Icontainer
$(call asan_objs,$(IMAGES_SRCS) tests/unit/test_images.c): CPPFLAGS += -Iimages -Icontainer
$(BIN)/container: $(call objs,$(IMAGES_SRCS))
CONTAINER_LIBS_STATIC += $(IMAGES_STATIC_LIBS)

$(eval $(call unit_test,test_images,tests/unit/test_images.c $(IMAGES_SRCS) $(COMMON_SRCS) $(filter-out container/main.c,$(wildcard container/*.c)),$(IMAGES_LIBS) -lcap -lseccomp))
