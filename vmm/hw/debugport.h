/* The two ports a guest uses to talk to the VMM without any driver:
 *
 *  - boot marker (0x3f0): writing 123 says "I reached my workload"; the VMM
 *    timestamps it, like Firecracker's boot timer device.
 *  - exit (0xf4): writing a byte ends the VM, and the VMM exits with that
 *    status. Same port as QEMU's isa-debug-exit, so one guest runs on both. */
#ifndef VMM_HW_DEBUGPORT_H
#define VMM_HW_DEBUGPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "vmstate.h"

#define BOOT_MARKER_PORT  0x3f0
#define BOOT_MARKER_VALUE 123
#define EXIT_PORT         0xf4

struct debugport {
	struct vm_state *vm;
};

void debugport_init(struct debugport *dp, struct vm_state *vm);

void boot_marker_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);
void exit_port_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
