#include "memory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

uint64_t host_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long page = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page <= 0)
		return MEM_MAX_SIZE;
	return (uint64_t)pages * (uint64_t)page;
}

int guest_mem_check_size(uint64_t size, uint64_t host_ram, const char *what, vc_err *err)
{
	if (size < MEM_MIN_SIZE)
		return vc_error(err, 0,
		                "%s: %llu bytes is too little guest RAM (at least %llu MiB)", what,
		                (unsigned long long)size, (unsigned long long)(MEM_MIN_SIZE / MiB));
	if (size % 4096)
		return vc_error(err, 0, "%s: not a multiple of the 4 KiB page size", what);
	/* MAP_NORESERVE would accept far more, but a guest that believes it has
	 * more RAM than the host would be killed by the OOM killer later. */
	if (size > host_ram || size > MEM_MAX_SIZE)
		return vc_error(err, 0, "%s: more guest RAM than this host has (%.1f GiB)", what,
		                (double)host_ram / (double)GiB);
	return 0;
}

int guest_mem_map(struct guest_mem *mem, uint64_t size, vc_err *err)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return vc_error(err, errno, "cannot map %llu MiB of guest RAM",
		                (unsigned long long)(size / MiB));
	mem->host = p;
	mem->size = size;
	mem->low_size = size < MEM_HOLE_START ? size : MEM_HOLE_START;
	return 0;
}

void guest_mem_use_huge_pages(struct guest_mem *mem, bool on)
{
	/* Best effort: it only changes speed. Explicit both ways, because the
	 * host's default may be "always". */
	madvise(mem->host, mem->size, on ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
}

void guest_mem_unmap(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	mem->host = NULL;
}

void *gpa_to_host(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= mem->low_size)
		off = gpa;
	else if (gpa >= MEM_HIGH_START && gpa - MEM_HIGH_START + len <= mem->size - mem->low_size)
		off = mem->low_size + (gpa - MEM_HIGH_START);
	else
		return NULL;
	return mem->host + off;
}

uint64_t guest_mem_resident(const struct guest_mem *mem)
{
	uint64_t chunk = 64 * MiB, off, total = 0;
	unsigned char *vec = malloc(chunk / 4096);
	size_t i;

	if (!vec)
		return 0;
	/* mincore() in chunks: one byte per page, resident or not. */
	for (off = 0; off < mem->size; off += chunk) {
		uint64_t len = mem->size - off < chunk ? mem->size - off : chunk;

		if (mincore(mem->host + off, len, vec) < 0)
			break;
		for (i = 0; i < (len + 4095) / 4096; i++)
			total += (vec[i] & 1) * 4096ull;
	}
	free(vec);
	return total;
}

uint64_t process_rss(void)
{
	unsigned long long kib = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return kib * 1024;
}
