/* loop.h - the daemon's one event loop: file descriptors and timers on
 * poll(2), as Redis's ae. Everything periodic in `geyser serve` hangs off
 * timers of this loop, and the HTTP server's sockets are watched by it, so
 * there is exactly one thread touching the daemon's state. */
#ifndef GEYSER_LOOP_H
#define GEYSER_LOOP_H

#include <stdbool.h>

typedef struct Loop Loop;

/* Called when fd is readable (or has an error); return -1 to stop the loop. */
typedef int (*LoopFdFn)(Loop *l, int fd, void *arg);
/* Called when a timer fires; return the delay in ms until it fires again,
 * 0 to remove it, or -1 to stop the loop. */
typedef long (*LoopTimerFn)(Loop *l, void *arg);
/* Called before each poll: lets a component (the HTTP server) cap the wait. */
typedef long (*LoopBeforeFn)(Loop *l, void *arg);

Loop *loopCreate(void);
void loopFree(Loop *l);

int loopWatch(Loop *l, int fd, LoopFdFn fn, void *arg);
void loopUnwatch(Loop *l, int fd);
/* First call after delayMs. Returns an id > 0. */
long loopAddTimer(Loop *l, long delayMs, LoopTimerFn fn, void *arg);
/* fn returns the longest the loop may sleep in ms (or -1 for no limit). */
void loopSetBefore(Loop *l, LoopBeforeFn fn, void *arg);

/* Run until loopStop() or a callback asks to stop. SIGINT and SIGTERM stop
 * it cleanly. Returns 0, or -1 on a poll failure. */
int loopRun(Loop *l);
void loopStop(Loop *l);

/* Milliseconds on the monotonic clock. */
long long loopNowMs(void);

#endif
