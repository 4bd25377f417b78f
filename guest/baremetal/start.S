/* Entry points of the bare-metal guest, and the little it does in ring 0.
 *
 * The guest is a tiny OS: ring 0 (the supervisor) loads what must be
 * privileged, then drops to ring 3 (user mode) and runs the job there. The
 * job comes back to ring 0 only through two system calls (write to the
 * serial port, exit through the exit port) or an exception, whose handler
 * reports it and ends the VM (bm_fault in main.c).
 *
 * _start:     the vclab contract (docs/contracts.md). The VMM enters here in
 *             64-bit long mode with the first 1 GiB identity-mapped,
 *             rdi = command line address (or 0), rsi = RAM size in bytes.
 * pvh_start:  the PVH boot protocol (Xen's, also QEMU's -kernel for an ELF
 *             with a XEN_ELFNOTE_PHYS32_ENTRY note). We get 32-bit protected
 *             mode without paging and ebx = address of struct hvm_start_info:
 *             we switch to long mode on our own page tables, read the command
 *             line and RAM size from the start info, and jump to _start. So
 *             QEMU boots the very same ELF, through the very same _start.
 *
 * Why ring 3 at all: on kvm-pvm (a software KVM some cloud VMs offer) guest
 * ring 0 is emulated, about 1 us an instruction, while guest ring 3 runs
 * natively. On hardware KVM both run natively; nothing changes there.
 *
 * How the job reaches the ports: system calls, not IOPL = 3. IOPL = 3 would
 * let ring 3 use in/out itself and leave no ring-0 code after the drop, but
 * kvm-pvm runs guest ring 3 as host ring 3, whose IOPL stays 0 whatever the
 * guest's iretq or popfq asks for: every `out` from ring 3 is a #GP. So the
 * job asks ring 0, with Linux's numbers and registers (rax = 1 write or
 * 60 exit, arguments in rdi and rsi, result in rax). The instruction is
 * int3, through a gate with DPL 3, because it is the one way into guest
 * ring 0 that works on all three: on kvm-pvm `syscall` jumps to LSTAR but
 * stays in ring 3, and `int $0x80` (or any int $n but 3) arrives as #UD;
 * only exceptions reach the guest's IDT. (docs/pvm.md has the probes.)
 * A write sends the whole buffer with one `rep outsb` after one
 * transmitter-empty check: the emulated 16550 of every VMM takes bytes as
 * fast as they come. The job makes four calls in all, each about 12 ring-0
 * instructions (on kvm-pvm about 0.2 ms a call, entry and iretq included).
 *
 * Ring-0 instructions from _start to the first instruction of the job, on
 * the vclab entry: 18 (numbered in the margin). The PVH path adds its own
 * ~25 before _start (it runs under QEMU or Xen, where ring 0 is not slow).
 */

#define CR0_PE     (1 << 0)
#define CR0_PG     (1 << 31)
#define CR4_PAE    (1 << 5)
#define MSR_EFER   0xc0000080
#define EFER_LME   (1 << 8)
#define PTE_USER_RW 0x7   /* present, writable, user-accessible */
#define PTE_LARGE  0x80   /* a 2 MiB page in the page directory */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* GDT selectors. User data before user code: the order a sysret would
 * need (kvm-pvm does not run guest syscall/sysret: see the top). */
#define KERNEL_CS  0x08
#define KERNEL_DS  0x10
#define USER_DS    0x18
#define USER_CS    0x20
#define TSS_SEL    0x28
#define RPL3       3
/* RFLAGS in ring 3: the always-one bit 1; IF = 0 (nothing here handles
 * interrupts), IOPL = 0 (no port I/O from ring 3). */
#define USER_RFLAGS 0x0002

/* System calls (Linux's numbers, through int3) and the ports ring 0 drives
 * for them. */
#define SYSCALL_VECTOR 3 /* #BP: int3 */
#define SYS_WRITE  1
#define SYS_EXIT   60
#define ENOSYS     38
#define UART_THR   0x3f8
#define UART_LSR   0x3fd
#define LSR_THRE   0x20
#define EXIT_PORT  0xf4
#define BOOT_MARKER_PORT  0x3f0
#define BOOT_MARKER_VALUE 123

#define TSS_LIMIT     103 /* a 64-bit TSS is 104 bytes */
#define STUB_SIZE     16

	.section .note.pvh, "a", @note
	.balign 4
	.long 4                         /* name size: "Xen\0" */
	.long 8                         /* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad pvh_start                 /* 32-bit entry, a physical address */
	.balign 4

	.section .text.entry, "ax"
	.code64
	.global _start
