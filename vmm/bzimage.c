#include "bzimage.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "x86.h"

#define BOOT_FLAG_MAGIC  0xaa55
#define HDRS_MAGIC       0x53726448 /* "HdrS" little endian */
#define LOADER_UNDEFINED 0xff       /* type_of_loader for loaders without an id */
#define E820_RAM         1
#define PAGE_SIZE        4096ull

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* One function that checks every header field the loader relies on, in the
 * order the boot protocol documents them, so a student can follow it. */
int bzimage_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path,
                  struct bzimage *bz, vc_err *err)
{
	const struct setup_header *h;
	unsigned setup_sects;

	memset(bz, 0, sizeof(*bz));
	if (len < BZIMAGE_HDR_OFFSET + sizeof(struct setup_header))
		return vc_error(err, 0, "%s: %llu bytes, too short to be a Linux kernel", path,
		                (unsigned long long)file_size);
	memcpy(&bz->hdr, buf + BZIMAGE_HDR_OFFSET, sizeof(bz->hdr));
	h = &bz->hdr;

	if (h->header != HDRS_MAGIC || h->boot_flag != BOOT_FLAG_MAGIC)
		return vc_error(err, 0,
		                "%s: not a Linux bzImage (no 'HdrS' boot header) nor an ELF64 file",
		                path);
	if (h->version < BZIMAGE_MIN_PROTOCOL)
		return vc_error(err, 0,
		                "%s: boot protocol %u.%02u is too old (vmm needs %u.%02u for the "
		                "64-bit entry)",
		                path, h->version >> 8, h->version & 0xff, BZIMAGE_MIN_PROTOCOL >> 8,
		                BZIMAGE_MIN_PROTOCOL & 0xff);
	if (!(h->loadflags & LOADED_HIGH))
		return vc_error(err, 0,
		                "%s: a zImage that loads below 1 MiB; only bzImage is "
		                "supported",
		                path);
	if (!(h->xloadflags & XLF_KERNEL_64))
		return vc_error(err, 0, "%s: no 64-bit entry point (a 32-bit kernel?)", path);

	/* Byte 0x201 is the jump over the header: it also gives its length. */
	bz->hdr_len = 0x202 + buf[0x201] - BZIMAGE_HDR_OFFSET;
	if (bz->hdr_len > sizeof(struct setup_header))
		bz->hdr_len = sizeof(struct setup_header);

	setup_sects = h->setup_sects ? h->setup_sects : 4; /* 0 means 4, for old kernels */
	bz->setup_size = (setup_sects + 1ull) * 512;
	if (file_size <= bz->setup_size || file_size - bz->setup_size < (uint64_t)h->syssize * 16)
		return vc_error(err, 0, "%s: truncated (%llu bytes; the header promises %llu)",
		                path, (unsigned long long)file_size,
		                (unsigned long long)(bz->setup_size + (uint64_t)h->syssize * 16));
	bz->kernel_size = file_size - bz->setup_size;

	if (h->init_size < bz->kernel_size)
		return vc_error(err, 0,
		                "%s: corrupt header: init_size %u is smaller than the "
		                "kernel (%llu bytes)",
		                path, h->init_size, (unsigned long long)bz->kernel_size);
	/* A relocatable kernel could go anywhere aligned; pref_address is where
	 * a non-relocatable one must go, and is fine for both. */
	bz->load_addr = h->pref_address;
	if (bz->load_addr < BOOT_LOW_END || bz->load_addr >= MEM_HOLE_START ||
	    (h->kernel_alignment && (h->kernel_alignment & (h->kernel_alignment - 1)) == 0 &&
	     bz->load_addr % h->kernel_alignment))
		return vc_error(err, 0, "%s: unusable pref_address 0x%llx", path,
		                (unsigned long long)bz->load_addr);
	if (h->cmdline_size == 0)
		return vc_error(err, 0, "%s: corrupt header: cmdline_size is 0", path);
	return 0;
}

uint64_t bzimage_min_mem(const struct bzimage *bz, uint64_t initrd_size)
{
	return align_up(bz->load_addr + bz->hdr.init_size, 2 * MiB) +
	       align_up(initrd_size, PAGE_SIZE) + BZIMAGE_RUNTIME_HEADROOM;
}

int bzimage_place_initrd(const struct bzimage *bz, const struct guest_mem *mem,
                         uint64_t initrd_size, uint64_t *addr, vc_err *err)
{
	uint64_t top = (uint64_t)bz->hdr.initrd_addr_max + 1; /* last usable byte + 1 */
	uint64_t kernel_end = bz->load_addr + bz->hdr.init_size;

	if (top > mem->low_size)
		top = mem->low_size;
	if (initrd_size > top || align_down(top - initrd_size, PAGE_SIZE) < kernel_end)
		return vc_error(err, 0,
		                "--initrd: %llu KiB does not fit between the kernel (ends at %llu "
		                "MiB) and %llu MiB: give more --mem",
		                (unsigned long long)(initrd_size >> 10),
		                (unsigned long long)(kernel_end / MiB),
		                (unsigned long long)(top / MiB));
	*addr = align_down(top - initrd_size, PAGE_SIZE);
	return 0;
}

