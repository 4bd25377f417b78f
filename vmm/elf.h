/* ELF64 kernels (the bare-metal guest): copy each PT_LOAD segment to its
 * physical address and enter at e_entry in 64-bit mode (docs/contracts.md:
 * rdi = command line address or 0, rsi = RAM size). */
#ifndef VMM_ELF_H
#define VMM_ELF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "memory.h"

#define ELF_MAX_SEGMENTS 16
#define ELF_PROBE_BYTES  4096 /* the ELF and program headers must lie here */

struct elf_image {
	uint64_t entry;
	unsigned nsegs;
	Elf64_Phdr segs[ELF_MAX_SEGMENTS]; /* the PT_LOAD ones */
	uint64_t end;                      /* highest physical address + 1 */
};

/* True when buf starts with the ELF magic. */
int elf_is_elf(const uint8_t *buf, size_t len);

int elf_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path,
              struct elf_image *elf, vc_err *err);

int elf_load(const struct elf_image *elf, int fd, const char *path, struct guest_mem *mem,
             vc_err *err);

#endif
