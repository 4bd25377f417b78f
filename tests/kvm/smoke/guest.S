/* The KVM smoke test's guest: 64-bit code, copied to guest memory by
 * kvm_smoke.c and entered in long mode with paging on. It computes three
 * values in registers, writes a greeting and two of the values, one byte at a
 * time, to port SMOKE_PORT, and halts. Position independent (RIP-relative),
 * so it runs wherever the test copies it. Every instruction here with a REX
 * prefix (r8-r10, 64-bit operands) would decode differently outside long
 * mode, so the final registers also prove the CPU really was in 64-bit mode. */
#define SMOKE_PORT 0x10

	.section .rodata
	.globl smoke_guest_start, smoke_guest_size, smoke_guest_hlt_end
	.code64
smoke_guest_start:
	mov $6, %r8
	imul $7, %r8, %r8              /* r8 = 42 */
	xor %r9, %r9
	mov $10, %rcx
1:	add %rcx, %r9
	loop 1b                        /* r9 = 10 + 9 + ... + 1 = 55 */
	movabs $0x1122334455667788, %r10
	add %r8, %r10                  /* r10 = 0x11223344556677b2 */

	mov $SMOKE_PORT, %dx
	lea greeting(%rip), %rsi
	mov $greeting_len, %rcx
2:	lodsb
	out %al, %dx                   /* one KVM_EXIT_IO per byte */
	loop 2b
	mov %r8b, %al
	out %al, %dx
	mov %r9b, %al
	out %al, %dx
	hlt                            /* KVM_EXIT_HLT: the test is over */
hlt_end:                       /* where RIP points once the vCPU halted */

greeting:
	.ascii "vclab"
	.set greeting_len, . - greeting
smoke_guest_end:

	/* Sizes for the C side, so it never subtracts pointers to symbols. */
	.balign 8
smoke_guest_size:
	.quad smoke_guest_end - smoke_guest_start
smoke_guest_hlt_end:
	.quad hlt_end - smoke_guest_start

	.section .note.GNU-stack, "", @progbits
