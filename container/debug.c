#include "debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -1: not decided yet (look at VCLAB_DEBUG on first use) */
static int debug_on = -1;

void ct_debug_enable(bool on)
{
	debug_on = on;
}

bool ct_debug_enabled(void)
{
	if (debug_on < 0) {
		const char *v = getenv("VCLAB_DEBUG");

		debug_on = v && *v && strcmp(v, "0") != 0;
	}
	return debug_on;
}

void ct_debug(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!ct_debug_enabled())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* one write: lines of concurrent processes do not interleave */
	fprintf(stderr, "container: debug: %s\n", line);
}
