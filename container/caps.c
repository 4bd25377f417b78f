#include "caps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "spec.h"

int caps_from_name(const char *name)
{
	cap_value_t v;

	/* libcap also accepts numbers and lower case; OCI wants CAP_ names. */
	if (strncmp(name, "CAP_", 4) || cap_from_name(name, &v) < 0 || v < 0 || v > 63)
		return -1;
	return (int)v;
}

const char *caps_describe(uint64_t set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int cap = 0; cap < 64 && used < len; cap++) {
		char *name;

		if (!(set & (1ull << cap)))
			continue;
		name = cap_to_name((cap_value_t)cap);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
		                         name ? name : "?");
		cap_free(name);
	}
	if (!used)
		snprintf(buf, len, "none");
	return buf;
}

int caps_drop_bounding(uint64_t bounding, vc_err *err)
{
	int last = (int)cap_max_bits();

	for (int cap = 0; cap < last && cap < 64; cap++) {
		if (bounding & (1ull << cap))
			continue;
		if (cap_drop_bound((cap_value_t)cap) < 0 && errno != EINVAL)
			return vc_error(err, errno, "dropping capability %d from the bounding set",
			                cap);
	}
	return 0;
}

static int fill_flag(cap_t caps, cap_flag_t flag, uint64_t set)
{
	int last = (int)cap_max_bits();

	for (int cap = 0; cap < last && cap < 64; cap++) {
		cap_value_t v = (cap_value_t)cap;

		if ((set & (1ull << cap)) && cap_set_flag(caps, flag, 1, &v, CAP_SET) < 0)
			return -1;
	}
	return 0;
}

int caps_set(const uint64_t sets[5], vc_err *err)
{
	cap_t caps = cap_init();
	int skipped = 0, last = (int)cap_max_bits();

	if (!caps)
		return vc_error(err, errno, "cap_init");
	if (fill_flag(caps, CAP_EFFECTIVE, sets[CT_CAP_EFFECTIVE]) < 0 ||
	    fill_flag(caps, CAP_PERMITTED, sets[CT_CAP_PERMITTED]) < 0 ||
	    fill_flag(caps, CAP_INHERITABLE, sets[CT_CAP_INHERITABLE]) < 0 ||
	    cap_set_proc(caps) < 0) {
		int e = errno;

		cap_free(caps);
		return vc_error(err, e,
		                "process.capabilities: setting the effective, permitted and "
		                "inheritable sets");
	}
	cap_free(caps);
	/* one prctl (libcap's cap_reset_ambient asks about each capability
	 * first); EINVAL: a kernel without ambient capabilities */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return vc_error(err, errno, "clearing the ambient capabilities");
	for (int cap = 0; cap < last && cap < 64; cap++) {
		uint64_t bit = 1ull << cap;

		if (!(sets[CT_CAP_AMBIENT] & bit))
			continue;
		if (!(sets[CT_CAP_PERMITTED] & bit) || !(sets[CT_CAP_INHERITABLE] & bit)) {
			skipped++;
			continue;
		}
		if (cap_set_ambient((cap_value_t)cap, CAP_SET) < 0)
			return vc_error(err, errno, "raising ambient capability %d", cap);
	}
	return skipped;
}
