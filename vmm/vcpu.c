#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "exitcode.h"
#include "kvmhost.h"

/* Guest outcomes found by the loop; VCPU_CONTINUE keeps it running. */
#define VCPU_CONTINUE (-1)

static void on_alarm(int sig)
{
	(void)sig; /* only here so SIGALRM interrupts KVM_RUN without killing us */
}

/* --timeout without races: SIGALRM stays blocked in the VMM and is
 * unblocked only inside KVM_RUN (KVM_SET_SIGNAL_MASK). A timer that fires
 * between two KVM_RUNs stays pending and makes the next one return at once,
 * so the deadline can never be missed. */
static int arm_timeout(struct vm *vm, double timeout_s, vc_err *err)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	struct itimerval it = {0};
	sigset_t block, old;
	struct {
		struct kvm_signal_mask hdr;
		uint64_t bits; /* the kernel's sigset: 64 bits on x86-64 */
	} mask;

	if (timeout_s <= 0)
		return 0;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || sigprocmask(SIG_BLOCK, &block, &old) < 0)
		return vc_error(err, errno, "--timeout: signal setup");
	sigdelset(&old, SIGALRM);
	mask.hdr.len = sizeof(mask.bits);
	memcpy(&mask.bits, &old, sizeof(mask.bits));
	if (ioctl(vm->vcpu_fd, KVM_SET_SIGNAL_MASK, &mask) < 0)
		return vc_error(err, errno, "KVM_SET_SIGNAL_MASK");
	it.it_value.tv_sec = (time_t)timeout_s;
	it.it_value.tv_usec = (suseconds_t)((timeout_s - (double)(time_t)timeout_s) * 1e6);
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		return vc_error(err, errno, "--timeout: setitimer");
	return 0;
}

/* Where the guest was, for messages about a stuck guest. */
static uint64_t guest_rip(const struct vm *vm)
{
	struct kvm_regs regs;

	return ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs) < 0 ? 0 : regs.rip;
}

static const char *device_name(const struct bus_range *r)
{
	return r ? r->name : "nobody (ignored)";
}

static void trace_io(struct vm *vm, uint64_t n, const struct kvm_run *run, const uint8_t *data,
                     const struct bus_range *r)
{
	uint64_t value = 0;

	memcpy(&value, data, run->io.size);
	vc_trace(vm->tl, "exit #%llu: port %s 0x%03x, %u byte%s%s = 0x%llx -> %s",
	         (unsigned long long)n, run->io.direction == KVM_EXIT_IO_OUT ? "write" : "read",
	         run->io.port, run->io.size, run->io.size > 1 ? "s" : "",
	         run->io.count > 1 ? " (string, first of many)" : "", (unsigned long long)value,
	         device_name(r));
}

static void handle_io(struct vm *vm, struct exit_counts *c)
{
	struct kvm_run *run = vm->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	const struct bus_range *r = NULL;
	uint32_t i;

	if (is_write)
		c->io_out++;
	else
		c->io_in++;
	/* rep outs/ins: KVM hands us count items back to back. */
	for (i = 0; i < run->io.count; i++)
		r = bus_access(&vm->pio, run->io.port, is_write, data + i * run->io.size,
		               run->io.size);
	if (c->total <= VCPU_TRACE_FIRST_EXITS)
		trace_io(vm, c->total, run, data, r);
}

static void handle_mmio(struct vm *vm, struct exit_counts *c)
{
	struct kvm_run *run = vm->run;
	const struct bus_range *r;
	uint32_t len = run->mmio.len > 8 ? 8 : run->mmio.len;

	if (run->mmio.is_write)
		c->mmio_write++;
	else
		c->mmio_read++;
	r = bus_access(&vm->mmio, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data, len);
	if (c->total <= VCPU_TRACE_FIRST_EXITS)
		vc_trace(vm->tl, "exit #%llu: MMIO %s 0x%llx, %u bytes -> %s",
		         (unsigned long long)c->total, run->mmio.is_write ? "write" : "read",
		         (unsigned long long)run->mmio.phys_addr, len, device_name(r));
}

/* Timeline steps for what the devices noticed during the last exit. */
static void note_guest_events(struct vm *vm, bool *seen_serial, bool *seen_marker)
{
	if (vm->state.serial_out && !*seen_serial) {
		*seen_serial = true;
		vc_step(vm->tl, "first_serial_byte", "the guest wrote its first byte to the UART");
	}
	if (vm->state.boot_marker && !*seen_marker) {
		*seen_marker = true;
		vc_step(vm->tl, "guest_boot_marker",
		        "the guest wrote %d to port 0x%x: it reached its workload",
		        BOOT_MARKER_VALUE, BOOT_MARKER_PORT);
	}
}

static int stop_requested(struct vm *vm)
{
	switch (vm->state.stop) {
	case VM_STOP_EXIT_PORT:
		vc_step(vm->tl, "guest_exit", "the guest wrote status %d to the exit port 0x%x",
		        vm->state.exit_status, EXIT_PORT);
		return vm->state.exit_status;
	case VM_STOP_RESET:
		vc_step(vm->tl, "guest_exit",
		        "the guest reset the machine through the i8042 "
		        "(a clean reboot): status 0");
		return 0;
	case VM_RUNNING:
		break;
	}
	return VCPU_CONTINUE;
}

static int handle_shutdown(struct vm *vm, vc_err *err)
{
	/* A triple fault. Linux's reboot=t ends this way on purpose, after its
	 * workload ran; before the boot marker it is a crash. */
	if (vm->state.boot_marker) {
		vc_step(vm->tl, "guest_exit",
		        "triple fault after the boot marker: a clean "
		        "reboot (reboot=t), status 0");
		return 0;
	}
	vc_step(vm->tl, "guest_exit", "triple fault before the boot marker");
	vc_error(err, 0,
	         "the guest triple-faulted (KVM_EXIT_SHUTDOWN) before reaching its "
	         "workload: its CPU state or page tables are broken");
	return VMM_EXIT_GUEST_FAULT;
}

