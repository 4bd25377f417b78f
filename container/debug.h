/* Debug messages ("container: debug: ..." on stderr), off by default.
 * Turned on by ct_debug_enable (the global --debug option) or by the
 * environment variable VCLAB_DEBUG=1. */
#ifndef CT_DEBUG_H
#define CT_DEBUG_H

#include <stdbool.h>

void ct_debug_enable(bool on);
bool ct_debug_enabled(void);

__attribute__((format(printf, 1, 2))) void ct_debug(const char *fmt, ...);

#endif
