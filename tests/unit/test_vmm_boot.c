/* Unit tests of vmm's boot path, without KVM: the bzImage parser against
 * Debian's real kernel and against broken files made here, the zero page
 * (e820, command line, initrd placement), the ELF64 loader, guest RAM
 * layout and size checks, and the page-table, GDT and CPUID builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glob.h>

#include "bzimage.h"
#include "elf.h"
#include "loader.h"
#include "memory.h"
#include "x86.h"

/* Debian's kernel image (linux-image-amd64), read whole. */
struct image {
	char path[256];
	uint8_t *data;
	size_t size;
};

static int read_stock_kernel(struct image *img)
{
	glob_t g;
	FILE *f;
	long n;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0)
		return -1;
	snprintf(img->path, sizeof(img->path), "%s", g.gl_pathv[0]);
	globfree(&g);
	f = fopen(img->path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	img->data = malloc((size_t)n);
	img->size = fread(img->data, 1, (size_t)n, f);
	fclose(f);
	return img->size == (size_t)n ? 0 : -1;
}

static int setup_image(void **state)
{
	struct image *img = calloc(1, sizeof(*img));

	/* The test needs the real image: linux-image-amd64 is a build dependency. */
	if (!img || read_stock_kernel(img) < 0) {
		fprintf(stderr, "no readable /boot/vmlinuz-* (install linux-image-amd64)\n");
		free(img);
		return -1;
	}
	*state = img;
	return 0;
}

static int teardown_image(void **state)
{
	struct image *img = *state;

	free(img->data);
	free(img);
	return 0;
}

/* Write len bytes to a fresh temporary file and return its path. */
static char *temp_file(const void *data, size_t len)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_vmm_boot.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

/* kernel_open() on a modified copy of the image: returns its result and
 * leaves the error message in err. */
static int open_modified(const struct image *img, size_t len, size_t patch_at, const void *patch,
                         size_t patch_len, vc_err *err)
{
	uint8_t *copy = malloc(img->size);
	struct kernel_image k;
	char *path;
	int ret;

	memcpy(copy, img->data, img->size);
	if (patch)
		memcpy(copy + patch_at, patch, patch_len);
	path = temp_file(copy, len);
	free(copy);
	ret = kernel_open(&k, path, NULL, err);
	kernel_close(&k);
	unlink(path);
	return ret;
}

static void test_bzimage_parses_stock_kernel(void **state)
{
	struct image *img = *state;
	struct bzimage bz;
	vc_err err = {0};

	assert_int_equal(bzimage_parse(img->data, img->size, img->size, img->path, &bz, &err), 0);
	assert_true(bz.hdr.version >= BZIMAGE_MIN_PROTOCOL);
	assert_true(bz.hdr.xloadflags & XLF_KERNEL_64);
	assert_int_equal(bz.load_addr, 16 * MiB); /* pref_address of x86-64 kernels */
	assert_int_equal(bz.setup_size + bz.kernel_size, img->size);
	assert_true(bz.hdr.init_size >= bz.kernel_size);
	assert_true(bz.hdr.cmdline_size >= 255);
	/* It needs its decompression buffer plus room to run. */
	assert_true(bzimage_min_mem(&bz, 0) >= bz.load_addr + bz.hdr.init_size);
}

