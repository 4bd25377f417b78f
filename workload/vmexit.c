/* See vmexit.h. */
#include "vmexit.h"

#include "sys.h"

static void say(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	sys_write(2, s, n);
}

int vm_ports_open(void)
{
	return sys_ioperm(VM_BOOT_MARKER_PORT, 1, 1) == 0 && sys_ioperm(VM_EXIT_PORT, 1, 1) == 0;
}

void vm_boot_marker(void)
{
	outb(VM_BOOT_MARKER_VALUE, VM_BOOT_MARKER_PORT);
}

void vm_end(int port_ok, uint32_t status, const char *prog)
{
	/* The console may still hold our last lines (the serial driver sends
	 * them from its interrupt, maybe on another CPU): the exit port ends
	 * the VM at once, so let them out first. */
	sys_tcdrain(1);
	sys_tcdrain(2);
	if (port_ok)
		outb((uint8_t)status, VM_EXIT_PORT);
	say(prog);
	say(": exit port did not end the VM; rebooting\n");
	sys_reboot_restart();
	/* No reboot either (no CAP_SYS_BOOT: a pid namespace in a test): end
	 * with the status; in a VM the kernel then panics, naming it. */
	sys_exit((int)status);
}