_start:
	/* Ring 0, interrupts off (the contract), rdi/rsi hold the job's
	 * arguments and nothing below touches them. */
	lea kstack_top(%rip), %rsp      /*  1: exceptions from ring 0 land here */
	lgdt gdt_desc(%rip)             /*  2: kernel, user and TSS descriptors */
	lidt idt_desc(%rip)             /*  3: exception handlers, int $0x80 */
	mov $TSS_SEL, %eax              /*  4 */
	ltr %ax                         /*  5: the TSS: ring 0's stack */
	/* Our page tables: the VMM's lack the user bit. The page directory is
	 * prebuilt (.page_dir); link it in. The upper halves are zero (ELF .bss
	 * semantics: a loader zeroes what the file does not hold). */
	movl $(pdpt + PTE_USER_RW), pml4(%rip)  /* 6 */
	movl $(pd + PTE_USER_RW), pdpt(%rip)    /* 7 */
	mov $pml4, %eax                 /*  8 */
	mov %rax, %cr3                  /*  9 */
	/* The job is next: the boot marker says so (the VMM timestamps it). */
	mov $BOOT_MARKER_VALUE, %al     /* 10 */
	mov $BOOT_MARKER_PORT, %dx      /* 11 */
	out %al, %dx                    /* 12 */
	/* The frame iretq pops: ring 3's rip, cs, rflags, rsp, ss. */
	push $(USER_DS | RPL3)          /* 13 */
	push $ustack_top                /* 14 */
	push $USER_RFLAGS               /* 15 */
	push $(USER_CS | RPL3)          /* 16 */
	push $user_start                /* 17 */
	iretq                           /* 18: to ring 3 */

	.code32
	.global pvh_start
pvh_start:
	cli
	cld
	mov %ebx, %esi                  /* struct hvm_start_info *: keep it */
	movl $(pdpt + PTE_USER_RW), pml4
	movl $(pd + PTE_USER_RW), pdpt

	/* Long mode: PAE on, CR3 = PML4, EFER.LME on, then paging on. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0

	lgdt gdt_desc                   /* 32-bit lgdt reads limit + low 4 base bytes */
	ljmp $KERNEL_CS, $pvh_long_mode

	.code64
pvh_long_mode:
	mov $KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	/* Read the start info in C (ring 0, on the kernel stack), then enter
	 * exactly as a vclab VMM would: so booting under QEMU also tests
	 * _start. (_start resets rsp; nothing on the stack is live by then.) */
	lea kstack_top(%rip), %rsp
	mov %esi, %edi                  /* zero-extends: start_info is < 4 GiB */
	call bm_pvh_boot_args           /* rax = command line, rdx = RAM size */
	mov %rax, %rdi
	mov %rdx, %rsi
	jmp _start

/* Exception stubs, one per vector, STUB_SIZE bytes apart (the IDT below
 * relies on it). Each pushes a zero where the CPU pushes no error code, then
 * the vector number, and jumps to the common part, which calls bm_fault with
 * a pointer to what is on the stack (struct bm_fault_frame). Never returns. */
	.section .text.entry, "ax"
	.balign 512                     /* low 16 bits of stub addresses never carry */
	.global syscall_entry
	.global fault_stubs
