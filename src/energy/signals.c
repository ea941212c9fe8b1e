/* signals.c - loading and reading energy signals. */
#include "signals.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "err.h"
#include "util.h"

static const char *const columns[SIGNAL_KINDS] = {"price_eur_per_mwh", "carbon_g_per_kwh",
                                                  "renewable_kw"};

const char *signalColumn(SignalKind k) {
    return (unsigned)k < SIGNAL_KINDS ? columns[k] : "?";
}

/* Beyond these a value is a unit mistake or a broken feed, not a market:
 * day-ahead prices in Europe are bounded by -500 and 4000 EUR/MWh
 * (harmonised limits), intraday by -9999 and 9999. */
int signalCheckValue(SignalKind k, double v) {
    static const double lo[SIGNAL_KINDS] = {-10000, 0, 0};
    static const double hi[SIGNAL_KINDS] = {10000, 2000, 1e7};
    if (!isfinite(v)) return ERR("%s: value is not a finite number", signalColumn(k));
    if (v < lo[k] || v > hi[k])
        return ERR("%s: %g is outside the plausible range %g to %g", signalColumn(k), v, lo[k],
                   hi[k]);
    return 0;
}

int signalParseTime(const char *text, double *out) {
    if (parseDouble(text, out) == 0) return 0;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *rest = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest) return ERR("'%s' is neither seconds nor an ISO 8601 time", text);
    if (*rest == '.') /* fractional seconds are dropped: signals are per interval */
        while (*++rest >= '0' && *rest <= '9') {
        }
    if (strcmp(rest, "Z") != 0 && strcmp(rest, "+00:00") != 0)
        return ERR("'%s': times must be UTC (end in Z or +00:00)", text);
    *out = (double)timegm(&tm);
    return 0;
}

