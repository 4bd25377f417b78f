/* probe: answers questions from inside a container, for the e2e tests.
 * Linked statically into the test rootfs as /probe. Each command prints
 * "key=value" lines; failures of the thing probed are reported as values
 * ("mkdir=Operation not permitted"), not as the probe's exit status, except
 * where the exit status is the point (hog, spin). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: probe COMMAND [ARG]\n"
    "  pid | ppid | hostname | whoami | caps | ifaces | uidmap | cgroup | rlimit\n"
    "  mounts                 the mount table (/proc/self/mountinfo)\n"
    "  write PATH             try to create PATH\n"
    "  mkdir PATH             try mkdir (seccomp tests)\n"
    "  sethostname NAME       try sethostname (capability tests)\n"
    "  hog MIB                allocate and touch MIB MiB, 1 MiB at a time\n"
    "  forkbomb N             fork up to N sleeping children, report how many\n"
    "  spin SECONDS           burn cpu, print cpu.stat's nr_throttled after\n"
    "  escape HOSTPATH        try to reach a host file from inside\n"
    "  mountdisk MAJ MIN      try to mknod and mount the host's disk\n"
    "  cgfile NAME            print the container's own cgroup file NAME\n"
    "  addkey DESC            (on the host) add a user key DESC to @u, print its id\n"
    "  unlinkkey ID           (on the host) unlink key ID from @u\n"
    "  key DESC               search @u for the user key DESC and read it\n"
    "  sessionkey             the id of our session keyring\n"
    "  userns                 unshare(CLONE_NEWUSER), then mount a tmpfs\n"
    "  listen NAME            (on the host) listen on abstract socket @NAME forever\n"
    "  escapes HOSTPID SOCK   every escape check (name=blocked or name=OPEN ...)\n";

static int cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		printf("error=%s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return 0;
}

static int caps(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Cap", 3) || !strncmp(line, "NoNewPrivs", 10) ||
		    !strncmp(line, "Seccomp:", 8))
			fputs(line, stdout);
	fclose(f);
	return 0;
}

static int ifaces(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	if (!ifs) {
		printf("error=if_nameindex: %s\n", strerror(errno));
		return 1;
	}
	for (i = ifs; i->if_index; i++)
		printf("iface=%s\n", i->if_name);
	if_freenameindex(ifs);
	return 0;
}

static int hog(long mib)
{
	for (long i = 0; i < mib; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("hog=malloc failed at %ld MiB\n", i);
			return 1;
		}
		memset(p, 0x5a, 1 << 20);
	}
	printf("hog=survived %ld MiB\n", mib);
	return 0;
}

static int forkbomb(long n)
{
	long ok = 0;
	int err = 0;
	pid_t *kids = calloc((size_t)n, sizeof(*kids));

	for (long i = 0; i < n && kids; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[ok++] = p;
	}
	printf("forked=%ld\nfork_error=%s\n", ok, err ? strerror(err) : "none");
	for (long i = 0; i < ok; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
	return 0;
}

/* The container's own cgroup file: cgroup2 at /sys/fs/cgroup, or the v1
 * hierarchy that has it. */
static int cgfile(const char *name)
{
	static const char *const dirs[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/cpu",
	                                   "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/memory",
	                                   "/sys/fs/cgroup/pids"};
	char path[256];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, R_OK) == 0)
			return cat(path);
	}
	printf("error=%s: not found\n", name);
	return 1;
}

static int spin(double seconds)
{
	struct timespec a, b;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < seconds);
	return cgfile("cpu.stat");
}

static int try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		printf("write=%s\n", strerror(errno));
		return 0;
	}
	close(fd);
	printf("write=ok\n");
	return 0;
}

/* Every way we know to reach a host file by path from inside. */
static int escape(const char *host_path)
{
	static const char *const prefixes[] = {"", "/proc/1/root", "/proc/self/root", "/proc/1/cwd",
	                                       "/../../.."};
	char path[512];
	int reached = 0;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", prefixes[i], host_path);
		if (access(path, F_OK) == 0) {
			printf("escape=reached %s\n", path);
			reached = 1;
		}
	}
	/* the classic chroot escape: chroot into a subdirectory, then climb */
	if (mkdir("/tmp/.esc", 0700) == 0 || errno == EEXIST) {
		int fd = open("/", O_RDONLY | O_DIRECTORY);

		if (chroot("/tmp/.esc") == 0) {
			if (fchdir(fd) == 0) {
				for (int i = 0; i < 64; i++)
					if (chdir("..") < 0)
						break;
				if (chroot(".") == 0 && access(host_path, F_OK) == 0) {
					printf("escape=reached %s through chroot\n", host_path);
					reached = 1;
				}
			}
		} else {
			printf("chroot=%s\n", strerror(errno));
		}
		if (fd >= 0)
			close(fd);
	}
	if (!reached)
		printf("escape=blocked\n");
	return 0;
}

