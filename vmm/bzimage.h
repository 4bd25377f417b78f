/* Linux bzImage loading (Documentation/arch/x86/boot.rst, "THE LINUX/x86
 * BOOT PROTOCOL"): validate the setup header, copy the protected-mode
 * kernel to its load address, place the initrd and the command line, and
 * build the zero page (struct boot_params) the kernel reads at entry. */
#ifndef VMM_BZIMAGE_H
#define VMM_BZIMAGE_H

#include <asm/bootparam.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "memory.h"

/* 2.12 added xloadflags, which says whether the 64-bit entry exists. */
#define BZIMAGE_MIN_PROTOCOL 0x020c
#define BZIMAGE_HDR_OFFSET   0x1f1 /* the setup header inside the image and the zero page */
#define BZIMAGE_PROBE_BYTES  1024  /* enough of the file to hold the whole setup header */
#define BZIMAGE_ENTRY64      0x200 /* 64-bit entry: load address + 0x200 */
/* RAM the kernel needs beyond its decompression buffer (init_size) to get
 * to /init: page tables, memmap, slab, the unpacked initramfs. */
#define BZIMAGE_RUNTIME_HEADROOM (8 * MiB)

struct bzimage {
	struct setup_header hdr; /* as found in the image */
	size_t hdr_len;          /* bytes of setup header the image defines */
	uint64_t setup_size;     /* real-mode setup code at the start of the file */
	uint64_t kernel_size;    /* protected-mode kernel: the rest of the file */
	uint64_t load_addr;      /* where the kernel goes: pref_address */
};

/* Validate the first bytes of a file (len of them; file_size in all) as a
 * bzImage this VMM can boot. path names the file in errors. */
int bzimage_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path,
                  struct bzimage *bz, vc_err *err);

/* Guest RAM this kernel needs with an initrd of initrd_size bytes. */
uint64_t bzimage_min_mem(const struct bzimage *bz, uint64_t initrd_size);

/* Highest page-aligned address for the initrd that stays below both
 * initrd_addr_max and the end of low RAM, above the kernel's buffer. */
int bzimage_place_initrd(const struct bzimage *bz, const struct guest_mem *mem,
                         uint64_t initrd_size, uint64_t *addr, vc_err *err);

/* Where everything went, for the zero page. */
struct bzimage_layout {
	uint64_t cmdline_addr;
	uint64_t initrd_addr; /* 0 when there is no initrd */
	uint64_t initrd_size;
};

/* Fill the zero page: the image's setup header plus what the loader sets. */
void bzimage_build_boot_params(struct boot_params *zp, const struct bzimage *bz,
                               const struct guest_mem *mem, const struct bzimage_layout *lay);

/* Fill e820 entries describing guest RAM; returns how many. */
unsigned bzimage_e820(const struct guest_mem *mem, struct boot_e820_entry *e, unsigned max);

/* Copy the kernel (from fd) and the initrd (from initrd_fd, or -1) into
 * guest RAM, write the command line and the zero page. Returns the 64-bit
 * entry address in *entry. */
int bzimage_load(const struct bzimage *bz, int fd, const char *path, struct guest_mem *mem,
                 const char *cmdline, int initrd_fd, uint64_t initrd_size, uint64_t *entry,
                 vc_err *err);

#endif
