/* drv_exec.c - meter driver that runs a command printing the present draw in
 * watts (one number on stdout), for meters geyser has no driver for: a PDU's
 * CLI, a vendor tool, a script.
 *
 * The command is split on blanks and run without a shell (no quoting rules
 * to get wrong), unless shell = true. It gets /dev/null as stdin and is
 * killed when it overruns the instance timeout. A non-zero exit, output that
 * is not one number, or a value outside [0, max] is an error, never a sample.
 * Messages name only the program (argv[0]): arguments may hold secrets.
 *
 * Keys: command (required), shell (default false), max (watts, default 100000). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "meter.h"
#include "util.h"

extern char **environ;

typedef struct Exec {
    char **argv;
    char *buf; /* the split command */
    double max;
} Exec;

static void execFree(void *st) {
    Exec *x = st;
    if (!x) return;
    free(x->argv);
    free(x->buf);
    free(x);
}

static void *execCreate(MeterConf *c) {
    Exec *x = xcalloc(1, sizeof(*x));
    bool shell;
    const char *cmd = meterConfRequire(c, "command");
    if (!cmd || meterConfBool(c, "shell", false, &shell) < 0 ||
        meterConfDouble(c, "max", 100000, 0, 1e9, &x->max) < 0)
        goto fail;
    x->buf = xstrdup(cmd);
    size_t n = 0, cap = 0;
    if (shell) {
        x->argv = xcalloc(4, sizeof(char *));
        x->argv[0] = (char *)"/bin/sh";
        x->argv[1] = (char *)"-c";
        x->argv[2] = x->buf;
        return x;
    }
    char *save = NULL;
    for (char *t = strtok_r(x->buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        growArray((void **)&x->argv, sizeof(char *), &cap, n + 2);
        x->argv[n++] = t;
        x->argv[n] = NULL;
    }
    if (n == 0) {
        ERR("%s:%d: meter '%s': command is empty", c->origin, meterConfLine(c, "command"), c->name);
        goto fail;
    }
    return x;
fail:
    execFree(x);
    return NULL;
}

/* Collect the child's stdout until EOF or the deadline; 1 on timeout. */
static int execCollect(int fd, double deadline, char *out, size_t cap) {
    size_t len = 0;
    for (;;) {
        double left = deadline - nowMonotonic();
        if (left <= 0) return 1;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) return 1;
        char tmp[512];
        ssize_t got = read(fd, tmp, sizeof(tmp));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        size_t keep = (size_t)got < cap - 1 - len ? (size_t)got : cap - 1 - len;
        memcpy(out + len, tmp, keep);
        len += keep;
    }
    out[len] = '\0';
    return 0;
}

static int execRead(void *st, const MeterCtx *ctx) {
    Exec *x = st;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return ERR("cannot create a pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    pid_t pid;
    int err = posix_spawnp(&pid, x->argv[0], &fa, NULL, x->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (err) {
        close(fds[0]);
        return ERR("cannot run %s: %s", x->argv[0], strerror(err));
    }
    char out[256];
    int timedOut = execCollect(fds[0], nowMonotonic() + ctx->timeout, out, sizeof(out));
    close(fds[0]);
    if (timedOut) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timedOut) return ERR("%s timed out after %.3g s and was killed", x->argv[0], ctx->timeout);
    if (WIFSIGNALED(status)) return ERR("%s was killed by signal %d", x->argv[0], WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        return ERR("%s exited with status %d", x->argv[0], WEXITSTATUS(status));
    double w;
    strTrim(out);
    if (parseDouble(out, &w) < 0)
        return ERR("%s printed '%.60s', not a number of watts", x->argv[0], out);
    if (w < 0 || w > x->max) return ERR("%s printed %g W, outside [0, %g]", x->argv[0], w, x->max);
    meterEmitWatts(ctx, NULL, w, METER_MEASURED);
    return 0;
}

const MeterDriver meterExec = {
    .name = "exec",
    .summary = "a command that prints watts (no shell unless asked; killed on timeout)",
    .create = execCreate,
    .read = execRead,
    .free = execFree,
};
