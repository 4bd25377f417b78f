#include "kvmhost.h"

#include <unistd.h>

bool vc_kvm_is_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0 &&
	       access("/sys/module/kvm_amd", F_OK) < 0 && access("/sys/module/kvm_intel", F_OK) < 0;
}
