/* runc's global options, its log file and the systemd cgroup path
 * (runtime.h). */
#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct rt_globals rt_globals;
static int log_fd = -1;

int rt_open_log(vc_err *err)
{
	if (!rt_globals.log || log_fd >= 0)
		return 0;
	log_fd = open(rt_globals.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		return vc_error(err, errno, "--log %s", rt_globals.log);
	}
	return 0;
}

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value, and *i moved
 * past it; NULL when argv[*i] is not this option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, vc_err *err,
                             bool *bad)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*bad = true;
		vc_error(err, 0, "%s: expected a value (see container --help)", name);
		return NULL;
	}
	return argv[++*i];
}

int rt_parse_globals(int argc, char **argv, struct rt_globals *g, vc_err *err)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
		const char *a = argv[i], *v;
		bool bad = false;

		if (!strcmp(a, "--debug")) {
			g->debug = true;
		} else if (!strcmp(a, "--systemd-cgroup")) {
			g->systemd_cgroup = true;
		} else if ((v = opt_value(argc, argv, &i, "--root", err, &bad))) {
			if (!*v || strlen(v) > 200)
				return vc_error(err, 0,
				                "--root '%s': expected a directory of 1 to 200 "
				                "characters",
				                v);
			g->root = v;
		} else if ((v = opt_value(argc, argv, &i, "--log", err, &bad))) {
			if (!*v)
				return vc_error(err, 0, "--log: empty file name");
			g->log = v;
		} else if ((v = opt_value(argc, argv, &i, "--log-format", err, &bad))) {
			if (strcmp(v, "json") && strcmp(v, "text"))
				return vc_error(err, 0, "--log-format '%s': expected text or json",
				                v);
			g->log_json = !strcmp(v, "json");
		} else if (bad) {
			return -1;
		} else {
			break; /* --help, --version, or a command's own option */
		}
		if (bad)
			return -1;
	}
	return i;
}

