/* An I/O bus: devices claim address ranges (port numbers or guest-physical
 * MMIO addresses) and the vCPU loop hands every access to whoever claimed
 * it. The same code serves the port-I/O bus and the MMIO bus. */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* A device's access handler. offset is relative to the range's base; data
 * holds size bytes (little endian): the value written, or where to put the
 * value read. */
typedef void (*bus_io_fn)(void *dev, uint64_t offset, bool is_write, uint8_t *data, uint32_t size);

struct bus_range {
	uint64_t base;
	uint64_t len;
	const char *name; /* shown by --trace, e.g. "uart16550" */
	bus_io_fn io;
	void *dev;
	uint64_t accesses; /* how many accesses this device handled */
};

#define BUS_MAX_RANGES    16
#define BUS_UNHANDLED_MAX 8 /* distinct unclaimed addresses remembered for --trace */

struct bus_unhandled {
	uint64_t addr;
	uint64_t count;
};

struct bus {
	const char *kind; /* "port" or "mmio", for error messages */
	struct bus_range ranges[BUS_MAX_RANGES];
	unsigned n;
	uint64_t unhandled; /* accesses nobody claimed (ignored) */
	struct bus_unhandled unhandled_at[BUS_UNHANDLED_MAX]; /* the first few addresses */
	unsigned n_unhandled_at;
};

void bus_init(struct bus *bus, const char *kind);

/* Claim [base, base + len) for a device; overlapping claims are refused. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len, const char *name, bus_io_fn io,
                 void *dev, vc_err *err);

/* Hand one access to the device that owns addr. Unclaimed addresses are
 * ignored: reads return all ones, like a floating ISA bus. Returns the
 * range that handled it, or NULL when nobody did. */
const struct bus_range *bus_access(struct bus *bus, uint64_t addr, bool is_write, uint8_t *data,
                                   uint32_t size);

#endif
