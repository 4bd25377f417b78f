#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvmhost.h"
#include "x86.h"

#define KVM_DEVICE "/dev/kvm"

static void uart_tx(void *ctx, uint8_t byte)
{
	struct vm *vm = ctx;

	vm->state.serial_out = true;
	serial_out_put(&vm->out, byte);
}

static void uart_set_irq(void *ctx, int level)
{
	struct vm *vm = ctx;
	struct kvm_irq_level line = {.irq = UART_COM1_IRQ, .level = (uint32_t)level};

	/* Without an interrupt controller there is no line to raise. */
	if (!vm->linux_guest || ioctl(vm->vm_fd, KVM_IRQ_LINE, &line) < 0)
		vm->irq_errors++;
}

static int open_kvm(struct vm *vm, vc_err *err)
{
	int version;

	vm->kvm_fd = open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0 && errno == ENOENT)
		return vc_error(
		    err, 0,
		    KVM_DEVICE " does not exist: this machine has no KVM (run vmm "
		               "inside the test host: tests/testhost/run.sh -- build/bin/vmm ...)");
	if (vm->kvm_fd < 0)
		return vc_error(err, errno, "cannot open " KVM_DEVICE);
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return vc_error(err, 0, KVM_DEVICE ": KVM API version %d, vmm needs %d", version,
		                KVM_API_VERSION);
	return 0;
}

/* The PC chipset KVM emulates in the kernel, where it is fast: PIC, IOAPIC
 * and LAPIC (KVM_CREATE_IRQCHIP) and the PIT timer. Both KVM_SET_TSS_ADDR
 * and the identity map page must be set before the first vCPU exists; they
 * are only used by Intel VMX, and live in the device hole below 4 GiB. */
static int create_chipset(struct vm *vm, vc_err *err)
{
	uint64_t identity_map = KVM_IDENTITY_MAP_ADDR;
	/* The speaker port 0x61 is read during PIT calibration: keep it in KVM. */
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};

	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0)
		return vc_error(err, errno, "KVM_SET_TSS_ADDR");
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity_map) < 0)
		return vc_error(err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return vc_error(err, errno, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return vc_error(err, errno, "KVM_CREATE_PIT2");
	return 0;
}

static int register_devices(struct vm *vm, vc_err *err)
{
	uart16550_init(&vm->uart, uart_tx, uart_set_irq, vm);
	i8042_init(&vm->kbc, &vm->state);
	debugport_init(&vm->dbg, &vm->state);
	if (bus_register(&vm->pio, UART_COM1_BASE, UART_NR_REGS, "uart16550", uart16550_io,
	                 &vm->uart, err) < 0 ||
	    bus_register(&vm->pio, I8042_DATA_PORT, 1, "i8042", i8042_data_io, &vm->kbc, err) < 0 ||
	    bus_register(&vm->pio, I8042_COMMAND_PORT, 1, "i8042", i8042_command_io, &vm->kbc,
	                 err) < 0 ||
	    bus_register(&vm->pio, BOOT_MARKER_PORT, 1, "boot-marker", boot_marker_io, &vm->dbg,
	                 err) < 0 ||
	    bus_register(&vm->pio, EXIT_PORT, 1, "exit-port", exit_port_io, &vm->dbg, err) < 0)
		return -1;
	return 0;
}

int vm_create(struct vm *vm, struct vc_timeline *tl, bool linux_guest, vc_err *err)
{
	unsigned i;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = -1;
	for (i = 0; i < VM_MAX_VCPUS; i++)
		vm->vcpus[i] = (struct vcpu){.vm = vm, .id = i, .fd = -1};
	pthread_mutex_init(&vm->lock, NULL);
	vm->tl = tl;
	bus_init(&vm->pio, "port");
	bus_init(&vm->mmio, "mmio");
	serial_out_init(&vm->out, STDOUT_FILENO);

	vc_step_begin(tl);
	if (open_kvm(vm, err) < 0)
		return -1;
	vc_step(tl, "open_kvm", "opened " KVM_DEVICE " (fd %d), API version %d", vm->kvm_fd,
	        KVM_API_VERSION);
	if (vc_kvm_is_pvm())
		vc_trace(tl, "note: this /dev/kvm is kvm-pvm (software KVM, no VT-x/AMD-V): guest "
		             "ring 0 is emulated (about 1 us an instruction), guest ring 3 runs "
		             "natively; timings are not hardware KVM's");
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vc_error(err, errno, "KVM_CREATE_VM");
	vm->linux_guest = linux_guest;
	if ((linux_guest && create_chipset(vm, err) < 0) || register_devices(vm, err) < 0)
		return -1;
	vc_step(tl, "vm_created",
	        "KVM_CREATE_VM (fd %d), %s; devices: uart16550 0x3f8%s, i8042 0x60/0x64, boot "
	        "marker 0x3f0, exit 0xf4",
	        vm->vm_fd,
	        linux_guest ? "in-kernel PIC/IOAPIC/LAPIC and PIT"
	                    : "no interrupt controllers or timer (the guest takes no interrupts)",
	        linux_guest ? " irq 4" : "");
	return 0;
}

static int set_memory_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
                           vc_err *err)
{
	struct kvm_userspace_memory_region r = {.slot = slot,
	                                        .guest_phys_addr = gpa,
	                                        .memory_size = size,
	                                        .userspace_addr = (uint64_t)(uintptr_t)host};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return vc_error(err, errno, "KVM_SET_USER_MEMORY_REGION (slot %u)", slot);
	return 0;
}

