/* bench: run the shared workload as a process, in containers and in VMs,
 * and report what each isolation costs. See cli.c for the options and
 * docs/measurement.md for what is measured. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cli_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? BENCH_EXIT_ERROR : BENCH_EXIT_OK;
	}
	if (!strcmp(argv[1], "run"))
		return cli_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "diff"))
		return cli_diff(argc - 1, argv + 1);
	fprintf(stderr, "bench: unknown command '%s' (run, diff; see bench --help)\n", argv[1]);
	return BENCH_EXIT_ERROR;
}
