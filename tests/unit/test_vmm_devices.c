/* Unit tests of vmm's device models, driven through their port interface
 * as the vCPU loop does, without KVM: the 16550A UART (registers and the
 * interrupt line), the i8042 reset, the boot marker and exit ports, and
 * the bus that dispatches to them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bus.h"
#include "hw/debugport.h"
#include "hw/i8042.h"
#include "hw/uart16550.h"

/* What the UART did to the outside world. */
struct uart_probe {
	char out[64];
	size_t n_out;
	int level;       /* last level set on the IRQ line */
	int raises;      /* 0 -> 1 transitions */
	int irq_changes; /* calls to set_irq */
};

static void probe_tx(void *ctx, uint8_t byte)
{
	struct uart_probe *p = ctx;

	if (p->n_out < sizeof(p->out))
		p->out[p->n_out++] = (char)byte;
}

static void probe_irq(void *ctx, int level)
{
	struct uart_probe *p = ctx;

	if (level && !p->level)
		p->raises++;
	p->level = level;
	p->irq_changes++;
}

static void uart_out(struct uart16550 *u, unsigned reg, uint8_t v)
{
	uart16550_io(u, reg, true, &v, 1);
}

static uint8_t uart_in(struct uart16550 *u, unsigned reg)
{
	uint8_t v = 0xaa;

	uart16550_io(u, reg, false, &v, 1);
	return v;
}

static void test_uart_transmits_and_reports_empty(void **state)
{
	struct uart_probe p = {0};
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, probe_tx, probe_irq, &p);
	uart_out(&u, UART_RBR_THR, 'h');
	uart_out(&u, UART_RBR_THR, 'i');
	assert_int_equal(p.n_out, 2);
	assert_memory_equal(p.out, "hi", 2);
	/* Transmitter always empty, no data received. */
	assert_int_equal(uart_in(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	/* Interrupts are off: the line never moved. */
	assert_int_equal(p.irq_changes, 0);
	assert_int_equal(uart_in(&u, UART_IIR_FCR), UART_IIR_NO_INT);
}

static void test_uart_scratch_lcr_and_ier_mask(void **state)
{
	struct uart_probe p = {0};
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, probe_tx, probe_irq, &p);
	uart_out(&u, UART_SCR, 0x5a);
	assert_int_equal(uart_in(&u, UART_SCR), 0x5a);
	uart_out(&u, UART_LCR, 0x03); /* 8N1 */
	assert_int_equal(uart_in(&u, UART_LCR), 0x03);
	/* Only the low four IER bits exist: the 8250 probe checks this. */
	uart_out(&u, UART_IER, 0xf0);
	assert_int_equal(uart_in(&u, UART_IER), 0x00);
	uart_out(&u, UART_IER, 0x0d);
	assert_int_equal(uart_in(&u, UART_IER), 0x0d);
}

static void test_uart_divisor_latch(void **state)
{
	struct uart_probe p = {0};
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, probe_tx, probe_irq, &p);
	uart_out(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart_out(&u, UART_RBR_THR, 0x0c); /* DLL: 9600 baud */
	uart_out(&u, UART_IER, 0x00);     /* DLM */
	assert_int_equal(uart_in(&u, UART_RBR_THR), 0x0c);
	assert_int_equal(uart_in(&u, UART_IER), 0x00);
	/* With DLAB set, offset 0 is the divisor: nothing was transmitted. */
	assert_int_equal(p.n_out, 0);
	uart_out(&u, UART_LCR, 0x03);
	assert_int_equal(uart_in(&u, UART_IER), 0x00);
}

static void test_uart_thre_interrupt(void **state)
{
	struct uart_probe p = {0};
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, probe_tx, probe_irq, &p);
	/* Enabling the THR-empty interrupt raises it at once: THR is empty. */
	uart_out(&u, UART_IER, UART_IER_THRI);
	assert_int_equal(p.level, 1);
	assert_int_equal(p.raises, 1);
	/* Reading IIR identifies it and acknowledges it: the line drops. */
	assert_int_equal(uart_in(&u, UART_IIR_FCR) & 0x0f, UART_IIR_THRI);
	assert_int_equal(p.level, 0);
	assert_int_equal(uart_in(&u, UART_IIR_FCR) & 0x0f, UART_IIR_NO_INT);
	/* Every transmitted byte gives a fresh edge (the PIC is edge-triggered). */
	uart_out(&u, UART_RBR_THR, 'x');
	assert_int_equal(p.level, 1);
	assert_int_equal(p.raises, 2);
	uart_out(&u, UART_RBR_THR, 'y');
	assert_int_equal(p.raises, 3);
	/* Disabling the interrupt lowers the line. */
	uart_out(&u, UART_IER, 0);
	assert_int_equal(p.level, 0);
	assert_int_equal(uart_in(&u, UART_IIR_FCR), UART_IIR_NO_INT);
}

static void test_uart_fifo_identifies_16550a(void **state)
{
	struct uart_probe p = {0};
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, probe_tx, probe_irq, &p);
	assert_int_equal(uart_in(&u, UART_IIR_FCR) & UART_IIR_FIFO, 0);
	uart_out(&u, UART_IIR_FCR, UART_FCR_FIFO);
	/* Both FIFO bits in IIR: the 8250 driver calls this a 16550A. */
	assert_int_equal(uart_in(&u, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_NO_INT);
}

