/* container: run a process isolated with namespaces and a cgroup, from a
 * root file system (quick form) or an OCI bundle. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sys/capability.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "build.h"
#include "exec.h"
#include "image.h"
#include "imgrun.h"
#include "lifecycle.h"
#include "mounts.h"
#include "options.h"
#include "run.h"
#include "runtime.h"
#include "spec.h"
#include "statedir.h"
#include "update.h"
#include "timeline.h"

#define CT_VERSION "0.16.0"

static const char usage_text[] =
    "usage: container [GLOBAL OPTIONS] COMMAND ...\n"
    "       container run [options] ROOTFS -- CMD [ARG...]\n"
    "       container run [options] IMAGE [CMD [ARG...]]   (images: below)\n"
    "       container run [--trace] [--timings FILE] [CREATE OPTIONS] --bundle DIR [ID]\n"
    "       container spec [--bundle DIR]\n"
    "       container create [--trace] [CREATE OPTIONS] [--bundle DIR] ID\n"
    "       container start|state|pause|resume ID\n"
    "       container kill [--all] ID [SIGNAL]\n"
    "       container delete [--force] ID\n"
    "       container pull [--creds USER:PASS] HOST[:PORT]/NAME[:TAG]\n"
    "       container push [--creds USER:PASS] [NAME] HOST[:PORT]/NAME[:TAG]\n"
    "       container exec [options] ID [--] CMD [ARG...]   (see container exec --help)\n"
    "       container ps [--format table|json] ID\n"
    "       container list [--format table|json] [--quiet]\n"
    "       container update [--resources FILE|-] [--memory SIZE ...] ID\n"
    "       container features | --version\n"
    "\n"
    "Runs CMD as pid 1 of a new container: its own pid, mount, uts, ipc, network\n"
    "and cgroup namespaces, root switched to ROOTFS with pivot_root, a minimal /dev,\n"
    "the capabilities and masked paths of `runc spec`, and a cgroup vclab/ID.\n"
    "The exit status is the container process's (128+N when killed by signal N).\n"
    "SIGINT/SIGTERM are passed to it; a second one kills it.\n"
    "\n"
    "Commands:\n"
    "  run          run a container until its process ends\n"
    "  spec         write a default config.json (like `runc spec`) into DIR or .\n"
    "  features     print what this runtime supports, as JSON (runc's `features`;\n"
    "               mountOptions: every mount option word it applies)\n"
    "\n"
    "OCI lifecycle, runc's command line (state in " LC_STATE_ROOT "/ID/state.json):\n"
    "  create       set the bundle's container up; its process waits before execve\n"
    "               (on " LC_STATE_ROOT "/ID/exec.fifo) and outlives this command\n"
    "  start        let a created container's process execve\n"
    "  state        print the OCI state JSON: created, running, paused or stopped\n"
    "  kill         send SIGNAL (default TERM; KILL, SIGKILL or 9 ...) to its process;\n"
    "               --all (-a): to every process of its cgroup\n"
    "  pause        freeze every process of the container (v1 freezer, v2 cgroup.freeze)\n"
    "  resume       thaw a paused container\n"
    "  ps           its processes (host pids); --format json: a JSON array of pids\n"
    "  list         every container: ID, PID, STATUS, BUNDLE (-q: ids; --format\n"
    "               json: their states)\n"
    "  delete       remove a created or stopped container: its cgroup and state;\n"
    "               --force (-f) kills a running (or paused) one first\n"
    "  exec         run another process in a created or running container: its\n"
    "               namespaces, cgroup, root, capabilities and seccomp filter\n"
    "  update       new memory, cpu, cpuset, pids or blkio limits for a created,\n"
    "               running or paused container (container update --help)\n"
    "  A created container's output goes where create's went: redirect it.\n"
    "  A running `container run` has a state.json too: all but delete and start\n"
    "  work on it (exec only if run with --bundle); run removes it at the end.\n"
    "  Lifecycle commands exit 1 on error.\n"
    "\n"
    "Registry (run by build/bin/container-registry, next to this binary; its\n"
    "options: container pull --help):\n"
    "  pull         fetch an image from a registry into the image store\n"
    "  push         send a stored image to a registry\n"
    "\n"
    "Global options (before COMMAND; what container engines pass):\n"
    "  --root DIR         state directory (default " LC_STATE_ROOT ")\n"
    "  --log FILE         append errors (and --debug lines) to FILE, one line each\n"
    "  --log-format F     text (default) or json: {\"level\":\"error\",\"msg\":...,\"time\":...}\n"
    "  --debug            debug lines (to --log FILE, else stderr)\n"
    "  --systemd-cgroup   accepted: a slice:prefix:name cgroupsPath is mapped to the\n"
    "                     cgroupfs path systemd would use (no systemd unit is made)\n"
    "  -v, --version      the version and the runtime-spec version\n"
    "\n"
    "Create options (create, and run --bundle):\n"
    "  -b, --bundle DIR   the OCI bundle (DIR/config.json; create: default .)\n"
    "  --pid-file FILE    write the container process's host pid to FILE (atomically)\n"
    "  --console-socket SOCK  process.terminal: send the pty master to the unix\n"
    "                     socket SOCK (SCM_RIGHTS), as runc does\n"
    "  --no-pivot         accepted for runc compatibility (pivot_root is always used)\n"
    "  --no-new-keyring   keep this session keyring (default: a new, empty one)\n"
    "\n"
    "Options of run:\n"
    "  --hostname NAME    hostname inside (default vclab)\n"
    "  --memory SIZE      memory limit, e.g. 64M (over it the OOM killer acts)\n"
    "  --cpus N.N         cpu time limit in cpus, e.g. 0.5 (a cfs quota)\n"
    "  --pids N           most processes at once\n"
    "  --net MODE         none: new netns, lo down; loopback (default): lo up;\n"
    "                     host: share the host's network\n"
    "  --user[=HOSTUID]   new user namespace: root inside is HOSTUID outside\n"
    "                     (default 100000, 65536 ids mapped)\n"
    "  --read-only        mount the root file system read-only\n"
    "  --env K=V          set an environment variable (repeatable)\n"
    "  --workdir DIR      working directory inside (default /)\n"
    "  --volume SRC:DST[:ro]  bind-mount host SRC at DST (repeatable)\n"
    "  --id ID            container id, names the cgroup (default ct-PID)\n"
    "  --seccomp=unconfined  no seccomp filter (default: the built-in profile,\n"
    "                     see container/README.md)\n"
    "  --no-new-keyring   as above (also for the quick form)\n"
    "  --pid-file FILE    as above (also for the quick form)\n"
    "  --trace            print each setup step, with its time, on stderr\n"
    "  --timings FILE     write the steps as JSON to FILE\n"
    "  --timings-format json|chrome  json (default): vclab's steps; chrome: Chrome\n"
    "                     trace events for Perfetto or chrome://tracing, the phases\n"
    "                     runtime setup > cgroups, child setup > mounts > each mount\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status on our own failures: 125 setup failed, 126 CMD not executable,\n"
    "127 CMD not found. Errors are one line on stderr.\n"
    "config.json's hooks run (all six kinds, the OCI state on stdin; a failing one\n"
    "fails create/start, poststart/poststop only warn); seccomp names libseccomp\n"
    "does not know are skipped (VCLAB_DEBUG=1 lists them); mount options tmpcopyup,\n"
    "rro and the other recursive ones apply; see container/README.md.\n"
    "Example: container run --memory 64M --pids 32 build/rootfs/test -- /bin/sh -c 'echo hi'\n";

enum {
	OPT_BUNDLE = 256,
	OPT_HOSTNAME,
	OPT_MEMORY,
	OPT_CPUS,
	OPT_PIDS,
	OPT_NET,
	OPT_USER,
	OPT_READONLY,
	OPT_ENV,
	OPT_WORKDIR,
	OPT_VOLUME,
	OPT_ID,
	OPT_TRACE,
	OPT_TIMINGS,
	OPT_TIMINGS_FORMAT,
	OPT_SECCOMP,
	OPT_NO_NEW_KEYRING,
	OPT_PID_FILE,
	OPT_CONSOLE_SOCKET,
	OPT_NO_PIVOT,
};

struct cli {
	struct quick_opts q;
	const char *bundle, *id, *timings, *pid_file, *console_socket;
	bool trace, no_new_keyring;
	const char *timings_format;
};

static int usage_error(vc_err *err, const char *what)
{
	return vc_error(err, 0, "%s (see container --help)", what);
}

static int add_list(const char **list, size_t *n, const char *v, const char *opt, vc_err *err)
{
	if (*n >= QUICK_MAX_LIST)
		return vc_error(err, 0, "%s: at most %d times", opt, QUICK_MAX_LIST);
	list[(*n)++] = v;
	return 0;
}

static int parse_run_args(int argc, char **argv, struct cli *c, bool create, vc_err *err)
{
	static const struct option opts[] = {
	    {"bundle", required_argument, NULL, OPT_BUNDLE},
	    {"hostname", required_argument, NULL, OPT_HOSTNAME},
	    {"memory", required_argument, NULL, OPT_MEMORY},
	    {"cpus", required_argument, NULL, OPT_CPUS},
	    {"pids", required_argument, NULL, OPT_PIDS},
	    {"net", required_argument, NULL, OPT_NET},
	    {"user", optional_argument, NULL, OPT_USER},
	    {"read-only", no_argument, NULL, OPT_READONLY},
	    {"env", required_argument, NULL, OPT_ENV},
	    {"workdir", required_argument, NULL, OPT_WORKDIR},
	    {"volume", required_argument, NULL, OPT_VOLUME},
	    {"id", required_argument, NULL, OPT_ID},
	    {"trace", no_argument, NULL, OPT_TRACE},
	    {"timings", required_argument, NULL, OPT_TIMINGS},
	    {"timings-format", required_argument, NULL, OPT_TIMINGS_FORMAT},
	    {"seccomp", required_argument, NULL, OPT_SECCOMP},
	    {"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
	    {"pid-file", required_argument, NULL, OPT_PID_FILE},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
	    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct quick_opts *q = &c->q;
	int o;

	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "+hb:", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
		case OPT_BUNDLE:
			c->bundle = optarg;
			break;
		case OPT_HOSTNAME:
			q->hostname = optarg;
			break;
		case OPT_MEMORY:
			q->memory = optarg;
			break;
		case OPT_CPUS:
			q->cpus = optarg;
			break;
		case OPT_PIDS:
			q->pids = optarg;
			break;
		case OPT_NET:
			q->net = optarg;
			break;
		case OPT_USER:
			q->user = optarg ? optarg : "";
			break;
		case OPT_READONLY:
			q->read_only = true;
			break;
		case OPT_ENV:
			if (add_list(q->env, &q->n_env, optarg, "--env", err) < 0)
				return -1;
			break;
		case OPT_WORKDIR:
			q->workdir = optarg;
			break;
		case OPT_VOLUME:
			if (add_list(q->volumes, &q->n_volumes, optarg, "--volume", err) < 0)
				return -1;
			break;
		case OPT_ID:
			c->id = optarg;
			break;
		case OPT_TRACE:
			c->trace = true;
			break;
		case OPT_TIMINGS:
			c->timings = optarg;
			break;
		case OPT_TIMINGS_FORMAT:
			c->timings_format = optarg;
			break;
		case OPT_SECCOMP:
			q->seccomp = optarg;
			break;
		case OPT_NO_NEW_KEYRING:
			c->no_new_keyring = true;
			break;
		case OPT_PID_FILE:
			c->pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			c->console_socket = optarg;
			break;
		case OPT_NO_PIVOT:
			/* runc's MS_MOVE instead of pivot_root, for a rootfs on
			 * ramfs; pivot_root works here: nothing to change */
			rt_debug("--no-pivot: ignored, the root is switched with pivot_root");
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default: {
			char what[128];

			snprintf(what, sizeof(what), "run: unknown or incomplete option '%s'",
			         argv[optind - 1]);
			return usage_error(err, what);
		}
		}
	}
	if (create && !c->bundle)
		c->bundle = "."; /* runc: the current directory */
	if (c->console_socket && !c->bundle)
		return usage_error(err, "--console-socket: only with a bundle whose "
		                        "process.terminal is true");
	if (c->bundle) {
		/* only --trace/--timings/--id make sense with a bundle */
		if (q->hostname || q->memory || q->cpus || q->pids || q->net || q->user ||
		    q->read_only || q->n_env || q->workdir || q->n_volumes || q->seccomp)
			return usage_error(err, "run --bundle: the quick-form options do not apply "
			                        "(edit config.json)");
		if (optind < argc)
			c->id = argv[optind++];
		if (optind < argc)
			return usage_error(err, "run --bundle DIR [ID]: too many arguments");
		return 0;
	}
	if (optind >= argc)
		return usage_error(err, "run: no ROOTFS given");
	q->rootfs = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	q->cmd = argv + optind;
	q->n_cmd = (size_t)(argc - optind);
	if (!q->n_cmd && !img_run_wanted(q->rootfs))
		return usage_error(err, "run: no command given after ROOTFS --");
	return 0;
}

