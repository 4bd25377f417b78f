#include "x86.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define MSR_IA32_TSC            0x10
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MISC_ENABLE_FAST_STRING 0x1ull
#define MTRR_ENABLE_WRITEBACK   0x806ull /* MTRRs on, default type write-back */

int x86_build_page_tables(struct guest_mem *mem, vc_err *err)
{
	uint64_t *pml4 = gpa_to_host(mem, BOOT_PML4_ADDR, 4096);
	uint64_t *pdpt = gpa_to_host(mem, BOOT_PDPT_ADDR, 4096);
	uint64_t *pd = gpa_to_host(mem, BOOT_PD_ADDR, 4096ull * BOOT_PD_COUNT);
	uint64_t i;

	if (!pml4 || !pdpt || !pd)
		return vc_error(err, 0, "guest RAM too small for the boot page tables");
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_ADDR | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < BOOT_PD_COUNT; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * 4096) | PTE_PRESENT | PTE_WRITE;
	/* 4 directories x 512 entries x 2 MiB = 4 GiB, virtual == physical. */
	for (i = 0; i < 512ull * BOOT_PD_COUNT; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
	return 0;
}

uint64_t x86_gdt_entry(const struct kvm_segment *seg)
{
	uint64_t limit = seg->g ? seg->limit >> 12 : seg->limit;
	uint64_t base = seg->base;

	return (limit & 0xffffull) | ((base & 0xffffffull) << 16) |
	       ((uint64_t)(seg->type & 0xf) << 40) | ((uint64_t)(seg->s & 1) << 44) |
	       ((uint64_t)(seg->dpl & 3) << 45) | ((uint64_t)(seg->present & 1) << 47) |
	       (((limit >> 16) & 0xfull) << 48) | ((uint64_t)(seg->avl & 1) << 52) |
	       ((uint64_t)(seg->l & 1) << 53) | ((uint64_t)(seg->db & 1) << 54) |
	       ((uint64_t)(seg->g & 1) << 55) | (((base >> 24) & 0xffull) << 56);
}

static struct kvm_segment code64_segment(void)
{
	return (struct kvm_segment){.selector = BOOT_CS,
	                            .base = 0,
	                            .limit = 0xffffffff,
	                            .type = 11 /* execute/read, accessed */,
	                            .present = 1,
	                            .dpl = 0,
	                            .db = 0,
	                            .s = 1,
	                            .l = 1,
	                            .g = 1};
}

static struct kvm_segment data_segment(void)
{
	return (struct kvm_segment){.selector = BOOT_DS,
	                            .base = 0,
	                            .limit = 0xffffffff,
	                            .type = 3 /* read/write, accessed */,
	                            .present = 1,
	                            .dpl = 0,
	                            .db = 1,
	                            .s = 1,
	                            .l = 0,
	                            .g = 1};
}

static struct kvm_segment tss_segment(void)
{
	return (struct kvm_segment){.selector = BOOT_TR,
	                            .base = 0,
	                            .limit = 0x67,
	                            .type = 11 /* busy 64-bit TSS */,
	                            .present = 1,
	                            .s = 0};
}

int x86_build_gdt(struct guest_mem *mem, vc_err *err)
{
	uint64_t *gdt = gpa_to_host(mem, BOOT_GDT_ADDR, 6 * sizeof(uint64_t));
	struct kvm_segment code = code64_segment(), data = data_segment(), tss = tss_segment();

	if (!gdt)
		return vc_error(err, 0, "guest RAM too small for the GDT");
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[BOOT_CS / 8] = x86_gdt_entry(&code);
	gdt[BOOT_DS / 8] = x86_gdt_entry(&data);
	gdt[BOOT_TR / 8] = x86_gdt_entry(&tss);
	gdt[BOOT_TR / 8 + 1] = 0; /* upper half of the 16-byte TSS descriptor: base 63..32 */
	return 0;
}

void x86_long_mode_sregs(struct kvm_sregs *sregs)
{
	struct kvm_segment data = data_segment();

	sregs->cs = code64_segment();
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
	sregs->tr = tss_segment();
	sregs->gdt.base = BOOT_GDT_ADDR;
	sregs->gdt.limit = 6 * 8 - 1;
	sregs->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
	sregs->cr3 = BOOT_PML4_ADDR;
	sregs->cr4 = X86_CR4_PAE;
	sregs->efer = X86_EFER_LME | X86_EFER_LMA;
}

void x86_fixup_cpuid(struct kvm_cpuid2 *cpuid, unsigned vcpu_id)
{
	uint32_t i;

	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* Without this bit Linux never looks at KVM's leaves, so it
			 * calibrates the TSC against the PIT: slow, and under nested
			 * virtualization it may never finish. */
			e->ecx |= CPUID_HYPERVISOR_BIT;
			e->ebx = (e->ebx & 0x00ffffffu) | (vcpu_id << 24);
			break;
		case 0xb:
		case 0x1f:
			e->edx = vcpu_id; /* x2APIC id */
			break;
		default:
			break;
		}
	}
}

