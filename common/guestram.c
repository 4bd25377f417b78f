#include "guestram.h"

#define STEP (64ull << 20)

uint64_t vc_guest_ram_for_image(uint64_t gz, uint64_t unpacked)
{
	uint64_t need = VC_GUEST_RAM_DEFAULT + gz + unpacked;

	return (need + STEP - 1) & ~(STEP - 1);
}