static void print_outcome(const struct run_result *res, const struct ct_spec *spec)
{
	if (res->oom_killed)
		fprintf(stderr,
		        "container: the container was killed by the OOM killer (memory limit %lld "
		        "bytes, peak %llu bytes); exit status %d\n",
		        (long long)spec->limits.memory_max, (unsigned long long)res->memory_peak,
		        res->exit_code);
}

static void warn_unknown(const struct ct_spec *spec)
{
	rt_warn_unknown(spec->n_unknown, spec->unknown, "config.json");
}

/* --timings FILE is written after the container ended: find out before it
 * starts that FILE's directory is there and writable. */
static int check_timings_path(const char *file, vc_err *err)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(file, '/');
	struct stat st;

	if (!*file)
		return vc_error(err, 0, "--timings: empty file name");
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file + 1), file) >=
	         sizeof(dir))
		return vc_error(err, ENAMETOOLONG, "--timings %s", file);
	if (stat(dir, &st) < 0)
		return vc_error(err, errno, "--timings %s: directory %s", file, dir);
	if (!S_ISDIR(st.st_mode))
		return vc_error(err, 0, "--timings %s: %s is not a directory", file, dir);
	if (access(dir, W_OK) < 0)
		return vc_error(err, errno, "--timings %s: directory %s", file, dir);
	return 0;
}

