#include "sys.h"

#include <asm/unistd.h>
#include <linux/reboot.h>
#include <asm/ioctls.h>
#include <sys/mman.h>

static long syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
	                 : "rcx", "r11", "memory");
	return ret;
}

long sys_call6(long nr, long a, long b, long c, long d, long e, long f)
{
	return syscall6(nr, a, b, c, d, e, f);
}

long sys_write(int fd, const void *buf, size_t n)
{
	return syscall6(__NR_write, fd, (long)buf, (long)n, 0, 0, 0);
}

void *sys_mmap_anon(size_t len)
{
	long r = syscall6(__NR_mmap, 0, (long)len, PROT_READ | PROT_WRITE,
	                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return (r < 0 && r > -4096) ? NULL : (void *)r;
}

long sys_munmap(void *p, size_t len)
{
	return syscall6(__NR_munmap, (long)p, (long)len, 0, 0, 0, 0);
}

long sys_tcdrain(int fd)
{
	/* what tcdrain(3) does: TCSBRK with a non-zero argument only waits */
	return syscall6(__NR_ioctl, fd, TCSBRK, 1, 0, 0, 0);
}

long sys_getpid(void)
{
	return syscall6(__NR_getpid, 0, 0, 0, 0, 0, 0);
}

long sys_ioperm(unsigned long from, unsigned long num, int on)
{
	return syscall6(__NR_ioperm, (long)from, (long)num, on, 0, 0, 0);
}

long sys_reboot_restart(void)
{
	return syscall6(__NR_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	                LINUX_REBOOT_CMD_RESTART, 0, 0, 0);
}

void sys_exit(int status)
{
	for (;;)
		syscall6(__NR_exit_group, status, 0, 0, 0, 0, 0);
}
