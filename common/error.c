#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vc_error(vc_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int vc_error_wrap(vc_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t n;
	va_list ap;

	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	/* the message is cut, never overflowed, when it grows too long */
	if (n + 2 < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %.*s",
		         (int)(sizeof(err->msg) - n - 3), old);
	return -1;
}

const char *vc_error_str(const vc_err *err, char *buf, size_t len)
{
	if (err->errnum)
		snprintf(buf, len, "%s: %s", err->msg, strerror(err->errnum));
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}

void vc_error_print(const char *prog, const vc_err *err)
{
	char buf[sizeof(err->msg) + 128];

	fprintf(stderr, "%s: %s\n", prog, vc_error_str(err, buf, sizeof(buf)));
}