/* Phases for --timings (common/timeline.h): the runtime's setup up to
 * clone3 (its cgroups inside), the child's setup from clone3 to its execve
 * (its mounts inside), the runtime's teardown after the container exited. */
static void add_phases(struct vc_timeline *tl)
{
	static const char *const cgroups[] = {"cgroup", NULL};
	static const char *const mounts[] = {
	    "rootfs_bind",  "mount",          "dev",           "devices", "pivot_root", "chroot",
	    "masked_paths", "readonly_paths", "root_readonly", NULL};
	const struct vc_event *clone = vc_timeline_find(tl, 0, "clone3");
	const struct vc_event *exited = vc_timeline_find(tl, 0, "exited");
	uint64_t b, e, cb;

	tl->track_name[0] = "container runtime";
	tl->track_name[1] = "container process, before its execve";
	if (!clone)
		return;
	cb = clone->at_ns - clone->took_ns;
	vc_timeline_phase(tl, 0, "runtime setup", tl->start_ns, cb,
	                  "the runtime, before it clones the container process");
	if (vc_timeline_span(tl, 0, cgroups, tl->start_ns, cb, &b, &e))
		vc_timeline_phase(tl, 0, "cgroups", b, e, "the container's cgroups");
	if (vc_timeline_span(tl, 1, NULL, cb, UINT64_MAX, &b, &e))
		vc_timeline_phase(tl, 1, "child setup", cb, e,
		                  "the container process, from clone3 to its execve");
	if (vc_timeline_span(tl, 1, mounts, cb, UINT64_MAX, &b, &e))
		vc_timeline_phase(tl, 1, "mounts", b, e, "its root file system and mounts");
	if (exited && vc_timeline_span(tl, 0, NULL, exited->at_ns, UINT64_MAX, &b, &e))
		vc_timeline_phase(tl, 0, "teardown", exited->at_ns, e,
		                  "the runtime, after the container exited");
}