unsigned bzimage_e820(const struct guest_mem *mem, struct boot_e820_entry *e, unsigned max)
{
	unsigned n = 0;

	/* Conventional memory, the 640 KiB the PC always had. The VMM's boot
	 * tables live here; Linux reserves the first 1 MiB anyway. */
	if (n < max)
		e[n++] = (struct boot_e820_entry){.addr = 0, .size = 0xa0000, .type = E820_RAM};
	/* 640 KiB..1 MiB is the legacy VGA/BIOS hole: left out, so not RAM. */
	if (n < max && mem->low_size > MiB)
		e[n++] = (struct boot_e820_entry){
		    .addr = MiB, .size = mem->low_size - MiB, .type = E820_RAM};
	if (n < max && mem->size > mem->low_size)
		e[n++] = (struct boot_e820_entry){
		    .addr = MEM_HIGH_START, .size = mem->size - mem->low_size, .type = E820_RAM};
	return n;
}

void bzimage_build_boot_params(struct boot_params *zp, const struct bzimage *bz,
                               const struct guest_mem *mem, const struct bzimage_layout *lay)
{
	struct setup_header hdr = bz->hdr;
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	unsigned n;

	/* Start from zeros: fields we do not know about must read as "none",
	 * e.g. acpi_rsdp_addr = 0 (no ACPI) and sentinel = 0. */
	memset(zp, 0, sizeof(*zp));
	/* The protocol: copy the image's header as is, then fill in ours. */
	memcpy(&zp->hdr, &hdr, bz->hdr_len);
	zp->hdr.type_of_loader = LOADER_UNDEFINED;
	zp->hdr.cmd_line_ptr = (uint32_t)lay->cmdline_addr;
	zp->ext_cmd_line_ptr = (uint32_t)(lay->cmdline_addr >> 32);
	zp->hdr.ramdisk_image = (uint32_t)lay->initrd_addr;
	zp->ext_ramdisk_image = (uint32_t)(lay->initrd_addr >> 32);
	zp->hdr.ramdisk_size = (uint32_t)lay->initrd_size;
	zp->ext_ramdisk_size = (uint32_t)(lay->initrd_size >> 32);

	n = bzimage_e820(mem, e820, E820_MAX_ENTRIES_ZEROPAGE);
	memcpy(zp->e820_table, e820, n * sizeof(e820[0]));
	zp->e820_entries = (uint8_t)n;
}

/* pread() all of [off, off + len) into dst: the file goes straight into
 * guest RAM, without a copy in the VMM's own memory. */
static int read_exact(int fd, void *dst, uint64_t len, uint64_t off, const char *path, vc_err *err)
{
	uint8_t *p = dst;

	while (len) {
		ssize_t n = pread(fd, p, len > (1u << 30) ? (1u << 30) : len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vc_error(err, errno, "%s: read failed", path);
		if (n == 0)
			return vc_error(err, 0, "%s: file shrank while loading", path);
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static int write_cmdline(const struct bzimage *bz, struct guest_mem *mem, const char *cmdline,
                         vc_err *err)
{
	size_t len = strlen(cmdline);
	char *dst;

	/* cmdline_size excludes the terminating NUL. */
	if (len > bz->hdr.cmdline_size || len >= BOOT_CMDLINE_MAX)
		return vc_error(err, 0, "--cmdline: %zu bytes, this kernel takes at most %u", len,
		                bz->hdr.cmdline_size);
	dst = gpa_to_host(mem, BOOT_CMDLINE_ADDR, len + 1);
	if (!dst)
		return vc_error(err, 0, "guest RAM too small for the command line");
	memcpy(dst, cmdline, len + 1);
	return 0;
}

int bzimage_load(const struct bzimage *bz, int fd, const char *path, struct guest_mem *mem,
                 const char *cmdline, int initrd_fd, uint64_t initrd_size, uint64_t *entry,
                 vc_err *err)
{
	struct bzimage_layout lay = {.cmdline_addr = BOOT_CMDLINE_ADDR};
	struct boot_params *zp = gpa_to_host(mem, BOOT_PARAMS_ADDR, sizeof(*zp));
	void *kernel = gpa_to_host(mem, bz->load_addr, bz->hdr.init_size);

	if (!zp || !kernel)
		return vc_error(err, 0, "%s: needs %llu MiB of guest RAM", path,
		                (unsigned long long)(bzimage_min_mem(bz, initrd_size) / MiB));
	if (read_exact(fd, kernel, bz->kernel_size, bz->setup_size, path, err) < 0)
		return -1;
	if (initrd_fd >= 0) {
		if (bzimage_place_initrd(bz, mem, initrd_size, &lay.initrd_addr, err) < 0)
			return -1;
		lay.initrd_size = initrd_size;
		if (read_exact(initrd_fd, gpa_to_host(mem, lay.initrd_addr, initrd_size),
		               initrd_size, 0, "--initrd", err) < 0)
			return -1;
	}
	if (write_cmdline(bz, mem, cmdline, err) < 0)
		return -1;
	bzimage_build_boot_params(zp, bz, mem, &lay);
	/* Why the 64-bit entry and not code32_start: the VMM sets up long mode
	 * anyway for the bare-metal guest, so both share one vCPU setup; and the
	 * kernel skips its own switch to long mode. The protocol asks for
	 * identity mapping of the kernel, zero page and command line: our 4 GiB
	 * identity map covers them. */
	*entry = bz->load_addr + BZIMAGE_ENTRY64;
	return 0;
}