static void test_bzimage_rejects_truncated(void **state)
{
	struct image *img = *state;
	vc_err err = {0};

	assert_int_equal(open_modified(img, img->size / 2, 0, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(open_modified(img, 300, 0, NULL, 0, &err), -1);
	assert_non_null(strstr(err.msg, "too short"));
}

static void test_bzimage_rejects_corrupt_magic(void **state)
{
	struct image *img = *state;
	vc_err err = {0};

	assert_int_equal(open_modified(img, img->size, 0x202, "HdrX", 4, &err), -1);
	assert_non_null(strstr(err.msg, "not a Linux bzImage"));
}

static void test_bzimage_rejects_old_protocol(void **state)
{
	struct image *img = *state;
	const uint8_t v204[2] = {0x04, 0x02}; /* boot protocol 2.04 */
	vc_err err = {0};

	assert_int_equal(open_modified(img, img->size, 0x206, v204, 2, &err), -1);
	assert_non_null(strstr(err.msg, "2.04 is too old"));
}

static void test_bzimage_rejects_32bit_only(void **state)
{
	struct image *img = *state;
	const uint8_t no_xlf[2] = {0, 0};
	vc_err err = {0};

	assert_int_equal(open_modified(img, img->size, 0x236, no_xlf, 2, &err), -1);
	assert_non_null(strstr(err.msg, "no 64-bit entry"));
}

static void test_rejects_not_a_kernel(void **state)
{
	char text[4096];
	struct kernel_image k;
	vc_err err = {0};
	char *path;

	(void)state;
	memset(text, 'x', sizeof(text));
	path = temp_file(text, sizeof(text));
	assert_int_equal(kernel_open(&k, path, NULL, &err), -1);
	kernel_close(&k);
	unlink(path);
	assert_non_null(strstr(err.msg, "not a Linux bzImage"));
	assert_int_equal(kernel_open(&k, "/nonexistent/vmlinuz", NULL, &err), -1);
	kernel_close(&k);
	assert_non_null(strstr(err.msg, "/nonexistent/vmlinuz"));
}

static void test_zero_page_layout(void **state)
{
	struct image *img = *state;
	struct boot_params zp;
	struct guest_mem mem;
	struct bzimage bz;
	struct bzimage_layout lay = {.cmdline_addr = BOOT_CMDLINE_ADDR};
	vc_err err = {0};

	assert_int_equal(bzimage_parse(img->data, img->size, img->size, img->path, &bz, &err), 0);
	assert_int_equal(guest_mem_map(&mem, 256 * MiB, &err), 0);
	assert_int_equal(bzimage_place_initrd(&bz, &mem, 1000000, &lay.initrd_addr, &err), 0);
	lay.initrd_size = 1000000;
	/* As high as possible, page aligned, above the kernel's buffer. */
	assert_int_equal(lay.initrd_addr % 4096, 0);
	assert_true(lay.initrd_addr + lay.initrd_size <= 256 * MiB);
	assert_true(256 * MiB - (lay.initrd_addr + lay.initrd_size) < 4096);
	assert_true(lay.initrd_addr >= bz.load_addr + bz.hdr.init_size);

	bzimage_build_boot_params(&zp, &bz, &mem, &lay);
	assert_int_equal(zp.hdr.header, 0x53726448); /* the image's header was copied */
	assert_int_equal(zp.hdr.version, bz.hdr.version);
	assert_int_equal(zp.hdr.type_of_loader, 0xff);
	assert_int_equal(zp.hdr.cmd_line_ptr, BOOT_CMDLINE_ADDR);
	assert_int_equal(zp.ext_cmd_line_ptr, 0);
	assert_int_equal(zp.hdr.ramdisk_image, lay.initrd_addr);
	assert_int_equal(zp.hdr.ramdisk_size, 1000000);
	assert_int_equal(zp.acpi_rsdp_addr, 0);
	assert_int_equal(zp.e820_entries, 2);
	assert_int_equal(zp.e820_table[0].addr, 0);
	assert_int_equal(zp.e820_table[0].size, 0xa0000);
	assert_int_equal(zp.e820_table[0].type, 1);
	assert_int_equal(zp.e820_table[1].addr, MiB);
	assert_int_equal(zp.e820_table[1].size, 255 * MiB);
	assert_int_equal(zp.e820_table[1].type, 1);
	guest_mem_unmap(&mem);

	/* Too little RAM for the initrd above the kernel: a clear refusal. */
	assert_int_equal(guest_mem_map(&mem, 80 * MiB, &err), 0);
	assert_int_equal(bzimage_place_initrd(&bz, &mem, 8 * MiB, &lay.initrd_addr, &err), -1);
	assert_non_null(strstr(err.msg, "give more --mem"));
	guest_mem_unmap(&mem);
}

static void test_e820_splits_around_the_hole(void **state)
{
	struct boot_e820_entry e[4];
	struct guest_mem mem;
	vc_err err = {0};

	(void)state;
	/* 5 GiB, never touched: MAP_NORESERVE makes this free. */
	assert_int_equal(guest_mem_map(&mem, 5 * GiB, &err), 0);
	assert_int_equal(mem.low_size, 3 * GiB);
	assert_int_equal(bzimage_e820(&mem, e, 4), 3);
	assert_int_equal(e[1].addr + e[1].size, 3 * GiB);
	assert_int_equal(e[2].addr, 4 * GiB);
	assert_int_equal(e[2].size, 2 * GiB);
	assert_ptr_equal(gpa_to_host(&mem, 4 * GiB, 4096), mem.host + 3 * GiB);
	assert_null(gpa_to_host(&mem, 3 * GiB, 1));               /* the hole */
	assert_null(gpa_to_host(&mem, 3 * GiB - 4096, 8192));     /* straddles it */
	assert_null(gpa_to_host(&mem, 6 * GiB, 1));               /* beyond RAM */
	assert_non_null(gpa_to_host(&mem, 6 * GiB - 4096, 4096)); /* last page */
	guest_mem_unmap(&mem);
}

static void test_bzimage_load_puts_everything_in_place(void **state)
{
	struct image *img = *state;
	struct kernel_image k;
	struct x86_entry entry;
	struct guest_mem mem;
	struct boot_params *zp;
	vc_err err = {0};

	assert_int_equal(kernel_open(&k, img->path, NULL, &err), 0);
	assert_int_equal(guest_mem_map(&mem, 128 * MiB, &err), 0);
	assert_int_equal(kernel_load(&k, &mem, "console=ttyS0 quiet", &entry, &err), 0);
	assert_int_equal(entry.rip, 16 * MiB + 0x200); /* the 64-bit entry */
	assert_int_equal(entry.rsi, BOOT_PARAMS_ADDR);
	assert_memory_equal(mem.host + 16 * MiB, img->data + k.bz.setup_size, k.bz.kernel_size);
	assert_string_equal((char *)mem.host + BOOT_CMDLINE_ADDR, "console=ttyS0 quiet");
	zp = (struct boot_params *)(mem.host + BOOT_PARAMS_ADDR);
	assert_int_equal(zp->hdr.cmd_line_ptr, BOOT_CMDLINE_ADDR);
	assert_int_equal(zp->hdr.ramdisk_size, 0);
	/* Over the kernel's limit: refused before anything runs. */
	{
		char *long_cmdline = malloc(5000);

		memset(long_cmdline, 'a', 4999);
		long_cmdline[4999] = '\0';
		assert_int_equal(kernel_check_cmdline(&k, long_cmdline, &err), -1);
		assert_non_null(strstr(err.msg, "--cmdline"));
		free(long_cmdline);
	}
	kernel_close(&k);
	guest_mem_unmap(&mem);
}

/* A minimal ELF64 executable with one PT_LOAD of code at paddr. */
static size_t make_elf(uint8_t *buf, uint64_t paddr, uint16_t machine, const uint8_t *code,
                       size_t code_len)
{
	Elf64_Ehdr eh = {.e_type = ET_EXEC,
	                 .e_machine = machine,
	                 .e_version = EV_CURRENT,
	                 .e_entry = paddr + sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr),
	                 .e_phoff = sizeof(Elf64_Ehdr),
	                 .e_ehsize = sizeof(Elf64_Ehdr),
	                 .e_phentsize = sizeof(Elf64_Phdr),
	                 .e_phnum = 1};
	size_t total = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + code_len;
	Elf64_Phdr ph = {.p_type = PT_LOAD,
	                 .p_flags = PF_R | PF_X,
	                 .p_offset = 0,
	                 .p_vaddr = paddr,
	                 .p_paddr = paddr,
	                 .p_filesz = total,
	                 .p_memsz = total + 8192, /* some .bss */
	                 .p_align = 4096};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	memcpy(buf + sizeof(eh) + sizeof(ph), code, code_len);
	return total;
}

static void test_elf_load_and_entry(void **state)
{
	const uint8_t code[] = {0xb0, 0x07, 0xe6, 0xf4, 0xf4}; /* mov al,7; out 0xf4,al; hlt */
	uint8_t buf[512];
	struct kernel_image k;
	struct x86_entry entry;
	struct guest_mem mem;
	vc_err err = {0};
	size_t len = make_elf(buf, MiB, EM_X86_64, code, sizeof(code));
	char *path = temp_file(buf, len);

	(void)state;
	assert_int_equal(kernel_open(&k, path, NULL, &err), 0);
	unlink(path);
	assert_int_equal(k.kind, KERNEL_ELF);
	assert_int_equal(k.min_mem, MiB + len + 8192);
	assert_int_equal(guest_mem_map(&mem, 8 * MiB, &err), 0);
	assert_int_equal(kernel_load(&k, &mem, "exit=7", &entry, &err), 0);
	/* docs/contracts.md: rdi = command line, rsi = RAM size. */
	assert_int_equal(entry.rip, MiB + len - sizeof(code));
	assert_int_equal(entry.rdi, BOOT_CMDLINE_ADDR);
	assert_int_equal(entry.rsi, 8 * MiB);
	assert_memory_equal(mem.host + MiB, buf, len);
	assert_string_equal((char *)mem.host + BOOT_CMDLINE_ADDR, "exit=7");
	kernel_close(&k);
	guest_mem_unmap(&mem);
}

static void test_elf_rejects_bad_files(void **state)
{
	const uint8_t code[] = {0xf4};
	uint8_t buf[512];
	struct elf_image elf;
	vc_err err = {0};
	size_t len;

	(void)state;
	len = make_elf(buf, MiB, EM_AARCH64, code, sizeof(code));
	assert_int_equal(elf_parse(buf, len, len, "arm.elf", &elf, &err), -1);
	assert_non_null(strstr(err.msg, "not an x86-64 ELF64"));
	/* Over the VMM's boot tables in low memory. */
	len = make_elf(buf, 0x8000, EM_X86_64, code, sizeof(code));
	assert_int_equal(elf_parse(buf, len, len, "low.elf", &elf, &err), -1);
	assert_non_null(strstr(err.msg, "boot tables"));
	/* A segment that promises more file than there is. */
	len = make_elf(buf, MiB, EM_X86_64, code, sizeof(code));
	assert_int_equal(elf_parse(buf, len, len - 1, "short.elf", &elf, &err), -1);
	assert_non_null(strstr(err.msg, "outside the file"));
}

/* Header fields chosen so that a sum wraps past 2^64: each must be refused,
 * never read out of bounds (ASan would report it). */
static void test_elf_header_arithmetic_does_not_wrap(void **state)
{
	const uint8_t code[] = {0xf4};
	uint8_t buf[512];
	struct elf_image elf;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	vc_err err = {0};
	size_t len;

	(void)state;
	/* e_phoff + 1 * 56 wraps to 0 */
	len = make_elf(buf, MiB, EM_X86_64, code, sizeof(code));
	memcpy(&eh, buf, sizeof(eh));
	eh.e_phoff = UINT64_MAX - sizeof(Elf64_Phdr) + 1;
	memcpy(buf, &eh, sizeof(eh));
	assert_int_equal(elf_parse(buf, len, len, "phoff.elf", &elf, &err), -1);
	assert_non_null(strstr(err.msg, "program headers"));
	/* e_phoff + e_phnum * 56 wraps to a small number */
	eh.e_phoff = UINT64_MAX - 8;
	eh.e_phnum = 2;
	memcpy(buf, &eh, sizeof(eh));
	assert_int_equal(elf_parse(buf, len, len, "phoff2.elf", &elf, &err), -1);
	/* p_offset + p_filesz wraps */
	len = make_elf(buf, MiB, EM_X86_64, code, sizeof(code));
	memcpy(&ph, buf + sizeof(eh), sizeof(ph));
	ph.p_offset = UINT64_MAX - 4;
	ph.p_filesz = 16;
	ph.p_memsz = 16;
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	assert_int_equal(elf_parse(buf, len, len, "off.elf", &elf, &err), -1);
	assert_non_null(strstr(err.msg, "outside the file"));
	/* p_paddr + p_memsz wraps */
	len = make_elf(buf, MiB, EM_X86_64, code, sizeof(code));
	memcpy(&ph, buf + sizeof(eh), sizeof(ph));
	ph.p_memsz = UINT64_MAX - MiB + 2;
	memcpy(buf + sizeof(eh), &ph, sizeof(ph));
	assert_int_equal(elf_parse(buf, len, len, "paddr.elf", &elf, &err), -1);
	assert_non_null(strstr(err.msg, "boot tables"));
}

static void test_mem_size_checks(void **state)
{
	vc_err err = {0};

	(void)state;
	assert_int_equal(guest_mem_check_size(64 * MiB, 24 * GiB, "--mem 64M", &err), 0);
	assert_int_equal(guest_mem_check_size(1, 24 * GiB, "--mem 1", &err), -1);
	assert_non_null(strstr(err.msg, "too little"));
	assert_int_equal(guest_mem_check_size(10ull << 40, 24 * GiB, "--mem 10T", &err), -1);
	assert_non_null(strstr(err.msg, "more guest RAM than this host has"));
	assert_int_equal(guest_mem_check_size(64 * MiB + 1, 24 * GiB, "--mem", &err), -1);
}

/* Walk the boot page tables as the MMU would. */
static uint64_t translate(const struct guest_mem *mem, uint64_t va, uint64_t *flags)
{
	const uint64_t *pml4 = gpa_to_host(mem, BOOT_PML4_ADDR, 4096);
	uint64_t pdpte, pde;

	if (!(pml4[(va >> 39) & 511] & PTE_PRESENT))
		return UINT64_MAX;
	pdpte = ((uint64_t *)gpa_to_host(mem, pml4[(va >> 39) & 511] & ~0xfffull,
	                                 4096))[(va >> 30) & 511];
	if (!(pdpte & PTE_PRESENT))
		return UINT64_MAX;
	pde = ((uint64_t *)gpa_to_host(mem, pdpte & ~0xfffull, 4096))[(va >> 21) & 511];
	*flags = pde & 0xfff;
	return (pde & ~0x1fffffull & 0xffffffffffull) | (va & 0x1fffff);
}

static void test_page_tables_identity_map_4g(void **state)
{
	struct guest_mem mem;
	vc_err err = {0};
	uint64_t flags = 0;

	(void)state;
	assert_int_equal(guest_mem_map(&mem, 16 * MiB, &err), 0);
	assert_int_equal(x86_build_page_tables(&mem, &err), 0);
	assert_int_equal(translate(&mem, 0x1234, &flags), 0x1234);
	assert_int_equal(flags, PTE_PRESENT | PTE_WRITE | PTE_HUGE);
	assert_int_equal(translate(&mem, 0x1000200, &flags), 0x1000200);
	assert_int_equal(translate(&mem, 0xfee00000, &flags), 0xfee00000); /* the LAPIC */
	assert_int_equal(translate(&mem, 4 * GiB - 1, &flags), 4 * GiB - 1);
	assert_int_equal(translate(&mem, 4 * GiB, &flags), UINT64_MAX); /* not mapped */
	guest_mem_unmap(&mem);

	/* Too small for the tables: an error, not a crash. */
	mem = (struct guest_mem){.host = NULL, .size = 4096, .low_size = 4096};
	assert_int_equal(x86_build_page_tables(&mem, &err), -1);
}

static void test_gdt_and_long_mode_sregs(void **state)
{
	struct guest_mem mem;
	struct kvm_sregs sregs;
	vc_err err = {0};
	uint64_t *gdt;

	(void)state;
	assert_int_equal(guest_mem_map(&mem, 4 * MiB, &err), 0);
	assert_int_equal(x86_build_gdt(&mem, &err), 0);
	gdt = gpa_to_host(&mem, BOOT_GDT_ADDR, 48);
	assert_int_equal(gdt[0], 0);
	/* The well-known flat descriptors: 64-bit code, 4 GiB read/write data. */
	assert_int_equal(gdt[BOOT_CS / 8], 0x00af9b000000ffffull);
	assert_int_equal(gdt[BOOT_DS / 8], 0x00cf93000000ffffull);
	assert_int_equal(gdt[BOOT_TR / 8], 0x00008b0000000067ull); /* busy TSS */

	memset(&sregs, 0, sizeof(sregs));
	x86_long_mode_sregs(&sregs);
	assert_int_equal(sregs.cs.selector, BOOT_CS);
	assert_int_equal(sregs.cs.l, 1);
	assert_int_equal(sregs.ds.selector, BOOT_DS);
	assert_int_equal(x86_gdt_entry(&sregs.cs), gdt[BOOT_CS / 8]);
	assert_int_equal(x86_gdt_entry(&sregs.ss), gdt[BOOT_DS / 8]);
	assert_true(sregs.cr0 & X86_CR0_PE);
	assert_true(sregs.cr0 & X86_CR0_PG);
	assert_true(sregs.cr4 & X86_CR4_PAE);
	assert_int_equal(sregs.efer, X86_EFER_LME | X86_EFER_LMA);
	assert_int_equal(sregs.cr3, BOOT_PML4_ADDR);
	assert_int_equal(sregs.gdt.base, BOOT_GDT_ADDR);
	guest_mem_unmap(&mem);
}

static void test_cpuid_hypervisor_bit(void **state)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 3 * sizeof(c->entries[0]));

	(void)state;
	c->nent = 3;
	c->entries[0] = (struct kvm_cpuid_entry2){.function = 0, .eax = 0xd};
	c->entries[1] = (struct kvm_cpuid_entry2){.function = 1, .ebx = 0xff000800, .ecx = 0x1};
	c->entries[2] = (struct kvm_cpuid_entry2){.function = 0xb, .edx = 9};
	x86_fixup_cpuid(c, 0);
	assert_int_equal(c->entries[1].ecx, 0x80000001u); /* hypervisor bit added */
	assert_int_equal(c->entries[1].ebx, 0x00000800u); /* APIC id 0 */
	assert_int_equal(c->entries[2].edx, 0);           /* x2APIC id 0 */
	assert_int_equal(c->entries[0].eax, 0xd);         /* others untouched */
	free(c);
}

