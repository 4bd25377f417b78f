/* One virtual machine: the KVM file descriptors, guest RAM, the two buses
 * with their devices, and what the guest has told us so far. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "error.h"
#include "hw/debugport.h"
#include "hw/i8042.h"
#include "hw/uart16550.h"
#include "loader.h"
#include "memory.h"
#include "serial_out.h"
#include "timeline.h"
#include "vmstate.h"

struct vm {
	int kvm_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run; /* shared with KVM: why the vCPU exited */
	size_t run_size;
	struct guest_mem mem;
	struct bus pio;  /* port I/O: in/out instructions */
	struct bus mmio; /* accesses to guest-physical addresses that are not RAM */
	struct vm_state state;
	struct uart16550 uart;
	struct i8042 kbc;
	struct debugport dbg;
	struct serial_out out;
	struct vc_timeline *tl;
	int irq_errors; /* KVM_IRQ_LINE failures (reported by --trace) */
};

/* Open /dev/kvm and create the VM with its in-kernel interrupt controllers
 * and timer. Fails with a clear message when there is no KVM. */
int vm_create(struct vm *vm, struct vc_timeline *tl, vc_err *err);

/* Map guest RAM, register it with KVM, load the kernel, create the vCPU. */
int vm_setup(struct vm *vm, struct kernel_image *k, uint64_t mem_size, const char *cmdline,
             vc_err *err);

void vm_destroy(struct vm *vm);

#endif
