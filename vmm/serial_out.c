#include "serial_out.h"

#include <errno.h>
#include <unistd.h>

void serial_out_init(struct serial_out *s, int fd)
{
	s->fd = fd;
	s->n = 0;
}

void serial_out_flush(struct serial_out *s)
{
	size_t done = 0;

	while (done < s->n) {
		ssize_t w = write(s->fd, s->buf + done, s->n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* stdout gone (closed pipe): drop the output, keep the VM */
		done += (size_t)w;
	}
	s->n = 0;
}

void serial_out_put(struct serial_out *s, uint8_t byte)
{
	s->buf[s->n++] = (char)byte;
	if (byte == '\n' || s->n == sizeof(s->buf))
		serial_out_flush(s);
}
