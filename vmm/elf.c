#include "elf.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "x86.h"

int elf_is_elf(const uint8_t *buf, size_t len)
{
	return len >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0;
}

static int check_segment(const Elf64_Phdr *ph, uint64_t file_size, const char *path, vc_err *err)
{
	/* Every sum below is checked as a difference: no field can wrap it. */
	if (ph->p_filesz > ph->p_memsz || ph->p_offset > file_size ||
	    ph->p_filesz > file_size - ph->p_offset)
		return vc_error(err, 0, "%s: a PT_LOAD segment lies outside the file", path);
	if (ph->p_paddr < BOOT_LOW_END || ph->p_paddr > MEM_HOLE_START ||
	    ph->p_memsz > MEM_HOLE_START - ph->p_paddr)
		return vc_error(err, 0,
		                "%s: segment at 0x%llx overlaps the VMM's boot tables or the "
		                "device hole (link it between 1 MiB and 3 GiB)",
		                path, (unsigned long long)ph->p_paddr);
	return 0;
}

int elf_parse(const uint8_t *buf, size_t len, uint64_t file_size, const char *path,
              struct elf_image *elf, vc_err *err)
{
	Elf64_Ehdr eh;
	unsigned i;

	memset(elf, 0, sizeof(*elf));
	if (len < sizeof(eh))
		return vc_error(err, 0, "%s: truncated ELF header", path);
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_machine != EM_X86_64)
		return vc_error(err, 0, "%s: not an x86-64 ELF64 file", path);
	if (eh.e_type != ET_EXEC)
		return vc_error(err, 0, "%s: not an ELF executable (ET_EXEC)", path);
	/* e_phoff comes from the file: compare without an addition that could
	 * wrap (e_phnum * 56 cannot, e_phnum being 16 bits). */
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > len - eh.e_phoff)
		return vc_error(err, 0, "%s: program headers missing or not in the first %d bytes",
		                path, ELF_PROBE_BYTES);
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (elf->nsegs == ELF_MAX_SEGMENTS)
			return vc_error(err, 0, "%s: more than %d PT_LOAD segments", path,
			                ELF_MAX_SEGMENTS);
		if (check_segment(&ph, file_size, path, err) < 0)
			return -1;
		elf->segs[elf->nsegs++] = ph;
		if (ph.p_paddr + ph.p_memsz > elf->end)
			elf->end = ph.p_paddr + ph.p_memsz;
	}
	if (elf->nsegs == 0)
		return vc_error(err, 0, "%s: no PT_LOAD segment", path);
	elf->entry = eh.e_entry;
	if (eh.e_entry < BOOT_LOW_END || eh.e_entry >= elf->end)
		return vc_error(err, 0, "%s: entry point 0x%llx is outside the loaded segments",
		                path, (unsigned long long)eh.e_entry);
	return 0;
}

int elf_load(const struct elf_image *elf, int fd, const char *path, struct guest_mem *mem,
             vc_err *err)
{
	unsigned i;

	for (i = 0; i < elf->nsegs; i++) {
		const Elf64_Phdr *ph = &elf->segs[i];
		uint8_t *dst = gpa_to_host(mem, ph->p_paddr, ph->p_memsz);
		uint64_t done = 0;

		if (!dst)
			return vc_error(err, 0, "%s: segment at 0x%llx beyond guest RAM", path,
			                (unsigned long long)ph->p_paddr);
		while (done < ph->p_filesz) {
			ssize_t n = pread(fd, dst + done, ph->p_filesz - done,
			                  (off_t)(ph->p_offset + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return vc_error(err, n < 0 ? errno : 0, "%s: read failed", path);
			done += (uint64_t)n;
		}
		/* The rest (.bss) is already zero: guest RAM is fresh anonymous
		 * memory, and zeroing it would only touch pages for nothing. */
	}
	return 0;
}
