/* The bare-metal guest ("unikernel" row of the comparison): no processes,
 * just the workload's compute core in ring 3 of the bare virtual CPU.
 *
 * start.S's _start (vclab's 64-bit entry) loads the GDT, IDT, TSS and the
 * syscall MSRs, writes the boot marker and drops to ring 3, where bm_main
 * runs the job; it talks to the world through two system calls (sys.h),
 * write and exit. The PVH path (QEMU -kernel) first asks bm_pvh_boot_args,
 * in ring 0, for the command line and RAM size, then takes that same entry.
 * A CPU exception comes back to ring 0 in bm_fault, which reports it in one
 * line and ends the VM with status BM_EXIT_FAULT. bm_main ends the VM: it
 * never returns.
 * Output matches the workload: VCLAB-READY, sha256=<hex>, VCLAB-DONE status=N. */
#include <stdint.h>

#include "cmdline.h"
#include "fault.h"
#include "heap.h"
#include "io.h"
#include "../../workload/job.h"
#include "pvh.h"
#include "serial.h"
#include "sys.h"

#define EXIT_PORT      0xf4 /* QEMU isa-debug-exit convention */
#define I8042_COMMAND  0x64
#define I8042_RESET    0xfe
#define EXIT_USAGE     2
#define EXIT_NO_MEMORY 1

__attribute__((noreturn)) void bm_main(const char *cmdline, uint64_t ram_bytes);
__attribute__((noreturn)) void bm_fault(const struct bm_fault_frame *frame);
__attribute__((noreturn)) void bm_exit_fallback(void);
/* For start.S's PVH path: two 64-bit fields come back in rax and rdx. */
struct bm_boot_args {
	const char *cmdline;
	uint64_t ram_bytes;
};
struct bm_boot_args bm_pvh_boot_args(const struct hvm_start_info *si);

extern char __heap_start[]; /* link.ld: the first page after the image */

/* job_env.alloc takes no context, so the heap it draws from is this file's. */
static struct bm_heap heap;

static void *heap_alloc(size_t bytes)
{
	return bm_heap_alloc(&heap, bytes);
}

static void user_write(const char *s, size_t n)
{
	bm_sys_write(s, n);
}

/* The job's surroundings, in ring 3. */
static const struct job_env env = {user_write, heap_alloc, 0};

/* Ring 0 writes to the UART itself. */
static const struct job_env kernel_env = {serial_write, 0, 0};

static void error_line(const struct job_env *e, const char *msg)
{
	job_print(e, "baremetal: ");
	job_print(e, msg);
	job_print(e, "\n");
}

/* Ring 0. The exit port ends the VM with status. Should nothing be
 * listening there, reset through the i8042, and failing that triple-fault
 * (an empty IDT and a breakpoint): either way the VM stops instead of
 * spinning. */
__attribute__((noreturn)) static void end_vm(uint32_t status)
{
	outb((uint8_t)status, EXIT_PORT);
	bm_exit_fallback();
}

/* Ring 0, from end_vm and from the exit system call once its exit port
 * write came back. */
void bm_exit_fallback(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = {0, 0};

	error_line(&kernel_env, "exit port did not end the VM; resetting (status is lost)");
	outb(I8042_RESET, I8042_COMMAND);
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* fault=KIND (tests): do what ring 3 must not. Returns only if the CPU
 * let it pass, i.e. the job is not running in ring 3 on our page tables. */
static void raise_fault(enum bm_fault kind)
{
	switch (kind) {
	case BM_FAULT_HLT:
		__asm__ volatile("hlt");
		break;
	case BM_FAULT_READ:
		(void)*(volatile uint8_t *)(uintptr_t)BM_IDENTITY_MAPPED;
		break;
	case BM_FAULT_UD2:
		__asm__ volatile("ud2");
		break;
	case BM_FAULT_NONE:
		return;
	}
	error_line(&env,
	           "fault= did not fault: the job is not in ring 3 on the guest's page tables");
}

/* Ring 3: everything the guest does after _start. */
void bm_main(const char *cmdline, uint64_t ram_bytes)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	enum bm_fault fault;
	char err[160];
	struct job job;
	uint32_t status;

	job_print(&env, JOB_READY_LINE);
	bm_heap_init(&heap, (uintptr_t)__heap_start, ram_bytes);
	if (bm_parse_cmdline(&job, &fault, cmdline, err, sizeof(err)) < 0) {
		error_line(&env, err);
		status = EXIT_USAGE;
	} else if (fault != BM_FAULT_NONE) {
		raise_fault(fault);
		status = EXIT_USAGE;
	} else {
		status = job_run(&job, &env, digest) < 0 ? EXIT_NO_MEMORY : job.exit_code;
	}
	job_print_done(&env, status);
	bm_sys_exit(status);
}

struct bm_boot_args bm_pvh_boot_args(const struct hvm_start_info *si)
{
	struct bm_boot_args args;

	if (pvh_boot_args(si, &args.cmdline, &args.ram_bytes) < 0) {
		error_line(&kernel_env, "PVH entry without a PVH start info (bad magic)");
		end_vm(EXIT_USAGE);
	}
	return args;
}

/* Ring 0, from start.S's exception stubs: one line, then the end. */
void bm_fault(const struct bm_fault_frame *frame)
{
	char line[200];
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	serial_write(line, bm_fault_format(line, sizeof(line), frame, cr2));
	end_vm(BM_EXIT_FAULT);
}
