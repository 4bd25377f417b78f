#include "hw/i8042.h"

#include <string.h>

void i8042_init(struct i8042 *kbc, struct vm_state *vm)
{
	kbc->vm = vm;
}

void i8042_data_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	(void)dev;
	(void)offset;
	/* No keyboard: nothing to read, writes go nowhere. */
	if (!is_write)
		memset(data, 0, size);
}

void i8042_command_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct i8042 *kbc = dev;

	(void)offset;
	if (!is_write) {
		memset(data, 0, size); /* status: both buffers empty */
		return;
	}
	if (data[0] == I8042_CMD_RESET && kbc->vm->stop == VM_RUNNING)
		kbc->vm->stop = VM_STOP_RESET;
}
