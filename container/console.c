/* The container's terminal (console.h). */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

int console_connect(const char *path, vc_err *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return vc_error(err, ENAMETOOLONG, "--console-socket %s", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vc_error(err, errno, "--console-socket %s: socket", path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		vc_error(err, errno, "--console-socket %s: connect", path);
		close(fd);
		return -1;
	}
	return fd;
}

int console_send_fd(int sock, int fd, const char *name, vc_err *err)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = u.buf,
	                     .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return vc_error(err, errno, "sending the pty master to the console socket");
	return 0;
}

int console_setup(int sock, uid_t uid, vc_err *err)
{
	char name[64];
	int master, slave, rc = -1;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return vc_error(err, errno, "process.terminal: opening the container's /dev/ptmx");
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0) {
		vc_error(err, errno, "process.terminal: unlockpt/ptsname");
		close(master);
		return -1;
	}
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		vc_error(err, errno, "process.terminal: opening %s", name);
		close(master);
		return -1;
	}
	/* the container's user owns its terminal (runc does the same) */
	if (fchown(slave, uid, (gid_t)-1) < 0) {
		vc_error(err, errno, "process.terminal: chown %s to uid %u", name, (unsigned)uid);
		goto out;
	}
	if (console_send_fd(sock, master, name, err) < 0)
		goto out;
	/* a new session (create made one already) whose terminal is the slave */
	if (getsid(0) != getpid() && setsid() < 0) {
		vc_error(err, errno, "process.terminal: setsid");
		goto out;
	}
	if (ioctl(slave, TIOCSCTTY, 0) < 0) {
		vc_error(err, errno, "process.terminal: TIOCSCTTY on %s", name);
		goto out;
	}
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0) {
			vc_error(err, errno, "process.terminal: dup2 of %s to fd %d", name, fd);
			goto out;
		}
	rc = 0;
out:
	close(slave);
	close(master);
	close(sock);
	return rc;
}
