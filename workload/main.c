/* The shared workload: one static program that every runner executes —
 * as a plain process, as a container's process, as /init of the Linux guest
 * (the bare-metal guest links the same job.c/sha256.c).
 *
 *   workload [sha256=MIB] [touch=MIB] [exit=CODE]
 *
 * Prints VCLAB-READY first (the bench's startup stop-watch), then the digest
 * and VCLAB-DONE status=N, and ends with status CODE. See docs/contracts.md. */
#include "job.h"
#include "sys.h"
#include "vmexit.h"

#define EXIT_USAGE 2

static const char usage[] =
    "usage: workload [sha256=MIB] [touch=MIB] [exit=CODE]\n"
    "  sha256=MIB  hash MIB MiB of generated data (default 1, at most 4096)\n"
    "  touch=MIB   allocate and touch MIB MiB, held until done (default 0)\n"
    "  exit=CODE   exit status, 0..255 (default 0)\n"
    "Prints VCLAB-READY, sha256=<hex>, VCLAB-DONE status=N. As /init with pid 1\n"
    "it also reads these words from the environment (the kernel command line),\n"
    "writes the boot marker (123 to port 0x3f0) and ends the VM by writing the\n"
    "status to port 0xf4.\n";

/* The kernel starts us with argc at (%rsp), then argv[], NULL, envp[], NULL. */
SYS_ENTRY(workload_start);

static void write_all(int fd, const char *s, size_t n)
{
	long r;

	while (n) {
		r = sys_write(fd, s, n);
		if (r <= 0)
			return;
		s += r;
		n -= (size_t)r;
	}
}

static void write_stdout(const char *s, size_t n)
{
	write_all(1, s, n);
}

static void *alloc_anon(size_t n)
{
	return sys_mmap_anon(n);
}

static void free_anon(void *p, size_t n)
{
	sys_munmap(p, n);
}

static void error_line(const char *msg)
{
	write_all(2, "workload: ", 10);
	write_all(2, msg, job_strlen(msg));
	write_all(2, "\n", 1);
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* pid 1 started as /init: we are the init of a Linux guest. (In a container
 * we may be pid 1 too, but we are started under another name.) */
static int is_vm_init(char **argv)
{
	return sys_getpid() == 1 && argv[0] && streq(argv[0], "/init");
}

/* Parse argv words (all must be job keys) and, for a VM's init, the job
 * keys among the environment words the kernel handed over. */
static int parse_job(struct job *j, char **argv, char **envp, int vm)
{
	char err[160];
	char **w;

	job_defaults(j);
	for (w = vm ? envp : (char **)0; w && *w; w++)
		if (job_is_key(*w) && job_parse_word(j, *w, err, sizeof(err)) < 0)
			goto bad;
	for (w = argv + 1; *w; w++)
		if (job_parse_word(j, *w, err, sizeof(err)) < 0)
			goto bad;
	return 0;
bad:
	error_line(err);
	return -1;
}

static int workload_main(char **argv, char **envp)
{
	const struct job_env env = {write_stdout, alloc_anon, free_anon};
	uint8_t digest[SHA256_DIGEST_LEN];
	int vm = is_vm_init(argv), port_ok = 0;
	uint32_t status;
	struct job job;

	if (vm) {
		port_ok = vm_ports_open();
		if (port_ok)
			vm_boot_marker();
	}
	job_print(&env, JOB_READY_LINE);
	if (argv[0] && argv[1] && (streq(argv[1], "--help") || streq(argv[1], "-h"))) {
		write_stdout(usage, sizeof(usage) - 1);
		return 0;
	}
	if (parse_job(&job, argv, envp, vm) < 0)
		status = EXIT_USAGE;
	else
		status = job_run(&job, &env, digest) < 0 ? 1 : job.exit_code;
	job_print_done(&env, status);
	if (vm)
		vm_end(port_ok, status, "workload");
	return (int)status;
}

__attribute__((noreturn, used)) void workload_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	sys_exit(workload_main(argv, argv + argc + 1));
}
