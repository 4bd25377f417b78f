/* libFuzzer: a byte stream as the port accesses a guest makes, handed to
 * the vmm's port bus with the real devices on it (16550A UART at 0x3f8,
 * i8042 at 0x60/0x64, boot marker 0x3f0, exit port 0xf4), as the vCPU loop
 * does. Each access: 1 byte op (port choice, direction, size), 1 byte
 * value. Properties: no crash; the UART's interrupt line is 0 or 1; a stop
 * request is one of the known kinds. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "hw/debugport.h"
#include "hw/i8042.h"
#include "hw/uart16550.h"
#include "vmstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t ports[] = {0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,
                                 0x60,  0x64,  0x3f0, 0xf4,  0x80,  0x3f7, 0x400, 0x61};

static int irq_level;

static void tx(void *ctx, uint8_t byte)
{
	(void)ctx;
	(void)byte;
}

static void set_irq(void *ctx, int level)
{
	(void)ctx;
	if (level != 0 && level != 1)
		abort();
	irq_level = level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uart16550 uart;
	static struct i8042 kbc;
	static struct debugport dp;
	struct vm_state vm;
	struct bus bus;
	vc_err err;

	memset(&vm, 0, sizeof(vm));
	bus_init(&bus, "port");
	uart16550_init(&uart, tx, set_irq, NULL);
	i8042_init(&kbc, &vm);
	debugport_init(&dp, &vm);
	if (bus_register(&bus, 0x3f8, 8, "uart16550", uart16550_io, &uart, &err) < 0 ||
	    bus_register(&bus, 0x60, 1, "i8042-data", i8042_data_io, &kbc, &err) < 0 ||
	    bus_register(&bus, 0x64, 1, "i8042-cmd", i8042_command_io, &kbc, &err) < 0 ||
	    bus_register(&bus, 0x3f0, 1, "boot-marker", boot_marker_io, &dp, &err) < 0 ||
	    bus_register(&bus, 0xf4, 1, "exit", exit_port_io, &dp, &err) < 0)
		abort();
	for (size_t i = 0; i + 1 < size; i += 2) {
		uint8_t op = data[i];
		uint8_t buf[4] = {data[i + 1], data[i + 1], 0, 0};
		uint32_t len = 1u << ((op >> 5) & 3); /* 1, 2, 4 (8 -> 1) */

		if (len > 4)
			len = 1;
		bus_access(&bus, ports[op & 15], (op & 16) != 0, buf, len);
		if (vm.stop != VM_RUNNING && vm.stop != VM_STOP_EXIT_PORT &&
		    vm.stop != VM_STOP_RESET)
			abort();
		if (vm.stop != VM_RUNNING)
			memset(&vm, 0, sizeof(vm)); /* the loop would end; carry on */
	}
	return 0;
}
