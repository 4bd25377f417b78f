/* vmm: a tiny KVM hypervisor. `vmm run --kernel IMAGE` boots a Linux
 * bzImage (1..8 vCPUs) or a bare-metal ELF64 guest (one vCPU), a serial port and the
 * debug ports; the guest's serial output goes to stdout. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "exitcode.h"
#include "guestram.h"
#include "image.h"
#include "kvmhost.h"
#include "loader.h"
#include "memory.h"
#include "parse.h"
#include "timeline.h"
#include "vcpu.h"
#include "vm.h"

#define PROG "vmm"

struct options {
	const char *kernel;
	const char *initrd;
	const char *cmdline; /* NULL: the kernel kind's default */
	const char *mem_arg; /* NULL: guestram.h's default, or what the kernel needs */
	double timeout;      /* seconds; 0 = none */
	unsigned cpus;       /* vCPUs, 1..VM_MAX_VCPUS */
	bool trace;
	const char *timings;
	enum vc_timings_format timings_format;
	bool timings_format_set;
	const char *image;     /* --image REF: its initramfs, CMD after "--" */
	const char *image_ref; /* the same, for the boot of its initramfs */
	char **cmd;
	size_t n_cmd;
};

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: vmm run --kernel IMAGE [options]\n"
	       "       vmm run --image REF [--kernel IMAGE] [options] [-- CMD [ARG...]]\n"
	       "\n"
	       "Boot IMAGE in a KVM virtual machine (one host thread per vCPU). IMAGE is a\n"
	       "Linux bzImage or an ELF64 bare-metal guest. The guest's serial port (COM1)\n"
	       "is stdout.\n"
	       "\n"
	       "options:\n"
	       "  --kernel IMAGE   the kernel to boot (required without --image)\n"
	       "  --image REF      boot an OCI image of the container store as a microVM:\n"
	       "                   `container image export --initramfs REF` (next to vmm)\n"
	       "                   gives its layers flattened + vclab-init as a gzip cpio,\n"
	       "                   cached by the image digest; the kernel defaults to the\n"
	       "                   minimal one (build/guest/bzImage); CMD replaces the\n"
	       "                   image's Cmd (after its Entrypoint), as `docker run`; the\n"
	       "                   program's output is on stdout, its stdin /dev/null, and\n"
	       "                   vmm exits with its status. Guest RAM: during boot the\n"
	       "                   compressed cpio and the unpacked rootfs (ramfs: a tmpfs\n"
	       "                   root holds only half of RAM) are both\n"
	       "                   in RAM, so --mem must hold kernel + cpio.gz + unpacked\n"
	       "                   image + 16M for the program; a smaller --mem is refused\n"
	       "                   before boot. The default is 128M + cpio.gz + unpacked,\n"
	       "                   in 64M steps (as `bench --image` gives its VMs)\n"
	       "  --initrd FILE    initramfs for a Linux kernel\n"
	       "  --cmdline STR    kernel command line (Linux default: \"console=ttyS0 quiet\n"
	       "                   reboot=k\"; bare-metal default: empty)\n"
	       "  --mem SIZE       guest RAM, e.g. 64M, 1G (default 128M, or what the kernel\n"
	       "                   needs if more; checked against the image and the host)\n"
	       "  --cpus N         number of vCPUs, 1..8 (default 1); N > 1 only for a Linux\n"
	       "                   kernel built with SMP: vmm writes an MP table listing\n"
	       "                   the CPUs, Linux starts them with INIT/SIPI\n"
	       "  --timeout SEC    stop the guest after SEC seconds (exit status 124)\n"
	       "  --trace          print boot phases with times and VM exit counts to stderr\n"
	       "  --timings FILE   write the boot phases as JSON to FILE\n"
	       "  --timings-format json|chrome\n"
	       "                   json (default): vclab's steps; chrome: Chrome trace events\n"
	       "                   (open FILE in Perfetto or chrome://tracing): the phases\n"
	       "                   vmm setup, guest boot and guest run, each step inside\n"
	       "  -h, --help       show this help\n"
	       "\n"
	       "guest devices: 16550A UART at port 0x3f8 (IRQ 4), i8042 at 0x60/0x64 (0xFE\n"
	       "to port 0x64 resets = clean reboot), boot marker (write 123 to port 0x3f0),\n"
	       "exit port (write a status byte to port 0xf4; vmm exits with it).\n"
	       "\n"
	       "exit status: the guest's exit-port status (0..119); 0 on a clean guest reboot;\n"
	       "  120 bad input; 121 no /dev/kvm, a KVM error, or a Linux kernel on kvm-pvm\n"
	       "  (which cannot run one: docs/pvm.md); 122 the guest crashed\n"
	       "  (triple fault before its boot marker; with --image, any reboot before\n"
	       "  the program's status: a kernel panic); 124 --timeout expired.\n"
	       "\n"
	       "No /dev/kvm here? Run it inside the test host:\n"
	       "  tests/testhost/run.sh -- build/bin/vmm run --kernel build/guest/baremetal.elf\n");
}