static int map_memory(struct vm *vm, uint64_t size, vc_err *err)
{
	if (guest_mem_map(&vm->mem, size, err) < 0)
		return -1;
	if (set_memory_slot(vm, 0, 0, vm->mem.low_size, vm->mem.host, err) < 0)
		return -1;
	if (vm->mem.size > vm->mem.low_size &&
	    set_memory_slot(vm, 1, MEM_HIGH_START, vm->mem.size - vm->mem.low_size,
	                    vm->mem.host + vm->mem.low_size, err) < 0)
		return -1;
	return 0;
}

/* vCPU id doubles as its initial APIC id (CPUID, MP table). Only the boot
 * vCPU gets an entry point; KVM leaves the others waiting for INIT/SIPI. */
static int create_vcpu(struct vm *vm, struct vcpu *cpu, const struct x86_entry *entry, vc_err *err)
{
	int size;

	cpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu->id);
	if (cpu->fd < 0)
		return vc_error(err, errno, "KVM_CREATE_VCPU %u", cpu->id);
	size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return vc_error(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
	cpu->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED) {
		cpu->run = NULL;
		return vc_error(err, errno, "mmap of vCPU %u's kvm_run", cpu->id);
	}
	cpu->run_size = (size_t)size;
	return x86_setup_vcpu(vm->kvm_fd, cpu->fd, cpu->id, vm->ncpus, cpu->id == 0 ? entry : NULL,
	                      !vm->linux_guest, err);
}

/* Linux finds the APs only through a firmware table; one vCPU needs none
 * (and boots exactly as it always did: PIC only, no IOAPIC). */
static int write_mptable(struct vm *vm, vc_err *err)
{
	uint8_t *at = gpa_to_host(&vm->mem, MPTABLE_ADDR, MPTABLE_MAX_SIZE);

	if (vm->ncpus < 2)
		return 0;
	if (!at)
		return vc_error(err, 0, "MP table: 0x%x is not guest RAM", MPTABLE_ADDR);
	return mptable_write(at, MPTABLE_MAX_SIZE, MPTABLE_ADDR, vm->ncpus, err) < 0 ? -1 : 0;
}

int vm_setup(struct vm *vm, struct kernel_image *k, uint64_t mem_size, const char *cmdline,
             unsigned ncpus, vc_err *err)
{
	struct x86_entry entry;
	char what[160];
	unsigned i;

	if (ncpus < 1 || ncpus > VM_MAX_VCPUS)
		return vc_error(err, 0, "%u vCPUs: vmm supports 1..%d", ncpus, VM_MAX_VCPUS);
	vm->ncpus = ncpus;
	vc_step_begin(vm->tl);
	if (map_memory(vm, mem_size, err) < 0)
		return -1;
	guest_mem_use_huge_pages(&vm->mem, k->kind == KERNEL_BZIMAGE);
	vc_step(vm->tl, "memory_mapped",
	        "%llu MiB of guest RAM: one lazy anonymous mapping%s, KVM memory slot%s",
	        (unsigned long long)(mem_size / MiB),
	        k->kind == KERNEL_BZIMAGE ? " (huge pages)" : "",
	        vm->mem.size > vm->mem.low_size ? "s 0-1" : " 0");
	if (kernel_load(k, &vm->mem, cmdline, &entry, err) < 0 || write_mptable(vm, err) < 0)
		return -1;
	vc_step(vm->tl, "image_loaded", "%s; cmdline \"%s\"%s",
	        kernel_describe(k, what, sizeof(what)), cmdline,
	        ncpus > 1 ? "; MP table at 0x9fc00" : "");
	for (i = 0; i < ncpus; i++)
		if (create_vcpu(vm, &vm->vcpus[i], &entry, err) < 0)
			return -1;
	vc_step(vm->tl, "vcpu_ready",
	        "%u vCPU%s: vCPU 0 in 64-bit mode at rip 0x%llx (rdi 0x%llx, rsi 0x%llx)%s, "
	        "CPUID with the hypervisor bit",
	        ncpus, ncpus > 1 ? "s" : "", (unsigned long long)entry.rip,
	        (unsigned long long)entry.rdi, (unsigned long long)entry.rsi,
	        ncpus > 1 ? ", the others in reset state until the guest sends INIT/SIPI" : "");
	return 0;
}

void vm_destroy(struct vm *vm)
{
	unsigned i;

	serial_out_flush(&vm->out);
	for (i = 0; i < VM_MAX_VCPUS; i++) {
		struct vcpu *cpu = &vm->vcpus[i];

		if (cpu->run)
			munmap(cpu->run, cpu->run_size);
		if (cpu->fd >= 0)
			close(cpu->fd);
		cpu->run = NULL;
		cpu->fd = -1;
	}
	guest_mem_unmap(&vm->mem);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->vm_fd = vm->kvm_fd = -1;
}
