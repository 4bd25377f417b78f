/* libFuzzer: a kernel image file -> the vmm's loader as `vmm run --kernel`
 * drives it: kernel_open (probe: ELF64 or bzImage header checks), then
 * kernel_load into a small guest RAM (segments, zero page, command line).
 * Properties: no out-of-bounds access (ASan), and whatever is accepted
 * fits in guest RAM as loaded. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader.h"
#include "memory.h"

#define FUZZ_MEM (64 * MiB) /* the minimal kernel of the seeds needs 36 MiB */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int memfd = -1;
static struct guest_mem mem;
static char path[64];

static void setup(void)
{
	vc_err err;

	memfd = memfd_create("fuzz-kernel", MFD_CLOEXEC);
	if (memfd < 0 || guest_mem_map(&mem, FUZZ_MEM, &err) < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kernel_image k;
	struct x86_entry entry;
	vc_err err = {0};

	if (memfd < 0)
		setup();
	if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, size, 0) != (ssize_t)size)
		abort();
	if (kernel_open(&k, path, NULL, &err) == 0 && k.min_mem <= FUZZ_MEM) {
		if (kernel_check_cmdline(&k, kernel_default_cmdline(&k), &err) == 0 &&
		    kernel_load(&k, &mem, kernel_default_cmdline(&k), &entry, &err) == 0 &&
		    entry.rip >= mem.size)
			abort(); /* accepted an entry point outside guest RAM */
	}
	kernel_close(&k);
	/* give the touched guest pages back: RSS stays flat */
	madvise(mem.host, mem.size, MADV_DONTNEED);
	return 0;
}