/* The bare-metal guest's CPUID: what long mode needs, nothing else. */
static void test_minimal_cpuid(void **state)
{
	struct kvm_cpuid2 *c =
	    calloc(1, sizeof(*c) + X86_MINIMAL_CPUID_LEAVES * sizeof(c->entries[0]));
	int leaves = 0;

	(void)state;
	assert_non_null(c);
	x86_minimal_cpuid(c);
	assert_int_equal(c->nent, X86_MINIMAL_CPUID_LEAVES);
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function == 0x80000001) {
			assert_true(e->edx & CPUID_EXT_EDX_LM);
			leaves++;
		} else if (e->function == 0x80000000) {
			assert_true(e->eax >= 0x80000001);
			leaves++;
		} else if (e->function == 1) {
			assert_true(e->edx & CPUID_1_EDX_PAE);
			assert_true(e->ecx & CPUID_HYPERVISOR_BIT);
			leaves++;
		} else if (e->function == 0) {
			assert_true(e->eax >= 1);
			leaves++;
		}
	}
	assert_int_equal(leaves, 4);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal_cpuid),
	    cmocka_unit_test(test_bzimage_parses_stock_kernel),
	    cmocka_unit_test(test_bzimage_rejects_truncated),
	    cmocka_unit_test(test_bzimage_rejects_corrupt_magic),
	    cmocka_unit_test(test_bzimage_rejects_old_protocol),
	    cmocka_unit_test(test_bzimage_rejects_32bit_only),
	    cmocka_unit_test(test_zero_page_layout),
	    cmocka_unit_test(test_bzimage_load_puts_everything_in_place),
	};
	const struct CMUnitTest plain[] = {
	    cmocka_unit_test(test_rejects_not_a_kernel),
	    cmocka_unit_test(test_e820_splits_around_the_hole),
	    cmocka_unit_test(test_elf_load_and_entry),
	    cmocka_unit_test(test_elf_rejects_bad_files),
	    cmocka_unit_test(test_elf_header_arithmetic_does_not_wrap),
	    cmocka_unit_test(test_mem_size_checks),
	    cmocka_unit_test(test_page_tables_identity_map_4g),
	    cmocka_unit_test(test_gdt_and_long_mode_sregs),
	    cmocka_unit_test(test_cpuid_hypervisor_bit),
	};
	int failed =
	    cmocka_run_group_tests_name("stock kernel", tests, setup_image, teardown_image);

	return failed + cmocka_run_group_tests_name("boot builders", plain, NULL, NULL);
}
