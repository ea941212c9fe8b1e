/* err.c - the last error message of this thread, with where it was raised. */
#include "err.h"

#include <stdio.h>
#include <string.h>

static _Thread_local char errMsg[1024];
static _Thread_local char errLoc[128];

int errReport(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errMsg, sizeof(errMsg), fmt, ap);
    va_end(ap);
    const char *base = strrchr(file, '/');
    snprintf(errLoc, sizeof(errLoc), "%s:%d", base ? base + 1 : file, line);
    return -1;
}

void errPrefix(const char *fmt, ...) {
    char prefix[512];
    char old[sizeof(errMsg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, errMsg, sizeof(old));
    /* Truncation is acceptable: the start of the message says the most. */
    size_t n = strlen(prefix);
    if (n > sizeof(errMsg) - 3) n = sizeof(errMsg) - 3;
    memcpy(errMsg, prefix, n);
    memcpy(errMsg + n, ": ", 2);
    const char *rest = old[0] ? old : "unknown error";
    size_t room = sizeof(errMsg) - n - 3;
    size_t m = strlen(rest);
    if (m > room) m = room;
    memcpy(errMsg + n + 2, rest, m);
    errMsg[n + 2 + m] = '\0';
}

const char *errLast(void) {
    return errMsg[0] ? errMsg : "unknown error";
}

const char *errWhere(void) {
    return errLoc;
}

void errClear(void) {
    errMsg[0] = '\0';
    errLoc[0] = '\0';
}
