/* Progress of a pull or push, the way Docker shows it: on a terminal one
 * line per blob ("4f4fb700ef54: Downloading  1.2MB/3.4MB") redrawn in
 * place; otherwise one line per blob when it is done, and the caller's
 * summary line at the end. */
#ifndef IMAGES_PROGRESS_H
#define IMAGES_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress_line {
	char id[13];    /* the first 12 hex digits of the digest */
	char state[40]; /* "Waiting", "Downloading", "Pull complete", ... */
	uint64_t done, total;
};

struct progress {
	FILE *out;
	bool tty;
	struct progress_line *lines;
	size_t n;
	double last_draw;
	double start;
};

/* tty: -1 asks isatty(out), 0 / 1 forces it (tests) */
void progress_init(struct progress *p, FILE *out, int tty);
void progress_free(struct progress *p);
/* A new line for a blob; returns its index (or -1 when out of memory:
 * then the other calls ignore it). */
int progress_add(struct progress *p, const char *digest, uint64_t total, const char *state);
/* bytes done (redrawn at most every 100 ms on a terminal) */
void progress_update(struct progress *p, int i, const char *state, uint64_t done);
/* the blob's final state: redrawn on a terminal, printed otherwise */
void progress_done(struct progress *p, int i, const char *state);
/* seconds since progress_init */
double progress_elapsed(const struct progress *p);

/* "1.23MB", "512B" (decimal units, as Docker writes them) */
const char *progress_size(uint64_t n, char *buf, size_t len);

#endif
