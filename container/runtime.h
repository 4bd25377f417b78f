/* runc's global command line, which container engines speak:
 *
 *   container [--root DIR] [--log FILE] [--log-format text|json] [--debug]
 *             [--systemd-cgroup] COMMAND ...
 *
 * --root moves the state directory (statedir_root); --log appends every
 * error (and with --debug, debug lines) to FILE, one line each, as runc
 * does: containerd's shim reads the last "error" line of that file when the
 * runtime fails. Parsing is a few string compares: `container run` without
 * global options pays nothing. */
#ifndef CT_RUNTIME_H
#define CT_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

struct rt_globals {
	const char *root;    /* --root DIR, NULL: LC_STATE_ROOT */
	const char *log;     /* --log FILE, NULL: errors on stderr only */
	bool log_json;       /* --log-format json (default text) */
	bool debug;          /* --debug */
	bool systemd_cgroup; /* --systemd-cgroup */
};

/* The options of this invocation (main.c fills it once). */
extern struct rt_globals rt_globals;

/* Parse the global options at argv[1...]: returns the index of the command
 * (argc when there is none), or -1 with err naming the bad option. Accepts
 * "--opt VALUE" and "--opt=VALUE"; stops at the first word that is not a
 * global option. */
int rt_parse_globals(int argc, char **argv, struct rt_globals *g, vc_err *err);

/* Open --log FILE (append, created if missing) once, before the command
 * runs, as runc does: a log that cannot be written is an error of its own. */
int rt_open_log(vc_err *err);

/* One log line as runc writes it into buf: json
 *   {"level":"error","msg":"...","time":"2026-11-30T13:59:01Z"}
 * or text
 *   time="2026-11-30T13:59:01Z" level=error msg="..."
 * ending in '\n'. Returns its length, or -1 when it does not fit. */
int rt_format_log_line(char *buf, size_t len, bool json, const char *level, const char *msg,
                       time_t when);

/* Print "container: MESSAGE" on stderr and append it to --log FILE. */
void rt_report(const vc_err *err);

/* Same for a message without an error object. */
void rt_report_msg(const char *msg);

/* A warning: to --log FILE when given (as runc: an engine shows the
 * container's stderr to its user, not ours), else "container: warning:
 * ..." on stderr. */
void rt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The one warning about the n fields of what that are not applied (list:
 * spec.c's `unknown`, the first few names); nothing when n is 0. */
void rt_warn_unknown(unsigned n, const char *list, const char *what);

/* With --debug: a debug line to --log FILE (or stderr without one). */
void rt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --systemd-cgroup: runc's "slice:prefix:name" cgroupsPath, as the
 * cgroupfs path systemd would use, relative to the cgroup root:
 *   "machine.slice:libpod:abc"   -> "machine.slice/libpod-abc.scope"
 *   "system.slice:docker:abc"    -> "system.slice/docker-abc.scope"
 *   "a-b.slice:p:n"              -> "a.slice/a-b.slice/p-n.scope"
 *   ":p:n"                       -> "system.slice/p-n.scope" (runc's default)
 *   "-.slice:p:n"                -> "p-n.scope" (the root slice)
 *   name ending in ".slice"      -> SLICE-PATH/name, without a scope.
 * Returns 0, or -1 with err naming the path and what is wrong. */
int rt_systemd_cgroup_path(const char *cgroups_path, char *out, size_t len, vc_err *err);

/* The call for whoever applies linux.cgroupsPath: with --systemd-cgroup
 * and a "slice:prefix:name" path, its cgroupfs form (said with --debug);
 * any other path is copied as is. */
int rt_cgroups_path(const char *cgroups_path, char *out, size_t len, vc_err *err);

#endif