static int mountdisk(unsigned maj, unsigned min)
{
	const char *node = "/tmp/.hostdisk";

	if (mknod(node, S_IFBLK | 0600, makedev(maj, min)) < 0)
		printf("mknod=%s\n", strerror(errno));
	else
		printf("mknod=ok\n");
	mkdir("/tmp/.mnt", 0700);
	if (mount(node, "/tmp/.mnt", "ext4", MS_RDONLY, NULL) < 0)
		printf("mount=%s\n", strerror(errno));
	else
		printf("mount=ok\n");
	return 0;
}

static long keyctl5(long op, long a, long b, long c, long d)
{
	return syscall(SYS_keyctl, op, a, b, c, d);
}

static int addkey(const char *desc)
{
	long id = syscall(SYS_add_key, "user", desc, "vclab-secret", 12, KEY_SPEC_USER_KEYRING);

	if (id < 0) {
		printf("error=add_key: %s\n", strerror(errno));
		return 1;
	}
	/* the keyutils default perms let only a possessor read it; root's
	 * @u is possessed through its special id */
	printf("%ld\n", id);
	return 0;
}

static int readkey(const char *desc)
{
	char buf[64] = "";
	long id = keyctl5(KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, (long)"user", (long)desc, 0);

	if (id < 0 || keyctl5(KEYCTL_READ, id, (long)buf, sizeof(buf) - 1, 0) < 0) {
		printf("key=%s\n", strerror(errno));
		return 0;
	}
	printf("key=read:%s\n", buf);
	return 0;
}

static int sessionkey(void)
{
	long id = keyctl5(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0);

	if (id < 0)
		printf("session=%s\n", strerror(errno));
	else
		printf("session=%ld\n", id);
	return 0;
}

static int userns(void)
{
	if (unshare(CLONE_NEWUSER) < 0) {
		printf("unshare_user=%s\n", strerror(errno));
		return 0;
	}
	printf("unshare_user=ok\n");
	mkdir("/tmp/.userns", 0700);
	printf("mount_in_userns=%s\n",
	       unshare(CLONE_NEWNS) == 0 && mount("none", "/tmp/.userns", "tmpfs", 0, NULL) == 0
	           ? "ok"
	           : strerror(errno));
	return 0;
}

static int abstract_addr(const char *name, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s", name);
	return (int)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static int listen_abstract(const char *name)
{
	struct sockaddr_un a;
	int len = abstract_addr(name, &a), fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, (socklen_t)len) < 0 || listen(fd, 4) < 0) {
		printf("error=listen @%s: %s\n", name, strerror(errno));
		return 1;
	}
	printf("listening\n");
	for (;;)
		pause();
}

/* name=blocked when rc < 0 (the errno is shown), else name=OPEN. */
static void verdict(const char *name, int rc)
{
	if (rc < 0)
		printf("%s=blocked (%s)\n", name, strerror(errno));
	else
		printf("%s=OPEN\n", name);
}

static int open_write(const char *path)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

