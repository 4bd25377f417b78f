#include "vcpu.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
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

/* The signal that tells a vCPU thread to leave KVM_RUN because another
 * vCPU ended the VM. */
#define VCPU_KICK_SIGNAL SIGUSR1

static void on_kick(int sig)
{
	(void)sig; /* only here so the signal interrupts KVM_RUN */
}

/* --timeout without races: SIGALRM stays blocked in every VMM thread and is
 * unblocked only inside KVM_RUN (KVM_SET_SIGNAL_MASK). A timer that fires
 * between two KVM_RUNs stays pending and makes the next one return at once,
 * so the deadline can never be missed. Called before the vCPU threads
 * exist: they inherit the blocked mask. */
static int arm_timeout(struct vm *vm, double timeout_s, vc_err *err)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	struct itimerval it = {0};
	sigset_t block, old;
	struct {
		struct kvm_signal_mask hdr;
		uint64_t bits; /* the kernel's sigset: 64 bits on x86-64 */
	} mask;
	unsigned i;

	if (timeout_s <= 0)
		return 0;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || pthread_sigmask(SIG_BLOCK, &block, &old) != 0)
		return vc_error(err, errno, "--timeout: signal setup");
	sigdelset(&old, SIGALRM);
	mask.hdr.len = sizeof(mask.bits);
	memcpy(&mask.bits, &old, sizeof(mask.bits));
	for (i = 0; i < vm->ncpus; i++)
		if (ioctl(vm->vcpus[i].fd, KVM_SET_SIGNAL_MASK, &mask) < 0)
			return vc_error(err, errno, "KVM_SET_SIGNAL_MASK (vCPU %u)", i);
	it.it_value.tv_sec = (time_t)timeout_s;
	it.it_value.tv_usec = (suseconds_t)((timeout_s - (double)(time_t)timeout_s) * 1e6);
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		return vc_error(err, errno, "--timeout: setitimer");
	return 0;
}

/* Where the guest was, for messages about a stuck guest. */
static uint64_t guest_rip(const struct vcpu *cpu)
{
	struct kvm_regs regs;

	return ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0 ? 0 : regs.rip;
}

static const char *device_name(const struct bus_range *r)
{
	return r ? r->name : "nobody (ignored)";
}

/* "vCPU 1 " in front of per-exit lines, only when there are several. */
static const char *cpu_prefix(const struct vcpu *cpu, char *buf, size_t len)
{
	if (cpu->vm->ncpus == 1)
		return "";
	snprintf(buf, len, "vCPU %u ", cpu->id);
	return buf;
}

static void trace_io(const struct vcpu *cpu, const uint8_t *data, const struct bus_range *r)
{
	const struct kvm_run *run = cpu->run;
	uint64_t value = 0;
	char who[16];

	memcpy(&value, data, run->io.size);
	vc_trace(cpu->vm->tl, "%sexit #%llu: port %s 0x%03x, %u byte%s%s = 0x%llx -> %s",
	         cpu_prefix(cpu, who, sizeof(who)), (unsigned long long)cpu->counts.total,
	         run->io.direction == KVM_EXIT_IO_OUT ? "write" : "read", run->io.port,
	         run->io.size, run->io.size > 1 ? "s" : "",
	         run->io.count > 1 ? " (string, first of many)" : "", (unsigned long long)value,
	         device_name(r));
}

static void handle_io(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	struct exit_counts *c = &cpu->counts;
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
		r = bus_access(&cpu->vm->pio, run->io.port, is_write, data + i * run->io.size,
		               run->io.size);
	if (c->total <= VCPU_TRACE_FIRST_EXITS)
		trace_io(cpu, data, r);
}

