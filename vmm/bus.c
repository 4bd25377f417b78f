#include "bus.h"

#include <string.h>

void bus_init(struct bus *bus, const char *kind)
{
	memset(bus, 0, sizeof(*bus));
	bus->kind = kind;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len, const char *name, bus_io_fn io,
                 void *dev, vc_err *err)
{
	unsigned i;

	if (len == 0 || base + len < base)
		return vc_error(err, 0, "%s bus: %s: empty or wrapping range", bus->kind, name);
	if (bus->n == BUS_MAX_RANGES)
		return vc_error(err, 0, "%s bus: no room for %s (at most %d devices)", bus->kind,
		                name, BUS_MAX_RANGES);
	for (i = 0; i < bus->n; i++)
		if (ranges_overlap(base, len, bus->ranges[i].base, bus->ranges[i].len))
			return vc_error(err, 0, "%s bus: %s at 0x%llx overlaps %s", bus->kind, name,
			                (unsigned long long)base, bus->ranges[i].name);
	bus->ranges[bus->n++] =
	    (struct bus_range){.base = base, .len = len, .name = name, .io = io, .dev = dev};
	return 0;
}

/* Remember which addresses nobody claims: students ask "what is the guest
 * poking at?" (the first BUS_UNHANDLED_MAX distinct ones are kept). */
static void count_unhandled(struct bus *bus, uint64_t addr)
{
	unsigned i;

	bus->unhandled++;
	for (i = 0; i < bus->n_unhandled_at; i++)
		if (bus->unhandled_at[i].addr == addr) {
			bus->unhandled_at[i].count++;
			return;
		}
	if (bus->n_unhandled_at < BUS_UNHANDLED_MAX)
		bus->unhandled_at[bus->n_unhandled_at++] = (struct bus_unhandled){addr, 1};
}

const struct bus_range *bus_access(struct bus *bus, uint64_t addr, bool is_write, uint8_t *data,
                                   uint32_t size)
{
	unsigned i;

	/* A handful of devices: a linear scan is as fast as anything fancier. */
	for (i = 0; i < bus->n; i++) {
		struct bus_range *r = &bus->ranges[i];

		if (addr >= r->base && addr - r->base < r->len) {
			r->accesses++;
			r->io(r->dev, addr - r->base, is_write, data, size);
			return r;
		}
	}
	count_unhandled(bus, addr);
	if (!is_write)
		memset(data, 0xff, size);
	return NULL;
}