/* `container run`, and with create `container create --bundle DIR ID`. */
static int cmd_run(int argc, char **argv, bool create)
{
	struct cli c = {0};
	struct ct_spec spec;
	struct vc_timeline *tl = malloc(sizeof(*tl));
	enum vc_timings_format fmt = VC_TIMINGS_JSON;
	struct run_result res = {.exit_code = RUN_EXIT_SETUP};
	struct run_opts ro;
	struct img_run *ir = NULL;
	char idbuf[32];
	vc_err err = {0};
	int rc = -1;

	spec_init(&spec);
	if (!tl) {
		fprintf(stderr, "container: out of memory\n");
		return RUN_EXIT_SETUP;
	}
	if (parse_run_args(argc, argv, &c, create, &err) < 0)
		goto out;
	if (create && (!c.bundle || !c.id || c.timings)) {
		usage_error(&err, "create: expected [--trace] [--bundle DIR] [--pid-file FILE] "
		                  "[--console-socket SOCK] ID");
		goto out;
	}
	vc_timeline_init(tl, "container", c.trace ? stderr : NULL);
	tl->unread = !c.trace && !c.timings; /* format no step text for nobody */
	if (c.timings && check_timings_path(c.timings, &err) < 0)
		goto out;
	if (c.timings_format &&
	    (!c.timings ? usage_error(&err, "--timings-format: only with "
	                                    "--timings FILE")
	                : vc_timings_format_parse(c.timings_format, &fmt, &err)) < 0)
		goto out;
	if (c.bundle) {
		if (spec_load_bundle(&spec, c.bundle, &err) < 0)
			goto out;
		warn_unknown(&spec);
	} else if (img_run_wanted(c.q.rootfs)) { /* IMAGE [CMD...]: images/imgrun.h */
		if (img_run_prepare(&ir, &c.q, tl, &err) < 0 ||
		    quick_apply(&spec, &c.q, &err) < 0 || img_run_apply(ir, &spec, &c.q, &err) < 0)
			goto out;
	} else if (quick_apply(&spec, &c.q, &err) < 0) {
		goto out;
	}
	spec.no_new_keyring = c.no_new_keyring;
	vc_step(tl, "spec", "read the %s: %zu mounts, %zu masked and %zu read-only paths",
	        c.bundle ? "bundle's config.json" : "default config plus options", spec.n_mounts,
	        spec.n_masked_paths, spec.n_readonly_paths);
	if (!c.id) {
		snprintf(idbuf, sizeof(idbuf), "ct-%d", (int)getpid());
		c.id = idbuf;
	}
	ro = (struct run_opts){.id = c.id,
	                       .cgroup_root = "/sys/fs/cgroup",
	                       .tl = tl,
	                       .child_steps = c.timings != NULL,
	                       .console_socket = c.console_socket,
	                       .pid_file = c.pid_file};
	if (create) {
		rc = lifecycle_create(&spec, &ro, &err);
		res.exit_code = rc < 0 ? RUN_EXIT_SETUP : 0;
	} else {
		rc = run_container(&spec, &ro, &res, &err);
	}
	if (rc == 0)
		print_outcome(&res, &spec);
	if (c.timings) {
		vc_err terr;

		/* the steps were asked for: not getting them is a failure */
		add_phases(tl);
		if (vc_timeline_write(tl, c.timings, fmt, &terr) < 0) {
			vc_error_print("container", &terr);
			res.exit_code = RUN_EXIT_SETUP;
		}
	}
out:
	if (rc < 0)
		rt_report(&err);
	img_run_end(ir);
	spec_free(&spec);
	free(tl);
	return res.exit_code;
}

