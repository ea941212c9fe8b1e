/* buf.h - a growable byte buffer for building text (HTTP bodies, metric
 * expositions, JSON lines) with printf-style appends. */
#ifndef GEYSER_BUF_H
#define GEYSER_BUF_H

#include <stddef.h>

typedef struct Buf {
    char *data; /* always NUL-terminated once anything was appended */
    size_t len, cap;
} Buf;

void bufInit(Buf *b);
void bufFree(Buf *b);
void bufAppend(Buf *b, const char *s, size_t n);
void bufPrintf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A finite number with at most `decimals` (0-9) digits after the point,
 * trailing zeros dropped ("12.5", "0", "-0.0125"); "null" where x is not
 * finite, and %.17g where it is too large for fixed notation. Several times
 * faster than printf's %g, which dominates bulk JSON of measurements. */
void bufAppendFixed(Buf *b, double x, int decimals);
/* Hand the contents over (caller frees); the buffer is left empty. */
char *bufDetach(Buf *b, size_t *len);

#endif
