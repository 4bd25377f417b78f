/* The workload's job: what it computes, parsed from `key=value` words.
 * Freestanding (no libc): the process, the container, the Linux guest's
 * /init and the bare-metal guest all run exactly this code. */
#ifndef VC_JOB_H
#define VC_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define JOB_MAX_SHA256_MIB 4096u /* 4 GiB of hashing is plenty for a benchmark */
#define JOB_MAX_TOUCH_MIB  65536u
#define JOB_MAX_EXIT       255u

/* Markers on stdout, in this order (docs/contracts.md). */
#define JOB_READY_LINE    "VCLAB-READY\n"
#define JOB_DONE_PREFIX   "VCLAB-DONE status="
#define JOB_DIGEST_PREFIX "sha256="

struct job {
	uint32_t sha256_mib; /* MiB of generated data to hash */
	uint32_t touch_mib;  /* MiB to allocate and touch, held until done */
	uint32_t exit_code;  /* the status to end with */
};

/* What the job needs from its surroundings. */
struct job_env {
	void (*write)(const char *s, size_t n);
	/* Zeroed memory, or NULL. free_ may be NULL where nothing is freed. */
	void *(*alloc)(size_t bytes);
	void (*free_)(void *p, size_t bytes);
};

void job_defaults(struct job *j);

/* Parse one `key=value` word. On error returns -1 and writes a one-line
 * reason naming the word into err (NUL-terminated, no newline). */
int job_parse_word(struct job *j, const char *word, char *err, size_t errlen);

/* Is this word one of the job's keys (sha256=, touch=, exit=)? */
int job_is_key(const char *word);

/* Run the job: hash, touch, print the digest line. Returns 0 or -1 when
 * memory could not be had (a message was written). */
int job_run(const struct job *j, const struct job_env *env, uint8_t digest[SHA256_DIGEST_LEN]);

/* The deterministic data the job hashes: a xorshift64* stream, 8 bytes a
 * step, little-endian, from a fixed seed. Fills len bytes (a multiple of 8)
 * and advances *state. Exposed so tests can recompute the digest. */
#define JOB_DATA_SEED 0x9E3779B97F4A7C15ull
void job_fill(uint64_t *state, uint8_t *buf, size_t len);

/* Small freestanding helpers shared with the workload's main. */
size_t job_strlen(const char *s);
size_t job_fmt_u32(char *out, uint32_t v); /* decimal, no NUL; returns length */
void job_print(const struct job_env *env, const char *s);
void job_print_done(const struct job_env *env, uint32_t status);

#endif
