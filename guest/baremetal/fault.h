/* CPU exceptions in the bare-metal guest: what start.S's stubs leave on the
 * ring-0 stack, and the one-line report bm_fault prints before it ends the
 * VM with BM_EXIT_FAULT. */
#ifndef VC_BM_FAULT_H
#define VC_BM_FAULT_H

#include <stddef.h>
#include <stdint.h>

/* The status a CPU exception ends the VM with (vmm exits with it; QEMU's
 * isa-debug-exit with (119 << 1) | 1 = 239). The highest guest status vmm
 * passes through (docs/contracts.md): a job's exit=CODE should not use it. */
#define BM_EXIT_FAULT 119

/* Pushed by a stub (vector, and 0 where the CPU pushes no error code) and by
 * the CPU (error code, then the interrupted rip, cs, rflags, rsp, ss). */
struct bm_fault_frame {
	uint64_t vector;
	uint64_t error;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

/* The report, one line ending in '\n', e.g.
 * "baremetal: CPU exception 14 (#PF page fault) in ring 3 at rip 0x101234,
 *  error code 0x4, cr2 0x40000000: VM ends with status 119".
 * Returns its length (cut to fit len, always NUL-terminated). */
size_t bm_fault_format(char *out, size_t len, const struct bm_fault_frame *f, uint64_t cr2);

#endif
