#include "loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* quiet: every console byte is a VM exit. reboot=k: reboot through the
 * i8042, which ends the VM at once (reboot=t would triple-fault). */
#define LINUX_DEFAULT_CMDLINE "console=ttyS0 quiet reboot=k"

static int open_regular(const char *path, const char *what, int *fd, uint64_t *size, vc_err *err)
{
	struct stat st;

	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer;
	 * fstat then refuses anything that is not a regular file. */
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (*fd < 0)
		return vc_error(err, errno, "%s '%s'", what, path);
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		close(*fd);
		*fd = -1;
		return vc_error(err, 0, "%s '%s': not a regular file", what, path);
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int probe_kernel(struct kernel_image *k, vc_err *err)
{
	uint8_t buf[ELF_PROBE_BYTES];
	uint64_t size;
	ssize_t n;

	if (open_regular(k->path, "--kernel", &k->fd, &size, err) < 0)
		return -1;
	n = pread(k->fd, buf, sizeof(buf), 0);
	if (n < 0)
		return vc_error(err, errno, "--kernel '%s': read failed", k->path);
	if (elf_is_elf(buf, (size_t)n)) {
		k->kind = KERNEL_ELF;
		if (elf_parse(buf, (size_t)n, size, k->path, &k->elf, err) < 0)
			return -1;
		k->min_mem = k->elf.end;
		return 0;
	}
	k->kind = KERNEL_BZIMAGE;
	if (bzimage_parse(buf, (size_t)n, size, k->path, &k->bz, err) < 0)
		return -1;
	k->min_mem = bzimage_min_mem(&k->bz, k->initrd_size);
	return 0;
}

int kernel_open(struct kernel_image *k, const char *path, const char *initrd_path, vc_err *err)
{
	memset(k, 0, sizeof(*k));
	k->path = path;
	k->fd = -1;
	k->initrd_fd = -1;
	k->initrd_path = initrd_path;
	if (initrd_path &&
	    open_regular(initrd_path, "--initrd", &k->initrd_fd, &k->initrd_size, err) < 0)
		return -1;
	if (probe_kernel(k, err) < 0)
		return -1;
	if (initrd_path && k->kind != KERNEL_BZIMAGE)
		return vc_error(err, 0, "--initrd: only a Linux bzImage takes an initrd");
	return 0;
}

const char *kernel_default_cmdline(const struct kernel_image *k)
{
	return k->kind == KERNEL_BZIMAGE ? LINUX_DEFAULT_CMDLINE : "";
}

int kernel_check_cmdline(const struct kernel_image *k, const char *cmdline, vc_err *err)
{
	size_t len = strlen(cmdline);
	size_t max = BOOT_CMDLINE_MAX - 1;

	/* Linux's cmdline_size excludes the terminating NUL. */
	if (k->kind == KERNEL_BZIMAGE && k->bz.hdr.cmdline_size < max)
		max = k->bz.hdr.cmdline_size;
	if (len > max)
		return vc_error(err, 0, "--cmdline: %zu bytes, %s takes at most %zu", len, k->path,
		                max);
	return 0;
}

static int load_elf(struct kernel_image *k, struct guest_mem *mem, const char *cmdline,
                    struct x86_entry *entry, vc_err *err)
{
	size_t len = strlen(cmdline);
	char *dst = gpa_to_host(mem, BOOT_CMDLINE_ADDR, len + 1);

	if (elf_load(&k->elf, k->fd, k->path, mem, err) < 0)
		return -1;
	if (len >= BOOT_CMDLINE_MAX || !dst)
		return vc_error(err, 0, "--cmdline: too long (at most %d bytes)",
		                BOOT_CMDLINE_MAX - 1);
	memcpy(dst, cmdline, len + 1);
	*entry = (struct x86_entry){
	    .rip = k->elf.entry, .rdi = len ? BOOT_CMDLINE_ADDR : 0, .rsi = mem->size};
	return 0;
}

int kernel_load(struct kernel_image *k, struct guest_mem *mem, const char *cmdline,
                struct x86_entry *entry, vc_err *err)
{
	if (x86_build_page_tables(mem, err) < 0 || x86_build_gdt(mem, err) < 0)
		return -1;
	if (k->kind == KERNEL_ELF)
		return load_elf(k, mem, cmdline, entry, err);
	*entry = (struct x86_entry){.rsi = BOOT_PARAMS_ADDR};
	return bzimage_load(&k->bz, k->fd, k->path, mem, cmdline, k->initrd_fd, k->initrd_size,
	                    &entry->rip, err);
}

void kernel_close(struct kernel_image *k)
{
	if (k->fd >= 0)
		close(k->fd);
	if (k->initrd_fd >= 0)
		close(k->initrd_fd);
	k->fd = k->initrd_fd = -1;
}

const char *kernel_describe(const struct kernel_image *k, char *buf, size_t len)
{
	if (k->kind == KERNEL_ELF)
		snprintf(buf, len, "ELF64, entry 0x%llx, %u segment(s)",
		         (unsigned long long)k->elf.entry, k->elf.nsegs);
	else
		snprintf(buf, len, "Linux bzImage, boot protocol %u.%02u, %llu KiB at 0x%llx",
		         k->bz.hdr.version >> 8, k->bz.hdr.version & 0xff,
		         (unsigned long long)(k->bz.kernel_size >> 10),
		         (unsigned long long)k->bz.load_addr);
	return buf;
}
