/* Port I/O for the bare-metal guest: the only way it talks to the world. */
#ifndef VC_BM_IO_H
#define VC_BM_IO_H

#include <stdint.h>

static inline void outb(uint8_t value, uint16_t port)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

#endif