static int parse_options(int argc, char **argv, struct options *o, vc_err *err)
{
	static const struct option longopts[] = {{"kernel", required_argument, NULL, 'k'},
	                                         {"initrd", required_argument, NULL, 'i'},
	                                         {"cmdline", required_argument, NULL, 'c'},
	                                         {"mem", required_argument, NULL, 'm'},
	                                         {"cpus", required_argument, NULL, 'n'},
	                                         {"timeout", required_argument, NULL, 't'},
	                                         {"trace", no_argument, NULL, 'T'},
	                                         {"timings", required_argument, NULL, 'j'},
	                                         {"timings-format", required_argument, NULL, 'f'},
	                                         {"image", required_argument, NULL, 'I'},
	                                         {"help", no_argument, NULL, 'h'},
	                                         {NULL, 0, NULL, 0}};
	uint64_t cpus;
	int c;

	memset(o, 0, sizeof(*o));
	o->cpus = 1;
	opterr = 0;
	/* "+": stop at the first word that is not an option (the CMD of --image) */
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'c':
			o->cmdline = optarg;
			break;
		case 'm':
			o->mem_arg = optarg;
			break;
		case 'n':
			if (vc_parse_uint(optarg, 1, VM_MAX_VCPUS, &cpus, "--cpus", err) < 0)
				return -1;
			o->cpus = (unsigned)cpus;
			break;
		case 't':
			if (vc_parse_double(optarg, 0.001, 86400 * 365, &o->timeout, "--timeout",
			                    err) < 0)
				return -1;
			break;
		case 'T':
			o->trace = true;
			break;
		case 'j':
			o->timings = optarg;
			break;
		case 'f':
			if (vc_timings_format_parse(optarg, &o->timings_format, err) < 0)
				return -1;
			o->timings_format_set = true;
			break;
		case 'I':
			o->image = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return vc_error(err, 0,
			                "unknown or incomplete option '%s' (see vmm --help)",
			                argv[optind - 1]);
		}
	}
	if (optind < argc && !o->image)
		return vc_error(err, 0, "unexpected argument '%s' (see vmm --help)", argv[optind]);
	if (o->timings_format_set && !o->timings)
		return vc_error(err, 0, "--timings-format: only with --timings FILE");
	if (o->image) {
		if (o->initrd)
			return vc_error(err, 0,
			                "--initrd: not with --image (the image is the initrd)");
		o->cmd = argv + optind;
		o->n_cmd = (size_t)(argc - optind);
		return 0;
	}
	if (!o->kernel)
		return vc_error(err, 0, "run: --kernel IMAGE is required (see vmm --help)");
	return 0;
}

/* Guest RAM: what the user asked for, checked against what the image needs
 * and what the host has; without --mem, enough for the image. */
static int choose_mem(const struct options *o, const struct kernel_image *k, uint64_t *mem,
                      vc_err *err)
{
	uint64_t min = k->min_mem, unpacked = 0, gz = 0;
	char what[64];

	if (o->image_ref) { /* the unpacked rootfs and the program too (see --help) */
		unpacked = vmm_image_unpacked_file(k->initrd_path, &gz);
		min += ((unpacked + MiB - 1) & ~(MiB - 1)) + VMM_IMAGE_PROGRAM_MEM;
	}
	snprintf(what, sizeof(what), "--mem %s", o->mem_arg ? o->mem_arg : "(default)");
	if (!o->mem_arg) {
		*mem = o->image_ref ? vc_guest_ram_for_image(gz, unpacked) : VC_GUEST_RAM_DEFAULT;
		if (*mem < min)
			*mem = (min + 2 * MiB - 1) & ~(2 * MiB - 1);
	} else {
		if (vc_parse_size(o->mem_arg, MEM_MAX_SIZE, mem, "--mem", err) < 0)
			return -1;
		if (o->image_ref && *mem < min)
			return vc_error(
			    err, 0,
			    "%s: image %s needs at least %llu MiB of guest RAM: kernel and "
			    "compressed initramfs %llu MiB + unpacked rootfs %llu MiB + %llu "
			    "MiB for its programs",
			    what, o->image_ref, (unsigned long long)((min + MiB - 1) / MiB),
			    (unsigned long long)((k->min_mem + MiB - 1) / MiB),
			    (unsigned long long)((unpacked + MiB - 1) / MiB),
			    (unsigned long long)(VMM_IMAGE_PROGRAM_MEM / MiB));
		if (*mem < k->min_mem)
			return vc_error(err, 0, "%s: %s needs at least %llu MiB of guest RAM", what,
			                k->path,
			                (unsigned long long)((k->min_mem + MiB - 1) / MiB));
	}
	return guest_mem_check_size(*mem, host_ram_bytes(), what, err);
}

