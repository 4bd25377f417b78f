/* The bare-metal guest's command line: the workload's `key=value` words
 * (sha256=MIB touch=MIB exit=CODE), separated by spaces. */
#ifndef VC_BM_CMDLINE_H
#define VC_BM_CMDLINE_H

#include <stddef.h>

#include "../../workload/job.h"

#define BM_WORD_MAX 64 /* longer than any valid word */

/* Fill j from cmdline (NULL or "" keeps the defaults). Every word must be a
 * job key: the whole line is ours, so a stray word is a mistake to report.
 * On error returns -1 with a one-line reason in err. */
int bm_parse_cmdline(struct job *j, const char *cmdline, char *err, size_t errlen);

#endif
