/* Image references: see ref.h. */
#include "ref.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

bool img_digest_valid(const char *s)
{
	if (strncmp(s, "sha256:", 7))
		return false;
	s += 7;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

/* One path component of a name: [a-z0-9]+ with '.', '_', '__' or '-'s
 * between runs of [a-z0-9]. */
static bool component_ok(const char *s, size_t len)
{
	size_t i = 0;

	if (!len)
		return false;
	while (i < len) {
		size_t run = 0;

		while (i < len && (islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
			i++, run++;
		if (!run)
			return false;
		if (i == len)
			return true;
		if (s[i] == '.' || (s[i] == '_' && s[i + 1] != '_'))
			i++;
		else if (s[i] == '_' && i + 1 < len && s[i + 1] == '_')
			i += 2;
		else if (s[i] == '-')
			while (i < len && s[i] == '-')
				i++;
		else
			return false;
		if (i == len)
			return false;
	}
	return true;
}

static bool host_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-:[]", s[i]))
			return false;
	return len > 0;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (!n || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("_.-", t[i]))
			return false;
	return true;
}

int img_ref_parse(const char *s, struct img_ref *r, vc_err *err)
{
	char buf[IMG_REF_MAX];
	char *at, *path, *slash, *colon;

	memset(r, 0, sizeof(*r));
	if (!*s)
		return vc_error(err, 0, "image reference '': empty");
	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return vc_error(err, 0, "image reference '%.40s...': too long", s);
	at = strchr(buf, '@');
	if (at) {
		*at++ = '\0';
		if (!img_digest_valid(at))
			return vc_error(err, 0,
			                "image reference '%s': bad digest '%s' (expected sha256: "
			                "and 64 lower-case hex digits)",
			                s, at);
		snprintf(r->digest, sizeof(r->digest), "%s", at);
	}
	path = buf;
	slash = strchr(buf, '/');
	if (slash &&
	    (memchr(buf, '.', (size_t)(slash - buf)) || memchr(buf, ':', (size_t)(slash - buf)) ||
	     (slash - buf == 9 && !strncmp(buf, "localhost", 9)))) {
		if ((size_t)(slash - buf) >= sizeof(r->registry))
			return vc_error(err, 0,
			                "image reference '%.40s...': registry host too long", s);
		if (!host_ok(buf, (size_t)(slash - buf)))
			return vc_error(err, 0, "image reference '%s': bad registry host '%.*s'", s,
			                (int)(slash - buf), buf);
		snprintf(r->registry, sizeof(r->registry), "%.*s", (int)(slash - buf), buf);
		path = slash + 1;
	}
	colon = strrchr(path, ':');
	if (colon && !strchr(colon, '/')) {
		*colon++ = '\0';
		if (!tag_ok(colon))
			return vc_error(
			    err, 0,
			    "image reference '%s': bad tag '%s' (letters, digits, _ . -; "
			    "at most 128)",
			    s, colon);
		snprintf(r->tag, sizeof(r->tag), "%s", colon);
	} else if (!r->digest[0]) {
		snprintf(r->tag, sizeof(r->tag), "latest");
	}
	for (char *c = path;;) {
		char *end = strchr(c, '/');
		size_t len = end ? (size_t)(end - c) : strlen(c);

		if (!component_ok(c, len))
			return vc_error(err, 0,
			                "image reference '%s': bad name '%s' (lower-case letters, "
			                "digits, separators . _ - and /)",
			                s, path);
		if (!end)
			break;
		c = end + 1;
	}
	if (strlen(path) >= sizeof(r->repo))
		return vc_error(err, 0, "image reference '%s': name too long", s);
	snprintf(r->repo, sizeof(r->repo), "%.255s", path);
	snprintf(r->name, sizeof(r->name), "%s%s%s", r->registry, r->registry[0] ? "/" : "",
	         r->repo);
	if ((size_t)snprintf(r->full, sizeof(r->full), "%s%s%s%s%s", r->name, r->tag[0] ? ":" : "",
	                     r->tag, r->digest[0] ? "@" : "", r->digest) >= sizeof(r->full))
		return vc_error(err, 0, "image reference '%s': too long", s);
	return 0;
}
