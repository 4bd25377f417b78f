/* Parsing of numbers and sizes given on command lines, with errors that
 * name the offending input. */
#ifndef VC_PARSE_H
#define VC_PARSE_H

#include <stdint.h>

#include "error.h"

/* "4096", "64K", "512M", "2G", "1T" (binary units, optional trailing "iB"
 * or "B"). Rejects negatives, garbage and values over max. what names the
 * input in error messages, e.g. "--mem". */
int vc_parse_size(const char *s, uint64_t max, uint64_t *out, const char *what, vc_err *err);

/* Plain unsigned decimal integer in [min, max]. */
int vc_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what,
                  vc_err *err);

/* Non-negative decimal number such as "1.5" in [min, max]. */
int vc_parse_double(const char *s, double min, double max, double *out, const char *what,
                    vc_err *err);

#endif
