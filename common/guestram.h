/* Guest RAM for a VM when the user gives no --mem: one definition for
 * `vmm run` and the bench's VM runners, so both boot the same guest. */
#ifndef VC_GUESTRAM_H
#define VC_GUESTRAM_H

#include <stdint.h>

/* For the kernel and what runs on it, when nothing says more. */
#define VC_GUEST_RAM_DEFAULT (128ull << 20)

/* For an image VM: an initramfs lives in guest RAM twice while the kernel
 * unpacks it (the gzip cpio of gz bytes and the unpacked bytes of its files,
 * in ramfs), so the guest gets both on top of the default, in 64 MiB steps.
 * Never less than the default. */
uint64_t vc_guest_ram_for_image(uint64_t gz, uint64_t unpacked);

#endif