/* How much memory the VMM costs beyond the guest's own RAM. */
static void trace_memory(struct vc_timeline *tl, const struct guest_mem *mem)
{
	uint64_t rss = process_rss(), guest = guest_mem_resident(mem);

	vc_trace(tl, "memory: vmm RSS %llu KiB = guest RAM touched %llu KiB + vmm itself %llu KiB",
	         (unsigned long long)(rss >> 10), (unsigned long long)(guest >> 10),
	         (unsigned long long)(rss > guest ? (rss - guest) >> 10 : 0));
}

/* kvm-pvm emulates guest ring 0, where a Linux kernel spends its boot: it
 * would crawl for tens of seconds and then stop in a KVM internal error
 * (docs/pvm.md). Say so at once. VCLAB_PVM_LINUX=1 tries anyway (to
 * measure it). */
static bool refuse_linux_on_pvm(const struct kernel_image *k, vc_err *err)
{
	const char *force = getenv("VCLAB_PVM_LINUX");

	if (!vc_kvm_is_pvm() || (force && !strcmp(force, "1")))
		return false;
	vc_error(err, 0,
	         "%s: a Linux kernel cannot run on this /dev/kvm: it is kvm-pvm, which emulates "
	         "guest ring 0 (about 1 us an instruction; docs/pvm.md); run it in the test host "
	         "(tests/testhost/run.sh -- build/bin/vmm ...) or boot the bare-metal guest here",
	         k->path);
	return true;
}

static int boot(const struct options *o, struct vc_timeline *tl, vc_err *err);

/* --image: export the initramfs, then an ordinary boot of it. */
static int boot_image(const struct options *o, struct vc_timeline *tl, vc_err *err)
{
	char initrd[4096], kernel[4096];
	struct options io = *o;
	char *check = NULL;

	/* CMD that the kernel command line cannot carry: refused before any work */
	if (vmm_image_cmdline("", o->cmd, o->n_cmd, &check, err) < 0)
		return VMM_EXIT_BAD_INPUT;
	free(check);
	if (!o->kernel && vmm_image_default_kernel(kernel, sizeof(kernel), err) < 0)
		return VMM_EXIT_BAD_INPUT;
	vc_step_begin(tl);
	if (vmm_image_export(o->image, o->trace, initrd, sizeof(initrd), err) < 0)
		return VMM_EXIT_BAD_INPUT;
	vc_step(tl, "image_export", "%s: %s", o->image, initrd);
	io.kernel = o->kernel ? o->kernel : kernel;
	io.initrd = initrd;
	io.image = NULL;
	io.image_ref = o->image;
	return boot(&io, tl, err);
}