void x86_set_cpu_count(struct kvm_cpuid2 *cpuid, unsigned ncpus)
{
	uint32_t i;

	/* Leaf 1 EBX[23:16]: logical processors. HTT stays as KVM reports it
	 * (off), so Linux sees ncpus single-core packages, like QEMU's -smp N. */
	for (i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ebx =
			    (cpuid->entries[i].ebx & 0xff00ffffu) | ((ncpus & 0xffu) << 16);
}

static int setup_cpuid(int kvm_fd, int vcpu_fd, unsigned id, unsigned ncpus, vc_err *err)
{
	struct kvm_cpuid2 *cpuid = NULL;
	uint32_t nent = 128; /* enough for current CPUs: usually one ioctl */
	int ret;

	/* Ask with a growing table until KVM stops saying E2BIG. */
	for (;;) {
		free(cpuid);
		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return vc_error(err, errno, "CPUID table");
		cpuid->nent = nent;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= 1024) {
			ret = vc_error(err, errno, "KVM_GET_SUPPORTED_CPUID");
			free(cpuid);
			return ret;
		}
		nent *= 2;
	}
	x86_fixup_cpuid(cpuid, id);
	x86_set_cpu_count(cpuid, ncpus);
	ret =
	    ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid) < 0 ? vc_error(err, errno, "KVM_SET_CPUID2") : 0;
	free(cpuid);
	return ret;
}

/* The bare-metal guest never executes CPUID, but KVM checks the vCPU's
 * CPUID when it accepts long-mode registers (EFER.LME needs the LM bit) and
 * some MSRs. A table of four leaves says just that, without
 * KVM_GET_SUPPORTED_CPUID: on a host that is itself a VM that ioctl runs
 * dozens of CPUID instructions, each a trip to the outer hypervisor
 * (~0.7 ms in all on the kvm-pvm development VM, a third of vmm's set-up). */
void x86_minimal_cpuid(struct kvm_cpuid2 *cpuid)
{
	/* "vclabvclabvc": not a real vendor, and nothing depends on one. */
	static const struct kvm_cpuid_entry2 leaves[X86_MINIMAL_CPUID_LEAVES] = {
	    {.function = 0, .eax = 1, .ebx = 0x62616c63, .edx = 0x6c636c76, .ecx = 0x63766261},
	    {.function = 1,
	     .edx = CPUID_1_EDX_FPU | CPUID_1_EDX_TSC | CPUID_1_EDX_MSR | CPUID_1_EDX_PAE |
	            CPUID_1_EDX_MTRR | CPUID_1_EDX_PGE | CPUID_1_EDX_FXSR,
	     .ecx = CPUID_HYPERVISOR_BIT},
	    {.function = 0x80000000, .eax = 0x80000001},
	    {.function = 0x80000001, .edx = CPUID_EXT_EDX_NX | CPUID_EXT_EDX_LM},
	};
	unsigned i;

	cpuid->nent = X86_MINIMAL_CPUID_LEAVES;
	for (i = 0; i < X86_MINIMAL_CPUID_LEAVES; i++)
		cpuid->entries[i] = leaves[i];
}

static int setup_minimal_cpuid(int vcpu_fd, vc_err *err)
{
	struct {
		struct kvm_cpuid2 hdr;
		struct kvm_cpuid_entry2 e[X86_MINIMAL_CPUID_LEAVES];
	} cpuid;

	memset(&cpuid, 0, sizeof(cpuid));
	x86_minimal_cpuid(&cpuid.hdr);
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, &cpuid) < 0)
		return vc_error(err, errno, "KVM_SET_CPUID2");
	return 0;
}

static int setup_msrs(int vcpu_fd, vc_err *err)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[3];
	} msrs = {.hdr.nmsrs = 3,
	          .e = {{.index = MSR_IA32_MISC_ENABLE, .data = MISC_ENABLE_FAST_STRING},
	                {.index = MSR_MTRR_DEF_TYPE, .data = MTRR_ENABLE_WRITEBACK},
	                {.index = MSR_IA32_TSC, .data = 0}}};
	int n = ioctl(vcpu_fd, KVM_SET_MSRS, &msrs);

	/* KVM_SET_MSRS returns how many it set; it stops at the first refusal. */
	if (n < 0)
		return vc_error(err, errno, "KVM_SET_MSRS");
	if (n != 3)
		return vc_error(err, 0, "KVM_SET_MSRS: KVM refused MSR 0x%x", msrs.e[n].index);
	return 0;
}

static int setup_fpu(int vcpu_fd, vc_err *err)
{
	/* The values FNINIT and the power-on MXCSR give: all exceptions masked. */
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};

	if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu) < 0)
		return vc_error(err, errno, "KVM_SET_FPU");
	return 0;
}

static int setup_registers(int vcpu_fd, const struct x86_entry *entry, vc_err *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {.rflags = 0x2 /* bit 1 is always set; IF clear */,
	                        .rip = entry->rip,
	                        .rdi = entry->rdi,
	                        .rsi = entry->rsi,
	                        .rsp = BOOT_STACK_TOP};

	/* Start from KVM's reset state so the APIC base and friends stay. */
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return vc_error(err, errno, "KVM_GET_SREGS");
	x86_long_mode_sregs(&sregs);
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return vc_error(err, errno, "KVM_SET_SREGS");
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return vc_error(err, errno, "KVM_SET_REGS");
	return 0;
}

int x86_setup_vcpu(int kvm_fd, int vcpu_fd, unsigned id, unsigned ncpus,
                   const struct x86_entry *entry, bool minimal_cpuid, vc_err *err)
{
	if (minimal_cpuid ? setup_minimal_cpuid(vcpu_fd, err) < 0
	                  : setup_cpuid(kvm_fd, vcpu_fd, id, ncpus, err) < 0)
		return -1;
	if (setup_msrs(vcpu_fd, err) < 0 || setup_fpu(vcpu_fd, err) < 0)
		return -1;
	/* An AP keeps its reset state: the guest wakes it with INIT and SIPI,
	 * which the in-kernel LAPIC handles. */
	if (entry && setup_registers(vcpu_fd, entry, err) < 0)
		return -1;
	return 0;
}
