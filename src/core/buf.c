/* buf.c - growable text buffer. */
#include "buf.h"

#include <math.h>
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

void bufAppendFixed(Buf *b, double x, int decimals) {
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (!isfinite(x)) {
        bufAppend(b, "null", 4);
        return;
    }
    if (decimals < 0) decimals = 0;
    if (decimals > 9) decimals = 9;
    double scaled = fabs(x) * pow10[decimals];
    if (scaled >= 9e15) { /* beyond exact integers in a double */
        bufPrintf(b, "%.17g", x);
        return;
    }
    unsigned long long v = (unsigned long long)llround(scaled);
    unsigned long long ipart = v / (unsigned long long)pow10[decimals];
    unsigned long long fpart = v % (unsigned long long)pow10[decimals];
    char tmp[48];
    char *end = tmp + sizeof(tmp), *p = end;
    int digits = decimals;
    while (digits > 0 && fpart % 10 == 0) { /* drop trailing zeros */
        fpart /= 10;
        digits--;
    }
    if (digits > 0) {
        for (int i = 0; i < digits; i++) {
            *--p = (char)('0' + fpart % 10);
            fpart /= 10;
        }
        *--p = '.';
    }
    do {
        *--p = (char)('0' + ipart % 10);
        ipart /= 10;
    } while (ipart);
    if (x < 0 && v != 0) *--p = '-';
    bufAppend(b, p, (size_t)(end - p));
}
