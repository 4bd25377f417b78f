/* Output through the 16550 UART at 0x3f8, polled: no interrupts needed. */
#ifndef VC_BM_SERIAL_H
#define VC_BM_SERIAL_H

#include <stddef.h>

void serial_write(const char *s, size_t n);

#endif
