/* servertype.c - reading server-type catalogues (the CSV format of
 * data/server-types.csv) and the built-in catalogue compiled into geyser. */
#include "servertype.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "err.h"
#include "util.h"

enum {
    COL_NAME,
    COL_CORES,
    COL_CORE_MIPS,
    COL_RAM_MB,
    COL_MODEL,
    COL_R,
    COL_U0, /* u0 .. u100 follow in order */
    COL_OFF_W = COL_U0 + POWER_POINTS,
    COL_BOOT_S,
    COL_BOOT_W,
    COL_SHUTDOWN_S,
    COL_SHUTDOWN_W,
    COL_SOURCE,
    COLS
};

static const char *const colNames[COLS] = {
    "name", "cores", "core_mips", "ram_mb", "model",      "r",          "u0",     "u10",
    "u20",  "u30",   "u40",       "u50",    "u60",        "u70",        "u80",    "u90",
    "u100", "off_w", "boot_s",    "boot_w", "shutdown_s", "shutdown_w", "source",
};

/* How far (W) the u10..u90 columns of a linear or concave row may stray from
 * the model's own values: they are written rounded, but must not lie. */
#define RESTATED_TOLERANCE_W 0.5

#define BUILTIN_FILE   "server-types.csv"
#define BUILTIN_ORIGIN "data/server-types.csv"

/* One data line, split into its fields, with where it came from. */
typedef struct Row {
    const char *origin;
    int line;
    char *f[COLS];
} Row;

/* ---- splitting -------------------------------------------------------- */

static bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

/* A quoted field: "" stands for one quote. Unquotes in place; returns the
 * character after the closing quote, or NULL when there is none. */
static char *unquote(char *p) {
    char *dst = p;
    for (char *src = p + 1; *src; src++) {
        if (*src == '"' && src[1] == '"') {
            *dst++ = '"';
            src++;
        } else if (*src == '"') {
            *dst = '\0';
            return src + 1;
        } else {
            *dst++ = *src;
        }
    }
    return NULL;
}

/* Split `line` at commas in place into at most `max` fields (blanks around
 * unquoted fields dropped). Returns the number of fields the line has, which
 * may exceed `max`, or -1 with an error. */
static int splitFields(char *line, char **fields, int max, const char *origin, int lineNo) {
    int n = 0;
    char *p = line;
    for (;;) {
        while (isBlank(*p))
            p++;
        char *start = p, *next;
        bool quoted = *p == '"';
        if (quoted) {
            next = unquote(p);
            if (!next)
                return ERR("%s:%d: column %d: the quoted field has no closing quote", origin,
                           lineNo, n + 1);
            while (isBlank(*next))
                next++;
            if (*next && *next != ',')
                return ERR("%s:%d: column %d: text after the closing quote", origin, lineNo, n + 1);
        } else {
            next = p + strcspn(p, ",");
        }
        bool last = *next == '\0';
        *next = '\0';
        if (n < max) fields[n] = quoted ? start : strTrim(start);
        n++;
        if (last) return n;
        p = next + 1;
    }
}

/* ---- fields ----------------------------------------------------------- */

static int rowNumber(const Row *r, int col, double *out) {
    const char *s = r->f[col];
    if (!*s)
        return ERR("%s:%d: column %s is empty; a number is required", r->origin, r->line,
                   colNames[col]);
    if (parseDouble(s, out) < 0)
        return ERR("%s:%d: column %s: '%s' is not a number", r->origin, r->line, colNames[col], s);
    return 0;
}

static int rowNonNegative(const Row *r, int col, double *out) {
    if (rowNumber(r, col, out) < 0) return -1;
    if (*out < 0)
        return ERR("%s:%d: column %s: %g is negative; times and powers cannot be", r->origin,
                   r->line, colNames[col], *out);
    return 0;
}

static int rowPositive(const Row *r, int col, double *out) {
    if (rowNumber(r, col, out) < 0) return -1;
    if (*out <= 0)
        return ERR("%s:%d: column %s: %g must be greater than zero", r->origin, r->line,
                   colNames[col], *out);
    return 0;
}

