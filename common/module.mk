# common/: error objects, number/size parsing, the step timeline, the procfs/cgroupfs reader.
$(eval $(call unit_test,test_common,tests/unit/test_common.c $(COMMON_SRCS),-lm))
