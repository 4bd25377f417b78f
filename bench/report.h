/* Writers of the results (JSON for machines and `bench diff`, Markdown for
 * people and the terminal, SVG for a glance) and the JSON reader. */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>

#include "bench.h"
#include "error.h"

int report_json_write(const struct bench_result *res, const char *path, vc_err *err);

/* Read a file written by report_json_write (stats are recomputed from the
 * samples). On failure res is left empty. */
int report_json_read(const char *path, struct bench_result *res, vc_err *err);

/* The Markdown report: host, the main table, notes, launcher phases, scale. */
void report_md_print(const struct bench_result *res, FILE *f);
int report_md_write(const struct bench_result *res, const char *path, vc_err *err);

/* One panel per metric, bars = median, whiskers = min..p95. */
void report_svg_print(const struct bench_result *res, FILE *f);
int report_svg_write(const struct bench_result *res, const char *path, vc_err *err);

/* Human-readable number helpers shared by the writers. */
void fmt_ms(double ms, char *out, size_t len);
void fmt_kib(double kib, char *out, size_t len);
void fmt_bytes(double bytes, char *out, size_t len);

/* Write through a temporary file and rename, so a reader never sees half a
 * report. print writes the content. */
int report_write_file(const char *path, void (*print)(const struct bench_result *, FILE *),
                      const struct bench_result *res, vc_err *err);

#endif