static int boot(const struct options *o, struct vc_timeline *tl, vc_err *err)
{
	struct kernel_image k;
	struct vm vm;
	const char *cmdline;
	char *image_cmdline = NULL;
	uint64_t mem;
	int status;

	if (o->image)
		return boot_image(o, tl, err);
	if (kernel_open(&k, o->kernel, o->initrd, err) < 0 || choose_mem(o, &k, &mem, err) < 0) {
		kernel_close(&k);
		return VMM_EXIT_BAD_INPUT;
	}
	/* The bare-metal guest has no code to start other CPUs. */
	if (o->cpus > 1 && k.kind != KERNEL_BZIMAGE) {
		vc_error(err, 0, "--cpus %u: %s is a bare-metal ELF guest, which runs on one vCPU",
		         o->cpus, k.path);
		kernel_close(&k);
		return VMM_EXIT_BAD_INPUT;
	}
	cmdline = o->cmdline ? o->cmdline : kernel_default_cmdline(&k);
	if (o->image_ref) { /* rdinit= and CMD */
		if (vmm_image_cmdline(cmdline, o->cmd, o->n_cmd, &image_cmdline, err) < 0) {
			kernel_close(&k);
			return VMM_EXIT_BAD_INPUT;
		}
		cmdline = image_cmdline;
	}
	if (kernel_check_cmdline(&k, cmdline, err) < 0) {
		kernel_close(&k);
		free(image_cmdline);
		return VMM_EXIT_BAD_INPUT;
	}
	if (k.kind == KERNEL_BZIMAGE && refuse_linux_on_pvm(&k, err)) {
		kernel_close(&k);
		free(image_cmdline);
		return VMM_EXIT_KVM_ERROR;
	}
	if (vm_create(&vm, tl, k.kind == KERNEL_BZIMAGE, err) < 0 ||
	    vm_setup(&vm, &k, mem, cmdline, o->cpus, err) < 0) {
		vm_destroy(&vm);
		kernel_close(&k);
		free(image_cmdline);
		return VMM_EXIT_KVM_ERROR;
	}
	vm.state.reset_is_failure = o->image_ref != NULL;
	free(image_cmdline); /* in guest RAM now */
	kernel_close(&k);    /* everything is in guest RAM now */
	status = vcpu_run(&vm, o->timeout, err);
	serial_out_flush(&vm.out);
	if (o->trace) {
		vcpu_trace_counts(&vm);
		trace_memory(tl, &vm.mem);
	}
	vm_destroy(&vm);
	return status;
}

/* The phases that group the boot steps (for --timings): vmm's own setup up
 * to the first KVM_RUN, the guest's boot up to its boot marker, its run up
 * to its exit. */
static void add_phases(struct vc_timeline *tl)
{
	const struct vc_event *run = vc_timeline_find(tl, 0, "first_kvm_run");
	const struct vc_event *mark = vc_timeline_find(tl, 0, "guest_boot_marker");
	const struct vc_event *end = vc_timeline_find(tl, 0, "guest_exit");

	if (!run)
		return;
	vc_timeline_phase(tl, 0, "vmm setup", tl->start_ns, run->at_ns,
	                  "vmm: /dev/kvm, the VM, its memory, the image, the vCPUs");
	if (mark)
		vc_timeline_phase(tl, 0, "guest boot", run->at_ns, mark->at_ns,
		                  "the guest, from its first KVM_RUN to its boot marker");
	if (end)
		vc_timeline_phase(tl, 0, "guest run", mark ? mark->at_ns : run->at_ns, end->at_ns,
		                  "the guest, from its boot marker to its end");
}

int main(int argc, char **argv)
{
	struct vc_timeline *tl;
	struct options o;
	vc_err err = {0}, jerr;
	int status;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? VMM_EXIT_BAD_INPUT : 0;
	}
	if (strcmp(argv[1], "run")) {
		fprintf(stderr, PROG ": unknown command '%s' (try: vmm run --kernel IMAGE)\n",
		        argv[1]);
		return VMM_EXIT_BAD_INPUT;
	}
	if (parse_options(argc - 1, argv + 1, &o, &err) < 0) {
		vc_error_print(PROG, &err);
		return VMM_EXIT_BAD_INPUT;
	}
	/* The timeline is big (every step's text): keep it off the stack. */
	tl = malloc(sizeof(*tl));
	if (!tl) {
		fprintf(stderr, PROG ": out of memory\n");
		return VMM_EXIT_KVM_ERROR;
	}
	vc_timeline_init(tl, PROG, o.trace ? stderr : NULL);
	status = boot(&o, tl, &err);
	if (err.msg[0])
		vc_error_print(PROG, &err);
	/* Timings only for a guest that ran: a failed start leaves no file. */
	if (o.timings && status != VMM_EXIT_BAD_INPUT && status != VMM_EXIT_KVM_ERROR)
		add_phases(tl);
	if (o.timings && status != VMM_EXIT_BAD_INPUT && status != VMM_EXIT_KVM_ERROR &&
	    vc_timeline_write(tl, o.timings, o.timings_format, &jerr) < 0) {
		vc_error_print(PROG, &jerr);
		status = VMM_EXIT_BAD_INPUT;
	}
	free(tl);
	return status;
}
