/* One virtual machine: the KVM file descriptors, guest RAM, the two buses
 * with their devices, and what the guest has told us so far. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
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
#include "mptable.h"
#include "serial_out.h"
#include "timeline.h"
#include "vmstate.h"

#define VM_MAX_VCPUS MPTABLE_MAX_CPUS

/* VM exits of one vCPU, by class, for --trace. */
struct exit_counts {
	uint64_t total;
	uint64_t io_in, io_out;
	uint64_t mmio_read, mmio_write;
	uint64_t interrupted; /* KVM_RUN returned for a signal (timeout, or a stop) */
	uint64_t other;
};

struct vm;

/* One virtual CPU: its KVM fd, the page KVM shares with it, and the host
 * thread that runs it (vcpu.c). */
struct vcpu {
	struct vm *vm;
	unsigned id; /* KVM vCPU id = initial APIC id; 0 is the boot CPU */
	int fd;
	struct kvm_run *run; /* shared with KVM: why the vCPU exited */
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	struct exit_counts counts;
};

struct vm {
	int kvm_fd;
	int vm_fd;
	struct vcpu vcpus[VM_MAX_VCPUS];
	unsigned ncpus;
	/* vCPU threads take this around every exit they hand to a device, so
	 * the device models, the state below and the timeline see one exit at
	 * a time. */
	pthread_mutex_t lock;
	bool done;  /* a vCPU reached an end: every thread stops */
	int status; /* vmm's exit status, set by the vCPU that ended the VM */
	vc_err err; /* its reason, for the statuses that are errors */
	struct guest_mem mem;
	struct bus pio;  /* port I/O: in/out instructions */
	struct bus mmio; /* accesses to guest-physical addresses that are not RAM */
	struct vm_state state;
	struct uart16550 uart;
	struct i8042 kbc;
	struct debugport dbg;
	struct serial_out out;
	struct vc_timeline *tl;
	bool linux_guest; /* else the bare-metal guest: no PIC/IOAPIC/LAPIC/PIT, minimal CPUID */
	int irq_errors;   /* KVM_IRQ_LINE failures (reported by --trace) */
};

/* Open /dev/kvm and create the VM. A Linux guest gets the in-kernel
 * interrupt controllers and timer, and KVM's whole CPUID table. The
 * bare-metal guest takes no interrupts and never runs CPUID, so it gets
 * neither: on kvm-pvm they cost it milliseconds (with an irqchip the first
 * memory slot takes ~5 ms, the PIT's thread makes closing the VM take
 * ~16 ms, and KVM_GET_SUPPORTED_CPUID takes ~0.7 ms on a host that is
 * itself a VM). Fails with a clear message when there is no KVM. */
int vm_create(struct vm *vm, struct vc_timeline *tl, bool linux_guest, vc_err *err);

/* Map guest RAM, register it with KVM, load the kernel, create ncpus vCPUs
 * (with more than one, an MP table tells Linux about them). */
int vm_setup(struct vm *vm, struct kernel_image *k, uint64_t mem_size, const char *cmdline,
             unsigned ncpus, vc_err *err);

void vm_destroy(struct vm *vm);

#endif
