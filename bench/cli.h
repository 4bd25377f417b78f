/* The command line: `bench run`, `bench diff`, `bench --help`. */
#ifndef BENCH_CLI_H
#define BENCH_CLI_H

#include <stdio.h>

#define BENCH_EXIT_OK         0
#define BENCH_EXIT_REGRESSION 1 /* bench diff found a regression */
#define BENCH_EXIT_ERROR      2 /* bad input or a failure to measure */

void cli_usage(FILE *f);
int cli_run(int argc, char **argv);
int cli_diff(int argc, char **argv);

#endif
