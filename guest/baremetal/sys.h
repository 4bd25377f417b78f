/* The bare-metal guest's two system calls, for the job in ring 3 (start.S
 * has the ring-0 side and says why there are system calls at all, and why
 * `int3` rather than `syscall`). Linux's numbers and registers:
 * rax = number, rdi, rsi = arguments, rax = result; the handler clobbers
 * rcx and rdx as well. */
#ifndef VC_BM_SYS_H
#define VC_BM_SYS_H

#include <stddef.h>
#include <stdint.h>

#define BM_SYS_WRITE 1
#define BM_SYS_EXIT  60

/* Write n bytes to the serial port. Returns n. */
static inline long bm_sys_write(const char *buf, size_t n)
{
	long ret;

	__asm__ volatile("int3"
	                 : "=a"(ret), "+D"(buf), "+S"(n)
	                 : "a"((long)BM_SYS_WRITE)
	                 : "rcx", "rdx", "memory");
	return ret;
}

/* End the VM with status (the exit port). Does not return. */
__attribute__((noreturn)) static inline void bm_sys_exit(uint32_t status)
{
	__asm__ volatile("int3" : : "a"((long)BM_SYS_EXIT), "D"((long)status) : "memory");
	__builtin_unreachable();
}

#endif
