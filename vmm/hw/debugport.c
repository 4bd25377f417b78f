#include "hw/debugport.h"

#include <string.h>

void debugport_init(struct debugport *dp, struct vm_state *vm)
{
	dp->vm = vm;
}

void boot_marker_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct debugport *dp = dev;

	(void)offset;
	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	/* Other values are ignored: only the agreed magic marks the boot. */
	if (data[0] == BOOT_MARKER_VALUE)
		dp->vm->boot_marker = true;
}

void exit_port_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct debugport *dp = dev;

	(void)offset;
	if (!is_write) {
		memset(data, 0xff, size);
		return;
	}
	/* The first request wins: a later reset must not overwrite the status. */
	if (dp->vm->stop == VM_RUNNING) {
		dp->vm->stop = VM_STOP_EXIT_PORT;
		dp->vm->exit_status = data[0];
	}
}
