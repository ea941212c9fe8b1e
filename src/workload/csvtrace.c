/* csvtrace.c - loader for utilization traces in long CSV form: one row per
 * (time, vm, cpu_util) sample, as exported from a metering database. The
 * rows may come in any order; the loader works out the regular time grid
 * from the data and insists that every VM has exactly one sample at every
 * grid time, so a missing or doubled sample is an error, never a guess. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "util.h"
#include "workload.h"

/* Tolerance, as a fraction of the grid step, for a time to count as on
 * the grid: exports often print times through floating point. */
#define CSV_GRID_TOL 1e-6
/* Grid indices beyond this lose precision in a double; a trace with that
 * many steps is a mistake anyway. */
#define CSV_MAX_STEPS 1e15
/* How much of a bad field an error message quotes. */
#define CSV_QUOTE_MAX 40

/* Kept small (24 bytes): a day's export has 100k rows or more. The grid
 * index is recomputed from t where needed rather than stored. */
typedef struct CsvRow {
    double t;
    int vm;
    int line;
    float util;
} CsvRow;

/* A row's place on the grid and the line it came from, for explaining
 * one VM's duplicates and gaps. */
typedef struct GridSample {
    long long k;
    int line;
} GridSample;

/* Open-addressing hash from VM name to its index in appearance order. */
typedef struct VmMap {
    int *slots;    /* -1: empty */
    size_t nslots; /* a power of two, kept at most half full */
    char **names;
    int n;
    size_t cap;
} VmMap;

/* The parse in progress: the rows so far and where the columns are. */
typedef struct CsvParse {
    const char *path;
    int ncols, colTime, colVm, colUtil;
    CsvRow *rows; /* room for one per line of the file */
    size_t nrows;
    VmMap vms;
} CsvParse;

static uint64_t hashBytes(const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void vmMapFree(VmMap *m) {
    for (int i = 0; i < m->n; i++)
        free(m->names[i]);
    free(m->names);
    free(m->slots);
}

static void vmMapRehash(VmMap *m) {
    size_t nslots = m->nslots ? m->nslots * 2 : 256;
    free(m->slots);
    m->slots = xmalloc(nslots * sizeof(int));
    memset(m->slots, 0xff, nslots * sizeof(int)); /* every slot -1 */
    m->nslots = nslots;
    for (int i = 0; i < m->n; i++) {
        size_t h = (size_t)hashBytes(m->names[i], strlen(m->names[i])) & (nslots - 1);
        while (m->slots[h] >= 0)
            h = (h + 1) & (nslots - 1);
        m->slots[h] = i;
    }
}

/* Index of VM name, added if new. */
static int vmMapIntern(VmMap *m, const char *name, size_t len) {
    if ((size_t)m->n * 2 >= m->nslots) vmMapRehash(m);
    size_t h = (size_t)hashBytes(name, len) & (m->nslots - 1);
    while (m->slots[h] >= 0) {
        if (strcmp(m->names[m->slots[h]], name) == 0) return m->slots[h];
        h = (h + 1) & (m->nslots - 1);
    }
    if ((size_t)m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->names = xrealloc(m->names, m->cap * sizeof(char *));
    }
    m->names[m->n] = xstrndup(name, len);
    m->slots[h] = m->n;
    return m->n++;
}

static int readWholeFile(const char *path, char **out, size_t *lenOut) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ERR("%s: cannot open the trace: %s.", path, strerror(errno));
    /* Size the buffer from fstat so a big trace is not copied while it
     * grows; reading still goes on until end of file. */
    struct stat st;
    size_t cap = 65536, len = 0;
    if (fstat(fd, &st) == 0 && st.st_size > 0 && (uint64_t)st.st_size < SIZE_MAX / 2)
        cap = (size_t)st.st_size + 4096 + 2;
    char *buf = xmalloc(cap);
    for (;;) {
        if (cap - len < 4096 + 1) buf = xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return ERR("%s: cannot read the trace: %s.", path, strerror(e));
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    *out = buf;
    *lenOut = len;
    return 0;
}

static int isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/* Split the line [p, end) at commas, in one pass, into at most max
 * trimmed, NUL-terminated fields; returns the number of fields (which may
 * exceed max; the rest are not stored), or -1 on a quote or a NUL byte,
 * which this simple format cannot carry. */
static int splitFields(char *p, char *end, char **fields, size_t *lens, int max) {
    int n = 0;
    for (;;) {
        char *f = p;
        while (p < end && *p != ',' && *p != '"' && *p != '\0')
            p++;
        if (p < end && *p != ',') return -1;
        char *fe = p;
        while (f < fe && isBlank(*f))
            f++;
        while (fe > f && isBlank(fe[-1]))
            fe--;
        *fe = '\0'; /* at or before the comma or line end already passed */
        if (n < max) {
            fields[n] = f;
            lens[n] = (size_t)(fe - f);
        }
        n++;
        if (p >= end) return n;
        p++;
    }
}

static int badCharacters(const CsvParse *cp, int line) {
    return ERR("%s:%d: the line has a quote or a NUL byte; quoted fields are not supported.",
               cp->path, line);
}

static int findColumn(CsvParse *cp, char **fields, int n, const char *want, int *col) {
    *col = -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(fields[i], want) != 0) continue;
        if (*col >= 0) return ERR("%s:1: the header names the column '%s' twice.", cp->path, want);
        *col = i;
    }
    if (*col < 0)
        return ERR("%s:1: the header has no '%s' column; it needs time, vm and cpu_util.", cp->path,
                   want);
    return 0;
}

#define CSV_MAX_COLS 256

static int parseHeader(CsvParse *cp, char *text, char *end, int line) {
    char *fields[CSV_MAX_COLS];
    size_t lens[CSV_MAX_COLS];
    int n = splitFields(text, end, fields, lens, CSV_MAX_COLS);
    if (n < 0) return badCharacters(cp, line);
    if (n > CSV_MAX_COLS)
        return ERR("%s:1: the header has %d columns, more than the %d supported.", cp->path, n,
                   CSV_MAX_COLS);
    cp->ncols = n;
    if (findColumn(cp, fields, n, "time", &cp->colTime) < 0 ||
        findColumn(cp, fields, n, "vm", &cp->colVm) < 0 ||
        findColumn(cp, fields, n, "cpu_util", &cp->colUtil) < 0)
        return -1;
    return 0;
}

static int parseRow(CsvParse *cp, char *text, char *end, int line) {
    char *f[CSV_MAX_COLS];
    size_t lens[CSV_MAX_COLS];
    int n = splitFields(text, end, f, lens, CSV_MAX_COLS);
    if (n < 0) return badCharacters(cp, line);
    if (n != cp->ncols)
        return ERR("%s:%d: the line has %d fields but the header has %d.", cp->path, line, n,
                   cp->ncols);
    const char *ts = f[cp->colTime], *vm = f[cp->colVm], *us = f[cp->colUtil];
    double t, u;
    if (parseDouble(ts, &t) < 0)
        return ERR("%s:%d: time '%.*s' is not a number of seconds.", cp->path, line, CSV_QUOTE_MAX,
                   ts);
    if (t < 0) return ERR("%s:%d: time %.*s is negative.", cp->path, line, CSV_QUOTE_MAX, ts);
    if (!*vm) return ERR("%s:%d: the vm field is empty.", cp->path, line);
    if (parseDouble(us, &u) < 0)
        return ERR("%s:%d: cpu_util '%.*s' is not a number.", cp->path, line, CSV_QUOTE_MAX, us);
    if (u < 0 || u > 100)
        return ERR("%s:%d: cpu_util %.*s is outside the percentage range 0-100.", cp->path, line,
                   CSV_QUOTE_MAX, us);
    CsvRow *r = &cp->rows[cp->nrows++];
    r->t = t + 0.0; /* turns -0 into +0 */
    r->vm = vmMapIntern(&cp->vms, vm, lens[cp->colVm]);
    r->line = line;
    r->util = (float)(u / 100.0);
    return 0;
}

