/* vclab-init: the /init of a microVM made from an OCI image
 * (`vmm run --image`, images/initramfs.c). No libc, like the workload
 * (workload/sys.h says why): a few KB in every image's initramfs.
 *
 * As pid 1 it
 *   1. writes the boot marker, mounts /proc, /sys, /dev (devtmpfs),
 *      /dev/shm and /tmp (tmpfs);
 *   2. reads the image config that `container image export --initramfs`
 *      wrote under /.vclab/ (entrypoint, cmd, env: NUL-separated strings;
 *      workdir, user "UID:GID", hostname);
 *      turns off the console's "\n" -> "\r\n" (the output is the
 *      program's bytes, as in a container);
 *   3. runs Entrypoint + Cmd as its child: Cmd replaced by the words after
 *      "vclab.cmd" on the kernel command line (vmm puts them after "--",
 *      which Linux hands to init as argv), PATH looked up in the image's
 *      Env, stdin /dev/null, stdout/stderr the console, as User;
 *   4. reaps every child until that one ends, kills what is left, drains
 *      the console and ends the VM with its status through the exit port
 *      (workload/vmexit.c, shared with the workload's /init).
 *
 * Status: the program's exit code, 128+N for signal N, 125 when the init
 * itself fails (a missing /.vclab file, a bad workdir), 126 when the
 * program cannot be executed, 127 when it is not found (Docker's codes). */
#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/mount.h>
#include <linux/signal.h>
#include <asm/termbits.h>
#include <asm/ioctls.h>

#include "sys.h"
#include "vmexit.h"

#define PROG         "vclab-init"
#define DIR          "/.vclab/"
#define CMD_MARKER   "vclab.cmd"
#define EXIT_INIT    125
#define EXIT_NOEXEC  126
#define EXIT_NOENT   127
#define MAX_WORDS    4096
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The kernel starts us with argc at (%rsp), then argv[], NULL, envp[], NULL. */
SYS_ENTRY(init_start);

