/* A 16550A UART, the PC's COM1 (ttyS0): enough of it for Linux's 8250
 * driver to probe it as a 16550A and to print through it with interrupts.
 *
 * Transmission is instant: a byte written to THR goes straight to tx(),
 * and the "transmitter empty" interrupt is raised again at once. Linux's
 * tty layer waits for that interrupt before sending more, so without it
 * userspace output stalls after the first FIFO load. */
#ifndef VMM_HW_UART16550_H
#define VMM_HW_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1_BASE 0x3f8
#define UART_COM1_IRQ  4
#define UART_NR_REGS   8

/* Register offsets from the base port. */
enum uart_reg {
	UART_RBR_THR = 0, /* receive buffer (read) / transmit holding (write); DLL with DLAB */
	UART_IER = 1,     /* interrupt enable; DLM with DLAB */
	UART_IIR_FCR = 2, /* interrupt identification (read) / FIFO control (write) */
	UART_LCR = 3,     /* line control; bit 7 = DLAB */
	UART_MCR = 4,     /* modem control; bit 4 = loopback */
	UART_LSR = 5,     /* line status */
	UART_MSR = 6,     /* modem status */
	UART_SCR = 7,     /* scratch */
};

#define UART_IER_RDI  0x01 /* interrupt when data received */
#define UART_IER_THRI 0x02 /* interrupt when THR empty */
#define UART_IER_MSI  0x08 /* interrupt on modem status change */

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_FIFO   0xc0 /* both FIFO bits: how the 8250 driver spots a 16550A */

#define UART_LCR_DLAB 0x80
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR   0x01 /* data ready */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */
#define UART_FCR_FIFO 0x01

struct uart16550 {
	uint8_t ier, lcr, mcr, msr, scr, fcr, dll, dlm;
	uint8_t rbr;      /* the received byte (only in loopback mode) */
	bool rx_ready;    /* rbr holds a byte not yet read */
	bool thr_pending; /* "THR empty" interrupt waiting to be acknowledged */
	int irq_level;    /* current level of the interrupt line */
	/* Callbacks into the VMM: a transmitted byte, and the IRQ line level. */
	void (*tx)(void *ctx, uint8_t byte);
	void (*set_irq)(void *ctx, int level);
	void *ctx;
};

void uart16550_init(struct uart16550 *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
                    void *ctx);

/* bus_io_fn: one register access. */
void uart16550_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

#endif