/* Walk the lines: header, then rows; blank lines only at the end. */
static int parseLines(CsvParse *cp, char *text, size_t len) {
    char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* UTF-8 byte-order mark */
    int line = 0, firstEmpty = 0, sawHeader = 0;
    /* One row per line at most: size the row array once. */
    size_t nlines = 1;
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
        nlines++;
    cp->rows = xmalloc(nlines * sizeof(CsvRow));
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *lineEnd = nl ? nl : end;
        line++;
        char *s = p;
        while (s < lineEnd && isBlank(*s))
            s++;
        p = nl ? nl + 1 : end;
        if (s == lineEnd) {
            if (!firstEmpty) firstEmpty = line;
            continue;
        }
        if (firstEmpty)
            return ERR("%s:%d: the line is empty; only the end of the file may have empty lines.",
                       cp->path, firstEmpty);
        int rc = sawHeader ? parseRow(cp, s, lineEnd, line) : parseHeader(cp, s, lineEnd, line);
        if (rc < 0) return -1;
        sawHeader = 1;
    }
    if (!sawHeader)
        return ERR("%s: the file is empty; it needs a header naming time, vm and cpu_util.",
                   cp->path);
    if (cp->nrows == 0) return ERR("%s: the file has a header but no samples.", cp->path);
    return 0;
}

static int cmpDouble(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The grid step: the smallest positive difference between distinct times.
 * Distinct times are few (a day at 5 minutes is 288), so they are gathered
 * with a small hash set first and only those are sorted. */
static int gridStep(CsvParse *cp, double *step) {
    size_t nslots = 1024, nd = 0;
    double *slots = xmalloc(nslots * sizeof(double));
    for (size_t i = 0; i < nslots; i++)
        slots[i] = -1; /* times are >= 0 */
    for (size_t r = 0; r < cp->nrows; r++) {
        double t = cp->rows[r].t;
        size_t h = (size_t)hashBytes(&t, sizeof(t)) & (nslots - 1);
        while (slots[h] >= 0 && slots[h] != t)
            h = (h + 1) & (nslots - 1);
        if (slots[h] == t) continue;
        slots[h] = t;
        if (++nd * 2 < nslots) continue;
        /* Grow: rehash the distinct times into twice the slots. */
        double *old = slots;
        size_t oldN = nslots;
        nslots *= 2;
        slots = xmalloc(nslots * sizeof(double));
        for (size_t i = 0; i < nslots; i++)
            slots[i] = -1;
        for (size_t i = 0; i < oldN; i++) {
            if (old[i] < 0) continue;
            size_t g = (size_t)hashBytes(&old[i], sizeof(double)) & (nslots - 1);
            while (slots[g] >= 0)
                g = (g + 1) & (nslots - 1);
            slots[g] = old[i];
        }
        free(old);
    }
    size_t m = 0;
    for (size_t i = 0; i < nslots; i++)
        if (slots[i] >= 0) slots[m++] = slots[i];
    qsort(slots, m, sizeof(double), cmpDouble);
    double best = 0;
    for (size_t i = 1; i < m; i++)
        if (best == 0 || slots[i] - slots[i - 1] < best) best = slots[i] - slots[i - 1];
    double only = slots[0];
    free(slots);
    if (m < 2)
        return ERR("%s: every sample is at time %.10g s; at least two distinct times are needed "
                   "to know the grid step.",
                   cp->path, only);
    *step = best;
    return 0;
}

/* Only valid for times placeOnGrid has accepted. */
static long long gridIndex(double t, double step) {
    return (long long)nearbyint(t / step);
}

/* Check that every time is on the grid and find the last grid index. */
static int placeOnGrid(const CsvParse *cp, double step, long long *maxK) {
    *maxK = 0;
    for (size_t r = 0; r < cp->nrows; r++) {
        const CsvRow *row = &cp->rows[r];
        double x = row->t / step;
        if (x > CSV_MAX_STEPS)
            return ERR("%s:%d: time %.10g s is more than %g grid steps of %.10g s from 0.",
                       cp->path, row->line, row->t, CSV_MAX_STEPS, step);
        double k = nearbyint(x);
        if (fabs(x - k) > CSV_GRID_TOL)
            return ERR("%s:%d: time %.10g s is not on the grid of %.10g s steps starting at 0.",
                       cp->path, row->line, row->t, step);
        if ((long long)k > *maxK) *maxK = (long long)k;
    }
    return 0;
}

static int cmpKLine(const void *a, const void *b) {
    const GridSample *x = a, *y = b;
    if (x->k != y->k) return (x->k > y->k) - (x->k < y->k);
    return (x->line > y->line) - (x->line < y->line);
}

/* Explain why vm's sample count is not ngrid: its first duplicate or gap
 * in time order. Only this VM's rows are sorted, so a grid of absurd size
 * costs nothing. */
static int explainMismatch(const CsvParse *cp, int vm, double step) {
    size_t n = 0;
    for (size_t r = 0; r < cp->nrows; r++)
        n += cp->rows[r].vm == vm;
    GridSample *mine = xmalloc(n * sizeof(GridSample));
    n = 0;
    for (size_t r = 0; r < cp->nrows; r++) {
        if (cp->rows[r].vm != vm) continue;
        mine[n].k = gridIndex(cp->rows[r].t, step);
        mine[n++].line = cp->rows[r].line;
    }
    qsort(mine, n, sizeof(GridSample), cmpKLine);
    long long expect = 0, dupK = 0;
    int dupLine = 0, dupFirst = 0, near = mine[0].line;
    for (size_t i = 0; i < n && !dupLine && mine[i].k <= expect; i++) {
        if (mine[i].k < expect) { /* sorted, so the same time as mine[i - 1] */
            dupK = mine[i].k;
            dupLine = mine[i].line;
            dupFirst = mine[i - 1].line;
        } else {
            expect++;
            near = mine[i].line;
        }
    }
    free(mine);
    const char *name = cp->vms.names[vm];
    if (dupLine)
        return ERR("%s:%d: vm '%s' has a second sample at time %.10g s (the first is on line %d).",
                   cp->path, dupLine, name, (double)dupK * step, dupFirst);
    /* No duplicate before the first missing index: there is the gap. The
     * line quoted is the VM's sample just before it (or the first one). */
    return ERR("%s:%d: vm '%s' has no sample at time %.10g s (grid step %.10g s).", cp->path, near,
               name, (double)expect * step, step);
}

static Workload *newWorkload(const CsvParse *cp, int ngrid, double step) {
    Workload *w = xcalloc(1, sizeof(*w));
    w->nseries = cp->vms.n;
    w->series = xcalloc((size_t)w->nseries, sizeof(*w->series));
    w->stepS = step;
    w->nsamples = ngrid;
    for (int v = 0; v < w->nseries; v++) {
        w->series[v].name = xstrdup(cp->vms.names[v]);
        w->series[v].nsamples = ngrid;
        w->series[v].util = xmalloc((size_t)ngrid * sizeof(float));
    }
    return w;
}

/* Every VM has exactly ngrid rows here, so the only possible fault is a
 * duplicate, found in file order by remembering each cell's line. */
static Workload *fillGrid(const CsvParse *cp, int ngrid, double step) {
    Workload *w = newWorkload(cp, ngrid, step);
    int *lineAt = xcalloc((size_t)cp->vms.n * (size_t)ngrid, sizeof(int));
    for (size_t r = 0; r < cp->nrows; r++) {
        const CsvRow *row = &cp->rows[r];
        size_t k = (size_t)gridIndex(row->t, step);
        size_t cell = (size_t)row->vm * (size_t)ngrid + k;
        if (lineAt[cell]) {
            ERR("%s:%d: vm '%s' has a second sample at time %.10g s (the first is on line %d).",
                cp->path, row->line, cp->vms.names[row->vm], row->t, lineAt[cell]);
            free(lineAt);
            workloadFree(w);
            return NULL;
        }
        lineAt[cell] = row->line;
        w->series[row->vm].util[k] = row->util;
    }
    free(lineAt);
    return w;
}

static Workload *buildWorkload(CsvParse *cp) {
    double step = 0;
    long long maxK = 0;
    if (gridStep(cp, &step) < 0 || placeOnGrid(cp, step, &maxK) < 0) return NULL;
    long long ngrid = maxK + 1;
    int *count = xcalloc((size_t)cp->vms.n, sizeof(int));
    for (size_t r = 0; r < cp->nrows; r++)
        count[cp->rows[r].vm]++;
    int bad = -1;
    for (int v = 0; v < cp->vms.n && bad < 0; v++)
        if (count[v] != ngrid) bad = v;
    free(count);
    if (bad >= 0) {
        explainMismatch(cp, bad, step);
        return NULL;
    }
    /* Counts match, so ngrid <= nrows and fits an int. */
    return fillGrid(cp, (int)ngrid, step);
}

Workload *workloadLoadCsv(const char *path) {
    char *text = NULL;
    size_t len = 0;
    if (readWholeFile(path, &text, &len) < 0) return NULL;
    CsvParse cp = {.path = path};
    Workload *w = NULL;
    if (parseLines(&cp, text, len) == 0) w = buildWorkload(&cp);
    free(text);
    free(cp.rows);
    vmMapFree(&cp.vms);
    return w;
}
