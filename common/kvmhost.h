/* What kind of KVM this host offers. */
#ifndef VC_KVMHOST_H
#define VC_KVMHOST_H

#include <stdbool.h>

/* Some hosts without VT-x/AMD-V offer kvm-pvm: a KVM that runs guests in
 * ring 3 and emulates much of their code. Debian's kernels do not boot on
 * it, and its timings say nothing about hardware KVM. True when /dev/kvm
 * is served by kvm-pvm alone. */
bool vc_kvm_is_pvm(void);

#endif
