/* fdpass: hand an open descriptor to another process over a Unix socket
 * (SCM_RIGHTS), the fd-passing design of process-based pools. */
#ifndef ACCEPTBENCH_FDPASS_H
#define ACCEPTBENCH_FDPASS_H

/* A SOCK_SEQPACKET pair: one message per descriptor, and EOF when the other
 * end closes. Returns 0 or -errno. */
int fdpass_pair(int sv[2]);
/* Send fd (the caller still owns and closes its copy). 0, or -errno (-EPIPE
 * when the receiver is gone). Blocks while the receiver's queue is full. */
int fdpass_send(int sock, int fd);
/* Receive one descriptor (close-on-exec). With wait, block until one comes;
 * without, -EAGAIN when none is queued. -ECANCELED at EOF (the sender closed),
 * -EINTR when a signal interrupted the wait, other -errno on failure. */
int fdpass_recv(int sock, int wait);

#endif