fault_stubs:
.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign STUB_SIZE
	.if (\vec == 8) || (\vec == 10) || (\vec == 11) || (\vec == 12) || (\vec == 13) || (\vec == 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	nop; nop                        /* the CPU pushed an error code */
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp fault_common
.endr
	.balign STUB_SIZE
fault_stubs_end:

fault_common:
	mov %rsp, %rdi                  /* struct bm_fault_frame * */
	and $-16, %rsp                  /* the ABI's alignment for the call */
	call bm_fault                   /* does not return */
1:	cli
	hlt
	jmp 1b

/* The system calls: `int3` from ring 3 (a DPL-3 gate), so the CPU
 * switches to the TSS's ring-0 stack and pushes the caller's rip, cs,
 * rflags, rsp and ss; iretq goes back. Arguments as Linux's: rax = number,
 * rdi, rsi; result in rax. Clobbered besides: rcx, rdx, rsi, rdi (sys.h
 * says so). */
syscall_entry:
	cmp $SYS_WRITE, %eax
	jne 2f
	/* write(buf = rdi, len = rsi): wait until the transmitter is empty,
	 * then the whole buffer in one string instruction (one instruction to
	 * emulate; KVM still hands vmm the bytes one exit at a time). */
	mov $UART_LSR, %dx
1:	in %dx, %al
	test $LSR_THRE, %al
	jz 1b
	mov $UART_THR, %dx
	mov %rsi, %rax
	mov %rsi, %rcx
	mov %rdi, %rsi
	rep outsb
	iretq
2:	cmp $SYS_EXIT, %eax
	jne 3f
	/* exit(status = rdi): the exit port ends the VM; should nothing be
	 * listening there, main.c's fallbacks. */
	mov %edi, %eax
	out %al, $EXIT_PORT
	jmp bm_exit_fallback
3:	mov $-ENOSYS, %rax
	iretq

/* Ring 3 from here on: the job. */
	.section .text, "ax"
user_start:
	mov %rdi, %r12                  /* command line: rep stos needs rdi */
	mov %rsi, %r13                  /* RAM size */
	/* Zero .bss (the loader should have; here in ring 3 it costs nothing). */
	lea __bss_start(%rip), %rdi
	lea __bss_end(%rip), %rcx
	sub %rdi, %rcx
	shr $3, %rcx
	xor %eax, %eax
	rep stosq
	xor %ebp, %ebp
	mov %r12, %rdi
	mov %r13, %rsi
	call bm_main                    /* ends the VM; if it ever returns: #UD */
	ud2

	.section .rodata
	.balign 16
/* The GDT: 64-bit code and flat data for ring 0 and for ring 3, and the
 * 64-bit TSS descriptor (16 bytes). The TSS's base is split over three
 * fields, which the assembler cannot compute from a symbol: link.ld does
 * (__tss_base_*). */
gdt:
	.quad 0                         /* null descriptor */
	.quad 0x00af9a000000ffff        /* 0x08 KERNEL_CS: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff        /* 0x10 KERNEL_DS: flat data, DPL 0 */
	.quad 0x00cff2000000ffff        /* 0x18 USER_DS: flat data, DPL 3 */
	.quad 0x00affa000000ffff        /* 0x20 USER_CS: 64-bit code, DPL 3 */
	.word TSS_LIMIT                  /* 0x28 TSS: limit */
	.word __tss_base_0_15
	.byte __tss_base_16_23
	.byte 0x89                      /* present, DPL 0, available 64-bit TSS */
	.byte 0
	.byte __tss_base_24_31
	.long 0                         /* base 63..32: the image is below 4 GiB */
	.long 0
gdt_end:
	.balign 8
	.word 0                         /* so the base below is 8-byte aligned */
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

/* The IDT: an interrupt gate per CPU exception, all into fault_stubs but
 * #BP (3): int3 is the system call (see the top), so its gate leads to
 * syscall_entry and has DPL 3, which lets ring 3 raise it. The double fault
 * (8) gets its own stack (IST 1), so even a broken kernel stack is
 * reported. Any other int $n from ring 3 arrives as #GP (or, on kvm-pvm,
 * #UD). */
	.balign 16
idt:
.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.if \vec == SYSCALL_VECTOR
	.word __syscall_entry_0_15
	.else
	.word __fault_stubs_0_15 + \vec * STUB_SIZE
	.endif
	.word KERNEL_CS
	.if \vec == 8
	.byte 1                         /* IST 1: the double fault's own stack */
	.else
	.byte 0
	.endif
	.if \vec == SYSCALL_VECTOR
	.byte 0xee                      /* present, interrupt gate, DPL 3 */
	.word __syscall_entry_16_31
	.else
	.byte 0x8e                      /* present, interrupt gate, DPL 0 */
	.word __fault_stubs_16_31
	.endif
	.long 0                         /* offset 63..32 */
	.long 0
.endr
idt_end:
	.balign 8
	.word 0
idt_desc:
	.word idt_end - idt - 1
	.quad idt

	.section .data.tss, "aw"
/* The 64-bit TSS: only the stacks matter. rsp0 is where the CPU switches
 * to when an exception takes ring 3 into ring 0; ist1 is the double fault's
 * stack. No I/O bitmap (its offset points past the limit): IOPL = 3 decides. */
	.balign 16
	.global tss
tss:
	.long 0
	.quad kstack_top                /* rsp0 */
	.quad 0, 0                      /* rsp1, rsp2 */
	.quad 0                         /* reserved */
	.quad dfstack_top               /* ist1 */
	.quad 0, 0, 0, 0, 0, 0          /* ist2..ist7 */
	.quad 0                         /* reserved */
	.word 0
	.word tss_end - tss             /* I/O bitmap offset: none */
tss_end:

/* The page directory: 512 entries of 2 MiB, identity-mapped (1 GiB), each
 * user-accessible and writable. Prebuilt here so that ring 0 need not loop
 * over it (512 emulated iterations on kvm-pvm); 4 KiB of the image, placed
 * first by link.ld. */
	.section .page_dir, "aw"
	.balign 4096
pd:
	.set addr, 0
	.rept 512
	.quad addr | PTE_LARGE | PTE_USER_RW
	.set addr, addr + (2 << 20)
	.endr

/* PML4 and PDPT: one entry each, written by _start / pvh_start. Outside .bss
 * (the .bss clear runs later, in ring 3, on these very tables' watch). */
	.section .page_tables, "aw", @nobits
	.balign 4096
pml4:
	.skip 4096
pdpt:
	.skip 4096

/* Stacks, outside .bss too: nothing needs them zeroed. The job's (ring 3)
 * is 128 KiB: job.c hashes in 64 KiB chunks on the stack. The kernel stack
 * serves the fault handler; the double fault has its own. */
	.section .stack, "aw", @nobits
	.balign 16
	.skip 128 * 1024
ustack_top:
	.skip 8 * 1024
kstack_top:
	.skip 4 * 1024
dfstack_top:
