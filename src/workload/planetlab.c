/* planetlab.c - loader for the PlanetLab/CoMon traces that CloudSim ships: a
 * directory with one file per VM, one integer CPU percentage per line, one
 * line per 5 minutes. A day is about a thousand small files, so each file is
 * read whole with read() into one reused buffer and parsed by hand; stdio
 * and per-line parsing would cost more than the data. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "workload.h"

#define PL_STEP_S    300.0
#define PL_MAX_LINES 100000
/* Far above 100000 lines of "100" plus generous trailing blanks; guards
 * against slurping a huge file that cannot be a trace. */
#define PL_MAX_BYTES (64L * 1024 * 1024)
/* How much of a bad value an error message quotes. */
#define PL_QUOTE_MAX 40

typedef struct ReadBuf {
    char *data;
    size_t cap;
    size_t len;
} ReadBuf;

typedef struct NameList {
    char **names;
    int n;
} NameList;

static void nameListFree(NameList *l) {
    for (int i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

static void joinPath(char *out, size_t size, const char *dir, const char *name) {
    size_t n = strlen(dir);
    snprintf(out, size, "%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

/* Read all of fd into rb (NUL-terminated). Reads until read() says end of
 * file rather than trusting fstat, so a file that changes size is still
 * read consistently. */
static int readAll(int fd, const char *path, ReadBuf *rb) {
    rb->len = 0;
    for (;;) {
        if (rb->cap - rb->len < 4096 + 1) {
            rb->cap = rb->cap ? rb->cap * 2 : 65536;
            rb->data = xrealloc(rb->data, rb->cap);
        }
        ssize_t r = read(fd, rb->data + rb->len, rb->cap - rb->len - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return ERR("%s: cannot read the file: %s.", path, strerror(errno));
        if (r == 0) break;
        rb->len += (size_t)r;
        if (rb->len > (size_t)PL_MAX_BYTES)
            return ERR("%s: the file is larger than %ld bytes, too large for a trace.", path,
                       PL_MAX_BYTES);
    }
    rb->data[rb->len] = '\0';
    return 0;
}

static int readFileAt(int dirFd, const char *name, const char *path, ReadBuf *rb) {
    int fd = openat(dirFd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ERR("%s: cannot open the file: %s.", path, strerror(errno));
    int rc = readAll(fd, path, rb);
    close(fd);
    return rc;
}

static int byName(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether dir/name is a regular file (following symlinks), using the type
 * readdir already gave whenever it is conclusive. */
static int isRegular(int dirFd, const struct dirent *e, const char *dir) {
    if (e->d_type == DT_REG) return 1;
    if (e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) return 0;
    struct stat st;
    if (fstatat(dirFd, e->d_name, &st, 0) != 0) {
        char path[4096];
        joinPath(path, sizeof(path), dir, e->d_name);
        return ERR("%s: cannot stat the file: %s.", path, strerror(errno));
    }
    return S_ISREG(st.st_mode) ? 1 : 0;
}

/* Visible entry names of dir, sorted by strcmp; every one must be a regular
 * file, since skipping anything would silently drop VMs. */
static int listTraceDir(const char *dir, NameList *out) {
    DIR *d = opendir(dir);
    if (!d) return ERR("%s: cannot open the trace directory: %s.", dir, strerror(errno));
    size_t cap = 0;
    out->names = NULL;
    out->n = 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        int reg = isRegular(dirfd(d), e, dir);
        if (reg < 0) {
            rc = -1;
        } else if (!reg) {
            char path[4096];
            joinPath(path, sizeof(path), dir, e->d_name);
            rc =
                ERR("%s is not a regular file; a trace directory may hold only trace files.", path);
        } else {
            growArray((void **)&out->names, sizeof(char *), &cap, (size_t)out->n + 1);
            out->names[out->n++] = xstrdup(e->d_name);
        }
    }
    closedir(d);
    if (rc == 0 && out->n == 0) rc = ERR("%s: the trace directory holds no trace files.", dir);
    if (rc < 0) {
        nameListFree(out);
        return -1;
    }
    qsort(out->names, (size_t)out->n, sizeof(char *), byName);
    return 0;
}

static int isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/* One line [p, q) without trailing blanks: an integer 0-100, as a fraction. */
static int parsePercent(const char *path, int line, const char *p, const char *q, float *out) {
    int len = (int)(q - p), quote = len < PL_QUOTE_MAX ? len : PL_QUOTE_MAX;
    const char *s = p + (*p == '-');
    long v = 0;
    int digits = 0;
    for (; s < q && *s >= '0' && *s <= '9'; s++, digits++)
        if (v <= 1000) v = v * 10 + (*s - '0'); /* past 1000 it is out of range anyway */
    if (s != q || digits == 0)
        return ERR("%s:%d: '%.*s' is not an integer percentage.", path, line, quote, p);
    if (v > 100 || (*p == '-' && v != 0))
        return ERR("%s:%d: %.*s is outside the percentage range 0-100.", path, line, quote, p);
    *out = (float)((double)v / 100.0);
    return 0;
}

/* Parse one trace into *vals (grown as needed); returns its sample count.
 * Empty lines may end a file (editors add them) but not split it. */
static int parseTrace(const char *path, const char *buf, size_t len, float **vals, size_t *cap) {
    const char *p = buf, *end = buf + len;
    int line = 0, n = 0, firstEmpty = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *q = nl ? nl : end;
        if (++line > PL_MAX_LINES)
            return ERR("%s: the file has more than %d lines, too many for a trace.", path,
                       PL_MAX_LINES);
        while (q > p && isBlank(q[-1]))
            q--;
        if (q == p) {
            if (!firstEmpty) firstEmpty = line;
        } else {
            if (firstEmpty)
                return ERR(
                    "%s:%d: the line is empty; only the end of a trace may have empty lines.", path,
                    firstEmpty);
            growArray((void **)vals, sizeof(float), cap, (size_t)n + 1);
            if (parsePercent(path, line, p, q, &(*vals)[n]) < 0) return -1;
            n++;
        }
        p = nl ? nl + 1 : end;
    }
    if (n == 0) return ERR("%s: the file is empty; a trace needs at least one sample.", path);
    return n;
}

/* Load the named files of dir, in the given order, into a workload. */
static Workload *loadTraces(const char *dir, char *const *names, int n) {
    int dirFd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd < 0) {
        ERR("%s: cannot open the trace directory: %s.", dir, strerror(errno));
        return NULL;
    }
    Workload *w = xcalloc(1, sizeof(*w));
    w->series = xcalloc((size_t)n, sizeof(*w->series));
    w->nseries = n;
    w->stepS = PL_STEP_S;
    ReadBuf rb = {0};
    float *vals = NULL;
    size_t valsCap = 0;
    char path[4096], firstPath[4096];
    int ok = 1;
    for (int i = 0; ok && i < n; i++) {
        joinPath(path, sizeof(path), dir, names[i]);
        int cnt = -1;
        if (readFileAt(dirFd, names[i], path, &rb) == 0)
            cnt = parseTrace(path, rb.data, rb.len, &vals, &valsCap);
        if (cnt < 0) {
            ok = 0;
        } else if (i == 0) {
            w->nsamples = cnt;
            memcpy(firstPath, path, sizeof(path));
        } else if (cnt != w->nsamples) {
            ERR("%s: the trace has %d lines but %s has %d; all traces must have the same length.",
                path, cnt, firstPath, w->nsamples);
            ok = 0;
        }
        if (!ok) break;
        WorkloadSeries *s = &w->series[i];
        s->name = xstrdup(names[i]);
        s->nsamples = cnt;
        s->util = xmalloc((size_t)cnt * sizeof(float));
        memcpy(s->util, vals, (size_t)cnt * sizeof(float));
    }
    close(dirFd);
    free(rb.data);
    free(vals);
    if (!ok) {
        workloadFree(w);
        return NULL;
    }
    return w;
}

Workload *workloadLoadPlanetLab(const char *dir) {
    NameList l;
    if (listTraceDir(dir, &l) < 0) return NULL;
    Workload *w = loadTraces(dir, l.names, l.n);
    nameListFree(&l);
    return w;
}

static int findName(const NameList *l, const char *name) {
    char *const *hit = bsearch(&name, l->names, (size_t)l->n, sizeof(char *), byName);
    return hit ? (int)(hit - l->names) : -1;
}

/* Fill order[] with indices into l from the order file's last column.
 * lineOf[i] records where file i was named (0: not yet), for duplicates. */
static int parseOrder(const char *orderFile, char *text, size_t len, const NameList *l,
                      const char *dir, int *order, int *lineOf) {
    char *p = text, *end = text + len;
    int line = 0, norder = 0, seenContent = 0, firstEmpty = 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *q = nl ? nl : end;
        line++;
        while (q > p && isBlank(q[-1]))
            q--;
        *q = '\0';
        char *next = nl ? nl + 1 : end;
        if (q == p) {
            if (!firstEmpty) firstEmpty = line;
            p = next;
            continue;
        }
        if (firstEmpty)
            return ERR("%s:%d: the line is empty; only the end of the file may have empty lines.",
                       orderFile, firstEmpty);
        char *name = strrchr(p, ',');
        name = name ? name + 1 : p;
        while (isBlank(*name))
            name++;
        int idx = findName(l, name);
        int header = !seenContent && idx < 0;
        seenContent = 1;
        if (!header) {
            if (idx < 0)
                return ERR("%s:%d: '%s' is not a trace file in %s.", orderFile, line, name, dir);
            if (lineOf[idx])
                return ERR("%s:%d: '%s' is named twice (first on line %d).", orderFile, line, name,
                           lineOf[idx]);
            lineOf[idx] = line;
            order[norder++] = idx;
        }
        p = next;
    }
    for (int i = 0; i < l->n; i++) {
        if (!lineOf[i]) {
            char path[4096];
            joinPath(path, sizeof(path), dir, l->names[i]);
            return ERR("%s is not named in %s; the order must name every trace file.", path,
                       orderFile);
        }
    }
    return 0;
}

static int readOrderFile(const char *orderFile, ReadBuf *rb) {
    int fd = open(orderFile, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ERR("%s: cannot open the order file: %s.", orderFile, strerror(errno));
    int rc = readAll(fd, orderFile, rb);
    close(fd);
    return rc;
}

Workload *workloadLoadPlanetLabOrdered(const char *dir, const char *orderFile) {
    NameList l;
    if (listTraceDir(dir, &l) < 0) return NULL;
    ReadBuf rb = {0};
    int *order = xcalloc((size_t)l.n, sizeof(int));
    int *lineOf = xcalloc((size_t)l.n, sizeof(int));
    char **names = xcalloc((size_t)l.n, sizeof(char *));
    Workload *w = NULL;
    if (readOrderFile(orderFile, &rb) == 0 &&
        parseOrder(orderFile, rb.data, rb.len, &l, dir, order, lineOf) == 0) {
        for (int i = 0; i < l.n; i++)
            names[i] = l.names[order[i]];
        w = loadTraces(dir, names, l.n);
    }
    free(names);
    free(lineOf);
    free(order);
    free(rb.data);
    nameListFree(&l);
    return w;
}
