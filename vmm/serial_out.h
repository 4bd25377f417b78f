/* Where the guest's serial output goes: stdout, in lines. One write(2) per
 * line instead of per byte keeps the VMM cheap when the guest is chatty. */
#ifndef VMM_SERIAL_OUT_H
#define VMM_SERIAL_OUT_H

#include <stddef.h>
#include <stdint.h>

struct serial_out {
	int fd;
	size_t n;
	char buf[1024];
};

void serial_out_init(struct serial_out *s, int fd);
void serial_out_put(struct serial_out *s, uint8_t byte);
void serial_out_flush(struct serial_out *s);

#endif
