#include "mptable.h"

#include <string.h>

/* The structures as the MP spec 1.4 lays them out, byte for byte. */
struct mp_floating_pointer {
	char signature[4]; /* "_MP_" */
	uint32_t config_addr;
	uint8_t length; /* in 16-byte units: 1 */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t features[5]; /* feature 1 = 0: a configuration table follows */
} __attribute__((packed));

struct mp_config_header {
	char signature[4]; /* "PCMP" */
	uint16_t length;   /* header and entries */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_table_addr;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mp_processor {
	uint8_t type;
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags; /* bit 0 enabled, bit 1 boot processor */
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mp_bus {
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6]; /* "ISA   " */
} __attribute__((packed));

struct mp_ioapic {
	uint8_t type;
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags; /* bit 0 usable */
	uint32_t addr;
} __attribute__((packed));

/* Both an I/O interrupt entry and a local interrupt entry. */
struct mp_interrupt {
	uint8_t type;
	uint8_t irq_type; /* 0 INT (vectored by the APIC), 1 NMI, 3 ExtINT (the PIC) */
	uint16_t flags;   /* 0: polarity and trigger mode of the bus (ISA: edge, high) */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic; /* 0xff: every local APIC */
	uint8_t dst_pin;
} __attribute__((packed));

_Static_assert(sizeof(struct mp_floating_pointer) == 16, "MP floating pointer");
_Static_assert(sizeof(struct mp_config_header) == 44, "MP configuration header");
_Static_assert(sizeof(struct mp_processor) == 20, "MP processor entry");
_Static_assert(sizeof(struct mp_bus) == 8 && sizeof(struct mp_ioapic) == 8 &&
                   sizeof(struct mp_interrupt) == 8,
               "MP 8-byte entries");

#define MP_SPEC_REV_1_4   4
#define MP_APIC_VERSION   0x14 /* an integrated local APIC */
#define MP_IOAPIC_VERSION 0x11 /* KVM's IOAPIC */
#define MP_CPU_ENABLED    0x1
#define MP_CPU_BSP        0x2
#define MP_CPU_SIGNATURE  0x600 /* family 6 */
#define MP_CPU_FEATURES   0x201 /* FPU and APIC present */
#define MP_IRQ_INT        0
#define MP_IRQ_NMI        1
#define MP_IRQ_EXTINT     3
#define MP_ISA_BUS        0
#define MP_ALL_LAPICS     0xff

uint8_t mptable_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return sum;
}

/* Appends entries to the configuration table and counts them. */
struct mp_writer {
	uint8_t *p;
	uint16_t count;
};

static void put(struct mp_writer *w, const void *entry, size_t size)
{
	memcpy(w->p, entry, size);
	w->p += size;
	w->count++;
}

static void put_processors(struct mp_writer *w, unsigned ncpus)
{
	unsigned i;

	for (i = 0; i < ncpus; i++) {
		struct mp_processor cpu = {
		    .type = MP_ENTRY_PROCESSOR,
		    .apic_id = (uint8_t)i, /* = the vCPU id = CPUID's initial APIC id */
		    .apic_version = MP_APIC_VERSION,
		    .flags = MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0),
		    .signature = MP_CPU_SIGNATURE,
		    .features = MP_CPU_FEATURES};

		put(w, &cpu, sizeof(cpu));
	}
}

/* The IOAPIC takes the first APIC id after the CPUs', so ids never clash. */
static void put_ioapic_and_irqs(struct mp_writer *w, unsigned ncpus)
{
	struct mp_bus isa = {.type = MP_ENTRY_BUS, .bus_id = MP_ISA_BUS, .bus_type = "ISA   "};
	struct mp_ioapic ioapic = {.type = MP_ENTRY_IOAPIC,
	                           .apic_id = (uint8_t)ncpus,
	                           .apic_version = MP_IOAPIC_VERSION,
	                           .flags = 1,
	                           .addr = MP_IOAPIC_ADDR};
	struct mp_interrupt irq = {.type = MP_ENTRY_IOINT,
	                           .irq_type = MP_IRQ_INT,
	                           .src_bus = MP_ISA_BUS,
	                           .dst_apic = (uint8_t)ncpus};
	/* The PIC's output reaches LINT0 of every CPU, NMIs reach LINT1. */
	struct mp_interrupt extint = {.type = MP_ENTRY_LOCALINT,
	                              .irq_type = MP_IRQ_EXTINT,
	                              .src_bus = MP_ISA_BUS,
	                              .dst_apic = MP_ALL_LAPICS,
	                              .dst_pin = 0};
	struct mp_interrupt nmi = {.type = MP_ENTRY_LOCALINT,
	                           .irq_type = MP_IRQ_NMI,
	                           .src_bus = MP_ISA_BUS,
	                           .dst_apic = MP_ALL_LAPICS,
	                           .dst_pin = 1};
	unsigned i;

	put(w, &isa, sizeof(isa));
	put(w, &ioapic, sizeof(ioapic));
	/* KVM wires ISA IRQ n to IOAPIC pin n (and to the PIC): say so. */
	for (i = 0; i < MP_ISA_IRQS; i++) {
		irq.src_irq = irq.dst_pin = (uint8_t)i;
		put(w, &irq, sizeof(irq));
	}
	put(w, &extint, sizeof(extint));
	put(w, &nmi, sizeof(nmi));
}

int mptable_write(uint8_t *buf, size_t len, uint32_t addr, unsigned ncpus, vc_err *err)
{
	struct mp_floating_pointer mpf = {.signature = {'_', 'M', 'P', '_'},
	                                  .config_addr = addr + sizeof(mpf),
	                                  .length = 1,
	                                  .spec_rev = MP_SPEC_REV_1_4};
	struct mp_config_header hdr = {
	    .signature = {'P', 'C', 'M', 'P'},
	    .spec_rev = MP_SPEC_REV_1_4,
	    .oem = {'V', 'C', 'L', 'A', 'B', ' ', ' ', ' '},
	    .product = {'v', 'm', 'm', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '},
	    .lapic_addr = MP_LAPIC_ADDR};
	size_t need = sizeof(mpf) + sizeof(hdr) + ncpus * sizeof(struct mp_processor) +
	              sizeof(struct mp_bus) + sizeof(struct mp_ioapic) +
	              (MP_ISA_IRQS + 2) * sizeof(struct mp_interrupt);
	struct mp_writer w;
	uint8_t *table = buf + sizeof(mpf);

	if (ncpus < 1 || ncpus > MPTABLE_MAX_CPUS)
		return vc_error(err, 0, "MP table: %u CPUs (1..%d)", ncpus, MPTABLE_MAX_CPUS);
	if (need > len)
		return vc_error(err, 0, "MP table: needs %zu bytes, has %zu", need, len);
	memset(buf, 0, need);
	w = (struct mp_writer){.p = table + sizeof(hdr), .count = 0};
	put_processors(&w, ncpus);
	put_ioapic_and_irqs(&w, ncpus);
	hdr.length = (uint16_t)(w.p - table);
	hdr.entry_count = w.count;
	memcpy(table, &hdr, sizeof(hdr));
	table[offsetof(struct mp_config_header, checksum)] =
	    (uint8_t)-mptable_checksum(table, hdr.length);
	mpf.checksum = (uint8_t)-mptable_checksum((const uint8_t *)&mpf, sizeof(mpf));
	memcpy(buf, &mpf, sizeof(mpf));
	return (int)need;
}
