/* What kind of KVM this host offers. */
#ifndef VC_KVMHOST_H
#define VC_KVMHOST_H

#include <stdbool.h>

/* Some hosts without VT-x/AMD-V offer kvm-pvm: a KVM that runs guest ring 3
 * natively and emulates guest ring 0 (about 1 us an instruction). Linux
 * kernels do not boot on it in any useful time (docs/pvm.md); vclab's
 * bare-metal guest, which runs its job in ring 3, does. True when /dev/kvm
 * is served by kvm-pvm alone. */
bool vc_kvm_is_pvm(void);

/* How VMs run on this host, as results record it ("accel"):
 *   VC_ACCEL_KVM     hardware KVM (kvm_intel/kvm_amd) on a bare-metal host
 *   VC_ACCEL_NESTED  hardware KVM inside a VM (the CPU says "hypervisor"),
 *                    e.g. the test host under QEMU: functional figures only
 *   VC_ACCEL_PVM     kvm-pvm (see above)
 *   VC_ACCEL_NONE    no KVM module at all */
enum vc_accel { VC_ACCEL_NONE, VC_ACCEL_KVM, VC_ACCEL_NESTED, VC_ACCEL_PVM };

enum vc_accel vc_kvm_accel(void);

/* The decision itself, from what the host shows: the kvm_pvm module, the
 * kvm_intel or kvm_amd module, the CPU's "hypervisor" flag. */
enum vc_accel vc_accel_classify(bool pvm_module, bool hw_module, bool hypervisor_flag);

/* "kvm", "nested", "kvm-pvm" or "none"; vc_accel_parse is the reverse
 * (-1 for anything else). */
const char *vc_accel_name(enum vc_accel a);
int vc_accel_parse(const char *s, enum vc_accel *out);

#endif
