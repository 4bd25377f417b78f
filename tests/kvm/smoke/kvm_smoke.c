/* KVM smoke test: the smallest complete use of the KVM API in 64-bit mode.
 *
 * It opens /dev/kvm, creates a VM with 2 MiB of memory and one vCPU, builds
 * what long mode needs (a GDT, 4-level page tables identity-mapping the first
 * 2 MiB with one large page, CR0.PG|PE, CR4.PAE, EFER.LME|LMA), copies in the
 * guest of guest.S and runs it. The guest computes values in registers,
 * writes bytes to an I/O port (each one a KVM_EXIT_IO here) and halts
 * (KVM_EXIT_HLT). The test then checks the bytes, the exit, the registers
 * (KVM_GET_REGS) and that the vCPU really was in long mode (EFER.LMA).
 *
 * Exit status: 0 all checks passed, 1 a check failed, 2 bad usage,
 * 3 no /dev/kvm or a KVM call failed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"

#define PROG "kvm_smoke"

/* Guest-physical layout (all inside the one 2 MiB memory slot). */
#define MEM_SIZE  0x200000u
#define GDT_GPA   0x0500u
#define PML4_GPA  0x1000u
#define PDPT_GPA  0x2000u
#define PD_GPA    0x3000u
#define CODE_GPA  0x10000u
#define STACK_TOP 0x1ff000u

#define SMOKE_PORT   0x10 /* must match guest.S */
#define RUN_SECONDS  20   /* the guest halts in microseconds; this catches a hang */
#define MAX_EXITS    100
#define MAX_OUT      64
#define EXPECTED_OUT "vclab*7" /* the greeting, then r8 = 42 = '*', r9 = 55 = '7' */

/* x86 control bits used below. */
#define CR0_PE    (1u << 0)
#define CR0_MP    (1u << 1)
#define CR0_ET    (1u << 4)
#define CR0_NE    (1u << 5)
#define CR0_WP    (1u << 16)
#define CR0_PG    (1u << 31)
#define CR4_PAE   (1u << 5)
#define EFER_LME  (1u << 8)
#define EFER_LMA  (1u << 10)
#define PTE_P     (1u << 0)
#define PTE_RW    (1u << 1)
#define PTE_LARGE (1u << 7)

/* From guest.S: the code, its length, and the offset just past its hlt. */
extern const uint8_t smoke_guest_start[];
extern const uint64_t smoke_guest_size, smoke_guest_hlt_end;

struct vm {
	int kvm, vm, vcpu;
	uint8_t *mem;
	struct kvm_run *run;
	size_t run_size;
};

struct guest_result {
	uint8_t out[MAX_OUT];
	size_t out_len;
	uint32_t last_exit;
	unsigned exits;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

static int open_kvm(const char *dev, struct vm *vm, vc_err *err)
{
	int version;

	vm->kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0)
		return vc_error(err, errno,
		                "%s: cannot open (no KVM here? run it in the test host: "
		                "tests/testhost/run.sh -- build/tests/kvm_smoke)",
		                dev);
	version = ioctl(vm->kvm, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return vc_error(err, 0, "%s: KVM API version %d, expected %d", dev, version,
		                KVM_API_VERSION);
	return 0;
}

static int create_vm_with_memory(struct vm *vm, vc_err *err)
{
	struct kvm_userspace_memory_region region = {0};

	vm->vm = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->vm < 0)
		return vc_error(err, errno, "KVM_CREATE_VM");
	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return vc_error(err, errno, "mmap of %u bytes of guest memory", MEM_SIZE);
	}
	region.slot = 0;
	region.guest_phys_addr = 0;
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return vc_error(err, errno, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/* Give the vCPU the host-supported CPUID, as a real VMM does: KVM only
 * allows EFER.LME when the guest's CPUID says long mode exists. */
static int set_supported_cpuid(struct vm *vm, vc_err *err)
{
	const int nent = 256;
	struct kvm_cpuid2 *cpuid;
	int rc = 0;

	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return vc_error(err, ENOMEM, "CPUID table");
	cpuid->nent = nent;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
		rc = vc_error(err, errno, "KVM_GET_SUPPORTED_CPUID");
	else if (ioctl(vm->vcpu, KVM_SET_CPUID2, cpuid) < 0)
		rc = vc_error(err, errno, "KVM_SET_CPUID2");
	free(cpuid);
	return rc;
}

static int create_vcpu(struct vm *vm, vc_err *err)
{
	int size;

	vm->vcpu = ioctl(vm->vm, KVM_CREATE_VCPU, 0);
	if (vm->vcpu < 0)
		return vc_error(err, errno, "KVM_CREATE_VCPU");
	size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return vc_error(err, errno, "KVM_GET_VCPU_MMAP_SIZE returned %d", size);
	vm->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return vc_error(err, errno, "mmap of the vCPU's kvm_run");
	}
	vm->run_size = (size_t)size;
	return set_supported_cpuid(vm, err);
}

