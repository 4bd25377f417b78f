/* What the devices tell the vCPU loop: the guest asked to stop (and with
 * which status), or reached its workload. Devices only set these fields;
 * the loop reads them after every exit it dispatches. */
#ifndef VMM_VMSTATE_H
#define VMM_VMSTATE_H

#include <stdbool.h>
#include <stdint.h>

enum vm_stop {
	VM_RUNNING = 0,
	VM_STOP_EXIT_PORT, /* the guest wrote its status to the exit port */
	VM_STOP_RESET,     /* the guest reset the machine (i8042 0xFE, reboot=k) */
};

struct vm_state {
	enum vm_stop stop;
	int exit_status;  /* valid when stop == VM_STOP_EXIT_PORT */
	bool boot_marker; /* the guest wrote the boot-marker value */
	bool serial_out;  /* the guest printed at least one byte */
	/* An --image guest ends only through the exit port (its init writes
	 * the program's status there): a reset or triple fault means its
	 * kernel panicked (panic=-1 reboots) or rebooted before that. */
	bool reset_is_failure;
};

#endif
