/* Files written all or nothing (atomicfile.h). */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int vc_write_atomic(const char *path, const char *tmp, const void *data, size_t len, mode_t mode,
                    bool sync, vc_err *err)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	int e;

	if (fd < 0)
		return vc_error(err, errno, "creating %s", tmp);
	if (write(fd, data, len) != (ssize_t)len || (sync && fsync(fd) < 0)) {
		e = errno ? errno : EIO;
		close(fd);
		unlink(tmp);
		return vc_error(err, e, "writing %s", tmp);
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		unlink(tmp);
		return vc_error(err, e, "renaming %s", tmp);
	}
	return 0;
}