static int rowText(const Row *r, int col, char *dst, size_t size) {
    const char *s = r->f[col];
    if (strlen(s) >= size)
        return ERR("%s:%d: column %s is longer than %zu characters", r->origin, r->line,
                   colNames[col], size - 1);
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int parseName(const Row *r, ServerType *t) {
    if (!*r->f[COL_NAME]) return ERR("%s:%d: column name is empty", r->origin, r->line);
    return rowText(r, COL_NAME, t->name, sizeof(t->name));
}

static int parseCores(const Row *r, ServerType *t) {
    const char *s = r->f[COL_CORES];
    long v;
    if (parseLong(s, &v) < 0)
        return ERR("%s:%d: column cores: '%s' is not a whole number", r->origin, r->line, s);
    if (v < 1 || v > INT_MAX)
        return ERR("%s:%d: column cores: %ld is out of range; a server has at least one core",
                   r->origin, r->line, v);
    t->cores = (int)v;
    return 0;
}

/* ---- power model ------------------------------------------------------ */

/* Linear and concave rows restate their curve in u10..u90 so that the file
 * reads as a table; a restatement that disagrees would mislead its reader. */
static int checkRestated(const Row *r, const PowerModel *m, const double *u) {
    for (int i = 1; i < POWER_POINTS - 1; i++) {
        double want = powerAt(m, i / 10.0);
        if (fabs(u[i] - want) > RESTATED_TOLERANCE_W)
            return ERR("%s:%d: column %s: %g W disagrees with the %s model's %.2f W at %d %% "
                       "(u10..u90 of a %s row must restate the curve given by u0, u100 and r)",
                       r->origin, r->line, colNames[COL_U0 + i], u[i], powerKindName(m->kind), want,
                       i * 10, powerKindName(m->kind));
    }
    return 0;
}

static int parseExponent(const Row *r, PowerKind kind, double *out) {
    *out = 0;
    if (kind == POWER_CONCAVE) return rowNumber(r, COL_R, out);
    if (*r->f[COL_R])
        return ERR(
            "%s:%d: column r: '%s' is given, but r applies only to the concave model, not %s",
            r->origin, r->line, r->f[COL_R], powerKindName(kind));
    return 0;
}

static PowerModel buildModel(PowerKind kind, const double *u, double rExp) {
    switch (kind) {
    case POWER_LINEAR: return powerLinear(u[0], u[POWER_POINTS - 1]);
    case POWER_CONCAVE: return powerConcave(u[0], u[POWER_POINTS - 1], rExp);
    case POWER_PIECEWISE: break;
    }
    return powerPiecewise(u);
}

static int parsePower(const Row *r, PowerModel *out) {
    PowerKind kind;
    if (powerKindParse(r->f[COL_MODEL], &kind) < 0) {
        errPrefix("%s:%d: column model", r->origin, r->line);
        return -1;
    }
    double rExp, u[POWER_POINTS];
    if (parseExponent(r, kind, &rExp) < 0) return -1;
    for (int i = 0; i < POWER_POINTS; i++)
        if (rowNumber(r, COL_U0 + i, &u[i]) < 0) return -1;
    PowerModel m = buildModel(kind, u, rExp);
    if (powerValidate(&m) < 0) {
        errPrefix("%s:%d", r->origin, r->line);
        return -1;
    }
    if (kind != POWER_PIECEWISE && checkRestated(r, &m, u) < 0) return -1;
    *out = m;
    return 0;
}

/* ---- rows ------------------------------------------------------------- */

static int parseStateCosts(const Row *r, ServerType *t) {
    if (rowNonNegative(r, COL_OFF_W, &t->offW) < 0) return -1;
    if (rowNonNegative(r, COL_BOOT_S, &t->bootS) < 0) return -1;
    if (rowNonNegative(r, COL_BOOT_W, &t->bootW) < 0) return -1;
    if (rowNonNegative(r, COL_SHUTDOWN_S, &t->shutdownS) < 0) return -1;
    return rowNonNegative(r, COL_SHUTDOWN_W, &t->shutdownW);
}

static int parseRow(const Row *r, ServerType *t) {
    memset(t, 0, sizeof(*t));
    if (parseName(r, t) < 0 || parseCores(r, t) < 0) return -1;
    if (rowPositive(r, COL_CORE_MIPS, &t->coreMips) < 0) return -1;
    if (rowPositive(r, COL_RAM_MB, &t->ramMb) < 0) return -1;
    if (parsePower(r, &t->power) < 0) return -1;
    if (parseStateCosts(r, t) < 0) return -1;
    return rowText(r, COL_SOURCE, t->source, sizeof(t->source));
}

static int splitRow(char *line, Row *r) {
    int n = splitFields(line, r->f, COLS, r->origin, r->line);
    if (n < 0) return -1;
    if (n != COLS)
        return ERR("%s:%d: found %d columns, expected %d (%s ... %s)", r->origin, r->line, n, COLS,
                   colNames[0], colNames[COLS - 1]);
    return 0;
}

static void joinHeader(char *buf, size_t size) {
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < COLS && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", colNames[i]);
}

static int checkHeader(char *line, const char *origin, int lineNo) {
    char *f[COLS];
    char want[512];
    joinHeader(want, sizeof(want));
    int n = splitFields(line, f, COLS, origin, lineNo);
    if (n < 0) return -1;
    if (n != COLS)
        return ERR("%s:%d: the header has %d columns, expected %d: %s", origin, lineNo, n, COLS,
                   want);
    for (int i = 0; i < COLS; i++) {
        if (strcmp(f[i], colNames[i]) != 0)
            return ERR(
                "%s:%d: header column %d is '%s' where '%s' is expected; the header must be: %s",
                origin, lineNo, i + 1, f[i], colNames[i], want);
    }
    return 0;
}

/* ---- catalogue -------------------------------------------------------- */

/* Names are keys: a second row with the same name would silently shadow the
 * first in serverTypeFind. */
static int checkDuplicate(const ServerType *types, const int *lines, int n, const Row *r) {
    for (int i = 0; i < n; i++) {
        if (strcmp(types[i].name, types[n].name) == 0)
            return ERR("%s:%d: column name: '%s' is already defined on line %d", r->origin, r->line,
                       types[n].name, lines[i]);
    }
    return 0;
}

static bool isCommentOrBlank(const char *line) {
    while (isBlank(*line))
        line++;
    return *line == '\0' || *line == '#';
}

/* State of one parse, so that each step is a short function. */
typedef struct Parser {
    const char *origin;
    bool sawHeader;
    ServerType *types;
    int *lines;
    size_t cap, lineCap;
    int n;
} Parser;

static int parseLine(Parser *ps, char *line, int lineNo) {
    if (isCommentOrBlank(line)) return 0;
    if (!ps->sawHeader) {
        ps->sawHeader = true;
        return checkHeader(line, ps->origin, lineNo);
    }
    Row r = {.origin = ps->origin, .line = lineNo};
    if (splitRow(line, &r) < 0) return -1;
    growArray((void **)&ps->types, sizeof(ServerType), &ps->cap, (size_t)ps->n + 1);
    growArray((void **)&ps->lines, sizeof(int), &ps->lineCap, (size_t)ps->n + 1);
    if (parseRow(&r, &ps->types[ps->n]) < 0) return -1;
    if (checkDuplicate(ps->types, ps->lines, ps->n, &r) < 0) return -1;
    ps->lines[ps->n++] = lineNo;
    return 0;
}

static int parseAll(Parser *ps, char *text) {
    int lineNo = 1;
    for (char *line = text; line; lineNo++) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        if (parseLine(ps, line, lineNo) < 0) return -1;
        line = nl ? nl + 1 : NULL;
    }
    if (!ps->sawHeader) {
        char want[512];
        joinHeader(want, sizeof(want));
        return ERR("%s: no header line; expected: %s", ps->origin, want);
    }
    return 0;
}

