/* process.terminal: true, as runc does it. The parent connects to the
 * engine's --console-socket (a unix stream socket); the child, once the
 * container's /dev (with its own devpts) is in place, opens a new pty from
 * the container's /dev/ptmx, sends the master over the socket with
 * SCM_RIGHTS (the pty's name as the message) and makes the slave its
 * controlling terminal and its stdin, stdout and stderr. The engine (conmon,
 * containerd's shim) copies between the master and the user's terminal. */
#ifndef CT_CONSOLE_H
#define CT_CONSOLE_H

#include <sys/types.h>

#include "error.h"

/* Connect to the unix socket at path: the fd (close-on-exec), or -1. */
int console_connect(const char *path, vc_err *err);

/* In the child, inside the container's mount namespace: the pty, the
 * master sent over sock (then closed), the slave owned by uid and made
 * the controlling terminal and fds 0, 1, 2. */
int console_setup(int sock, uid_t uid, vc_err *err);

/* Send fd over the unix socket sock with SCM_RIGHTS, name as the data. */
int console_send_fd(int sock, int fd, const char *name, vc_err *err);

#endif