/* A writable cgroup control file of ours, in whichever layout. */
static int cgroup_write(void)
{
	static const char *const files[] = {
	    "/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max",
	    "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory.max"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (access(files[i], F_OK) == 0 && open_write(files[i]) >= 0)
			return 0;
	errno = EROFS;
	return -1;
}

static int escapes(pid_t hostpid, const char *sock)
{
	struct rlimit rl;
	struct sockaddr_un a;
	int len = abstract_addr(sock, &a), fd;
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[8];
	} fh = {8, 1, {0}};

	/* host pids: a pid of the host is not visible, nor reachable */
	verdict("host_pid_visible", kill(hostpid, 0));
	verdict("host_pid_kill", kill(hostpid, SIGKILL));
	verdict("ptrace_host_pid", (int)ptrace(PTRACE_ATTACH, hostpid, NULL, NULL));
	mkdir("/tmp/.m", 0700);
	verdict("mount_tmpfs", mount("none", "/tmp/.m", "tmpfs", 0, NULL));
	verdict("remount_root_rw", mount(NULL, "/", NULL, MS_REMOUNT, NULL));
	verdict("proc_sys_write", open_write("/proc/sys/vm/drop_caches"));
	verdict("proc_sysrq_write", open_write("/proc/sysrq-trigger"));
	verdict("sys_write", open_write("/sys/kernel/uevent_helper"));
	verdict("mknod_block", mknod("/tmp/.sda", S_IFBLK | 0600, makedev(8, 0)));
	verdict("mknod_char_mem", mknod("/tmp/.mem", S_IFCHR | 0600, makedev(1, 1)));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	verdict("host_abstract_socket",
	        fd < 0 ? -1 : connect(fd, (struct sockaddr *)&a, (socklen_t)len));
	if (fd >= 0)
		close(fd);
	verdict("sethostname", sethostname("escaped", 7));
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_max = rl.rlim_max == RLIM_INFINITY ? RLIM_INFINITY : rl.rlim_max + 1;
	verdict("raise_rlimit",
	        rl.rlim_max == RLIM_INFINITY ? (errno = EPERM, -1) : setrlimit(RLIMIT_NOFILE, &rl));
	verdict("cgroup_write", cgroup_write());
	verdict("chroot", chroot("/tmp"));
	verdict("pivot_root", (int)syscall(SYS_pivot_root, "/", "/tmp"));
	verdict("proc1_root_host",
	        access("/proc/1/root/proc/1/root/../../etc/vclab-host-marker", F_OK));
	verdict("keyring_user",
	        (int)keyctl5(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0, 0, 0));
	verdict("unshare_user", unshare(CLONE_NEWUSER));
	verdict("unshare_mount", unshare(CLONE_NEWNS));
	verdict("open_by_handle_at", (int)syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY));
	verdict("bpf", (int)syscall(SYS_bpf, 0, NULL, 0));
	verdict("perf_event_open", (int)syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : NULL;
	char buf[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "pid"))
		return printf("pid=%d\n", (int)getpid()) < 0;
	if (!strcmp(cmd, "ppid"))
		return printf("ppid=%d\n", (int)getppid()) < 0;
	if (!strcmp(cmd, "hostname")) {
		gethostname(buf, sizeof(buf));
		buf[sizeof(buf) - 1] = '\0';
		return printf("hostname=%s\n", buf) < 0;
	}
	if (!strcmp(cmd, "whoami"))
		return printf("uid=%d gid=%d\n", (int)getuid(), (int)getgid()) < 0;
	if (!strcmp(cmd, "caps"))
		return caps();
	if (!strcmp(cmd, "ifaces"))
		return ifaces();
	if (!strcmp(cmd, "uidmap"))
		return cat("/proc/self/uid_map");
	if (!strcmp(cmd, "cgroup"))
		return cat("/proc/self/cgroup");
	if (!strcmp(cmd, "mounts"))
		return cat("/proc/self/mountinfo");
	if (!strcmp(cmd, "rlimit")) {
		struct rlimit rl;

		getrlimit(RLIMIT_NOFILE, &rl);
		return printf("nofile=%llu/%llu\n", (unsigned long long)rl.rlim_cur,
		              (unsigned long long)rl.rlim_max) < 0;
	}
	if (!strcmp(cmd, "write") && arg)
		return try_write(arg);
	if (!strcmp(cmd, "mkdir") && arg) {
		printf("mkdir=%s\n", mkdir(arg, 0755) < 0 ? strerror(errno) : "ok");
		return 0;
	}
	if (!strcmp(cmd, "sethostname") && arg) {
		printf("sethostname=%s\n",
		       sethostname(arg, strlen(arg)) < 0 ? strerror(errno) : "ok");
		return 0;
	}
	if (!strcmp(cmd, "hog") && arg)
		return hog(atol(arg));
	if (!strcmp(cmd, "forkbomb") && arg)
		return forkbomb(atol(arg));
	if (!strcmp(cmd, "spin") && arg)
		return spin(atof(arg));
	if (!strcmp(cmd, "cgfile") && arg)
		return cgfile(arg);
	if (!strcmp(cmd, "escape") && arg)
		return escape(arg);
	if (!strcmp(cmd, "addkey") && arg)
		return addkey(arg);
	if (!strcmp(cmd, "unlinkkey") && arg)
		return keyctl5(KEYCTL_UNLINK, atol(arg), KEY_SPEC_USER_KEYRING, 0, 0) < 0;
	if (!strcmp(cmd, "key") && arg)
		return readkey(arg);
	if (!strcmp(cmd, "sessionkey"))
		return sessionkey();
	if (!strcmp(cmd, "userns"))
		return userns();
	if (!strcmp(cmd, "listen") && arg)
		return listen_abstract(arg);
	if (!strcmp(cmd, "escapes") && argc > 3)
		return escapes((pid_t)atoi(arg), argv[3]);
	if (!strcmp(cmd, "mountdisk") && argc > 3)
		return mountdisk((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]));
	fputs(usage, stderr);
	return 2;
}
