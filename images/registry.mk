# images/registry/: the registry client, build/bin/container-registry, which
# `container pull` and `container push` execute (see images/README.md). A
# binary of its own: linked dynamically with libcurl, so that the static
# build/bin/container keeps its fast start.
REGISTRY_SRCS := $(filter-out images/registry/main.c,$(wildcard images/registry/*.c))
REGISTRY_LIBS := -lcurl -lcrypto -ljansson
# the store (images/*.c) as an archive: only the members used are linked
REGISTRY_STORE_LIBS := -larchive -lz

# Built once the store (images/store.c) is there.
ifneq ($(wildcard images/store.c),)
$(call objs,$(REGISTRY_SRCS) images/registry/main.c) $(call asan_objs,$(REGISTRY_SRCS) tests/unit/test_registry.c): CPPFLAGS += -Iimages -Iimages/registry

$(BUILD)/images/libstore.a: $(call objs,$(IMAGES_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/images/libstore-asan.a: $(call asan_objs,$(IMAGES_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BIN)/container-registry: $(call objs,images/registry/main.c $(REGISTRY_SRCS) $(COMMON_SRCS)) $(BUILD)/images/libstore.a
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(REGISTRY_LIBS) $(REGISTRY_STORE_LIBS)

BINS += $(BIN)/container-registry

$(BUILD)/tests/test_registry: $(BUILD)/images/libstore-asan.a
$(eval $(call unit_test,test_registry,tests/unit/test_registry.c $(REGISTRY_SRCS) $(COMMON_SRCS),$(BUILD)/images/libstore-asan.a $(REGISTRY_LIBS) $(REGISTRY_STORE_LIBS)))
endif
