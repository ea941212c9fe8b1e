/* loop.c - poll(2) event loop with millisecond timers and a self-pipe for
 * SIGINT/SIGTERM, so that a signal ends the loop between callbacks and the
 * daemon always shuts down through its normal cleanup path. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

typedef struct LoopWatch {
    int fd;
    LoopFdFn fn;
    void *arg;
} LoopWatch;

typedef struct LoopTimer {
    long id;
    long long due;
    LoopTimerFn fn;
    void *arg;
} LoopTimer;

struct Loop {
    LoopWatch *watches;
    size_t nwatches, capWatches;
    LoopTimer *timers;
    size_t ntimers, capTimers;
    long nextId;
    bool stop;
    LoopBeforeFn before;
    void *beforeArg;
};

static int signalPipe[2] = {-1, -1};

static void onSignal(int sig) {
    (void)sig;
    int saved = errno;
    if (signalPipe[1] >= 0) {
        ssize_t n = write(signalPipe[1], "x", 1);
        (void)n;
    }
    errno = saved;
}

long long loopNowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int onSignalPipe(Loop *l, int fd, void *arg) {
    (void)arg;
    char buf[16];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    l->stop = true;
    return 0;
}

Loop *loopCreate(void) {
    Loop *l = xcalloc(1, sizeof(*l));
    if (signalPipe[0] < 0) {
        if (pipe2(signalPipe, O_NONBLOCK | O_CLOEXEC) != 0) {
            ERR("cannot create the signal pipe: %s", strerror(errno));
            free(l);
            return NULL;
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = onSignal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
    }
    loopWatch(l, signalPipe[0], onSignalPipe, NULL);
    return l;
}

void loopFree(Loop *l) {
    if (!l) return;
    free(l->watches);
    free(l->timers);
    free(l);
}

int loopWatch(Loop *l, int fd, LoopFdFn fn, void *arg) {
    if (fd < 0) return ERR("cannot watch file descriptor %d", fd);
    growArray((void **)&l->watches, sizeof(LoopWatch), &l->capWatches, l->nwatches + 1);
    l->watches[l->nwatches++] = (LoopWatch){fd, fn, arg};
    return 0;
}

void loopUnwatch(Loop *l, int fd) {
    for (size_t i = 0; i < l->nwatches; i++) {
        if (l->watches[i].fd != fd) continue;
        l->watches[i] = l->watches[--l->nwatches];
        return;
    }
}

long loopAddTimer(Loop *l, long delayMs, LoopTimerFn fn, void *arg) {
    growArray((void **)&l->timers, sizeof(LoopTimer), &l->capTimers, l->ntimers + 1);
    long id = ++l->nextId;
    l->timers[l->ntimers++] = (LoopTimer){id, loopNowMs() + delayMs, fn, arg};
    return id;
}

void loopSetBefore(Loop *l, LoopBeforeFn fn, void *arg) {
    l->before = fn;
    l->beforeArg = arg;
}

void loopStop(Loop *l) {
    l->stop = true;
}

static long pollTimeout(Loop *l) {
    long long now = loopNowMs(), wait = -1;
    for (size_t i = 0; i < l->ntimers; i++) {
        long long d = l->timers[i].due - now;
        if (d < 0) d = 0;
        if (wait < 0 || d < wait) wait = d;
    }
    if (l->before) {
        long cap = l->before(l, l->beforeArg);
        if (cap >= 0 && (wait < 0 || cap < wait)) wait = cap;
    }
    return (long)wait;
}

static void runTimers(Loop *l) {
    long long now = loopNowMs();
    for (size_t i = 0; i < l->ntimers && !l->stop;) {
        LoopTimer *t = &l->timers[i];
        if (t->due > now) {
            i++;
            continue;
        }
        long next = t->fn(l, t->arg);
        t = &l->timers[i]; /* the callback may have added timers */
        if (next < 0) {
            l->stop = true;
        } else if (next == 0) {
            l->timers[i] = l->timers[--l->ntimers];
            continue;
        } else {
            t->due = now + next;
        }
        i++;
    }
}

static int dispatch(Loop *l, struct pollfd *pfd, size_t n) {
    for (size_t i = 0; i < n && !l->stop; i++) {
        if (!pfd[i].revents) continue;
        for (size_t k = 0; k < l->nwatches; k++) {
            if (l->watches[k].fd != pfd[i].fd) continue;
            if (l->watches[k].fn(l, pfd[i].fd, l->watches[k].arg) < 0) l->stop = true;
            break;
        }
    }
    return 0;
}

int loopRun(Loop *l) {
    struct pollfd *pfd = NULL;
    size_t cap = 0;
    l->stop = false;
    while (!l->stop) {
        growArray((void **)&pfd, sizeof(*pfd), &cap, l->nwatches + 1);
        size_t n = l->nwatches;
        for (size_t i = 0; i < n; i++)
            pfd[i] = (struct pollfd){l->watches[i].fd, POLLIN, 0};
        int rc = poll(pfd, n, (int)pollTimeout(l));
        if (rc < 0 && errno != EINTR) {
            free(pfd);
            return ERR("poll failed: %s", strerror(errno));
        }
        if (rc > 0) dispatch(l, pfd, n);
        runTimers(l);
    }
    free(pfd);
    return 0;
}
