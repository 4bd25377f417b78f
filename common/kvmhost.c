#include "kvmhost.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool module_loaded(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

bool vc_kvm_is_pvm(void)
{
	return vc_kvm_accel() == VC_ACCEL_PVM;
}

/* Does /proc/cpuinfo's first "flags" line carry "hypervisor"? */
static bool cpu_has_hypervisor_flag(void)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		found = strstr(line, " hypervisor") != NULL;
		break;
	}
	fclose(f);
	return found;
}

enum vc_accel vc_accel_classify(bool pvm_module, bool hw_module, bool hypervisor_flag)
{
	if (hw_module)
		return hypervisor_flag ? VC_ACCEL_NESTED : VC_ACCEL_KVM;
	return pvm_module ? VC_ACCEL_PVM : VC_ACCEL_NONE;
}

enum vc_accel vc_kvm_accel(void)
{
	bool hw = module_loaded("kvm_intel") || module_loaded("kvm_amd");

	return vc_accel_classify(module_loaded("kvm_pvm"), hw, hw && cpu_has_hypervisor_flag());
}

static const char *const names[] = {
    [VC_ACCEL_NONE] = "none",
    [VC_ACCEL_KVM] = "kvm",
    [VC_ACCEL_NESTED] = "nested",
    [VC_ACCEL_PVM] = "kvm-pvm",
};

const char *vc_accel_name(enum vc_accel a)
{
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "none";
}

int vc_accel_parse(const char *s, enum vc_accel *out)
{
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum vc_accel)i;
			return 0;
		}
	return -1;
}
