/* The x86 state a guest needs before its first instruction: identity page
 * tables, a GDT, long-mode segment registers, CPUID, MSRs and the FPU.
 *
 * Low-memory layout the VMM owns (all below 1 MiB, so it never collides
 * with a kernel at 1 MiB or 16 MiB):
 *
 *   0x01000  GDT (4 entries)
 *   0x07000  Linux zero page (struct boot_params); the boot stack grows
 *            down from here
 *   0x09000  PML4, 0x0a000 PDPT, 0x0b000..0x0efff four page directories
 *            mapping 0..4 GiB with 2 MiB pages
 *   0x20000  kernel command line (up to 64 KiB)
 */
#ifndef VMM_X86_H
#define VMM_X86_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "memory.h"

#define BOOT_GDT_ADDR     0x1000
#define BOOT_PARAMS_ADDR  0x7000
#define BOOT_STACK_TOP    0x7000
#define BOOT_PML4_ADDR    0x9000
#define BOOT_PDPT_ADDR    0xa000
#define BOOT_PD_ADDR      0xb000
#define BOOT_PD_COUNT     4 /* one page directory maps 1 GiB */
#define BOOT_CMDLINE_ADDR 0x20000
#define BOOT_CMDLINE_MAX  0x10000
#define BOOT_LOW_END      (BOOT_CMDLINE_ADDR + BOOT_CMDLINE_MAX)

/* Selectors the Linux boot protocol asks for: __BOOT_CS and __BOOT_DS. */
#define BOOT_CS 0x10
#define BOOT_DS 0x18
#define BOOT_TR 0x20

/* Where KVM puts its private pages (TSS for real-mode emulation, the EPT
 * identity map): just below the 4 GiB BIOS area, inside the device hole. */
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000
#define KVM_TSS_ADDR          0xfffbd000

#define PTE_PRESENT 0x1ull
#define PTE_WRITE   0x2ull
#define PTE_HUGE    0x80ull /* a 2 MiB page in a page directory entry */

#define X86_CR0_PE   0x1ull
#define X86_CR0_MP   0x2ull
#define X86_CR0_ET   0x10ull
#define X86_CR0_NE   0x20ull
#define X86_CR0_PG   0x80000000ull
#define X86_CR4_PAE  0x20ull
#define X86_EFER_LME 0x100ull
#define X86_EFER_LMA 0x400ull

#define CPUID_HYPERVISOR_BIT     (1u << 31) /* leaf 1 ECX: "running under a hypervisor" */
#define CPUID_1_EDX_FPU          (1u << 0)
#define CPUID_1_EDX_TSC          (1u << 4)
#define CPUID_1_EDX_MSR          (1u << 5)
#define CPUID_1_EDX_PAE          (1u << 6)
#define CPUID_1_EDX_MTRR         (1u << 12)
#define CPUID_1_EDX_PGE          (1u << 13)
#define CPUID_1_EDX_FXSR         (1u << 24)
#define CPUID_EXT_EDX_NX         (1u << 20) /* leaf 0x80000001 */
#define CPUID_EXT_EDX_LM         (1u << 29)
#define X86_MINIMAL_CPUID_LEAVES 4

/* Identity-map guest-physical 0..4 GiB with 2 MiB pages. */
int x86_build_page_tables(struct guest_mem *mem, vc_err *err);

/* A GDT with a 64-bit code segment at BOOT_CS, flat data at BOOT_DS and a
 * 64-bit TSS descriptor at BOOT_TR (VMX refuses long mode without one). */
int x86_build_gdt(struct guest_mem *mem, vc_err *err);

/* Fill sregs for 64-bit long mode with paging on, matching the GDT. */
void x86_long_mode_sregs(struct kvm_sregs *sregs);

/* One GDT descriptor as the CPU stores it, from a KVM segment. */
uint64_t x86_gdt_entry(const struct kvm_segment *seg);

/* Set CPUID (from KVM_GET_SUPPORTED_CPUID, plus the hypervisor bit, APIC
 * id `id` and the CPU count), the MSRs and FPU state a 64-bit kernel
 * expects, and, for the boot vCPU (entry != NULL), long-mode registers that
 * start at entry with rsi = boot_params (Linux) or rdi/rsi as given. An AP
 * (entry == NULL) stays in its reset state until the guest starts it. */
struct x86_entry {
	uint64_t rip;
	uint64_t rdi;
	uint64_t rsi;
};
/* minimal_cpuid: the four leaves of x86_minimal_cpuid instead of KVM's
 * supported table (the bare-metal guest, which never runs CPUID). */
int x86_setup_vcpu(int kvm_fd, int vcpu_fd, unsigned id, unsigned ncpus,
                   const struct x86_entry *entry, bool minimal_cpuid, vc_err *err);

/* Leaves 0, 1, 0x80000000 and 0x80000001 saying only what long mode needs
 * (LM, NX, PAE, MSR, MTRR, FXSR, TSC) and the hypervisor bit; cpuid must
 * have room for X86_MINIMAL_CPUID_LEAVES entries. */
void x86_minimal_cpuid(struct kvm_cpuid2 *cpuid);

/* Set the hypervisor bit and this vCPU's APIC id in a CPUID table. */
void x86_fixup_cpuid(struct kvm_cpuid2 *cpuid, unsigned vcpu_id);

/* Leaf 1 EBX[23:16]: the number of logical processors. */
void x86_set_cpu_count(struct kvm_cpuid2 *cpuid, unsigned ncpus);

#endif
