/* What the results were measured on: recorded in every result file so two
 * files are only compared knowingly. */
#ifndef BENCH_HOST_H
#define BENCH_HOST_H

#include "bench.h"
#include "measure.h"

/* Whether /dev/kvm opens read-write and is hardware KVM (Linux guests
 * run); detail says why not. *pvm tells whether it opens and is kvm-pvm
 * (only vclab's bare-metal guest runs there). */
bool kvm_usable(char *detail, size_t len, bool *pvm);

/* First line of `CMD --version`, or "not installed". */
void tool_version(const char *cmd, char *out, size_t len);

/* Fill h; repo is the vclab checkout (for the git revision). */
void host_collect(struct host_info *h, const char *repo, enum cg_mode mode);

#endif
