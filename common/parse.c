#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int unit_shift(const char *suffix, unsigned *shift)
{
	static const char units[] = "KMGTP";
	const char *p;

	if (*suffix == '\0') {
		*shift = 0;
		return 0;
	}
	p = strchr(units, toupper((unsigned char)*suffix));
	if (!p)
		return -1;
	suffix++;
	/* accept K, KB, KiB */
	if (*suffix && strcasecmp(suffix, "B") && strcasecmp(suffix, "iB"))
		return -1;
	*shift = 10u * (unsigned)(p - units + 1);
	return 0;
}

int vc_parse_size(const char *s, uint64_t max, uint64_t *out, const char *what, vc_err *err)
{
	unsigned long long v;
	unsigned shift;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return vc_error(err, 0, "%s '%s': not a size (expected e.g. 64M, 1G)", what,
		                s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || unit_shift(end, &shift) < 0)
		return vc_error(err, 0, "%s '%s': not a size (expected e.g. 64M, 1G)", what, s);
	if (shift && v > (UINT64_MAX >> shift))
		return vc_error(err, 0, "%s '%s': too large", what, s);
	v <<= shift;
	if (v > max)
		return vc_error(err, 0, "%s '%s': too large (at most %llu bytes)", what, s,
		                (unsigned long long)max);
	*out = v;
	return 0;
}

int vc_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out, const char *what,
                  vc_err *err)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return vc_error(err, 0, "%s '%s': not a non-negative integer", what, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return vc_error(err, 0, "%s '%s': not a non-negative integer", what, s);
	if (v < min || v > max)
		return vc_error(err, 0, "%s '%s': out of range (%llu..%llu)", what, s,
		                (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int vc_parse_double(const char *s, double min, double max, double *out, const char *what,
                    vc_err *err)
{
	double v;
	char *end;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return vc_error(err, 0, "%s '%s': not a non-negative number", what, s ? s : "");
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return vc_error(err, 0, "%s '%s': not a non-negative number", what, s);
	if (v < min || v > max)
		return vc_error(err, 0, "%s '%s': out of range (%g..%g)", what, s, min, max);
	*out = v;
	return 0;
}
