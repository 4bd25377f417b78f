/* Guest RAM: one anonymous host mapping, reserved lazily (MAP_NORESERVE):
 * a page costs host memory only once the guest (or the loader) touches it.
 *
 * Guest-physical layout: RAM starts at 0. Above 3 GiB the PC keeps a hole
 * for 32-bit devices (the LAPIC, IOAPIC, our KVM TSS pages), so RAM beyond
 * 3 GiB continues at 4 GiB. The host mapping stays one contiguous block. */
#ifndef VMM_MEMORY_H
#define VMM_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define MEM_HOLE_START (3 * GiB)    /* end of low RAM: the 32-bit device hole */
#define MEM_HIGH_START (4 * GiB)    /* where RAM resumes after the hole */
#define MEM_MIN_SIZE   (2 * MiB)    /* boot tables, stack and a tiny guest */
#define MEM_MAX_SIZE   (1ull << 40) /* a sanity cap on top of the host check */

struct guest_mem {
	uint8_t *host;     /* host address of guest-physical 0 */
	uint64_t size;     /* bytes of guest RAM */
	uint64_t low_size; /* bytes of RAM below MEM_HOLE_START */
};

/* Check that size is a sensible amount of guest RAM for this host. what
 * names the option in errors (e.g. "--mem 10T"). */
int guest_mem_check_size(uint64_t size, uint64_t host_ram, const char *what, vc_err *err);

/* The host's physical RAM in bytes. */
uint64_t host_ram_bytes(void);

int guest_mem_map(struct guest_mem *mem, uint64_t size, vc_err *err);
/* Back guest RAM with 2 MiB pages where the host can: one fault per 2 MiB
 * instead of 512 while Linux touches tens of MiB during boot. Not for a
 * tiny guest: zeroing a whole 2 MiB page costs more than the few 4 KiB
 * pages it uses, and the host may stall compacting memory to find one. */
void guest_mem_use_huge_pages(struct guest_mem *mem, bool on);

void guest_mem_unmap(struct guest_mem *mem);

/* Host pointer for [gpa, gpa + len), or NULL when that is not all RAM. */
void *gpa_to_host(const struct guest_mem *mem, uint64_t gpa, uint64_t len);

/* Bytes of guest RAM the host actually backs right now (resident pages). */
uint64_t guest_mem_resident(const struct guest_mem *mem);

/* This process's resident set in bytes (VmRSS), 0 if unknown. */
uint64_t process_rss(void);

#endif
