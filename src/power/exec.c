/* exec.c - power through commands: for hosts whose power is driven by a
 * script (ssh host systemctl poweroff, a PDU's CLI, a vendor tool).
 *
 * Keys: on, off, soft_off, status (shell command lines; status must print
 * "on" or "off"), timeout (seconds, default 30). A command that exits
 * non-zero, prints garbage or outlives its timeout is an error; on timeout
 * its whole process group is killed, so no stray child survives. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actuator.h"
#include "err.h"
#include "util.h"

typedef struct ExecState {
    char *on, *off, *softOff, *status;
    double timeoutS;
} ExecState;

static void execFree(void *state) {
    ExecState *s = state;
    if (!s) return;
    free(s->on);
    free(s->off);
    free(s->softOff);
    free(s->status);
    free(s);
}

static int execCreate(const ActuatorKey *keys, size_t n, const char *origin, void **out) {
    static const char *const known[] = {"on", "off", "soft_off", "status", "timeout", NULL};
    if (actuatorCheckKeys(keys, n, known, origin) != 0) return -1;
    const char *on = actuatorKey(keys, n, "on"), *off = actuatorKey(keys, n, "off");
    if (!on && !off) return ERR("%s: exec needs at least an 'on' or an 'off' command", origin);
    ExecState *s = xcalloc(1, sizeof(*s));
    s->timeoutS = 30;
    const char *t = actuatorKey(keys, n, "timeout");
    if (t && (parseDouble(t, &s->timeoutS) != 0 || s->timeoutS <= 0 || s->timeoutS > 3600)) {
        free(s);
        return ERR("%s: timeout '%s' is not a number of seconds from 0 to 3600", origin, t);
    }
    const char *v;
    s->on = on ? xstrdup(on) : NULL;
    s->off = off ? xstrdup(off) : NULL;
    s->softOff = (v = actuatorKey(keys, n, "soft_off")) ? xstrdup(v) : NULL;
    s->status = (v = actuatorKey(keys, n, "status")) ? xstrdup(v) : NULL;
    *out = s;
    return 0;
}

static double monotonic(void) {
    return nowMonotonic();
}

/* Read what the child prints (up to out's size) until it exits or the
 * deadline passes; returns the exit status, or -1 with an error. */
static int waitChild(pid_t pid, int fd, double deadline, char *out, size_t cap, const char *cmd) {
    size_t len = 0;
    int status = 0;
    for (;;) {
        double left = deadline - monotonic();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return ERR("command '%s' did not finish in time; killed", cmd);
        }
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, left > 0.05 ? 50 : 1);
        if (r > 0) {
            char buf[256];
            ssize_t k = read(fd, buf, sizeof(buf));
            if (k > 0 && len + 1 < cap) {
                size_t take = (size_t)k < cap - 1 - len ? (size_t)k : cap - 1 - len;
                memcpy(out + len, buf, take);
                len += take;
            }
        }
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
    }
    out[len] = '\0';
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return ERR("command '%s' was killed by signal %d", cmd, WTERMSIG(status));
}

static int runCommand(const char *cmd, double timeoutS, char *out, size_t cap) {
    int pipefd[2];
    if (pipe(pipefd) != 0) return ERR("cannot create a pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return ERR("cannot fork to run '%s': %s", cmd, strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(pipefd[1], STDOUT_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    close(pipefd[1]);
    int rc = waitChild(pid, pipefd[0], monotonic() + timeoutS, out, cap, cmd);
    close(pipefd[0]);
    if (rc > 0) return ERR("command '%s' failed with exit status %d", cmd, rc);
    return rc;
}

static int execOn(void *state) {
    ExecState *s = state;
    char out[512];
    if (!s->on) return ERR("no 'on' command is configured");
    return runCommand(s->on, s->timeoutS, out, sizeof(out));
}

static int execOff(void *state, bool soft) {
    ExecState *s = state;
    char out[512];
    const char *cmd = soft && s->softOff ? s->softOff : s->off;
    if (!cmd) return ERR("no 'off' command is configured");
    return runCommand(cmd, s->timeoutS, out, sizeof(out));
}

static int execStatus(void *state, PowerStatus *st) {
    ExecState *s = state;
    char out[512];
    if (!s->status) {
        *st = POWER_STATUS_UNKNOWN;
        return 0;
    }
    if (runCommand(s->status, s->timeoutS, out, sizeof(out)) != 0) return -1;
    strTrim(out);
    if (strcasecmp(out, "on") == 0)
        *st = POWER_STATUS_ON;
    else if (strcasecmp(out, "off") == 0)
        *st = POWER_STATUS_OFF;
    else
        return ERR("status command '%s' printed '%.60s', expected on or off", s->status, out);
    return 0;
}

const PowerActuatorDriver actuatorExec = {
    .name = "exec",
    .create = execCreate,
    .powerOn = execOn,
    .powerOff = execOff,
    .status = execStatus,
    .free = execFree,
};
