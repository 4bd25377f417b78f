#include "job.h"

#define MIB   (1024u * 1024u)
#define PAGE  4096u
#define CHUNK (64u * 1024u) /* hash in 64 KiB chunks: fits any stack/cache */

struct key {
	const char *name;
	uint32_t max;
	size_t offset;
};

static const struct key keys[] = {
    {"sha256", JOB_MAX_SHA256_MIB, offsetof(struct job, sha256_mib)},
    {"touch", JOB_MAX_TOUCH_MIB, offsetof(struct job, touch_mib)},
    {"exit", JOB_MAX_EXIT, offsetof(struct job, exit_code)},
};

size_t job_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t job_fmt_u32(char *out, uint32_t v)
{
	char tmp[10];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

void job_print(const struct job_env *env, const char *s)
{
	env->write(s, job_strlen(s));
}

void job_print_done(const struct job_env *env, uint32_t status)
{
	char line[sizeof(JOB_DONE_PREFIX) + 12];
	size_t n = sizeof(JOB_DONE_PREFIX) - 1, i;

	for (i = 0; i < n; i++)
		line[i] = JOB_DONE_PREFIX[i];
	n += job_fmt_u32(line + n, status);
	line[n++] = '\n';
	env->write(line, n);
}

/* Append src to dst[*pos..len-1], always NUL-terminating. */
static void append(char *dst, size_t len, size_t *pos, const char *src)
{
	while (*src && *pos + 1 < len)
		dst[(*pos)++] = *src++;
	if (len)
		dst[*pos < len ? *pos : len - 1] = '\0';
}

/* Does word start with prefix? (no libc: the bare-metal guest links this) */
static int starts_with(const char *word, const char *prefix)
{
	while (*prefix)
		if (*word++ != *prefix++)
			return 0;
	return 1;
}

static const struct key *find_key(const char *word, const char **value)
{
	size_t i, n;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		n = job_strlen(keys[i].name);
		if (starts_with(word, keys[i].name) && word[n] == '=') {
			*value = word + n + 1;
			return &keys[i];
		}
	}
	return 0;
}

int job_is_key(const char *word)
{
	const char *v;

	return find_key(word, &v) != 0;
}

/* Whole decimal number in [0, max]; -1 for anything else. */
static int64_t parse_u32(const char *s, uint32_t max)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	return (int64_t)v;
}

int job_parse_word(struct job *j, const char *word, char *err, size_t errlen)
{
	const struct key *k;
	const char *value;
	char num[12];
	size_t pos = 0;
	int64_t v;

	k = find_key(word, &value);
	if (!k) {
		append(err, errlen, &pos, "unknown argument '");
		append(err, errlen, &pos, word);
		append(err, errlen, &pos, "' (expected sha256=MIB, touch=MIB, exit=CODE)");
		return -1;
	}
	v = parse_u32(value, k->max);
	if (v < 0) {
		append(err, errlen, &pos, "'");
		append(err, errlen, &pos, word);
		append(err, errlen, &pos, "': expected a whole number from 0 to ");
		num[job_fmt_u32(num, k->max)] = '\0';
		append(err, errlen, &pos, num);
		return -1;
	}
	*(uint32_t *)((char *)j + k->offset) = (uint32_t)v;
	return 0;
}

void job_defaults(struct job *j)
{
	j->sha256_mib = 1;
	j->touch_mib = 0;
	j->exit_code = 0;
}

void job_fill(uint64_t *state, uint8_t *buf, size_t len)
{
	uint64_t s = *state, w;
	size_t i, b;

	for (i = 0; i + 8 <= len; i += 8) {
		s ^= s >> 12;
		s ^= s << 25;
		s ^= s >> 27;
		w = s * 0x2545F4914F6CDD1Dull;
		for (b = 0; b < 8; b++)
			buf[i + b] = (uint8_t)(w >> (8 * b));
	}
	*state = s;
}

static void hash_generated(uint32_t mib, uint8_t digest[SHA256_DIGEST_LEN])
{
	uint8_t chunk[CHUNK];
	uint64_t state = JOB_DATA_SEED;
	struct sha256 ctx;
	uint64_t left = (uint64_t)mib * MIB;

	sha256_init(&ctx);
	while (left) {
		job_fill(&state, chunk, CHUNK);
		sha256_update(&ctx, chunk, CHUNK);
		left -= CHUNK;
	}
	sha256_final(&ctx, digest);
}

int job_run(const struct job *j, const struct job_env *env, uint8_t digest[SHA256_DIGEST_LEN])
{
	size_t bytes = (size_t)j->touch_mib * MIB, off;
	char line[sizeof(JOB_DIGEST_PREFIX) + 66];
	uint8_t *mem = 0;
	size_t n = sizeof(JOB_DIGEST_PREFIX) - 1, i;

	if (bytes) {
		mem = env->alloc(bytes);
		if (!mem) {
			job_print(env, "workload: cannot allocate touch= memory\n");
			return -1;
		}
		/* One write per page makes the kernel (or the VMM) back it. */
		for (off = 0; off < bytes; off += PAGE)
			mem[off] = (uint8_t)off | 1;
	}
	hash_generated(j->sha256_mib, digest);
	for (i = 0; i < n; i++)
		line[i] = JOB_DIGEST_PREFIX[i];
	sha256_hex(digest, line + n);
	n += 64;
	line[n++] = '\n';
	env->write(line, n);
	if (mem && env->free_)
		env->free_(mem, bytes);
	return 0;
}
