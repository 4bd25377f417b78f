/* The vCPU loops: one thread per vCPU runs KVM_RUN until the guest stops,
 * dispatching each exit to the bus that owns it and counting exits by
 * class for --trace. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <stdint.h>

#include "error.h"
#include "vm.h"

#define VCPU_TRACE_FIRST_EXITS 24 /* exits --trace shows one by one */

/* Run the guest, one host thread per vCPU, until any vCPU reaches an end
 * (exit port, reset, triple fault, --timeout, an error); then every thread
 * stops. timeout_s <= 0 means no limit. Returns vmm's exit status
 * (exitcode.h); err carries the reason for the statuses that are errors. */
int vcpu_run(struct vm *vm, double timeout_s, vc_err *err);

/* --trace: the exit counts by class, by device and by vCPU. */
void vcpu_trace_counts(const struct vm *vm);

#endif