static char *readWhole(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        ERR("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (len + 1 == cap) buf = xrealloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* The next line of a NUL-terminated buffer (in place), or NULL at the end.
 * Unlike strtok_r, empty lines are returned, so line numbers stay true. */
static char *nextLine(char **cursor) {
    char *l = *cursor;
    if (!l || !*l) return NULL;
    char *nl = strchr(l, '\n');
    if (nl) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = NULL;
    }
    return l;
}

/* Split a line at commas into at most max fields (in place). */
static int splitFields(char *line, char **fields, int max) {
    int n = 0;
    char *save = NULL;
    for (char *f = strtok_r(line, ",", &save); f && n < max; f = strtok_r(NULL, ",", &save))
        fields[n++] = strTrim(f);
    return n;
}

static int kindOfHeader(const char *path, char *header, SignalKind *kind) {
    char *f[3];
    if (splitFields(header, f, 3) != 2 || strcmp(f[0], "time") != 0)
        return ERR("%s: the header must be time,<signal>", path);
    for (int k = 0; k < SIGNAL_KINDS; k++)
        if (strcmp(f[1], columns[k]) == 0) {
            *kind = (SignalKind)k;
            return 0;
        }
    return ERR("%s:1: unknown signal column '%s' (expected %s, %s or %s: the unit is part of the "
               "name)",
               path, f[1], columns[0], columns[1], columns[2]);
}

static int addPoint(SignalSeries *s, size_t *cap, const char *path, int line, char *text,
                    double maxGapS) {
    char *f[3];
    if (splitFields(text, f, 3) != 2)
        return ERR("%s:%d: expected two fields: time,value", path, line);
    double t, v;
    if (signalParseTime(f[0], &t) != 0) {
        errPrefix("%s:%d", path, line);
        return -1;
    }
    if (parseDouble(f[1], &v) != 0) return ERR("%s:%d: '%s' is not a number", path, line, f[1]);
    if (signalCheckValue(s->kind, v) != 0) {
        errPrefix("%s:%d", path, line);
        return -1;
    }
    if (s->n > 0 && t <= s->t[s->n - 1])
        return ERR("%s:%d: time %.0f is not after the previous point's %.0f (out of order or "
                   "duplicate)",
                   path, line, t, s->t[s->n - 1]);
    if (s->n > 0 && maxGapS > 0 && t - s->t[s->n - 1] > maxGapS)
        return ERR("%s:%d: a gap of %.0f s after the previous point (at most %.0f s allowed)", path,
                   line, t - s->t[s->n - 1], maxGapS);
    if ((size_t)s->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        s->t = xrealloc(s->t, *cap * sizeof(double));
        s->v = xrealloc(s->v, *cap * sizeof(double));
    }
    s->t[s->n] = t;
    s->v[s->n++] = v;
    return 0;
}

int signalLoadCsv(const char *path, double maxGapS, SignalSeries *out) {
    memset(out, 0, sizeof(*out));
    char *text = readWhole(path);
    if (!text) return -1;
    char *cursor = text;
    int line = 0, rc = 0;
    bool header = false;
    size_t cap = 0;
    for (char *l; rc == 0 && (l = nextLine(&cursor));) {
        line++;
        strTrim(l);
        if (!*l || *l == '#') continue;
        if (!header)
            rc = kindOfHeader(path, l, &out->kind);
        else
            rc = addPoint(out, &cap, path, line, l, maxGapS);
        header = true;
    }
    free(text);
    if (rc == 0 && !header) rc = ERR("%s: the file is empty", path);
    if (rc == 0 && out->n == 0) rc = ERR("%s: no data points after the header", path);
    if (rc != 0) signalSeriesFree(out);
    return rc;
}

static int addCap(SignalSet *set, const char *path, int line, char *text) {
    char *f[5];
    int n = splitFields(text, f, 5);
    if (n < 3 || n > 4) return ERR("%s:%d: expected start,end,cap_kw[,source]", path, line);
    CapEvent e;
    memset(&e, 0, sizeof(e));
    if (signalParseTime(f[0], &e.start) != 0 || signalParseTime(f[1], &e.end) != 0) {
        errPrefix("%s:%d", path, line);
        return -1;
    }
    if (parseDouble(f[2], &e.capKw) != 0 || e.capKw < 0)
        return ERR("%s:%d: cap '%s' is not a non-negative number of kW", path, line, f[2]);
    if (e.end <= e.start) return ERR("%s:%d: the event ends before it starts", path, line);
    for (int i = 0; i < set->ncaps; i++)
        if (e.start < set->caps[i].end && set->caps[i].start < e.end)
            return ERR("%s:%d: the event overlaps an earlier one", path, line);
    snprintf(e.source, sizeof(e.source), "%s", n == 4 ? f[3] : "file");
    set->caps = xrealloc(set->caps, (size_t)(set->ncaps + 1) * sizeof(CapEvent));
    set->caps[set->ncaps++] = e;
    return 0;
}

int signalLoadCaps(const char *path, SignalSet *set) {
    char *text = readWhole(path);
    if (!text) return -1;
    char *cursor = text;
    int line = 0, rc = 0;
    bool header = false;
    for (char *l; rc == 0 && (l = nextLine(&cursor));) {
        line++;
        strTrim(l);
        if (!*l || *l == '#') continue;
        if (!header) {
            header = true;
            if (!strStartsWith(l, "start,end,cap_kw"))
                rc = ERR("%s:%d: the header must be start,end,cap_kw[,source]", path, line);
            continue;
        }
        rc = addCap(set, path, line, l);
    }
    free(text);
    return rc;
}

int signalLoadDir(const char *dir, double maxGapS, SignalSet *out) {
    memset(out, 0, sizeof(*out));
    static const char *const files[SIGNAL_KINDS] = {"price.csv", "carbon.csv", "renewable.csv"};
    char path[4096];
    int found = 0;
    struct stat st;
    for (int k = 0; k < SIGNAL_KINDS; k++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[k]);
        if (stat(path, &st) != 0) continue;
        SignalSeries s;
        if (signalLoadCsv(path, maxGapS, &s) != 0) goto fail;
        if (s.kind != (SignalKind)k) {
            ERR("%s holds %s, not %s", path, signalColumn(s.kind), signalColumn((SignalKind)k));
            signalSeriesFree(&s);
            goto fail;
        }
        out->series[k] = s;
        found++;
    }
    snprintf(path, sizeof(path), "%s/caps.csv", dir);
    if (stat(path, &st) == 0) {
        if (signalLoadCaps(path, out) != 0) goto fail;
        found++;
    }
    if (found == 0) {
        ERR("%s holds none of price.csv, carbon.csv, renewable.csv, caps.csv", dir);
        goto fail;
    }
    return 0;
fail:
    signalSetFree(out);
    return -1;
}

