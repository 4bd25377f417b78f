# common/: error objects, number/size parsing, the step timeline.
$(eval $(call unit_test,test_common,tests/unit/test_common.c $(COMMON_SRCS),-lm))