int rt_format_log_line(char *buf, size_t len, bool json, const char *level, const char *msg,
                       time_t when)
{
	char ts[32];
	struct tm tm;
	int n;

	if (!gmtime_r(&when, &tm) || !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	if (json) {
		/* keys in logrus's order; jansson escapes msg */
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", ts);
		size_t need;

		if (!o)
			return -1;
		need = json_dumpb(o, buf, len, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (need == 0 || need + 2 > len)
			return -1;
		buf[need] = '\n';
		buf[need + 1] = '\0';
		return (int)need + 1;
	}
	n = snprintf(buf, len, "time=\"%s\" level=%s msg=\"", ts, level);
	if (n < 0 || (size_t)n >= len)
		return -1;
	for (const char *p = msg; *p; p++) {
		if ((size_t)n + 4 >= len)
			return -1;
		if (*p == '"' || *p == '\\')
			buf[n++] = '\\';
		buf[n++] = *p == '\n' ? ' ' : *p;
	}
	buf[n++] = '"';
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

static void log_append(const char *level, const char *msg)
{
	char line[2048];
	int n;

	if (log_fd < 0)
		return;
	n = rt_format_log_line(line, sizeof(line), rt_globals.log_json, level, msg, time(NULL));
	/* one write: concurrent writers' lines stay whole (O_APPEND) */
	if (n > 0 && write(log_fd, line, (size_t)n) != n)
		fprintf(stderr, "container: --log %s: %s\n", rt_globals.log, strerror(errno));
}

void rt_report_msg(const char *msg)
{
	fprintf(stderr, "container: %s\n", msg);
	log_append("error", msg);
}

void rt_report(const vc_err *err)
{
	char buf[sizeof(err->msg) + 128];

	rt_report_msg(vc_error_str(err, buf, sizeof(buf)));
}

void rt_warn(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fd >= 0)
		log_append("warning", msg);
	else
		fprintf(stderr, "container: warning: %s\n", msg);
}

void rt_warn_unknown(unsigned n, const char *list, const char *what)
{
	if (n)
		rt_warn("ignoring %u unknown or unsupported field%s of %s: %s%s", n,
		        n > 1 ? "s" : "", what, list, n > 6 ? ", ..." : "");
}

void rt_debug(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!rt_globals.debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_fd >= 0)
		log_append("debug", msg);
	else
		fprintf(stderr, "container: debug: %s\n", msg);
}

/* runc's ExpandSlice: "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice",
 * "-.slice" -> "" (the root). Appends to out at *pos. */
static int expand_slice(const char *slice, char *out, size_t len, size_t *pos, vc_err *err)
{
	size_t n = strlen(slice), sl = strlen(".slice");
	const char *end;

	if (n <= sl || strcmp(slice + n - sl, ".slice") != 0 || strchr(slice, '/'))
		return vc_error(err, 0, "slice '%s': expected NAME.slice without '/'", slice);
	end = slice + n - sl;
	if (end - slice == 1 && slice[0] == '-')
		return 0;
	for (const char *p = slice; p < end;) {
		const char *dash = memchr(p, '-', (size_t)(end - p));
		const char *stop = dash ? dash : end;
		int w;

		if (stop == p)
			return vc_error(err, 0, "slice '%s': empty component", slice);
		w = snprintf(out + *pos, len - *pos, "%s%.*s.slice", *pos ? "/" : "",
		             (int)(stop - slice), slice);
		if (w < 0 || (size_t)w >= len - *pos)
			return vc_error(err, ENAMETOOLONG, "slice '%s'", slice);
		*pos += (size_t)w;
		p = stop + (dash ? 1 : 0);
	}
	return 0;
}

int rt_systemd_cgroup_path(const char *cgroups_path, char *out, size_t len, vc_err *err)
{
	const char *c1 = strchr(cgroups_path, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char slice[256], prefix[256];
	const char *name;
	size_t pos = 0;
	int w;

	if (!c1 || !c2 || strchr(c2 + 1, ':'))
		return vc_error(
		    err, 0, "cgroupsPath '%s': with --systemd-cgroup expected slice:prefix:name",
		    cgroups_path);
	name = c2 + 1;
	if ((size_t)(c1 - cgroups_path) >= sizeof(slice) || (size_t)(c2 - c1 - 1) >= sizeof(prefix))
		return vc_error(err, ENAMETOOLONG, "cgroupsPath '%s'", cgroups_path);
	snprintf(slice, sizeof(slice), "%.*s", (int)(c1 - cgroups_path), cgroups_path);
	snprintf(prefix, sizeof(prefix), "%.*s", (int)(c2 - c1 - 1), c1 + 1);
	if (!*name || strchr(name, '/'))
		return vc_error(err, 0, "cgroupsPath '%s': the name must be non-empty, without '/'",
		                cgroups_path);
	if (len)
		out[0] = '\0';
	if (expand_slice(*slice ? slice : "system.slice", out, len, &pos, err) < 0)
		return vc_error_wrap(err, "cgroupsPath '%s'", cgroups_path);
	if (strlen(name) > 6 && !strcmp(name + strlen(name) - 6, ".slice"))
		w = snprintf(out + pos, len - pos, "%s%s", pos ? "/" : "", name);
	else
		w = snprintf(out + pos, len - pos, "%s%s%s%s.scope", pos ? "/" : "", prefix,
		             *prefix ? "-" : "", name);
	if (w < 0 || (size_t)w >= len - pos)
		return vc_error(err, ENAMETOOLONG, "cgroupsPath '%s'", cgroups_path);
	return 0;
}

int rt_cgroups_path(const char *cgroups_path, char *out, size_t len, vc_err *err)
{
	if (rt_globals.systemd_cgroup && strchr(cgroups_path, ':')) {
		if (rt_systemd_cgroup_path(cgroups_path, out, len, err) < 0)
			return -1;
		rt_debug("--systemd-cgroup: cgroupsPath %s is the cgroupfs path /%s (no systemd "
		         "unit is made)",
		         cgroups_path, out);
		return 0;
	}
	if ((size_t)snprintf(out, len, "%s", cgroups_path) >= len)
		return vc_error(err, ENAMETOOLONG, "cgroupsPath '%s'", cgroups_path);
	return 0;
}
