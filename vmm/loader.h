/* Kernel images: tell a bzImage from an ELF64, say how much RAM it needs,
 * then load it (with initrd and command line) and say where to enter. */
#ifndef VMM_LOADER_H
#define VMM_LOADER_H

#include <stdint.h>

#include "bzimage.h"
#include "elf.h"
#include "error.h"
#include "memory.h"
#include "x86.h"

enum kernel_kind { KERNEL_BZIMAGE, KERNEL_ELF };

struct kernel_image {
	const char *path;
	int fd;
	enum kernel_kind kind;
	struct bzimage bz;
	struct elf_image elf;
	const char *initrd_path; /* NULL: none */
	int initrd_fd;
	uint64_t initrd_size;
	uint64_t min_mem; /* guest RAM it needs */
};

/* Open and validate the kernel (and the initrd). */
int kernel_open(struct kernel_image *k, const char *path, const char *initrd_path, vc_err *err);

/* The command line used when the user gives none. */
const char *kernel_default_cmdline(const struct kernel_image *k);

/* Check the command line against what the kernel accepts. */
int kernel_check_cmdline(const struct kernel_image *k, const char *cmdline, vc_err *err);

int kernel_load(struct kernel_image *k, struct guest_mem *mem, const char *cmdline,
                struct x86_entry *entry, vc_err *err);

void kernel_close(struct kernel_image *k);

/* "Linux bzImage, boot protocol 2.15" or "ELF64": for --trace. */
const char *kernel_describe(const struct kernel_image *k, char *buf, size_t len);

#endif
