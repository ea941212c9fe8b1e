/* buf.c - growable text buffer. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void bufInit(Buf *b) {
    b->data = NULL;
    b->len = b->cap = 0;
}

void bufFree(Buf *b) {
    free(b->data);
    bufInit(b);
}

void bufAppend(Buf *b, const char *s, size_t n) {
    growArray((void **)&b->data, 1, &b->cap, b->len + n + 1);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void bufPrintf(Buf *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        growArray((void **)&b->data, 1, &b->cap, b->len + (size_t)n + 1);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

char *bufDetach(Buf *b, size_t *len) {
    if (!b->data) bufAppend(b, "", 0);
    char *d = b->data;
    if (len) *len = b->len;
    bufInit(b);
    return d;
}
