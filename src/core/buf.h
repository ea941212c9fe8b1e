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
/* Hand the contents over (caller frees); the buffer is left empty. */
char *bufDetach(Buf *b, size_t *len);

#endif
