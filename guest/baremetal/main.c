/* The bare-metal guest ("unikernel" row of the comparison): no kernel, no
 * processes, just the workload's compute core on the bare virtual CPU.
 *
 * start.S enters bm_main from _start, vclab's 64-bit entry; its PVH path
 * (QEMU -kernel) first asks bm_pvh_boot_args for the command line and RAM
 * size, then takes that same entry. bm_main ends the VM: it never returns.
 * Output matches the workload: VCLAB-READY, sha256=<hex>, VCLAB-DONE status=N. */
#include <stdint.h>

#include "cmdline.h"
#include "heap.h"
#include "io.h"
#include "../../workload/job.h"
#include "pvh.h"
#include "serial.h"

#define BOOT_MARKER_PORT  0x3f0 /* the VMM timestamps a write of 123 here */
#define BOOT_MARKER_VALUE 123
#define EXIT_PORT         0xf4 /* QEMU isa-debug-exit convention */
#define I8042_COMMAND     0x64
#define I8042_RESET       0xfe
#define EXIT_USAGE        2
#define EXIT_NO_MEMORY    1

__attribute__((noreturn)) void bm_main(const char *cmdline, uint64_t ram_bytes);
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

static const struct job_env env = {serial_write, heap_alloc, 0};

static void error_line(const char *msg)
{
	job_print(&env, "baremetal: ");
	job_print(&env, msg);
	job_print(&env, "\n");
}

/* The exit port ends the VM with status. Should nothing be listening there,
 * reset through the i8042, and failing that triple-fault (an empty IDT and a
 * breakpoint): either way the VM stops instead of spinning. */
__attribute__((noreturn)) static void end_vm(uint32_t status)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = {0, 0};

	outb((uint8_t)status, EXIT_PORT);
	error_line("exit port did not end the VM; resetting (status is lost)");
	outb(I8042_RESET, I8042_COMMAND);
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}

void bm_main(const char *cmdline, uint64_t ram_bytes)
{
	uint8_t digest[SHA256_DIGEST_LEN];
	char err[160];
	struct job job;
	uint32_t status;

	outb(BOOT_MARKER_VALUE, BOOT_MARKER_PORT);
	job_print(&env, JOB_READY_LINE);
	bm_heap_init(&heap, (uintptr_t)__heap_start, ram_bytes);
	if (bm_parse_cmdline(&job, cmdline, err, sizeof(err)) < 0) {
		error_line(err);
		status = EXIT_USAGE;
	} else {
		status = job_run(&job, &env, digest) < 0 ? EXIT_NO_MEMORY : job.exit_code;
	}
	job_print_done(&env, status);
	end_vm(status);
}

struct bm_boot_args bm_pvh_boot_args(const struct hvm_start_info *si)
{
	struct bm_boot_args args;

	if (pvh_boot_args(si, &args.cmdline, &args.ram_bytes) < 0) {
		error_line("PVH entry without a PVH start info (bad magic)");
		end_vm(EXIT_USAGE);
	}
	return args;
}