static int handle_fatal(struct vm *vm, vc_err *err)
{
	struct kvm_run *run = vm->run;

	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		vc_error(err, 0,
		         "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware "
		         "reason 0x%llx)",
		         (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vc_error(err, 0,
		         "KVM internal error (suberror %u): often an instruction KVM "
		         "cannot emulate%s",
		         run->internal.suberror,
		         vc_kvm_is_pvm() ? " (this host's /dev/kvm is kvm-pvm, a software KVM "
		                           "that cannot run most guests: use tests/testhost/run.sh)"
		                         : "");
		break;
	case KVM_EXIT_HLT:
		vc_error(err, 0, "the guest halted with interrupts off (KVM_EXIT_HLT)");
		break;
	default:
		vc_error(err, 0, "unexpected VM exit reason %u", run->exit_reason);
		break;
	}
	vc_step(vm->tl, "guest_exit", "fatal VM exit %u", run->exit_reason);
	return VMM_EXIT_GUEST_FAULT;
}

static int dispatch_exit(struct vm *vm, struct exit_counts *c, vc_err *err)
{
	switch (vm->run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vm, c);
		return stop_requested(vm);
	case KVM_EXIT_MMIO:
		handle_mmio(vm, c);
		return stop_requested(vm);
	case KVM_EXIT_INTR:
		c->interrupted++;
		return VCPU_CONTINUE;
	case KVM_EXIT_SHUTDOWN:
		c->other++;
		return handle_shutdown(vm, err);
	case KVM_EXIT_SYSTEM_EVENT:
		c->other++;
		vc_step(vm->tl, "guest_exit", "system event %u (reset or power off): status 0",
		        vm->run->system_event.type);
		return 0;
	default:
		c->other++;
		return handle_fatal(vm, err);
	}
}

int vcpu_run(struct vm *vm, double timeout_s, struct exit_counts *c, vc_err *err)
{
	uint64_t deadline = timeout_s > 0 ? vc_now_ns() + (uint64_t)(timeout_s * 1e9) : 0;
	bool seen_serial = false, seen_marker = false;
	int ret;

	memset(c, 0, sizeof(*c));
	if (arm_timeout(vm, timeout_s, err) < 0)
		return VMM_EXIT_KVM_ERROR;
	vc_step(vm->tl, "first_kvm_run", "entering the guest (KVM_RUN)");
	for (;;) {
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN) {
				vc_error(err, errno, "KVM_RUN");
				return VMM_EXIT_KVM_ERROR;
			}
			c->interrupted++;
			serial_out_flush(&vm->out);
			if (deadline && vc_now_ns() >= deadline) {
				vc_step(vm->tl, "guest_exit",
				        "--timeout expired; the guest was at rip 0x%llx",
				        (unsigned long long)guest_rip(vm));
				vc_error(err, 0,
				         "--timeout: the guest ran past %g s and was stopped",
				         timeout_s);
				return VMM_EXIT_TIMEOUT;
			}
			continue;
		}
		c->total++;
		ret = dispatch_exit(vm, c, err);
		note_guest_events(vm, &seen_serial, &seen_marker);
		if (ret != VCPU_CONTINUE)
			return ret;
	}
}

static void trace_bus(const struct vm *vm, const struct bus *bus)
{
	unsigned i;

	for (i = 0; i < bus->n; i++)
		if (bus->ranges[i].accesses)
			vc_trace(vm->tl, "    %-12s at 0x%-8llx %llu accesses", bus->ranges[i].name,
			         (unsigned long long)bus->ranges[i].base,
			         (unsigned long long)bus->ranges[i].accesses);
	if (bus->unhandled)
		vc_trace(vm->tl, "    %-12s %llu accesses (ignored; reads return 0xff)",
		         "unhandled", (unsigned long long)bus->unhandled);
	for (i = 0; i < bus->n_unhandled_at; i++)
		vc_trace(vm->tl, "      nobody at 0x%llx: %llu accesses",
		         (unsigned long long)bus->unhandled_at[i].addr,
		         (unsigned long long)bus->unhandled_at[i].count);
}

void vcpu_trace_counts(const struct vm *vm, const struct exit_counts *c)
{
	vc_trace(vm->tl, "VM exits: %llu in all (each one is a trip guest -> KVM -> vmm)",
	         (unsigned long long)c->total);
	vc_trace(vm->tl, "  (the PIC, IOAPIC, LAPIC and PIT run inside KVM: their accesses never "
	                 "reach vmm)");
	vc_trace(vm->tl, "  port I/O:  %llu writes (out), %llu reads (in); by device:",
	         (unsigned long long)c->io_out, (unsigned long long)c->io_in);
	trace_bus(vm, &vm->pio);
	vc_trace(vm->tl, "  MMIO:      %llu writes, %llu reads", (unsigned long long)c->mmio_write,
	         (unsigned long long)c->mmio_read);
	trace_bus(vm, &vm->mmio);
	vc_trace(vm->tl, "  signals:   %llu (KVM_RUN interrupted, e.g. by the --timeout timer)",
	         (unsigned long long)c->interrupted);
	vc_trace(vm->tl, "  other:     %llu (shutdown, system event, errors)",
	         (unsigned long long)c->other);
	if (vm->irq_errors)
		vc_trace(vm->tl, "  KVM_IRQ_LINE failed %d times", vm->irq_errors);
}
