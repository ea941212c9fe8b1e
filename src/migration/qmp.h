/* qmp.h - a small client of QEMU's machine protocol (QMP) over a unix
 * socket: connect and negotiate capabilities, run one command at a time and
 * get its "return" value, and keep the asynchronous events that arrive in
 * between for the caller. Replies are parsed with jansson. */
#ifndef GEYSER_QMP_H
#define GEYSER_QMP_H

#include <jansson.h>

typedef struct Qmp Qmp;

/* Connect to the QMP socket at path, read QEMU's greeting and send
 * qmp_capabilities. Every later read waits at most timeoutS seconds for
 * QEMU to answer. NULL with an error naming the socket on failure. */
Qmp *qmpConnect(const char *path, double timeoutS);

/* Run one command; args (may be NULL) is stolen. Returns QEMU's "return"
 * value as a new reference (an empty object for most commands), or NULL with
 * an error: QEMU's error class and description, a malformed reply, a closed
 * connection or a timeout. Events read while waiting are queued. */
json_t *qmpCommand(Qmp *q, const char *command, json_t *args);

/* Like qmpCommand() for commands whose return value is not needed. */
int qmpRun(Qmp *q, const char *command, json_t *args);

/* The oldest queued event (an object with "event", "data", "timestamp"), a
 * new reference, or NULL when none is queued. Does not read the socket. */
json_t *qmpNextEvent(Qmp *q);

/* The socket path, for messages. */
const char *qmpPath(const Qmp *q);

/* Close the connection; accepts NULL. */
void qmpClose(Qmp *q);

#endif