/* Identity-map guest-physical 0..2 MiB: PML4[0] -> PDPT[0] -> PD[0], a 2 MiB page. */
static void write_page_tables(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(mem + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(mem + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(mem + PD_GPA);

	pml4[0] = PDPT_GPA | PTE_P | PTE_RW;
	pdpt[0] = PD_GPA | PTE_P | PTE_RW;
	pd[0] = 0 | PTE_P | PTE_RW | PTE_LARGE;
}

/* Segment descriptors as the CPU reads them from the GDT; KVM_SET_SREGS sets
 * the same values in the hidden segment registers, so both agree. */
static void write_gdt(uint8_t *mem)
{
	uint64_t *gdt = (uint64_t *)(mem + GDT_GPA);

	gdt[0] = 0;                     /* the mandatory null descriptor */
	gdt[1] = 0x00af9a000000ffffull; /* 0x08: code, 64-bit (L=1), ring 0 */
	gdt[2] = 0x00cf92000000ffffull; /* 0x10: data, read/write, ring 0 */
}

static struct kvm_segment segment(uint16_t selector, uint8_t type, uint8_t l, uint8_t db)
{
	struct kvm_segment s = {
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = selector,
	    .type = type,
	    .present = 1,
	    .dpl = 0,
	    .db = db,
	    .s = 1,
	    .l = l,
	    .g = 1,
	};
	return s;
}

static int enter_long_mode(struct vm *vm, vc_err *err)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {0};
	struct kvm_segment data = segment(0x10, 3, 0, 1);

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sregs) < 0)
		return vc_error(err, errno, "KVM_GET_SREGS");
	sregs.gdt.base = GDT_GPA;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cs = segment(0x08, 11, 1, 0); /* execute/read, accessed; L=1 needs D=0 */
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr3 = PML4_GPA;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sregs) < 0)
		return vc_error(err, errno, "KVM_SET_SREGS (long mode)");

	regs.rip = CODE_GPA;
	regs.rsp = STACK_TOP;
	regs.rflags = 0x2; /* bit 1 is always set */
	if (ioctl(vm->vcpu, KVM_SET_REGS, &regs) < 0)
		return vc_error(err, errno, "KVM_SET_REGS");
	return 0;
}

static int load_guest(struct vm *vm, vc_err *err)
{
	write_gdt(vm->mem);
	write_page_tables(vm->mem);
	memcpy(vm->mem + CODE_GPA, smoke_guest_start, smoke_guest_size);
	return enter_long_mode(vm, err);
}

/* An out to SMOKE_PORT: keep its bytes. `rep outsb` may bring several
 * (count > 1) in one exit; they sit in kvm_run at io.data_offset. */
static int take_port_output(const struct kvm_run *run, struct guest_result *res, vc_err *err)
{
	const uint8_t *data = (const uint8_t *)run + run->io.data_offset;
	size_t n = (size_t)run->io.size * run->io.count;

	if (run->io.direction != KVM_EXIT_IO_OUT || run->io.port != SMOKE_PORT || run->io.size != 1)
		return vc_error(err, 0, "unexpected I/O exit: %s port 0x%x size %u",
		                run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
		                run->io.size);
	if (res->out_len + n > sizeof(res->out))
		return vc_error(err, 0, "guest wrote more than %zu bytes", sizeof(res->out));
	memcpy(res->out + res->out_len, data, n);
	res->out_len += n;
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig; /* only there to interrupt KVM_RUN with EINTR */
}

/* Run the vCPU until it halts, collecting its port output. */
static int run_guest(struct vm *vm, struct guest_result *res, vc_err *err)
{
	struct sigaction sa = {.sa_handler = on_alarm};

	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR */
	alarm(RUN_SECONDS);
	for (res->exits = 0; res->exits < MAX_EXITS; res->exits++) {
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			alarm(0);
			if (errno == EINTR)
				return vc_error(err, 0, "guest did not halt within %d s",
				                RUN_SECONDS);
			return vc_error(err, errno, "KVM_RUN");
		}
		res->last_exit = vm->run->exit_reason;
		if (res->last_exit == KVM_EXIT_HLT)
			break;
		if (res->last_exit != KVM_EXIT_IO) {
			alarm(0);
			return vc_error(
			    err, 0, "unexpected exit reason %u (hardware reason 0x%llx)",
			    res->last_exit,
			    (unsigned long long)vm->run->fail_entry.hardware_entry_failure_reason);
		}
		if (take_port_output(vm->run, res, err) < 0) {
			alarm(0);
			return -1;
		}
	}
	alarm(0);
	if (res->last_exit != KVM_EXIT_HLT)
		return vc_error(err, 0, "guest did not halt after %d exits", MAX_EXITS);
	if (ioctl(vm->vcpu, KVM_GET_REGS, &res->regs) < 0)
		return vc_error(err, errno, "KVM_GET_REGS");
	if (ioctl(vm->vcpu, KVM_GET_SREGS, &res->sregs) < 0)
		return vc_error(err, errno, "KVM_GET_SREGS");
	return 0;
}