static long sc(long nr, long a, long b, long c, long d, long e)
{
	return sys_call6(nr, a, b, c, d, e, 0);
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void put(const char *s)
{
	sys_write(2, s, slen(s));
}

static const char *errname(long e)
{
	switch (-e) {
	case 2:
		return "No such file or directory";
	case 13:
		return "Permission denied";
	case 8:
		return "Exec format error";
	case 20:
		return "Not a directory";
	case 12:
		return "Cannot allocate memory";
	case 7:
		return "Argument list too long";
	case 1:
		return "Operation not permitted";
	case 38:
		return "Function not implemented";
	default:
		return "error";
	}
}

static char *utoa(unsigned long v, char *end)
{
	*--end = '\0';
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

/* "vclab-init: WHAT: REASON[: ERROR (errno N)]" on stderr (the console). */
static void complain(const char *what, const char *reason, long e)
{
	char num[24];

	put(PROG ": ");
	put(what);
	put(": ");
	put(reason);
	if (e < 0) {
		put(": ");
		put(errname(e));
		put(" (errno ");
		put(utoa((unsigned long)-e, num + sizeof(num)));
		put(")");
	}
	put("\n");
}

static int port_ok;

__attribute__((noreturn)) static void die(const char *what, const char *reason, long e)
{
	complain(what, reason, e);
	vm_end(port_ok, EXIT_INIT, PROG);
}

static void mount_one(const char *src, const char *dir, const char *type, unsigned long flags,
                      const char *data, long mode)
{
	long r;

	sc(__NR_mkdir, (long)dir, mode, 0, 0, 0); /* EEXIST: the image has it */
	r = sc(__NR_mount, (long)src, (long)dir, (long)type, (long)flags, (long)data);
	if (r < 0 && r != -16 /* EBUSY: already there */)
		complain(dir, "cannot mount", r);
}

/* The whole file in fresh memory, NUL-terminated; NULL when it is absent. */
static char *read_file(const char *path, size_t *len)
{
	long fd = sc(__NR_open, (long)path, O_RDONLY | O_CLOEXEC, 0, 0, 0), size, got = 0, r;
	char *buf;

	if (fd == -2)
		return (char *)0;
	if (fd < 0)
		die(path, "cannot open", fd);
	size = sc(__NR_lseek, fd, 0, 2 /* SEEK_END */, 0, 0);
	if (size < 0 || sc(__NR_lseek, fd, 0, 0, 0, 0) < 0)
		die(path, "cannot seek", size);
	buf = sys_mmap_anon((size_t)size + 1);
	if (!buf)
		die(path, "out of memory", -12);
	while (got < size && (r = sc(__NR_read, fd, (long)(buf + got), size - got, 0, 0)) > 0)
		got += r;
	sc(__NR_close, fd, 0, 0, 0, 0);
	buf[got] = '\0';
	*len = (size_t)got;
	return buf;
}

/* The NUL-separated strings of a /.vclab file, appended to words. */
static size_t read_words(const char *path, char **words, size_t n)
{
	size_t len, i = 0;
	char *buf = read_file(path, &len);

	while (buf && i < len) {
		if (n >= MAX_WORDS - 1)
			die(path, "too many words", 0);
		words[n++] = buf + i;
		i += slen(buf + i) + 1;
	}
	words[n] = (char *)0;
	return n;
}

static unsigned long parse_uint(const char **p)
{
	unsigned long v = 0;

	while (**p >= '0' && **p <= '9')
		v = v * 10 + (unsigned long)(*(*p)++ - '0');
	return v;
}

static const char *env_get(char **env, const char *key)
{
	size_t k = slen(key);

	for (; *env; env++) {
		size_t i = 0;

		while (i < k && (*env)[i] == key[i])
			i++;
		if (i == k && (*env)[k] == '=')
			return *env + k + 1;
	}
	return (const char *)0;
}

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			sc(__NR_mkdir, (long)path, 0755, 0, 0, 0);
			*p = '/';
		}
	sc(__NR_mkdir, (long)path, 0755, 0, 0, 0);
}

/* execvp(3) on the image's PATH; returns the status to end with. */
static int exec_program(char **argv, char **env)
{
	static char full[4096];
	const char *path = env_get(env, "PATH"), *p;
	long r, seen = -2;

	if (!argv[0][0])
		return complain("\"\"", "empty command", 0), EXIT_NOENT;
	for (p = argv[0]; *p && *p != '/'; p++)
		;
	if (*p) {
		r = sc(__NR_execve, (long)argv[0], (long)argv, (long)env, 0, 0);
		complain(argv[0], "cannot execute", r);
		return r == -2 ? EXIT_NOENT : EXIT_NOEXEC;
	}
	for (p = path ? path : DEFAULT_PATH; *p;) {
		size_t n = 0, a = slen(argv[0]);

		while (p[n] && p[n] != ':')
			n++;
		if (n + a + 2 <= sizeof(full)) {
			for (size_t i = 0; i < n; i++)
				full[i] = p[i];
			full[n] = '/';
			for (size_t i = 0; i <= a; i++)
				full[n + 1 + i] = argv[0][i];
			r = sc(__NR_execve, (long)(n ? full : argv[0]), (long)argv, (long)env, 0,
			       0);
			if (r != -2 && r != -20)
				seen = r; /* found but failed: report that, as execvp does */
		}
		p += n + (p[n] == ':');
	}
	complain(argv[0], seen == -2 ? "executable file not found in $PATH" : "cannot execute",
	         seen == -2 ? 0 : seen);
	return seen == -2 ? EXIT_NOENT : EXIT_NOEXEC;
}