static int cmd_spec(int argc, char **argv)
{
	const char *dir = ".";
	char path[4096];
	size_t len = strlen(ct_default_config);
	int fd;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--bundle"))
		dir = argv[2];
	else if (argc != 1) {
		fprintf(stderr,
		        "container: spec: expected [--bundle DIR] (see container --help)\n");
		return RUN_EXIT_SETUP;
	}
	snprintf(path, sizeof(path), "%s/config.json", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "container: spec: %s: %s\n", path, strerror(errno));
		return RUN_EXIT_SETUP;
	}
	if (write(fd, ct_default_config, len) != (ssize_t)len) {
		fprintf(stderr, "container: spec: writing %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return RUN_EXIT_SETUP;
	}
	close(fd);
	return 0;
}

/* pull and push live in container-registry, next to this binary: it links
 * libcurl dynamically, and this binary stays static (a fast `run`). */
static int exec_registry(char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0) {
		fprintf(stderr, "container: %s: /proc/self/exe: %s\n", argv[1], strerror(errno));
		return 1;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(path, sizeof(path), "%s/container-registry", self);
	argv[0] = path;
	execv(path, argv);
	fprintf(stderr, "container: %s: cannot run %s: %s\n", argv[1], path, strerror(errno));
	return 1;
}

/* runc's `features` (runtime-spec features.md): what config.json may ask. */
static int cmd_features(void)
{
	static const char *const ns[] = {"cgroup", "ipc",  "mount", "network", "pid",
	                                 "time",   "user", "uts",   NULL};
	static const char *const actions[] = {
	    "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
	    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
	    "SCMP_ACT_TRACE",        "SCMP_ACT_TRAP",        NULL};
	static const char *const ops[] = {"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
	                                  "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
	                                  "SCMP_CMP_NE", NULL};
	json_t *caps = json_array(), *hooks = json_array(), *mount_opts = json_array(), *o;
	const char *name;

	/* mounts.c's own tables: every word a config's mount options may use */
	for (size_t i = 0; (name = mounts_option_name(i)); i++)
		json_array_append_new(mount_opts, json_string(name));

	for (int k = 0; k < CT_HOOK_KINDS; k++)
		json_array_append_new(hooks, json_string(spec_hook_name(k)));

	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		char *name = cap_to_name(c), up[64];
		size_t i;

		for (i = 0; name && name[i] && i < sizeof(up) - 1; i++)
			up[i] = (char)toupper((unsigned char)name[i]);
		up[i] = '\0';
		if (name)
			json_array_append_new(caps, json_string(up));
		cap_free(name);
	}
