/* Error objects, in the style of crun: every fallible function returns < 0
 * and fills a vc_err that carries errno and a one-line message; callers just
 * propagate it up to main(), which prints it once. */
#ifndef VC_ERROR_H
#define VC_ERROR_H

#include <stddef.h>

typedef struct vc_err {
	int errnum;    /* errno at the failure, 0 if not a system error */
	char msg[512]; /* human message naming the input and the reason */
} vc_err;

/* Fill *err and return -1. errnum may be 0 (no strerror appended). */
int vc_error(vc_err *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context: "context: old message". */
int vc_error_wrap(vc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "prog: message[: strerror]" on one line to stderr. */
void vc_error_print(const char *prog, const vc_err *err);

/* Format the full message (with strerror) into buf. */
const char *vc_error_str(const vc_err *err, char *buf, size_t len);

#endif