static void test_uart_loopback(void **state)
{
	struct uart_probe p = {0};
	struct uart16550 u;

	(void)state;
	uart16550_init(&u, probe_tx, probe_irq, &p);
	/* Not in loopback: a modem that is always there. */
	assert_int_equal(uart_in(&u, UART_MSR) & 0xf0, 0xb0);
	/* The 8250 probe: loopback with RTS and OUT2 must read CTS and DCD. */
	uart_out(&u, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(uart_in(&u, UART_MSR) & 0xf0, 0x90);
	uart_out(&u, UART_MCR, UART_MCR_LOOP | 0x05); /* DTR, OUT1 -> DSR, RI */
	assert_int_equal(uart_in(&u, UART_MSR) & 0xf0, 0x60);
	/* A byte sent in loopback comes back as received data, not output. */
	uart_out(&u, UART_IER, UART_IER_RDI);
	uart_out(&u, UART_RBR_THR, 'Z');
	assert_int_equal(p.n_out, 0);
	assert_int_equal(uart_in(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	assert_int_equal(p.level, 1);
	assert_int_equal(uart_in(&u, UART_IIR_FCR) & 0x0f, UART_IIR_RDI);
	assert_int_equal(uart_in(&u, UART_RBR_THR), 'Z');
	assert_int_equal(uart_in(&u, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(p.level, 0);
}

static void test_i8042_status_and_reset(void **state)
{
	struct vm_state vm = {0};
	struct i8042 kbc;
	uint8_t v = 0xaa;

	(void)state;
	i8042_init(&kbc, &vm);
	i8042_command_io(&kbc, 0, false, &v, 1);
	assert_int_equal(v, 0); /* both buffers empty: reboot=k need not poll */
	v = 0xd1;               /* "write output port": not a reset */
	i8042_command_io(&kbc, 0, true, &v, 1);
	assert_int_equal(vm.stop, VM_RUNNING);
	v = I8042_CMD_RESET;
	i8042_command_io(&kbc, 0, true, &v, 1);
	assert_int_equal(vm.stop, VM_STOP_RESET);
}

static void test_boot_marker_and_exit_port(void **state)
{
	struct vm_state vm = {0};
	struct debugport dp;
	uint8_t v;

	(void)state;
	debugport_init(&dp, &vm);
	v = 7;
	boot_marker_io(&dp, 0, true, &v, 1);
	assert_false(vm.boot_marker); /* only the agreed value counts */
	v = BOOT_MARKER_VALUE;
	boot_marker_io(&dp, 0, true, &v, 1);
	assert_true(vm.boot_marker);
	assert_int_equal(vm.stop, VM_RUNNING);
	v = 42;
	exit_port_io(&dp, 0, true, &v, 1);
	assert_int_equal(vm.stop, VM_STOP_EXIT_PORT);
	assert_int_equal(vm.exit_status, 42);
	/* The first request wins. */
	v = 3;
	exit_port_io(&dp, 0, true, &v, 1);
	assert_int_equal(vm.exit_status, 42);
}

static int calls;
static uint64_t last_offset;

static void counting_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	(void)dev;
	(void)is_write;
	calls++;
	last_offset = offset;
	memset(data, 0x11, size);
}

static void test_bus_dispatch_and_unhandled(void **state)
{
	struct bus bus;
	vc_err err;
	uint8_t data[4] = {0};

	(void)state;
	calls = 0;
	bus_init(&bus, "port");
	assert_int_equal(bus_register(&bus, 0x3f8, 8, "uart", counting_io, NULL, &err), 0);
	assert_int_equal(bus_register(&bus, 0x3fc, 2, "clash", counting_io, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "overlaps uart"));
	assert_non_null(bus_access(&bus, 0x3fd, false, data, 1));
	assert_int_equal(calls, 1);
	assert_int_equal(last_offset, 5);
	assert_int_equal(bus.ranges[0].accesses, 1);
	/* Nobody at 0x2f8: ignored, reads float high, counted per address. */
	assert_null(bus_access(&bus, 0x2f8, false, data, 2));
	assert_int_equal(data[0], 0xff);
	assert_int_equal(data[1], 0xff);
	assert_null(bus_access(&bus, 0x2f8, true, data, 1));
	assert_null(bus_access(&bus, 0x80, true, data, 1));
	assert_int_equal(calls, 1);
	assert_int_equal(bus.unhandled, 3);
	assert_int_equal(bus.n_unhandled_at, 2);
	assert_int_equal(bus.unhandled_at[0].addr, 0x2f8);
	assert_int_equal(bus.unhandled_at[0].count, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uart_transmits_and_reports_empty),
	    cmocka_unit_test(test_uart_scratch_lcr_and_ier_mask),
	    cmocka_unit_test(test_uart_divisor_latch),
	    cmocka_unit_test(test_uart_thre_interrupt),
	    cmocka_unit_test(test_uart_fifo_identifies_16550a),
	    cmocka_unit_test(test_uart_loopback),
	    cmocka_unit_test(test_i8042_status_and_reset),
	    cmocka_unit_test(test_boot_marker_and_exit_port),
	    cmocka_unit_test(test_bus_dispatch_and_unhandled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
