/* The Intel MultiProcessor table (MP spec 1.4): how a guest without ACPI
 * learns how many CPUs it has, their local APIC ids, and where the IOAPIC
 * and its ISA interrupt lines are. Linux searches for the floating pointer
 * in the last KiB of base memory, so it goes at 0x9fc00 with the
 * configuration table right behind it. */
#ifndef VMM_MPTABLE_H
#define VMM_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MPTABLE_ADDR     0x9fc00 /* 639 KiB: the last KiB of base memory */
#define MPTABLE_MAX_SIZE 0x400
#define MPTABLE_MAX_CPUS 8

#define MP_LAPIC_ADDR  0xfee00000u
#define MP_IOAPIC_ADDR 0xfec00000u
#define MP_ISA_IRQS    16 /* ISA IRQs 0..15 go to IOAPIC pins 0..15 */

/* Entry types of the configuration table. */
#define MP_ENTRY_PROCESSOR 0
#define MP_ENTRY_BUS       1
#define MP_ENTRY_IOAPIC    2
#define MP_ENTRY_IOINT     3
#define MP_ENTRY_LOCALINT  4

/* Write the floating pointer and the configuration table for ncpus CPUs
 * (APIC ids 0..ncpus-1, CPU 0 the boot processor) into buf, which is
 * guest-physical addr. Returns the bytes used, or < 0 with err. */
int mptable_write(uint8_t *buf, size_t len, uint32_t addr, unsigned ncpus, vc_err *err);

/* Sum of len bytes modulo 256: 0 for a valid MP structure. */
uint8_t mptable_checksum(const uint8_t *p, size_t len);

#endif
