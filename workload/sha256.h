/* SHA-256 (FIPS 180-4), freestanding: no libc, so the same code runs in the
 * static workload, in the bare-metal guest and in the host's unit tests. */
#ifndef VC_SHA256_H
#define VC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;  /* message length so far */
	uint8_t buf[64]; /* partial block */
	size_t used;     /* bytes in buf */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, uint8_t out[SHA256_DIGEST_LEN]);

/* Lower-case hex of the digest into out (65 bytes with the NUL). */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char out[65]);

#endif
