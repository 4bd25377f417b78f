#include "hw/uart16550.h"

#include <string.h>

void uart16550_init(struct uart16550 *u, void (*tx)(void *, uint8_t), void (*set_irq)(void *, int),
                    void *ctx)
{
	memset(u, 0, sizeof(*u));
	u->tx = tx;
	u->set_irq = set_irq;
	u->ctx = ctx;
}

static bool loopback(const struct uart16550 *u)
{
	return u->mcr & UART_MCR_LOOP;
}

/* The highest-priority pending interrupt, as IIR reports it (bits 3..0). */
static uint8_t pending_interrupt(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_RDI) && u->rx_ready)
		return UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thr_pending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

/* Drive the IRQ line from the pending state, telling the VMM only when the
 * level changes: every KVM_IRQ_LINE call is a system call. */
static void update_irq(struct uart16550 *u)
{
	int level = pending_interrupt(u) != UART_IIR_NO_INT;

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->set_irq)
			u->set_irq(u->ctx, level);
	}
}

/* Modem status: in loopback mode the outputs of MCR come back as inputs
 * (the 8250 driver checks this to tell a UART from an empty port);
 * otherwise a modem that is always there: carrier, data set ready, clear to
 * send. */
static uint8_t modem_status(const struct uart16550 *u)
{
	uint8_t m = u->mcr;

	if (!loopback(u))
		return 0xb0;
	return (uint8_t)(((m & 0x02) << 3) | /* RTS -> CTS */
	                 ((m & 0x01) << 5) | /* DTR -> DSR */
	                 ((m & 0x04) << 4) | /* OUT1 -> RI */
	                 ((m & 0x08) << 4)); /* OUT2 -> DCD */
}

static void transmit(struct uart16550 *u, uint8_t byte)
{
	if (loopback(u)) {
		u->rbr = byte;
		u->rx_ready = true;
	} else if (u->tx) {
		u->tx(u->ctx, byte);
	}
	/* Lower then raise the line: the PIC sees a fresh edge for every byte. */
	u->thr_pending = false;
	update_irq(u);
	u->thr_pending = true;
	update_irq(u);
}

static void write_ier(struct uart16550 *u, uint8_t v)
{
	bool thri_was_on = u->ier & UART_IER_THRI;

	u->ier = v & 0x0f;
	/* THR is always empty: enabling its interrupt raises it at once. */
	if ((u->ier & UART_IER_THRI) && !thri_was_on)
		u->thr_pending = true;
	if (!(u->ier & UART_IER_THRI))
		u->thr_pending = false;
	update_irq(u);
}

static void write_fcr(struct uart16550 *u, uint8_t v)
{
	if (v & 0x02) /* clear the receive FIFO */
		u->rx_ready = false;
	u->fcr = v & 0xc9; /* keep enable, DMA mode and trigger level */
	update_irq(u);
}

static void uart_write(struct uart16550 *u, unsigned reg, uint8_t v)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			u->dll = v;
		else
			transmit(u, v);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = v;
		else
			write_ier(u, v);
		break;
	case UART_IIR_FCR:
		write_fcr(u, v);
		break;
	case UART_LCR:
		u->lcr = v;
		break;
	case UART_MCR:
		u->mcr = v & 0x1f;
		break;
	case UART_SCR:
		u->scr = v;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

static uint8_t read_iir(struct uart16550 *u)
{
	uint8_t id = pending_interrupt(u);

	/* Reading IIR acknowledges a "THR empty" interrupt. */
	if (id == UART_IIR_THRI) {
		u->thr_pending = false;
		update_irq(u);
	}
	return (uint8_t)(id | ((u->fcr & UART_FCR_FIFO) ? UART_IIR_FIFO : 0));
}

static uint8_t uart_read(struct uart16550 *u, unsigned reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			return u->dll;
		v = u->rbr;
		u->rx_ready = false;
		update_irq(u);
		return v;
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR_FCR:
		return read_iir(u);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		return (uint8_t)(UART_LSR_THRE | UART_LSR_TEMT | (u->rx_ready ? UART_LSR_DR : 0));
	case UART_MSR:
		return modem_status(u);
	case UART_SCR:
		return u->scr;
	}
	return 0xff;
}

void uart16550_io(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size)
{
	struct uart16550 *u = dev;

	/* 8-bit registers: wider accesses use the low byte. */
	if (is_write) {
		uart_write(u, (unsigned)offset, data[0]);
	} else {
		memset(data, 0, size);
		data[0] = uart_read(u, (unsigned)offset);
	}
}
