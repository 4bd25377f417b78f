/* The bare-metal guest's command line: the workload's `key=value` words
 * (sha256=MIB touch=MIB exit=CODE), separated by spaces, plus one word of
 * its own for tests: fault=KIND. */
#ifndef VC_BM_CMDLINE_H
#define VC_BM_CMDLINE_H

#include <stddef.h>

#include "../../workload/job.h"

#define BM_WORD_MAX 64 /* longer than any valid word */

/* fault=KIND: after VCLAB-READY the job (in ring 3) deliberately does
 * something only ring 0 may do, so tests can see the fault handler end the
 * VM: hlt (a privileged instruction: #GP), read (a load from the first
 * address past the 1 GiB identity map: #PF), ud2 (an invalid opcode: #UD). */
enum bm_fault { BM_FAULT_NONE, BM_FAULT_HLT, BM_FAULT_READ, BM_FAULT_UD2 };

/* Fill j and *fault from cmdline (NULL or "" keeps the defaults: no
 * fault). Every word must be a job key or fault=: the whole line is ours,
 * so a stray word is a mistake to report. On error returns -1 with a
 * one-line reason in err. */
int bm_parse_cmdline(struct job *j, enum bm_fault *fault, const char *cmdline, char *err,
                     size_t errlen);

#endif
