#include "fault.h"

static const char *const names[32] = {"#DE divide error",
                                      "#DB debug",
                                      "NMI",
                                      "#BP breakpoint",
                                      "#OF overflow",
                                      "#BR bound range",
                                      "#UD invalid opcode",
                                      "#NM no FPU",
                                      "#DF double fault",
                                      "coprocessor overrun",
                                      "#TS invalid TSS",
                                      "#NP segment not present",
                                      "#SS stack fault",
                                      "#GP general protection",
                                      "#PF page fault",
                                      "reserved",
                                      "#MF x87 error",
                                      "#AC alignment check",
                                      "#MC machine check",
                                      "#XM SIMD error",
                                      "#VE virtualization",
                                      "#CP control protection",
                                      "reserved",
                                      "reserved",
                                      "reserved",
                                      "reserved",
                                      "reserved",
                                      "reserved",
                                      "#HV injection",
                                      "#VC VMM communication",
                                      "#SX security",
                                      "reserved"};

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *s)
{
	while (*s && o->pos + 1 < o->len)
		o->buf[o->pos++] = *s++;
}

static void put_dec(struct out *o, uint64_t v)
{
	char tmp[21];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && o->pos + 1 < o->len)
		o->buf[o->pos++] = tmp[--n];
}

static void put_hex(struct out *o, uint64_t v)
{
	char tmp[16];
	size_t n = 0;

	put(o, "0x");
	do {
		tmp[n++] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	while (n && o->pos + 1 < o->len)
		o->buf[o->pos++] = tmp[--n];
}

size_t bm_fault_format(char *buf, size_t len, const struct bm_fault_frame *f, uint64_t cr2)
{
	struct out o = {buf, len, 0};

	if (!len)
		return 0;
	put(&o, "baremetal: CPU exception ");
	put_dec(&o, f->vector);
	put(&o, " (");
	put(&o, f->vector < 32 ? names[f->vector] : "unknown");
	put(&o, ") in ring ");
	put_dec(&o, f->cs & 3);
	put(&o, " at rip ");
	put_hex(&o, f->rip);
	put(&o, ", error code ");
	put_hex(&o, f->error);
	put(&o, ", cr2 ");
	put_hex(&o, cr2);
	put(&o, ": VM ends with status ");
	put_dec(&o, BM_EXIT_FAULT);
	/* The newline always fits: it replaces the last byte if it must. */
	if (o.pos + 1 >= len && o.pos)
		o.pos--;
	if (o.pos + 1 < len)
		buf[o.pos++] = '\n';
	buf[o.pos] = '\0';
	return o.pos;
}
