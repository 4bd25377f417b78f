/* vmm's exit status (docs/contracts.md, "vmm exit codes"). */
#ifndef VMM_EXITCODE_H
#define VMM_EXITCODE_H

/* 0..119: the status the guest wrote to the exit port; 0 also for a clean
 * guest reboot. */
#define VMM_EXIT_BAD_INPUT 120 /* usage, unreadable or invalid image, bad --mem */
#define VMM_EXIT_KVM_ERROR 121 /* no /dev/kvm, a KVM or internal error, Linux on kvm-pvm */
/* 122: triple fault before the boot marker, failed entry; an --image guest
 * that rebooted (a kernel panic) before its program's status came */
#define VMM_EXIT_GUEST_FAULT 122
#define VMM_EXIT_TIMEOUT     124 /* --timeout expired, as timeout(1) */

#endif