int serverTypesParse(const char *text, const char *origin, ServerType **out) {
    *out = NULL;
    if (!origin) origin = "server types";
    if (!text) return ERR("%s: no text to parse", origin);
    Parser ps = {.origin = origin};
    char *copy = xstrdup(text);
    int rc = parseAll(&ps, copy);
    free(copy);
    free(ps.lines);
    if (rc < 0) {
        free(ps.types);
        return -1;
    }
    *out = ps.types;
    return ps.n;
}

/* Parsed on first use and kept for the life of the process. The first call
 * is expected before any second thread exists (geyser runs one event loop). */
static ServerType *builtinTypes;
static int builtinCount = -1;

int serverTypesBuiltin(const ServerType **out) {
    if (builtinCount < 0) {
        const char *text = embeddedFind(BUILTIN_FILE);
        if (!text) return ERR("%s is not embedded in this build of geyser", BUILTIN_FILE);
        ServerType *types;
        int n = serverTypesParse(text, BUILTIN_ORIGIN, &types);
        if (n < 0) return -1;
        builtinTypes = types;
        builtinCount = n;
    }
    *out = builtinTypes;
    return builtinCount;
}

const ServerType *serverTypeFind(const char *name) {
    const ServerType *types;
    int n = serverTypesBuiltin(&types);
    if (n < 0) return NULL;
    for (int i = 0; name && i < n; i++)
        if (strcmp(types[i].name, name) == 0) return &types[i];
    char known[768] = "";
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof(known); i++)
        len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
                                types[i].name);
    ERR("unknown server type '%s' (known types: %s)", name ? name : "", known);
    return NULL;
}
