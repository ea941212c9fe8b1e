/* err.h - one error model for all of geyser.
 *
 * Low-level modules never print. A function that fails records one message,
 * where the failure happens, with errReport() and returns -1 or NULL; its
 * callers pass the failure up without adding noise, and the outermost layer
 * (the CLI or the daemon's log) prints errLast(). This is libvirt's model:
 * reported once, with context, as a whole sentence. */
#ifndef GEYSER_ERR_H
#define GEYSER_ERR_H

#include <stdarg.h>

/* Record an error message, replacing any previous one. Returns -1 so that
 * "return ERR(...)" reads naturally in int-returning functions. */
#define ERR(...) errReport(__FILE__, __LINE__, __VA_ARGS__)

int errReport(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the current message with more context ("while loading X: ..."). */
void errPrefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message, or "unknown error" when none was recorded. */
const char *errLast(void);

/* Source location of the last message, for debug logs ("file.c:123"). */
const char *errWhere(void);

void errClear(void);

#endif