static int check_u64(const char *what, uint64_t got, uint64_t want, vc_err *err)
{
	if (got != want)
		return vc_error(err, 0, "%s = 0x%" PRIx64 ", expected 0x%" PRIx64, what, got, want);
	printf("ok: %s = 0x%" PRIx64 "\n", what, got);
	return 0;
}

/* What guest.S computes, checked one by one so a failure names the culprit. */
static int check_result(const struct guest_result *res, vc_err *err)
{
	size_t want_len = strlen(EXPECTED_OUT);
	uint64_t after_hlt = CODE_GPA + smoke_guest_hlt_end;

	if (res->out_len != want_len || memcmp(res->out, EXPECTED_OUT, want_len) != 0)
		return vc_error(err, 0, "port 0x%x got %zu bytes '%.*s', expected '%s'", SMOKE_PORT,
		                res->out_len, (int)res->out_len, res->out, EXPECTED_OUT);
	printf("ok: port 0x%x received '%s' in %u I/O exits\n", SMOKE_PORT, EXPECTED_OUT,
	       res->exits);
	printf("ok: the last exit is KVM_EXIT_HLT\n");
	if (check_u64("r8 (6*7)", res->regs.r8, 42, err) < 0 ||
	    check_u64("r9 (1+...+10)", res->regs.r9, 55, err) < 0 ||
	    check_u64("r10 (0x1122334455667788+42)", res->regs.r10, 0x11223344556677b2ull, err) <
	        0 ||
	    check_u64("rip (after hlt)", res->regs.rip, after_hlt, err) < 0)
		return -1;
	if (!(res->sregs.efer & EFER_LMA))
		return vc_error(err, 0, "EFER = 0x%llx: LMA is off, the vCPU was not in long mode",
		                (unsigned long long)res->sregs.efer);
	printf("ok: EFER.LMA is set (long mode active)\n");
	return 0;
}

static void close_vm(struct vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->mem)
		munmap(vm->mem, MEM_SIZE);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->vm >= 0)
		close(vm->vm);
	if (vm->kvm >= 0)
		close(vm->kvm);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: %s [--dev PATH]\n"
	        "\n"
	        "Run a tiny 64-bit guest under KVM and check what it did: the bytes it\n"
	        "wrote to port 0x%x, that it halted (KVM_EXIT_HLT), its final registers\n"
	        "and that it ran in long mode. Needs /dev/kvm: on a machine without it,\n"
	        "run it in the test host: tests/testhost/run.sh -- build/tests/kvm_smoke\n"
	        "\n"
	        "  --dev PATH  the KVM device (default /dev/kvm)\n"
	        "  -h, --help  this text\n"
	        "\n"
	        "exit status: 0 passed, 1 a check failed, 2 bad usage, 3 no KVM or a KVM error\n",
	        PROG, SMOKE_PORT);
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/kvm";
	struct vm vm = {.kvm = -1, .vm = -1, .vcpu = -1};
	struct guest_result res = {0};
	vc_err err = {0};
	int status = 0;

	setvbuf(stdout, NULL, _IOLBF, 0); /* keep "ok:" lines in order with errors */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dev") == 0) {
			if (i + 1 == argc) {
				fprintf(stderr, "%s: --dev needs a path (see --help)\n", PROG);
				return 2;
			}
			dev = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "%s: unknown argument '%s' (see --help)\n", PROG, argv[i]);
			return 2;
		}
	}

	if (open_kvm(dev, &vm, &err) < 0 || create_vm_with_memory(&vm, &err) < 0 ||
	    create_vcpu(&vm, &err) < 0 || load_guest(&vm, &err) < 0 ||
	    run_guest(&vm, &res, &err) < 0)
		status = 3;
	else if (check_result(&res, &err) < 0)
		status = 1;
	close_vm(&vm);
	if (status != 0) {
		vc_error_print(PROG, &err);
		return status;
	}
	printf("%s: PASS\n", PROG);
	return 0;
}
