#include "dockerignore.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void di_free(struct dockerignore *di)
{
	if (!di)
		return;
	for (size_t i = 0; i < di->n; i++)
		free(di->pat[i]);
	free(di->pat);
	free(di->negate);
	memset(di, 0, sizeof(*di));
}

/* Clean a '/'-separated path in place, as Go's path.Clean would, without
 * a leading '/': "./a//b/../c/" -> "a/c"; "" or "." -> ".". */
static void clean(char *p)
{
	char *parts[512];
	size_t n = 0;
	char *save = NULL, *tok, *copy = strdup(p);

	if (!copy)
		return;
	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			if (n)
				n--;
			continue;
		}
		if (n < sizeof(parts) / sizeof(parts[0]))
			parts[n++] = tok;
	}
	p[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(p, "/");
		strcat(p, parts[i]);
	}
	if (!p[0])
		strcpy(p, ".");
	free(copy);
}

int di_parse(const char *text, size_t len, struct dockerignore *di, vc_err *err)
{
	memset(di, 0, sizeof(*di));
	for (size_t start = 0; start < len;) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *s = text + start;
		size_t l = end - start;
		start = end + 1;

		while (l && isspace((unsigned char)*s)) {
			s++;
			l--;
		}
		while (l && isspace((unsigned char)s[l - 1]))
			l--;
		if (!l || s[0] == '#')
			continue;
		bool neg = false;
		if (s[0] == '!') {
			neg = true;
			s++;
			l--;
			while (l && isspace((unsigned char)*s)) {
				s++;
				l--;
			}
		}
		char *p = malloc(l + 2); /* room for "." */
		if (p) {
			memcpy(p, s, l);
			p[l] = '\0';
		}
		char **np = realloc(di->pat, (di->n + 1) * sizeof(*np));
		if (np)
			di->pat = np;
		bool *nn = realloc(di->negate, (di->n + 1) * sizeof(*nn));
		if (nn)
			di->negate = nn;
		if (!p || !np || !nn) {
			free(p);
			di_free(di);
			return vc_error(err, ENOMEM, ".dockerignore");
		}
		clean(p);
		di->pat[di->n] = p;
		di->negate[di->n] = neg;
		di->has_negation |= neg;
		di->n++;
	}
	return 0;
}

int di_load(const char *dir, struct dockerignore *di, vc_err *err)
{
	char path[4096], *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, rc;

	memset(di, 0, sizeof(*di));
	snprintf(path, sizeof(path), "%s/.dockerignore", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return vc_error(err, errno, "%s", path);
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb = realloc(buf, cap + 65536);
			if (!nb) {
				close(fd);
				free(buf);
				return vc_error(err, ENOMEM, "%s", path);
			}
			buf = nb;
			cap += 65536;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			int e = errno;
			close(fd);
			free(buf);
			return vc_error(err, e, "reading %s", path);
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	close(fd);
	rc = di_parse(buf ? buf : "", len, di, err);
	free(buf);
	return rc;
}

/* Match '/'-separated parts of a pattern against parts of a path. */
static bool match_parts(char **pp, size_t np, char **sp, size_t ns)
{
	if (!np)
		return !ns;
	if (!strcmp(pp[0], "**")) {
		for (size_t k = 0; k <= ns; k++)
			if (match_parts(pp + 1, np - 1, sp + k, ns - k))
				return true;
		return false;
	}
	if (!ns)
		return false;
	if (fnmatch(pp[0], sp[0], 0) != 0)
		return false;
	return match_parts(pp + 1, np - 1, sp + 1, ns - 1);
}

static size_t split(char *s, char **parts, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, "/", &save); t && n < max; t = strtok_r(NULL, "/", &save))
		parts[n++] = t;
	return n;
}

/* Does pattern match path or one of its parents? */
static bool matches(const char *pattern, const char *path)
{
	char pb[4096], sb[4096], *pp[256], *sp[256];
	size_t np, ns;

	if (snprintf(pb, sizeof(pb), "%s", pattern) >= (int)sizeof(pb) ||
	    snprintf(sb, sizeof(sb), "%s", path) >= (int)sizeof(sb))
		return false;
	np = split(pb, pp, 256);
	ns = split(sb, sp, 256);
	for (size_t k = 1; k <= ns; k++)
		if (match_parts(pp, np, sp, k))
			return true;
	return false;
}

bool di_excluded(const struct dockerignore *di, const char *relpath)
{
	bool excluded = false;

	for (size_t i = 0; i < di->n; i++)
		if (matches(di->pat[i], relpath))
			excluded = !di->negate[i];
	return excluded;
}
