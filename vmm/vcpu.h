/* The vCPU loop: KVM_RUN until the guest stops, dispatching each exit to
 * the bus that owns it and counting exits by class for --trace. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <stdint.h>

#include "error.h"
#include "vm.h"

#define VCPU_TRACE_FIRST_EXITS 24 /* exits --trace shows one by one */

struct exit_counts {
	uint64_t total;
	uint64_t io_in, io_out;
	uint64_t mmio_read, mmio_write;
	uint64_t interrupted; /* KVM_RUN returned for a signal (the --timeout timer) */
	uint64_t other;
};

/* Run the guest; timeout_s <= 0 means no limit. Returns vmm's exit status
 * (exitcode.h); err carries the reason for the statuses that are errors. */
int vcpu_run(struct vm *vm, double timeout_s, struct exit_counts *counts, vc_err *err);

/* --trace: the exit counts by class and by device. */
void vcpu_trace_counts(const struct vm *vm, const struct exit_counts *c);

#endif
