/* cgroup v2 has no devices.allow file: a BPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE, attached to the cgroup, answers each access
 * (open for read or write, mknod) with 1 (allow) or 0 (deny). This one is
 * assembled here from the device rules, a few instructions per rule, as
 * runc and crun do; the kernel detaches it when the cgroup goes. */
#include "cgroup-internal.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel takes up to 4096 instructions from anyone, far more from
 * root; a rule costs at most 9. */
#define MAX_INSNS 4096

struct prog {
	struct bpf_insn insn[MAX_INSNS];
	unsigned n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n < MAX_INSNS)
		p->insn[p->n] = (struct bpf_insn){
		    .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	p->n++;
}

/* The program: r1 is struct bpf_cgroup_dev_ctx {access_type, major, minor};
 * the low 16 bits of access_type are the device type (1 block, 2 char),
 * the high ones the access (BPF_DEVCG_ACC_MKNOD 1, READ 2, WRITE 4). The
 * rules are tried last first: the first match (the last in the list)
 * answers; no match denies. */
static unsigned assemble(struct prog *p, const struct cg_dev_rule *r, unsigned n)
{
	p->n = 0;
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0); /* r2 = access_type */
	emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_5, BPF_REG_2, 0, 0);
	emit(p, BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_5, 0, 0, 16);      /* r5 = access */
	emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);  /* r2 = type */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 4, 0); /* r3 = major */
	emit(p, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 8, 0); /* r4 = minor */
	for (unsigned i = n; i-- > 0;) {
		const struct cg_dev_rule *d = &r[i];
		bool check_access = (d->access & CG_DEV_RWM) != CG_DEV_RWM;
		/* instructions in this rule's block; a mismatch jumps past it */
		int16_t left = (int16_t)((d->type != 'a') + (d->major >= 0) + (d->minor >= 0) +
		                         (check_access ? 3 : 0) + 2);

		if (d->type != 'a')
			emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, --left,
			     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
		if (d->major >= 0)
			emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, --left, (int32_t)d->major);
		if (d->minor >= 0)
			emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, --left, (int32_t)d->minor);
		if (check_access) {
			/* allow: every bit asked is in the rule; deny: one is */
			emit(p, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_5, 0, 0);
			--left;
			emit(p, BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_6, 0, 0,
			     d->allow ? (int32_t)(~d->access & CG_DEV_RWM) : (int32_t)d->access);
			--left;
			emit(p, BPF_JMP | (d->allow ? BPF_JNE : BPF_JEQ) | BPF_K, BPF_REG_6, 0,
			     --left, 0);
		}
		emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		/* a rule for every access of every device answers all: the
		 * verifier refuses the unreachable code the rules before it
		 * would be */
		if (d->type == 'a' && d->major < 0 && d->minor < 0 && !check_access)
			return p->n;
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); /* deny the rest */
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return p->n;
}

int cg_v2_attach_devices(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	static struct prog p;
	union bpf_attr attr;
	int prog_fd, rc;
	unsigned n;
	struct cg_dev_rule *r = cg_dev_rules(lim, &n);

	if (!r)
		return vc_error(err, ENOMEM, "cgroup: device rules");
	rc = assemble(&p, r, n) > MAX_INSNS;
	free(r);
	if (rc)
		return vc_error(err, 0, "cgroup: device rules too long for their BPF program");
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p.insn;
	attr.insn_cnt = p.n;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	prog_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog_fd < 0) {
		/* again with the verifier's log, for its last words */
		static char log[65536];
		int e = errno;
		char *last;

		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = sizeof(log);
		attr.log_level = 1;
		log[0] = '\0';
		if (syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)) >= 0)
			log[0] = '\0';
		/* its first line names the fault */
		last = strchr(log, '\n');
		if (last)
			*last = '\0';
		return vc_error(err, e, "cgroup: loading the device filter (a BPF program%s%s)",
		                log[0] ? "; verifier: " : "", log);
	}
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
		        "attached a BPF device filter (%u instructions) to %s: %u rules, the last "
		        "match decides",
		        p.n, cgroup_path(cg), n);
	return 0;
}
