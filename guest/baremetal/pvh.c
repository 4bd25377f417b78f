#include "pvh.h"

static uint64_t ram_top(const struct hvm_memmap_entry *map, uint32_t n)
{
	uint64_t top = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (map[i].type == HVM_MEMMAP_RAM && map[i].addr + map[i].size > top)
			top = map[i].addr + map[i].size;
	return top;
}

int pvh_boot_args(const struct hvm_start_info *si, const char **cmdline, uint64_t *ram_bytes)
{
	if (si->magic != HVM_START_MAGIC)
		return -1;
	*cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
	*ram_bytes = 0;
	if (si->version >= 1 && si->memmap_paddr)
		*ram_bytes = ram_top((const struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr,
		                     si->memmap_entries);
	return 0;
}
