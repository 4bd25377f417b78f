# images/: the OCI image store, layers and the image commands, linked into
# build/bin/container (see images/README.md).
IMAGES_SRCS := $(filter-out images/archive_static.c,$(wildcard images/*.c))
IMAGES_LIBS := -larchive -lcrypto -ljansson -lz

# The container binary is static: libarchive.a's disk writer needs libacl.a
# (libacl1-dev); archive_static.c keeps libxml2 and ICU out (see there).
IMAGES_STATIC_LIBS := -larchive -lacl -lcrypto -lz -lpthread

$(call objs,$(IMAGES_SRCS) container/main.c): CPPFLAGS += -Iimages -Icontainer
$(call asan_objs,$(IMAGES_SRCS) tests/unit/test_images.c): CPPFLAGS += -Iimages -Icontainer
$(BIN)/container: $(call objs,$(IMAGES_SRCS) images/archive_static.c)
CONTAINER_LIBS_STATIC += $(IMAGES_STATIC_LIBS)

$(eval $(call unit_test,test_images,tests/unit/test_images.c $(IMAGES_SRCS) $(COMMON_SRCS) $(filter-out container/main.c,$(wildcard container/*.c)),$(IMAGES_LIBS) -lcap -lseccomp))

# The flattening of `container image export --initramfs` (images/initramfs.c).
$(call asan_objs,tests/unit/test_initramfs.c): CPPFLAGS += -Iimages -Icontainer
$(eval $(call unit_test,test_initramfs,tests/unit/test_initramfs.c $(IMAGES_SRCS) $(COMMON_SRCS) $(filter-out container/main.c,$(wildcard container/*.c)),$(IMAGES_LIBS) -lcap -lseccomp))
