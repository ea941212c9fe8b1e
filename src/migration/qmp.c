/* qmp.c - the QMP client of qmp.h. QMP is line-delimited JSON: QEMU writes
 * one object per line, a greeting first, then for each command exactly one
 * "return" or "error" object, with "event" objects interleaved at any time. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "qmp.h"
#include "util.h"

#define QMP_LINE_MAX (4 * 1024 * 1024)

struct Qmp {
    int fd;
    char *path;
    double timeoutS;
    char *buf; /* bytes read but not yet parsed */
    size_t len, cap;
    json_t *events; /* array, oldest first */
};

const char *qmpPath(const Qmp *q) {
    return q ? q->path : "(none)";
}

void qmpClose(Qmp *q) {
    if (!q) return;
    if (q->fd >= 0) close(q->fd);
    free(q->path);
    free(q->buf);
    json_decref(q->events);
    free(q);
}

/* Wait for the socket to be readable, then append what it has to buf. */
static int qmpFill(Qmp *q) {
    struct pollfd pfd = {.fd = q->fd, .events = POLLIN};
    int ms = (int)(q->timeoutS * 1000);
    int rc;
    do
        rc = poll(&pfd, 1, ms);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return ERR("QMP %s: cannot wait for QEMU: %s", q->path, strerror(errno));
    if (rc == 0) return ERR("QMP %s: QEMU did not answer within %g s", q->path, q->timeoutS);
    if (q->len + 65536 > q->cap) growArray((void **)&q->buf, 1, &q->cap, q->len + 65536);
    ssize_t n;
    do
        n = read(q->fd, q->buf + q->len, q->cap - q->len);
    while (n < 0 && errno == EINTR);
    if (n < 0) return ERR("QMP %s: cannot read from QEMU: %s", q->path, strerror(errno));
    if (n == 0) return ERR("QMP %s: QEMU closed the connection unexpectedly", q->path);
    q->len += (size_t)n;
    return 0;
}

/* Read the next JSON object, whatever it is. NULL with an error. */
static json_t *qmpReadObject(Qmp *q) {
    for (;;) {
        char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
        if (nl) {
            size_t lineLen = (size_t)(nl - q->buf);
            json_error_t jerr;
            json_t *o = json_loadb(q->buf, lineLen, 0, &jerr);
            memmove(q->buf, nl + 1, q->len - lineLen - 1);
            q->len -= lineLen + 1;
            if (!o) {
                ERR("QMP %s: malformed reply from QEMU: %s", q->path, jerr.text);
                return NULL;
            }
            if (!json_is_object(o)) {
                json_decref(o);
                ERR("QMP %s: malformed reply from QEMU: not a JSON object", q->path);
                return NULL;
            }
            return o;
        }
        if (q->len > QMP_LINE_MAX) {
            ERR("QMP %s: malformed reply from QEMU: a line longer than %d bytes", q->path,
                QMP_LINE_MAX);
            return NULL;
        }
        if (qmpFill(q) != 0) return NULL;
    }
}

static int qmpSend(Qmp *q, json_t *msg) {
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text) return ERR("QMP %s: cannot encode a command", q->path);
    size_t n = strlen(text), off = 0;
    int rc = 0;
    while (off < n && rc == 0) {
        ssize_t w = send(q->fd, text + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0)
            rc = ERR("QMP %s: cannot send to QEMU: %s", q->path, strerror(errno));
        else
            off += (size_t)w;
    }
    if (rc == 0 && send(q->fd, "\n", 1, MSG_NOSIGNAL) != 1)
        rc = ERR("QMP %s: cannot send to QEMU: %s", q->path, strerror(errno));
    free(text);
    return rc;
}

json_t *qmpCommand(Qmp *q, const char *command, json_t *args) {
    json_t *msg = json_pack("{s:s}", "execute", command);
    if (args) json_object_set_new(msg, "arguments", args);
    int rc = qmpSend(q, msg);
    json_decref(msg);
    if (rc != 0) return NULL;
    for (;;) {
        json_t *o = qmpReadObject(q);
        if (!o) return NULL;
        if (json_object_get(o, "event")) {
            json_array_append_new(q->events, o);
            continue;
        }
        json_t *ret = json_object_get(o, "return");
        if (ret) {
            json_incref(ret);
            json_decref(o);
            return ret;
        }
        json_t *e = json_object_get(o, "error");
        if (e) {
            const char *cls = json_string_value(json_object_get(e, "class"));
            const char *desc = json_string_value(json_object_get(e, "desc"));
            ERR("QMP %s: %s failed: %s (%s)", q->path, command, desc ? desc : "no description",
                cls ? cls : "no class");
        } else {
            ERR("QMP %s: malformed reply from QEMU to %s: neither return nor error", q->path,
                command);
        }
        json_decref(o);
        return NULL;
    }
}

int qmpRun(Qmp *q, const char *command, json_t *args) {
    json_t *r = qmpCommand(q, command, args);
    if (!r) return -1;
    json_decref(r);
    return 0;
}

json_t *qmpNextEvent(Qmp *q) {
    if (!q || json_array_size(q->events) == 0) return NULL;
    json_t *e = json_array_get(q->events, 0);
    json_incref(e);
    json_array_remove(q->events, 0);
    return e;
}

static int qmpOpen(Qmp *q) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(q->path) >= sizeof(sa.sun_path))
        return ERR("QMP socket path is too long: %s", q->path);
    memcpy(sa.sun_path, q->path, strlen(q->path) + 1);
    q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (q->fd < 0) return ERR("cannot create a socket for QMP %s: %s", q->path, strerror(errno));
    if (connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
        return ERR("cannot connect to QMP %s: %s", q->path, strerror(errno));
    json_t *greeting = qmpReadObject(q);
    if (!greeting) return -1;
    bool ok = json_object_get(greeting, "QMP") != NULL;
    json_decref(greeting);
    if (!ok) return ERR("QMP %s: the peer did not greet as QEMU does (no \"QMP\" key)", q->path);
    return qmpRun(q, "qmp_capabilities", NULL);
}

Qmp *qmpConnect(const char *path, double timeoutS) {
    Qmp *q = xcalloc(1, sizeof(*q));
    q->fd = -1;
    q->path = xstrdup(path);
    q->timeoutS = timeoutS > 0 ? timeoutS : 30;
    q->events = json_array();
    if (qmpOpen(q) != 0) {
        qmpClose(q);
        return NULL;
    }
    return q;
}