bool signalAt(const SignalSeries *s, double t, double *value) {
    if (s->n == 0) return false;
    int lo = 0, hi = s->n - 1;
    if (t <= s->t[0]) {
        *value = s->v[0];
        return true;
    }
    while (lo < hi) { /* last index with t[i] <= t */
        int mid = (lo + hi + 1) / 2;
        if (s->t[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    *value = s->v[lo];
    return true;
}

double signalCapAt(const SignalSet *set, double t) {
    for (int i = 0; i < set->ncaps; i++)
        if (t >= set->caps[i].start && t < set->caps[i].end) return set->caps[i].capKw;
    return -1;
}

void signalSeriesFree(SignalSeries *s) {
    free(s->t);
    free(s->v);
    s->t = s->v = NULL;
    s->n = 0;
}

void signalSetFree(SignalSet *set) {
    for (int k = 0; k < SIGNAL_KINDS; k++)
        signalSeriesFree(&set->series[k]);
    free(set->caps);
    set->caps = NULL;
    set->ncaps = 0;
}

static int checkForecast(SignalKind k, const double *t, const double *v, int n) {
    if (n < 1) return ERR("%s: the forecast has no points", signalColumn(k));
    for (int i = 0; i < n; i++) {
        if (!isfinite(t[i]))
            return ERR("%s: forecast point %d: the time is not a number", signalColumn(k), i + 1);
        if (i > 0 && t[i] <= t[i - 1])
            return ERR("%s: forecast point %d: time %.0f is not after the previous point's %.0f "
                       "(out of order or duplicate)",
                       signalColumn(k), i + 1, t[i], t[i - 1]);
        if (signalCheckValue(k, v[i]) != 0) {
            errPrefix("forecast point %d", i + 1);
            return -1;
        }
    }
    return 0;
}

int signalSpliceForecast(SignalSeries *s, const double *t, const double *v, int n, bool *changed) {
    *changed = false;
    if (checkForecast(s->kind, t, v, n) != 0) return -1;
    int before = 0, after = s->n;
    while (before < s->n && s->t[before] < t[0])
        before++;
    while (after > before && s->t[after - 1] > t[n - 1])
        after--;
    int total = before + n + (s->n - after);
    double *nt = xmalloc((size_t)total * sizeof(double));
    double *nv = xmalloc((size_t)total * sizeof(double));
    memcpy(nt + before, t, (size_t)n * sizeof(double));
    memcpy(nv + before, v, (size_t)n * sizeof(double));
    if (s->n > 0) { /* an absent series holds no arrays at all */
        memcpy(nt, s->t, (size_t)before * sizeof(double));
        memcpy(nv, s->v, (size_t)before * sizeof(double));
        memcpy(nt + before + n, s->t + after, (size_t)(s->n - after) * sizeof(double));
        memcpy(nv + before + n, s->v + after, (size_t)(s->n - after) * sizeof(double));
    }
    SignalSeries ns = {.kind = s->kind, .t = nt, .v = nv, .n = total};
    /* Both series are step functions: they differ from t[0] on exactly
     * when they differ at one of either's points from there. */
    double a, b;
    for (int i = 0; i < total && !*changed; i++)
        if (nt[i] >= t[0] && (!signalAt(s, nt[i], &a) || (signalAt(&ns, nt[i], &b) && a != b)))
            *changed = true;
    for (int i = 0; i < s->n && !*changed; i++)
        if (s->t[i] >= t[0] && signalAt(&ns, s->t[i], &b) && s->v[i] != b) *changed = true;
    if (!*changed && s->n > 0 && signalAt(s, t[0], &a) && a != v[0]) *changed = true;
    signalSeriesFree(s);
    *s = ns;
    return 0;
}

int liveSignalUpdate(LiveSignal *s, double at, double value) {
    if (signalCheckValue(s->kind, value) != 0 || (s->have && at < s->at)) {
        if (s->have && at < s->at)
            ERR("%s: update for %.0f is older than the value held (%.0f)", signalColumn(s->kind),
                at, s->at);
        snprintf(s->lastError, sizeof(s->lastError), "%s", errLast());
        return -1;
    }
    s->value = value;
    s->at = at;
    s->have = true;
    s->lastError[0] = '\0';
    return 0;
}

bool liveSignalStale(const LiveSignal *s, double now, double maxAgeS) {
    return !s->have || now - s->at > maxAgeS;
}
