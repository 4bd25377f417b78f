/* Entry points of the bare-metal guest.
 *
 * _start:     the vclab contract (docs/contracts.md). The VMM enters here in
 *             64-bit long mode with the first 1 GiB identity-mapped,
 *             rdi = command line address (or 0), rsi = RAM size in bytes.
 *             The boot path is as short as it can be: a stack, zeroed .bss,
 *             and straight into C.
 * pvh_start:  the PVH boot protocol (Xen's, also QEMU's -kernel for an ELF
 *             with a XEN_ELFNOTE_PHYS32_ENTRY note). We get 32-bit protected
 *             mode without paging and ebx = address of struct hvm_start_info,
 *             so we build the same 1 GiB identity map ourselves, switch to
 *             long mode, read the command line and RAM size from the start
 *             info and jump to _start. This lets QEMU boot the very same ELF
 *             as a peer, and tests run its vclab entry without KVM.
 */

#define CR0_PE     (1 << 0)
#define CR0_PG     (1 << 31)
#define CR4_PAE    (1 << 5)
#define MSR_EFER   0xc0000080
#define EFER_LME   (1 << 8)
#define PTE_P_RW   0x3    /* present, writable */
#define PTE_LARGE  0x80   /* a 2 MiB page in the page directory */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

	.section .note.pvh, "a", @note
	.balign 4
	.long 4                         /* name size: "Xen\0" */
	.long 8                         /* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start                 /* 32-bit entry, a physical address */
	.balign 4

/* Zero .bss (a few bytes: the loader should have, but it costs nothing),
 * then point rsp at the top of our stack. No call: the loader gives us no
 * stack, so nothing may be pushed before this. */
.macro zero_bss_and_set_stack
	lea __bss_start(%rip), %rdi
	lea __bss_end(%rip), %rcx
	sub %rdi, %rcx
	shr $3, %rcx
	xor %eax, %eax
	rep stosq
	lea stack_top(%rip), %rsp
	xor %ebp, %ebp
.endm

	.section .text.entry, "ax"
	.code64
	.global _start
_start:
	cli
	cld
	mov %rdi, %r12                  /* command line: rep stos needs rdi */
	mov %rsi, %r13                  /* RAM size */
	zero_bss_and_set_stack
	mov %r12, %rdi
	mov %r13, %rsi
	call bm_main                    /* does not return */
	jmp halt_forever

halt_forever:
	hlt
	jmp halt_forever

	.code32
	.global pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %esi                  /* struct hvm_start_info *: keep it */

	/* Zero the three table pages, then link PML4[0] -> PDPT[0] -> PD and
	 * fill the PD with 512 identity-mapped 2 MiB pages (1 GiB). */
	mov $pvh_pml4, %edi
	mov $(3 * 4096 / 4), %ecx
	xor %eax, %eax
	rep stosl
	movl $(pvh_pdpt + PTE_P_RW), pvh_pml4
	movl $(pvh_pd + PTE_P_RW), pvh_pdpt
	mov $pvh_pd, %edi
	mov $(PTE_P_RW | PTE_LARGE), %eax
	mov $512, %ecx
1:	mov %eax, (%edi)
	add $(2 << 20), %eax
	add $8, %edi
	loop 1b

	/* Long mode: PAE on, CR3 = PML4, EFER.LME on, then paging on. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $pvh_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0

	lgdt pvh_gdt_desc
	ljmp $0x08, $pvh_long_mode

	.code64
pvh_long_mode:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	/* Borrow our stack to read the start info in C, then enter exactly as
	 * a vclab VMM would: so booting under QEMU also tests _start. (_start
	 * resets rsp; nothing on the stack is live by then.) */
	lea stack_top(%rip), %rsp
	mov %esi, %edi                  /* zero-extends: start_info is < 4 GiB */
	call bm_pvh_boot_args           /* rax = command line, rdx = RAM size */
	mov %rax, %rdi
	mov %rdx, %rsi
	jmp _start

	.section .rodata
	.balign 8
pvh_gdt:
	.quad 0                         /* null descriptor */
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code, present, ring 0 */
	.quad 0x00cf92000000ffff        /* 0x10: flat data, writable */
pvh_gdt_end:
pvh_gdt_desc:
	.word pvh_gdt_end - pvh_gdt - 1
	.long pvh_gdt

/* Page tables for the PVH path, outside .bss: _start's .bss clear must not
 * wipe the tables we are running on. */
	.section .pvh_tables, "aw", @nobits
	.balign 4096
pvh_pml4:
	.skip 4096
pvh_pdpt:
	.skip 4096
pvh_pd:
	.skip 4096

/* The stack, outside .bss too: nothing needs it zeroed, and clearing
 * 128 KiB would touch 32 pages (each a fault the host must serve) before the
 * guest does any work. job.c hashes in 64 KiB chunks on the stack. */
	.section .stack, "aw", @nobits
	.balign 16
	.skip 128 * 1024
stack_top:
