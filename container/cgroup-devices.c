/* cgroup v2 has no devices.allow file: a BPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE, attached to the cgroup, answers each access
 * (open for read or write, mknod) with 1 (allow) or 0 (deny). This one is
 * assembled here from the allowlist, a few instructions per device, as
 * runc and crun do; the kernel detaches it when the cgroup goes. */
#include "cgroup-internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 128

struct prog {
	struct bpf_insn insn[MAX_INSNS];
	unsigned n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n < MAX_INSNS)
		p->insn[p->n++] = (struct bpf_insn){
		    .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* The program: r1 is struct bpf_cgroup_dev_ctx {access_type, major, minor};
 * the low 16 bits of access_type are the device type (1 block, 2 char).
 * Every rule of the list allows every access (rwm). */
static unsigned assemble(struct prog *p, const struct cg_device *dev, unsigned ndev)
{
	p->n = 0;
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0); /* r2 = access_type */
	emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);  /* r2 = type */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 4, 0); /* r3 = major */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 8, 0); /* r4 = minor */
	for (unsigned i = 0; i < ndev; i++) {
		const struct cg_device *d = &dev[i];
		int16_t left = (int16_t)(2 + (d->major >= 0) + (d->minor >= 0));

		/* on a mismatch, jump over the rest of this rule's block */
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, left,
		     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
		if (d->major >= 0)
			emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, --left, d->major);
		if (d->minor >= 0)
			emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, --left, d->minor);
		emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1); /* allow */
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); /* deny the rest */
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return p->n;
}

int cg_v2_attach_devices(struct cgroup *cg, const struct cg_device *dev, unsigned ndev, vc_err *err)
{
	static struct prog p;
	union bpf_attr attr;
	int prog_fd, rc;

	if (assemble(&p, dev, ndev) >= MAX_INSNS)
		return vc_error(err, 0, "cgroup: device allowlist too long for its BPF program");
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p.insn;
	attr.insn_cnt = p.n;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog_fd < 0)
		return vc_error(err, errno, "cgroup: loading the device filter (a BPF program)");
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cg->dirfd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	rc = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr));
	close(prog_fd); /* the attachment holds the program */
	if (rc < 0)
		return vc_error(err, errno, "cgroup: attaching the device filter to %s",
		                cgroup_path(cg));
	if (cg->tl)
		vc_step(cg->tl, "cgroup",
		        "attached a BPF device filter (%u instructions) to %s: %u devices allowed",
		        p.n, cgroup_path(cg), ndev);
	return 0;
}
