/* Unit tests of vmm's MP table (vmm/mptable.c), read back byte by byte the
 * way Linux's mpparse.c reads it: the floating pointer, the checksums, the
 * configuration table's entries and their counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mptable.h"

#define ADDR MPTABLE_ADDR

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

/* What a walk over the configuration table found. */
struct mp_seen {
	unsigned entries, cpus, bsps, buses, ioapics, ioints, localints;
	uint8_t cpu_apic_ids[MPTABLE_MAX_CPUS];
	uint8_t ioapic_id;
	uint32_t ioapic_addr;
	uint8_t ioint_src[MP_ISA_IRQS], ioint_pin[MP_ISA_IRQS];
	char bus_type[7];
};

static const uint8_t *config_table(const uint8_t *buf)
{
	uint32_t addr = le32(buf + 4);

	assert_true(addr >= ADDR && addr < ADDR + MPTABLE_MAX_SIZE);
	return buf + (addr - ADDR);
}

static void walk(const uint8_t *buf, struct mp_seen *s)
{
	const uint8_t *t = config_table(buf), *p = t + 44, *end = t + le16(t + 4);

	memset(s, 0, sizeof(*s));
	while (p < end) {
		s->entries++;
		switch (p[0]) {
		case MP_ENTRY_PROCESSOR:
			assert_true(p[3] & 1); /* enabled */
			if (p[3] & 2)
				s->bsps++;
			assert_true(s->cpus < MPTABLE_MAX_CPUS);
			s->cpu_apic_ids[s->cpus++] = p[1];
			p += 20;
			break;
		case MP_ENTRY_BUS:
			s->buses++;
			memcpy(s->bus_type, p + 2, 6);
			p += 8;
			break;
		case MP_ENTRY_IOAPIC:
			s->ioapics++;
			s->ioapic_id = p[1];
			assert_true(p[3] & 1); /* usable */
			s->ioapic_addr = le32(p + 4);
			p += 8;
			break;
		case MP_ENTRY_IOINT:
			assert_int_equal(p[6], s->ioapic_id); /* to the IOAPIC listed before */
			assert_true(s->ioints < MP_ISA_IRQS);
			s->ioint_src[s->ioints] = p[5];
			s->ioint_pin[s->ioints++] = p[7];
			p += 8;
			break;
		case MP_ENTRY_LOCALINT:
			s->localints++;
			p += 8;
			break;
		default:
			fail_msg("unknown MP entry type %u at offset %td", p[0], p - buf);
		}
	}
	assert_ptr_equal(p, end);
}

static void test_floating_pointer(void **state)
{
	uint8_t buf[MPTABLE_MAX_SIZE];
	vc_err err = {0};

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_true(mptable_write(buf, sizeof(buf), ADDR, 2, &err) > 0);
	assert_memory_equal(buf, "_MP_", 4);
	assert_int_equal(le32(buf + 4), ADDR + 16); /* table right behind it */
	assert_int_equal(buf[8], 1);                /* 16 bytes */
	assert_int_equal(buf[9], 4);                /* MP spec 1.4 */
	assert_int_equal(mptable_checksum(buf, 16), 0);
	assert_int_equal(buf[11], 0); /* feature 1 = 0: not a default configuration */
	/* Linux scans on 16-byte boundaries. */
	assert_int_equal(ADDR % 16, 0);
}

static void test_config_header_and_checksum(void **state)
{
	uint8_t buf[MPTABLE_MAX_SIZE];
	const uint8_t *t;
	vc_err err = {0};
	int used;

	(void)state;
	used = mptable_write(buf, sizeof(buf), ADDR, 4, &err);
	t = config_table(buf);
	assert_memory_equal(t, "PCMP", 4);
	assert_int_equal(t[6], 4);
	assert_int_equal(mptable_checksum(t, le16(t + 4)), 0);
	assert_int_equal(le32(t + 36), MP_LAPIC_ADDR);
	assert_int_equal(used, 16 + le16(t + 4));
	/* 4 processors, bus, IOAPIC, 16 ISA IRQs, ExtINT and NMI. */
	assert_int_equal(le16(t + 34), 4 + 1 + 1 + MP_ISA_IRQS + 2);
	/* A corrupted byte breaks the checksum, as Linux would notice. */
	buf[40] ^= 1;
	assert_int_not_equal(mptable_checksum(t, le16(t + 4)), 0);
}

static void check_cpus(unsigned n)
{
	uint8_t buf[MPTABLE_MAX_SIZE];
	struct mp_seen s;
	vc_err err = {0};
	unsigned i;

	memset(buf, 0, sizeof(buf));
	assert_true(mptable_write(buf, sizeof(buf), ADDR, n, &err) > 0);
	walk(buf, &s);
	assert_int_equal(s.entries, le16(config_table(buf) + 34));
	assert_int_equal(s.cpus, n);
	assert_int_equal(s.bsps, 1);
	for (i = 0; i < n; i++)
		assert_int_equal(s.cpu_apic_ids[i], i); /* = vCPU id = CPUID APIC id */
	assert_int_equal(s.buses, 1);
	assert_string_equal(s.bus_type, "ISA   ");
	assert_int_equal(s.ioapics, 1);
	assert_int_equal(s.ioapic_id, n); /* never one of the CPUs' ids */
	assert_int_equal(s.ioapic_addr, MP_IOAPIC_ADDR);
	assert_int_equal(s.ioints, MP_ISA_IRQS);
	for (i = 0; i < MP_ISA_IRQS; i++) {
		assert_int_equal(s.ioint_src[i], i);
		assert_int_equal(s.ioint_pin[i], i);
	}
	assert_int_equal(s.localints, 2);
}

static void test_one_entry_per_cpu(void **state)
{
	unsigned n;

	(void)state;
	for (n = 1; n <= MPTABLE_MAX_CPUS; n++)
		check_cpus(n);
}

static void test_bad_counts_and_small_buffers_are_refused(void **state)
{
	uint8_t buf[MPTABLE_MAX_SIZE];
	vc_err err = {0};

	(void)state;
	assert_true(mptable_write(buf, sizeof(buf), ADDR, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "0 CPUs"));
	assert_true(mptable_write(buf, sizeof(buf), ADDR, MPTABLE_MAX_CPUS + 1, &err) < 0);
	assert_true(mptable_write(buf, 100, ADDR, 2, &err) < 0);
	assert_non_null(strstr(err.msg, "needs"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_floating_pointer),
	    cmocka_unit_test(test_config_header_and_checksum),
	    cmocka_unit_test(test_one_entry_per_cpu),
	    cmocka_unit_test(test_bad_counts_and_small_buffers_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
