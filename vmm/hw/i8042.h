/* Just enough of the PS/2 controller for Linux's `reboot=k`: the status
 * port reads 0 (input buffer empty, so the kernel writes its reset command
 * at once instead of polling 65,536 times), and the command 0xFE ("pulse
 * the reset line") ends the VM as a clean reboot. */
#ifndef VMM_HW_I8042_H
#define VMM_HW_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "vmstate.h"

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64 /* status on read, command on write */
#define I8042_CMD_RESET    0xfe

struct i8042 {
	struct vm_state *vm;
};

void i8042_init(struct i8042 *kbc, struct vm_state *vm);

/* bus_io_fn for the data port (0x60) and the command port (0x64). */
void i8042_data_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);
void i8042_command_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