static int init_main(char **argv)
{
	static char *args[MAX_WORDS], *env[MAX_WORDS];
	size_t n, len, over = 0;
	char *workdir, *user, *host;
	unsigned long uid = 0, gid = 0;
	long child, r;
	int st = 0;

	port_ok = vm_ports_open();
	if (port_ok)
		vm_boot_marker();
	mount_one("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, (char *)0, 0555);
	mount_one("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, (char *)0, 0555);
	mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755);
	mount_one("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
	mount_one("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);

	/* The program's bytes as a container would give them: no "\r" added
	 * before each "\n" on the serial console. */
	{
		struct termios t;

		if (sc(__NR_ioctl, 1, TCGETS, (long)&t, 0, 0) == 0) {
			t.c_oflag &= ~(unsigned)ONLCR;
			sc(__NR_ioctl, 1, TCSETS, (long)&t, 0, 0);
		}
	}
	n = read_words(DIR "entrypoint", args, 0);
	for (char **w = argv + 1; *w; w++)
		if (streq(*w, CMD_MARKER)) {
			over = 1;
			for (w++; *w && n < MAX_WORDS - 1; w++)
				args[n++] = *w;
			args[n] = (char *)0;
			break;
		}
	if (!over)
		n = read_words(DIR "cmd", args, n);
	if (!n)
		die(DIR "cmd", "no command: the image has no Entrypoint or Cmd and none was given",
		    0);
	read_words(DIR "env", env, 0);
	workdir = read_file(DIR "workdir", &len);
	user = read_file(DIR "user", &len);
	host = read_file(DIR "hostname", &len);
	if (host && host[0] &&
	    (r = sc(__NR_sethostname, (long)host, (long)slen(host), 0, 0, 0)) < 0)
		complain(host, "cannot set the hostname", r);
	if (user) {
		const char *p = user;

		uid = parse_uint(&p);
		if (*p == ':')
			p++, gid = parse_uint(&p);
	}
	if (workdir && workdir[0]) {
		mkdirs(workdir); /* Docker makes it when the image lacks it */
		if ((r = sc(__NR_chdir, (long)workdir, 0, 0, 0, 0)) < 0)
			die(workdir, "cannot enter the working directory", r);
	}

	child = sc(__NR_fork, 0, 0, 0, 0, 0);
	if (child < 0)
		die("fork", "failed", child);
	if (child == 0) {
		long fd = sc(__NR_open, (long)"/dev/null", O_RDONLY, 0, 0, 0);

		if (fd < 0 || sc(__NR_dup2, fd, 0, 0, 0, 0) < 0)
			sys_exit(EXIT_INIT);
		if (fd > 2)
			sc(__NR_close, fd, 0, 0, 0, 0);
		sc(__NR_setsid, 0, 0, 0, 0, 0);
		if (uid || gid) {
			if ((r = sc(__NR_setgroups, 0, 0, 0, 0, 0)) < 0 ||
			    (r = sc(__NR_setgid, (long)gid, 0, 0, 0, 0)) < 0 ||
			    (r = sc(__NR_setuid, (long)uid, 0, 0, 0, 0)) < 0) {
				complain(user, "cannot change to the image's User", r);
				sys_exit(EXIT_INIT);
			}
		}
		sys_exit(exec_program(args, env));
	}
	/* Reap everything (orphans are ours) until the program ends. */
	for (;;) {
		r = sc(__NR_wait4, -1, (long)&st, 0, 0, 0);
		if (r == child || r == -10 /* ECHILD */)
			break;
	}
	sc(__NR_kill, -1, SIGKILL, 0, 0, 0);
	while (sc(__NR_wait4, -1, 0, 0, 0, 0) > 0)
		;
	if (r != child)
		return EXIT_INIT;
	return (st & 0x7f) ? 128 + (st & 0x7f) : (st >> 8) & 0xff;
}

__attribute__((noreturn, used)) void init_start(long *sp)
{
	char **argv = (char **)(sp + 1);
	uint32_t status;

	if (sys_getpid() != 1) {
		put(PROG ": the /init of a vclab microVM (vmm run --image); not pid 1, doing "
		         "nothing\n");
		sys_exit(EXIT_INIT);
	}
	status = (uint32_t)init_main(argv);
	vm_end(port_ok, status, PROG);
}
