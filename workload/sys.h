/* The few Linux system calls the workload makes, as raw x86-64 syscalls.
 *
 * Why no libc: image size is one of the three metrics vclab compares. A
 * glibc `-static` hello world is ~690 KB, which would dwarf the difference
 * between runners; with this file the whole workload is a few KB, so the
 * image-size column shows what each kind of isolation ships, not libc. */
#ifndef VC_WORKLOAD_SYS_H
#define VC_WORKLOAD_SYS_H

#include <stddef.h>
#include <stdint.h>

long sys_write(int fd, const void *buf, size_t n);
void *sys_mmap_anon(size_t len); /* NULL on failure */
long sys_munmap(void *p, size_t len);
long sys_getpid(void);
long sys_tcdrain(int fd); /* wait until a tty has sent what it holds */
long sys_ioperm(unsigned long from, unsigned long num, int on);
long sys_reboot_restart(void);
__attribute__((noreturn)) void sys_exit(int status);
/* Any other system call (the image init's: mount, fork, execve, ...);
 * returns -errno on failure, as the kernel does. */
long sys_call6(long nr, long a, long b, long c, long d, long e, long f);

/* The program's entry: the kernel starts it with argc at (%rsp), then
 * argv[], NULL, envp[], NULL; FN(void *sp) gets that pointer, with the
 * stack aligned as the ABI wants, and must not return. */
#define SYS_ENTRY(FN)                                                                              \
	__asm__(".text\n"                                                                          \
	        ".global _start\n"                                                                 \
	        "_start:\n"                                                                        \
	        "	xor %ebp, %ebp\n"                                                                \
	        "	mov %rsp, %rdi\n"                                                                \
	        "	and $-16, %rsp\n"                                                                \
	        "	call " #FN "\n"                                                            \
	        "	hlt\n")

static inline void outb(uint8_t value, uint16_t port)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

#endif
