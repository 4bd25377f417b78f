#include "error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CUT_MARK " [...] "

/* Put src (n bytes) into msg. Too long, it loses its middle, not its end:
 * messages name the input first and give the reason last, and a path
 * longer than the whole message must not push the reason out. */
static void fit(char *msg, size_t size, const char *src, size_t n)
{
	size_t mark = strlen(CUT_MARK), head = size / 3, tail;

	if (n < size) {
		memcpy(msg, src, n + 1);
		return;
	}
	tail = size - 1 - head - mark;
	memcpy(msg, src, head);
	memcpy(msg + head, CUT_MARK, mark);
	memcpy(msg + head + mark, src + n - tail, tail);
	msg[size - 1] = '\0';
}

/* Copy src to dst (room for 4 * n + 1 bytes) with every control character
 * written as an escape: an error is one line whatever the input it quotes
 * (a JSON parser's "near '...'" may hold a newline). Returns the length. */
static size_t escape_controls(char *dst, const char *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '\n' || c == '\t' || c == '\r') {
			dst[o++] = '\\';
			dst[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)sprintf(dst + o, "\\x%02x", c);
		} else {
			dst[o++] = (char)c;
		}
	}
	dst[o] = '\0';
	return o;
}

static bool has_controls(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* vsnprintf into msg: control characters escaped, the middle of what does
 * not fit cut. */
static void format_fit(char *msg, size_t size, const char *prefix, const char *fmt, va_list ap)
{
	size_t plen = prefix ? strlen(prefix) : 0, len;
	char *big, *clean;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(msg, size, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if (plen == 0 && (size_t)n < size && !has_controls(msg, (size_t)n))
		return;
	big = malloc((size_t)n + plen + 1);
	clean = malloc(4 * ((size_t)n + plen) + 1);
	if (!big || !clean) {
		free(big);
		free(clean);
		escape_controls(msg, "", 0);
		return;
	}
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	if (prefix)
		memcpy(big + n, prefix, plen + 1);
	len = escape_controls(clean, big, (size_t)n + plen);
	fit(msg, size, clean, len);
	free(big);
	free(clean);
}

int vc_error(vc_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->errnum = errnum;
	va_start(ap, fmt);
	format_fit(err->msg, sizeof(err->msg), NULL, fmt, ap);
	va_end(ap);
	return -1;
}

int vc_error_wrap(vc_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg) + 2];
	va_list ap;

	if (!err)
		return -1;
	/* "context: old message", cut in the middle if too long */
	snprintf(old, sizeof(old), ": %s", err->msg);
	va_start(ap, fmt);
	format_fit(err->msg, sizeof(err->msg), old, fmt, ap);
	va_end(ap);
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
