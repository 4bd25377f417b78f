/* Ending a Linux guest from its /init (pid 1), shared by the workload and
 * the image init (guest/imageinit): the boot marker the VMM timestamps and
 * the exit port that hands it the status (docs/contracts.md). */
#ifndef VC_WORKLOAD_VMEXIT_H
#define VC_WORKLOAD_VMEXIT_H

#include <stdint.h>

#define VM_BOOT_MARKER_PORT  0x3f0 /* the VMM timestamps a write of 123 here */
#define VM_BOOT_MARKER_VALUE 123
#define VM_EXIT_PORT         0xf4 /* QEMU isa-debug-exit convention */

/* ioperm(2) both ports; 1 when the exit port can be used, 0 otherwise. */
int vm_ports_open(void);

/* Write the boot marker (only after vm_ports_open() returned 1). */
void vm_boot_marker(void);

/* End the VM with status: drain the console, write the exit port, else
 * (no port) print "PROG: exit port did not end the VM" and reboot; when
 * even that fails, exit with status (pid 1 of a pid namespace: the tests
 * run the image init so; in a VM the kernel panics). */
__attribute__((noreturn)) void vm_end(int port_ok, uint32_t status, const char *prog);

#endif
