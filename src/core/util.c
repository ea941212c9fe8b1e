/* util.c - allocation, strict parsing and clocks shared by every module. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void outOfMemory(size_t n) {
    fprintf(stderr, "geyser: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) outOfMemory(n);
    return p;
}

void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) outOfMemory(n * size);
    return p;
}

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) outOfMemory(n);
    return q;
}

char *xstrdup(const char *s) {
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n) {
    char *d = xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void growArray(void **arr, size_t elsz, size_t *cap, size_t need) {
    if (need <= *cap) return;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    *arr = xrealloc(*arr, ncap * elsz);
    *cap = ncap;
}

static const char *skipBlanks(const char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

int parseDouble(const char *s, double *out) {
    if (!s) return -1;
    s = skipBlanks(s);
    if (!*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v)) return -1;
    if (*skipBlanks(end)) return -1;
    *out = v;
    return 0;
}

int parseLong(const char *s, long *out) {
    if (!s) return -1;
    s = skipBlanks(s);
    if (!*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno == ERANGE) return -1;
    if (*skipBlanks(end)) return -1;
    *out = v;
    return 0;
}

char *strTrim(char *s) {
    char *start = s;
    while (*start && isspace((unsigned char)*start))
        start++;
    size_t n = strlen(start);
    while (n > 0 && isspace((unsigned char)start[n - 1]))
        n--;
    memmove(s, start, n);
    s[n] = '\0';
    return s;
}

bool strStartsWith(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

double nowMonotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long peakRssKiB(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return ru.ru_maxrss;
}

char *iniReadLine(const char **text, char *str, int num, bool *header) {
    *header = false;
    if (!**text || num < 2) return NULL;
    const char *nl = strchr(*text, '\n');
    size_t len = nl ? (size_t)(nl - *text) + 1 : strlen(*text);
    if (len > (size_t)num - 1) len = (size_t)num - 1;
    memcpy(str, *text, len);
    str[len] = '\0';
    *text += len;
    const char *t = str;
    while (*t == ' ' || *t == '\t')
        t++;
    *header = *t == '[';
    return str;
}