static void handle_mmio(struct vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	struct exit_counts *c = &cpu->counts;
	const struct bus_range *r;
	uint32_t len = run->mmio.len > 8 ? 8 : run->mmio.len;
	char who[16];

	if (run->mmio.is_write)
		c->mmio_write++;
	else
		c->mmio_read++;
	r = bus_access(&cpu->vm->mmio, run->mmio.phys_addr, run->mmio.is_write, run->mmio.data,
	               len);
	if (c->total <= VCPU_TRACE_FIRST_EXITS)
		vc_trace(cpu->vm->tl, "%sexit #%llu: MMIO %s 0x%llx, %u bytes -> %s",
		         cpu_prefix(cpu, who, sizeof(who)), (unsigned long long)c->total,
		         run->mmio.is_write ? "write" : "read",
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

/* A reset of an --image guest (see vmstate.h), one error. */
static int reset_failed(struct vm *vm, const char *how, vc_err *err)
{
	vc_step(vm->tl, "guest_exit", "%s before the program's status reached the exit port", how);
	vc_error(err, 0,
	         "the guest %s before its program ended: its kernel panicked (panic=-1 reboots "
	         "it) or stopped; the console output above says why",
	         how);
	return VMM_EXIT_GUEST_FAULT;
}

static int stop_requested(struct vm *vm, vc_err *err)
{
	switch (vm->state.stop) {
	case VM_STOP_EXIT_PORT:
		vc_step(vm->tl, "guest_exit", "the guest wrote status %d to the exit port 0x%x",
		        vm->state.exit_status, EXIT_PORT);
		return vm->state.exit_status;
	case VM_STOP_RESET:
		if (vm->state.reset_is_failure)
			return reset_failed(vm, "reset the machine through the i8042", err);
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
	if (vm->state.reset_is_failure)
		return reset_failed(vm, "triple-faulted (KVM_EXIT_SHUTDOWN)", err);
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

static int handle_fatal(struct vcpu *cpu, vc_err *err)
{
	struct kvm_run *run = cpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_FAIL_ENTRY:
		vc_error(err, 0,
		         "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, hardware "
		         "reason 0x%llx)",
		         (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vc_error(err, 0,
		         "KVM internal error (suberror %u) at rip 0x%llx: often an instruction KVM "
		         "cannot emulate%s",
		         run->internal.suberror, (unsigned long long)guest_rip(cpu),
		         vc_kvm_is_pvm()
		             ? " (this host's /dev/kvm is kvm-pvm, which emulates guest "
		               "ring 0: docs/pvm.md)"
		             : "");
		break;
	case KVM_EXIT_HLT:
		vc_error(err, 0, "the guest halted with interrupts off (KVM_EXIT_HLT)");
		break;
	default:
		vc_error(err, 0, "unexpected VM exit reason %u", run->exit_reason);
		break;
	}
	vc_step(cpu->vm->tl, "guest_exit", "fatal VM exit %u on vCPU %u", run->exit_reason,
	        cpu->id);
	return VMM_EXIT_GUEST_FAULT;
}

/* Called with vm->lock held: devices, vm->state and the timeline are shared. */
static int dispatch_exit(struct vcpu *cpu, vc_err *err)
{
	struct exit_counts *c = &cpu->counts;

	switch (cpu->run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(cpu);
		return stop_requested(cpu->vm, err);
	case KVM_EXIT_MMIO:
		handle_mmio(cpu);
		return stop_requested(cpu->vm, err);
	case KVM_EXIT_INTR:
		c->interrupted++;
		return VCPU_CONTINUE;
	case KVM_EXIT_SHUTDOWN:
		c->other++;
		return handle_shutdown(cpu->vm, err);
	case KVM_EXIT_SYSTEM_EVENT:
		c->other++;
		if (cpu->vm->state.reset_is_failure)
			return reset_failed(cpu->vm, "sent a system event (reset or power off)",
			                    err);
		vc_step(cpu->vm->tl, "guest_exit", "system event %u (reset or power off): status 0",
		        cpu->run->system_event.type);
		return 0;
	default:
		c->other++;
		return handle_fatal(cpu, err);
	}
}

/* A per-run view of the timeout and the timeline steps seen so far. */
struct run_ctx {
	double timeout_s;
	uint64_t deadline; /* vc_now_ns() value; 0 = none */
	bool seen_serial, seen_marker;
};

/* The first vCPU to reach an end decides vmm's status; the others are
 * told to leave KVM_RUN: immediate_exit covers a thread about to enter it,
 * the signal one already inside. Called with vm->lock held. */
static void end_vm(struct vcpu *cpu, int status, const vc_err *err)
{
	struct vm *vm = cpu->vm;
	unsigned i;

	if (vm->done)
		return;
	vm->done = true;
	vm->status = status;
	vm->err = *err;
	for (i = 0; i < vm->ncpus; i++) {
		struct vcpu *other = &vm->vcpus[i];

		if (other == cpu || !other->thread_started)
			continue;
		other->run->immediate_exit = 1;
		pthread_kill(other->thread, VCPU_KICK_SIGNAL);
	}
}

/* KVM_RUN came back without an exit: a signal (the timer, a kick) or an
 * error. Returns a status to end the VM with, or VCPU_CONTINUE. */
static int interrupted(struct vcpu *cpu, struct run_ctx *ctx, int errnum, vc_err *err)
{
	struct vm *vm = cpu->vm;

	if (errnum != EINTR && errnum != EAGAIN) {
		vc_error(err, errnum, "KVM_RUN (vCPU %u)", cpu->id);
		return VMM_EXIT_KVM_ERROR;
	}
	cpu->counts.interrupted++;
	serial_out_flush(&vm->out);
	if (ctx->deadline && vc_now_ns() >= ctx->deadline) {
		vc_step(vm->tl, "guest_exit", "--timeout expired; vCPU %u was at rip 0x%llx",
		        cpu->id, (unsigned long long)guest_rip(cpu));
		vc_error(err, 0, "--timeout: the guest ran past %g s and was stopped",
		         ctx->timeout_s);
		return VMM_EXIT_TIMEOUT;
	}
	return VCPU_CONTINUE;
}

static void run_vcpu(struct vcpu *cpu, struct run_ctx *ctx)
{
	struct vm *vm = cpu->vm;
	vc_err err = {0};
	int ret, rc, errnum;

	for (;;) {
		rc = ioctl(cpu->fd, KVM_RUN, 0);
		errnum = errno;
		pthread_mutex_lock(&vm->lock);
		if (vm->done) {
			pthread_mutex_unlock(&vm->lock);
			return;
		}
		if (rc < 0) {
			ret = interrupted(cpu, ctx, errnum, &err);
		} else {
			cpu->counts.total++;
			ret = dispatch_exit(cpu, &err);
			note_guest_events(vm, &ctx->seen_serial, &ctx->seen_marker);
		}
		if (ret != VCPU_CONTINUE)
			end_vm(cpu, ret, &err);
		pthread_mutex_unlock(&vm->lock);
		if (ret != VCPU_CONTINUE)
			return;
	}
}

struct thread_arg {
	struct vcpu *cpu;
	struct run_ctx *ctx;
};

static void *vcpu_thread(void *p)
{
	struct thread_arg *a = p;

	run_vcpu(a->cpu, a->ctx);
	return NULL;
}

static int install_kick_handler(vc_err *err)
{
	struct sigaction sa = {.sa_handler = on_kick}; /* no SA_RESTART: KVM_RUN returns */

	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return vc_error(err, errno, "sigaction for the vCPU kick signal");
	return 0;
}

/* Stop the threads already started (a later one failed to start). */
static void abort_threads(struct vm *vm)
{
	vc_err none = {0};
	unsigned i;

	pthread_mutex_lock(&vm->lock);
	end_vm(&vm->vcpus[0], VMM_EXIT_KVM_ERROR, &none);
	/* end_vm skips vCPU 0 as "the caller": kick it too. */
	if (vm->vcpus[0].thread_started) {
		vm->vcpus[0].run->immediate_exit = 1;
		pthread_kill(vm->vcpus[0].thread, VCPU_KICK_SIGNAL);
	}
	pthread_mutex_unlock(&vm->lock);
	for (i = 0; i < vm->ncpus; i++)
		if (vm->vcpus[i].thread_started)
			pthread_join(vm->vcpus[i].thread, NULL);
}

int vcpu_run(struct vm *vm, double timeout_s, vc_err *err)
{
	struct run_ctx ctx = {.timeout_s = timeout_s};
	struct thread_arg args[VM_MAX_VCPUS];
	unsigned i;
	int rc;

	if (timeout_s > 0)
		ctx.deadline = vc_now_ns() + (uint64_t)(timeout_s * 1e9);
	if (install_kick_handler(err) < 0 || arm_timeout(vm, timeout_s, err) < 0)
		return VMM_EXIT_KVM_ERROR;
	vc_step(vm->tl, "first_kvm_run", "entering the guest (KVM_RUN), %u vCPU thread%s",
	        vm->ncpus, vm->ncpus > 1 ? "s" : "");
	for (i = 0; i < vm->ncpus; i++) {
		args[i] = (struct thread_arg){.cpu = &vm->vcpus[i], .ctx = &ctx};
		/* Under the lock: end_vm reads thread_started and thread. */
		pthread_mutex_lock(&vm->lock);
		rc = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &args[i]);
		vm->vcpus[i].thread_started = rc == 0;
		pthread_mutex_unlock(&vm->lock);
		if (rc != 0) {
			abort_threads(vm);
			vc_error(err, rc, "pthread_create for vCPU %u", i);
			return VMM_EXIT_KVM_ERROR;
		}
	}
	for (i = 0; i < vm->ncpus; i++)
		pthread_join(vm->vcpus[i].thread, NULL);
	*err = vm->err;
	return vm->status;
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

static void sum_counts(const struct vm *vm, struct exit_counts *sum)
{
	unsigned i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < vm->ncpus; i++) {
		const struct exit_counts *c = &vm->vcpus[i].counts;

		sum->total += c->total;
		sum->io_in += c->io_in;
		sum->io_out += c->io_out;
		sum->mmio_read += c->mmio_read;
		sum->mmio_write += c->mmio_write;
		sum->interrupted += c->interrupted;
		sum->other += c->other;
	}
}

static void trace_per_vcpu(const struct vm *vm)
{
	unsigned i;

	vc_trace(vm->tl, "  by vCPU (%u vCPUs, one host thread each):", vm->ncpus);
	for (i = 0; i < vm->ncpus; i++) {
		const struct exit_counts *c = &vm->vcpus[i].counts;

		vc_trace(vm->tl,
		         "    vCPU %u: %llu exits (port %llu, MMIO %llu, signals %llu, other %llu)",
		         i, (unsigned long long)c->total,
		         (unsigned long long)(c->io_in + c->io_out),
		         (unsigned long long)(c->mmio_read + c->mmio_write),
		         (unsigned long long)c->interrupted, (unsigned long long)c->other);
	}
}

void vcpu_trace_counts(const struct vm *vm)
{
	struct exit_counts sum;
	const struct exit_counts *c = &sum;

	sum_counts(vm, &sum);
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
	vc_trace(vm->tl,
	         "  signals:   %llu (KVM_RUN interrupted: the --timeout timer, or a stop "
	         "request)",
	         (unsigned long long)c->interrupted);
	vc_trace(vm->tl, "  other:     %llu (shutdown, system event, errors)",
	         (unsigned long long)c->other);
	trace_per_vcpu(vm);
	if (vm->irq_errors)
		vc_trace(vm->tl, "  KVM_IRQ_LINE failed %d times", vm->irq_errors);
}
