/* The PVH boot protocol's start info (Xen's public arch-x86/hvm/start_info.h,
 * which QEMU implements for -kernel with an ELF): where the command line and
 * the memory map are. */
#ifndef VC_BM_PVH_H
#define VC_BM_PVH_H

#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578u
#define HVM_MEMMAP_RAM  1u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version; /* 1 and up have the memory map */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* From the start info: the command line (NULL if none) and the RAM size
 * (the end of the highest RAM range; 0 if there is no memory map).
 * Returns -1 when si does not carry the PVH magic. Addresses are physical,
 * which is fine: the guest runs identity-mapped. */
int pvh_boot_args(const struct hvm_start_info *si, const char **cmdline, uint64_t *ram_bytes);

#endif