#define STRS(list)                                                                                 \
	({                                                                                         \
		json_t *a_ = json_array();                                                         \
		for (size_t i_ = 0; (list)[i_]; i_++)                                              \
			json_array_append_new(a_, json_string((list)[i_]));                        \
		a_;                                                                                \
	})
	o = json_pack("{s:s, s:s, s:o, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b}, "
	              "s:{s:b, s:o, s:o, s:[s]}, s:{s:b}, s:{s:b}}}",
	              "ociVersionMin", "1.0.0", "ociVersionMax", "1.0.2", "hooks", hooks,
	              "mountOptions", mount_opts, "linux", "namespaces", STRS(ns), "capabilities",
	              caps, "cgroup", "v1", 1, "v2", 1, "systemd", 0, "seccomp", "enabled", 1,
	              "actions", STRS(actions), "operators", STRS(ops), "archs", "SCMP_ARCH_X86_64",
	              "apparmor", "enabled", 0, "selinux", "enabled", 0);
#undef STRS
	if (!o) {
		fprintf(stderr, "container: features: out of memory\n");
		return 1;
	}
	json_dumpf(o, stdout, JSON_INDENT(4));
	putchar('\n');
	json_decref(o);
	return 0;
}

int main(int argc, char **argv)
{
	const char *verb;
	int first = 1;

	/* runc's global options, only when there are any: `container run`
	 * pays one character compare */
	if (argc > 1 && argv[1][0] == '-' && argv[1][1] == '-') {
		vc_err err = {0};

		first = rt_parse_globals(argc, argv, &rt_globals, &err);
		if (first < 0 || rt_open_log(&err) < 0) {
			rt_report(&err);
			return RUN_EXIT_SETUP;
		}
		if (rt_globals.root)
			statedir_root = rt_globals.root;
		argc -= first - 1;
		argv += first - 1; /* argv[1] is the command now */
	}
	if (argc < 2) {
		fputs(usage_text, stderr);
		return RUN_EXIT_SETUP;
	}
	verb = argv[1];
	if (!strcmp(verb, "-h") || !strcmp(verb, "--help") || !strcmp(verb, "help")) {
		fputs(usage_text, stdout);
		fputs(img_usage_text, stdout);
		fputs(build_usage_text, stdout);
		return 0;
	}
	if (!strcmp(verb, "-v") || !strcmp(verb, "--version") || !strcmp(verb, "version")) {
		/* runc's shape: engines look for "spec: " on the second line */
		printf("container version " CT_VERSION "\nspec: 1.0.2-dev\n");
		return 0;
	}
	rt_debug("command %s; state directory %s%s", verb, statedir_root,
	         rt_globals.systemd_cgroup ? ", --systemd-cgroup" : "");
	if (!strcmp(verb, "build"))
		return build_main(argc - 1, argv + 1);
	if (!strcmp(verb, "pull") || !strcmp(verb, "push"))
		return exec_registry(argv);
	if (img_is_verb(verb))
		return img_main(argc - 1, argv + 1);
	/* Whatever a killed `container run` or `create` left (its cgroup, a
	 * process still in it, its state directory) goes first: see statedir.h.
	 * `run` does it once its container started (run.c), off its start-up. */
	if (!strcmp(verb, "create") || lifecycle_is_verb(verb))
		statedir_sweep(!strcmp(verb, "delete") ? argv[argc - 1] : NULL);
	if (!strcmp(verb, "run") || !strcmp(verb, "create"))
		return cmd_run(argc - 1, argv + 1, !strcmp(verb, "create"));
	if (lifecycle_is_verb(verb)) {
		if (argc > 2 && (!strcmp(argv[2], "-h") || !strcmp(argv[2], "--help"))) {
			fputs(usage_text, stdout);
			return 0;
		}
		return lifecycle_main(argc - 1, argv + 1);
	}
	if (!strcmp(verb, "exec"))
		return exec_main(argc - 1, argv + 1);
	if (!strcmp(verb, "update"))
		return update_main(argc - 1, argv + 1);
	if (!strcmp(verb, "spec"))
		return cmd_spec(argc - 1, argv + 1);
	if (!strcmp(verb, "features"))
		return cmd_features();
	{
		char msg[160];

		snprintf(msg, sizeof(msg), "unknown %s '%.80s' (see container --help)",
		         verb[0] == '-' ? "global option" : "command", verb);
		rt_report_msg(msg);
	}
	return RUN_EXIT_SETUP;
}
