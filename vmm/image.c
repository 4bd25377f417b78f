/* `vmm run --image`: see image.h. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int word_ok(const char *w, size_t i, vc_err *err)
{
	if (!*w)
		return vc_error(err, 0,
		                "--image: command word %zu is empty: the kernel command line "
		                "cannot pass an empty word to the init",
		                i + 1);
	if (!strcmp(w, "--"))
		return vc_error(
		    err, 0,
		    "--image: command word %zu is \"--\", which Linux takes as the end of "
		    "its own options on the kernel command line: it cannot be passed",
		    i + 1);
	for (const char *p = w; *p; p++) {
		if (*p == '"')
			return vc_error(
			    err, 0,
			    "--image: command word %zu (%s) holds a double quote, which the "
			    "kernel command line cannot carry (Linux has no escapes)",
			    i + 1, w);
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return vc_error(
			    err, 0,
			    "--image: command word %zu holds control character 0x%02x, which "
			    "the kernel command line cannot carry",
			    i + 1, (unsigned char)*p);
	}
	return 0;
}

int vmm_image_cmdline(const char *base, char *const *cmd, size_t n, char **out, vc_err *err)
{
	size_t len = strlen(base) +
	             sizeof(VMM_IMAGE_PANIC " " VMM_IMAGE_ROOTFS " " VMM_IMAGE_RDINIT
	                                    " -- " VMM_IMAGE_MARKER) +
	             2,
	       k;
	char *s;

	*out = NULL;
	if (n > VMM_IMAGE_MAX_ARGS)
		return vc_error(err, 0,
		                "--image: %zu command words; at most %d pass through the kernel "
		                "command line (Linux gives init 32 argv words in all)",
		                n, VMM_IMAGE_MAX_ARGS);
	for (size_t i = 0; i < n; i++) {
		if (word_ok(cmd[i], i, err) < 0)
			return -1;
		len += strlen(cmd[i]) + 3;
	}
	s = malloc(len);
	if (!s)
		return vc_error(err, ENOMEM, "--image");
	/* panic=-1 first, so that a --cmdline panic= wins; ours last */
	k = (size_t)snprintf(s, len, VMM_IMAGE_PANIC " %s%s" VMM_IMAGE_ROOTFS " " VMM_IMAGE_RDINIT,
	                     base, *base ? " " : "");
	if (n)
		k += (size_t)snprintf(s + k, len - k, " -- " VMM_IMAGE_MARKER);
	for (size_t i = 0; i < n; i++) {
		bool quote = strpbrk(cmd[i], " \t") != NULL;

		k += (size_t)snprintf(s + k, len - k, quote ? " \"%s\"" : " %s", cmd[i]);
	}
	*out = s;
	return 0;
}

static int exe_dir(char *dir, size_t len, vc_err *err)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0)
		return vc_error(err, errno, "/proc/self/exe");
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf(dir, len, "%s", self) >= len)
		return vc_error(err, ENAMETOOLONG, "/proc/self/exe");
	return 0;
}

int vmm_image_default_kernel(char *path, size_t len, vc_err *err)
{
	char dir[PATH_MAX];

	if (exe_dir(dir, sizeof(dir), err) < 0)
		return -1;
	if ((size_t)snprintf(path, len, "%s/../guest/bzImage", dir) >= len)
		return vc_error(err, ENAMETOOLONG, "--kernel");
	return 0;
}

/* The whole content of a memfd, NUL-terminated (NULL when empty). */
static char *slurp(int fd)
{
	off_t n = lseek(fd, 0, SEEK_END);
	char *b;

	if (n <= 0 || n > (1 << 20))
		return NULL;
	b = malloc((size_t)n + 1);
	if (!b)
		return NULL;
	if (pread(fd, b, (size_t)n, 0) != n) {
		free(b);
		return NULL;
	}
	b[n] = '\0';
	return b;
}

/* Strip trailing newlines; return the last line. */
static char *last_line(char *s)
{
	size_t n = strlen(s);
	char *nl;

	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	nl = strrchr(s, '\n');
	return nl ? nl + 1 : s;
}

int vmm_image_export(const char *ref, bool trace, char *path, size_t len, vc_err *err)
{
	char ct[PATH_MAX + 16], dir[PATH_MAX], *out = NULL, *msg = NULL;
	const char *env = getenv("VCLAB_CONTAINER");
	int ofd = memfd_create("vmm-export-out", MFD_CLOEXEC);
	int efd = memfd_create("vmm-export-err", MFD_CLOEXEC);
	int st = 0, rc = -1;
	pid_t pid;

	if (ofd < 0 || efd < 0) {
		vc_error(err, errno, "--image %s: memfd_create", ref);
		goto out;
	}
	if (env && *env)
		snprintf(ct, sizeof(ct), "%s", env);
	else if (exe_dir(dir, sizeof(dir), err) < 0)
		goto out;
	else
		snprintf(ct, sizeof(ct), "%s/container", dir);
	if (access(ct, X_OK) < 0) {
		vc_error(err, errno,
		         "--image %s: %s (vmm runs `container image export` from next "
		         "to itself, or $VCLAB_CONTAINER)",
		         ref, ct);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		vc_error(err, errno, "--image %s: fork", ref);
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(ofd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(127);
		execl(ct, "container", "image", "export", "--initramfs", ref, (char *)NULL);
		dprintf(2, "cannot run %s: %s\n", ct, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			vc_error(err, errno, "--image %s: waitpid", ref);
			goto out;
		}
	out = slurp(ofd);
	msg = slurp(efd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		const char *line = msg ? last_line(msg) : "no message";

		if (!strncmp(line, "container: ", 11))
			line += 11;
		vc_error(err, 0, "--image %s: %s", ref, line);
		goto out;
	}
	if (trace && msg)
		fputs(msg, stderr);
	if (!out || !*last_line(out)) {
		vc_error(err, 0, "--image %s: container image export printed no path", ref);
		goto out;
	}
	if ((size_t)snprintf(path, len, "%s", last_line(out)) >= len) {
		vc_error(err, ENAMETOOLONG, "--image %s", ref);
		goto out;
	}
	rc = 0;
out:
	free(out);
	free(msg);
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	return rc;
}

uint64_t vmm_image_unpacked(uint64_t compressed, uint32_t isize)
{
	uint64_t u = isize;

	/* gzip grows incompressible data by ~0.03%; deflate shrinks at most ~1032:1 */
	while (u + u / 16 + 4096 < compressed)
		u += 1ull << 32;
	return u;
}

uint64_t vmm_image_unpacked_file(const char *path, uint64_t *compressed)
{
	unsigned char t[4];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t u = 0;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= 18 &&
	    pread(fd, t, 4, st.st_size - 4) == 4) {
		*compressed = (uint64_t)st.st_size;
		u = vmm_image_unpacked((uint64_t)st.st_size, (uint32_t)t[0] | (uint32_t)t[1] << 8 |
		                                                 (uint32_t)t[2] << 16 |
		                                                 (uint32_t)t[3] << 24);
	}
	if (fd >= 0)
		close(fd);
	return u;
}
