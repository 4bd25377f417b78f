/* linux.seccomp through libseccomp: the names of actions and operators, and
 * building plus loading the filter. */
#ifndef CT_SECCOMP_H
#define CT_SECCOMP_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct ct_seccomp;
struct ct_spec;

/* "SCMP_ACT_ERRNO" (+ errno) -> SCMP_ACT_ERRNO(errno) ...; -1 when unknown. */
int ct_seccomp_action(const char *name, int errno_ret, uint32_t *out);

/* "SCMP_CMP_EQ" -> SCMP_CMP_EQ; -1 when unknown. */
int ct_seccomp_op(const char *name);

/* "SCMP_ARCH_X86_64" -> libseccomp's SCMP_ARCH_X86_64 token; -1 when unknown. */
int ct_seccomp_arch(const char *name, uint32_t *out);

/* Does libseccomp know this name, as a system call of this architecture or
 * as one of another (a negative pseudo number it translates per
 * architecture: socketcall, chown32 on x86-64)? */
bool ct_seccomp_syscall_known(const char *name);

/* System call number on this architecture; < 0 when it has none. */
int ct_seccomp_syscall_nr(const char *name);

/* Build the filter and load it into the calling thread. Returns the number
 * of rules added (one per system call name), < 0 on error. */
int ct_seccomp_load(const struct ct_seccomp *sc, vc_err *err);

/* The quick form's default profile (seccomp_default.c): Docker's intent, a
 * deny list of our own. Sets spec->seccomp (allocated in spec's arena). */
int ct_seccomp_default(struct ct_spec *spec, vc_err *err);

#endif
