/* util.h - allocation that cannot return NULL, strict number parsing, and
 * small string helpers. atoi/atof/strtok/sprintf are not used in geyser:
 * every number read from a user goes through parseDouble/parseLong, which
 * reject trailing garbage, empty strings, NaN and overflow. */
#ifndef GEYSER_UTIL_H
#define GEYSER_UTIL_H

#include <stdbool.h>
#include <stddef.h>

/* Abort with a message on out-of-memory: geyser has nothing sensible to do
 * without memory, and checking every small allocation hides the real errors. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *arr (of element size elsz) so that it can hold at least need
 * elements; *cap is updated. */
void growArray(void **arr, size_t elsz, size_t *cap, size_t need);

/* Parse a whole string as a finite double / long. Leading and trailing
 * blanks are allowed; anything else makes them return -1 (no message). */
int parseDouble(const char *s, double *out);
int parseLong(const char *s, long *out);

/* Trim blanks (space, tab, CR, LF) in place; returns s. */
char *strTrim(char *s);

bool strStartsWith(const char *s, const char *prefix);

/* Monotonic clock in seconds. */
double nowMonotonic(void);

/* Peak resident set size of this process in KiB (from getrusage). */
long peakRssKiB(void);

/* inih's line reader over text in memory (ini_parse_stream): copies the
 * next line of *text into str (at most num - 1 bytes), advances *text, and
 * sets *header when the line opens a section. NULL at the end. Our readers
 * count lines themselves: Debian's inih passes no line number to handlers. */
char *iniReadLine(const char **text, char *str, int num, bool *header);

#endif
