/* libFuzzer: bench JSON -> report_json_read, then `bench diff` of the
 * input against itself and against a second document (the input is split
 * at its first NUL byte), and the markdown and SVG reports of what was
 * read. Properties: no crash, no leak; a document diffed against itself
 * shows no regression. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "diff.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd[2] = {-1, -1};
static char path[2][64];
static FILE *devnull;
static struct bench_result a, b;
static struct diff d;

static void setup(void)
{
	for (int i = 0; i < 2; i++) {
		fd[i] = memfd_create("fuzz-bench", MFD_CLOEXEC);
		if (fd[i] < 0)
			abort();
		snprintf(path[i], sizeof(path[i]), "/proc/self/fd/%d", fd[i]);
	}
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
}

static void put(int i, const uint8_t *p, size_t n)
{
	if (ftruncate(fd[i], 0) < 0 || pwrite(fd[i], p, n, 0) != (ssize_t)n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t first = nul ? (size_t)(nul - data) : size;
	vc_err err;

	if (fd[0] < 0)
		setup();
	put(0, data, first);
	put(1, nul ? nul + 1 : data, nul ? size - first - 1 : size);
	if (report_json_read(path[0], &a, &err) < 0)
		return 0;
	report_md_print(&a, devnull);
	report_svg_print(&a, devnull);
	diff_compute(&a, &a, 10, &d);
	if (d.regressions)
		abort(); /* a result is no regression of itself */
	if (report_json_read(path[1], &b, &err) == 0) {
		diff_compute(&a, &b, 10, &d);
		diff_context_note(&a, &b, devnull);
		diff_print(&d, 10, devnull);
		bench_result_free(&b);
	}
	bench_result_free(&a);
	return 0;
}
