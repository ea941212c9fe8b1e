/* store_postgres.c - the store backend for deployments where many agents
 * write to one place: PostgreSQL through libpq.
 *
 * Same schema and semantics as store_sqlite.c. A batch is one transaction:
 * raw rows go in with COPY, roll-up deltas are copied into a temporary
 * table and merged with one INSERT ... ON CONFLICT per roll-up. A series'
 * row is locked (SELECT ... FOR UPDATE) for the batch, so two agents that
 * write the same series are serialized and the time-order check holds.
 * Durability is PostgreSQL's: COMMIT returns after the WAL is flushed
 * (synchronous_commit=on, the default, which this backend sets). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "err.h"
#include "lazy_pq.h"
#include "store.h"
#include "util.h"

static const char *const schemaSql =
    "SET synchronous_commit = on;"
    "SET client_min_messages = warning;"
    "CREATE TABLE IF NOT EXISTS series(id BIGSERIAL PRIMARY KEY, host TEXT NOT NULL,"
    " meter TEXT NOT NULL, last_t DOUBLE PRECISION, last_w DOUBLE PRECISION,"
    " UNIQUE(host, meter));"
    "CREATE TABLE IF NOT EXISTS power(series BIGINT NOT NULL, t DOUBLE PRECISION NOT NULL,"
    " watts DOUBLE PRECISION NOT NULL, source SMALLINT NOT NULL,"
    " joules DOUBLE PRECISION NOT NULL, PRIMARY KEY(series, t));"
    "CREATE TABLE IF NOT EXISTS power_1m(series BIGINT NOT NULL,"
    " bucket DOUBLE PRECISION NOT NULL, count BIGINT NOT NULL, sum DOUBLE PRECISION NOT NULL,"
    " min DOUBLE PRECISION NOT NULL, max DOUBLE PRECISION NOT NULL,"
    " joules DOUBLE PRECISION NOT NULL, PRIMARY KEY(series, bucket));"
    "CREATE TABLE IF NOT EXISTS power_1h(LIKE power_1m INCLUDING ALL);"
    "CREATE TABLE IF NOT EXISTS host_util(host TEXT NOT NULL, t DOUBLE PRECISION NOT NULL,"
    " util DOUBLE PRECISION NOT NULL, PRIMARY KEY(host, t));"
    "CREATE TABLE IF NOT EXISTS vm_util(vm TEXT NOT NULL, t DOUBLE PRECISION NOT NULL,"
    " host TEXT NOT NULL, vcpus INTEGER NOT NULL, util DOUBLE PRECISION NOT NULL,"
    " PRIMARY KEY(vm, t));"
    "CREATE TABLE IF NOT EXISTS events(id BIGSERIAL PRIMARY KEY, t DOUBLE PRECISION NOT NULL,"
    " kind TEXT NOT NULL, host TEXT, vm TEXT, detail JSONB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_t ON events(t);"
    "CREATE TABLE IF NOT EXISTS vm_energy(vm TEXT NOT NULL, t DOUBLE PRECISION NOT NULL,"
    " host TEXT NOT NULL, project TEXT, joules DOUBLE PRECISION NOT NULL, PRIMARY KEY(vm, t));"
    "CREATE TABLE IF NOT EXISTS host_info(host TEXT PRIMARY KEY, server_type TEXT);"
    "CREATE TABLE IF NOT EXISTS meter_info(host TEXT NOT NULL, meter TEXT NOT NULL,"
    " driver TEXT NOT NULL, source SMALLINT NOT NULL, PRIMARY KEY(host, meter));"
    "CREATE TEMP TABLE IF NOT EXISTS roll_in(series BIGINT, bucket DOUBLE PRECISION,"
    " count BIGINT, sum DOUBLE PRECISION, min DOUBLE PRECISION, max DOUBLE PRECISION,"
    " joules DOUBLE PRECISION) ON COMMIT DELETE ROWS;";

#define MERGE_SQL(T)                                                                               \
    "INSERT INTO " T " SELECT * FROM roll_in ON CONFLICT (series, bucket) DO UPDATE SET"           \
    " count = " T ".count + excluded.count, sum = " T ".sum + excluded.sum,"                       \
    " min = LEAST(" T ".min, excluded.min), max = GREATEST(" T ".max, excluded.max),"              \
    " joules = " T ".joules + excluded.joules"

typedef struct PgDb {
    PGconn *conn;
    char *buf; /* COPY data being built */
    size_t len, cap;
    BatchPlan plan; /* its arrays are reused by every batch */
} PgDb;

static int pgErr(PgDb *d, const char *doing, const PGresult *r) {
    const char *m = r ? lazyPq.PQresultErrorMessage(r) : "";
    if (!*m) m = lazyPq.PQerrorMessage(d->conn);
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    return ERR("postgres store: %s: %.*s", doing, (int)n, m);
}

/* Run SQL that returns no rows (or rows nobody needs). */
static int run(PgDb *d, const char *sql, const char *doing) {
    PGresult *r = lazyPq.PQexec(d->conn, sql);
    ExecStatusType s = lazyPq.PQresultStatus(r);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : pgErr(d, doing, r);
    lazyPq.PQclear(r);
    return rc;
}

static void pgClose(void *p) {
    PgDb *d = p;
    if (!d) return;
    lazyPq.PQfinish(d->conn);
    batchPlanFree(&d->plan);
    free(d->buf);
    free(d);
}

static void *pgOpen(const char *conninfo) {
    if (lazyPqLoad() < 0) {
        errPrefix("postgres store");
        return NULL;
    }
    PgDb *d = xcalloc(1, sizeof(*d));
    d->conn = lazyPq.PQconnectdb(conninfo);
    if (!d->conn || lazyPq.PQstatus(d->conn) != CONNECTION_OK) {
        if (d->conn)
            pgErr(d, "connecting", NULL);
        else
            ERR("postgres store: cannot allocate a connection");
        pgClose(d);
        return NULL;
    }
    /* Agents create the schema concurrently; the lock makes that safe. */
    if (run(d, "SELECT pg_advisory_lock(7263001)", "locking the schema") < 0 ||
        run(d, schemaSql, "creating the schema") < 0 ||
        run(d, "SELECT pg_advisory_unlock(7263001)", "unlocking the schema") < 0) {
        pgClose(d);
        return NULL;
    }
    return d;
}

/* ---- COPY ------------------------------------------------------------- */

static void put(PgDb *d, const char *s, size_t n) {
    growArray((void **)&d->buf, 1, &d->cap, d->len + n + 1);
    memcpy(d->buf + d->len, s, n);
    d->len += n;
}

/* A field in COPY's text format: backslash escapes, \N for NULL. */
static void putText(PgDb *d, const char *s, char end) {
    if (!s) {
        put(d, "\\N", 2);
    } else {
        for (; *s; s++) {
            const char *e = *s == '\\'   ? "\\\\"
                            : *s == '\t' ? "\\t"
                            : *s == '\n' ? "\\n"
                            : *s == '\r' ? "\\r"
                                         : NULL;
            if (e)
                put(d, e, 2);
            else
                put(d, s, 1);
        }
    }
    put(d, &end, 1);
}

static void putNum(PgDb *d, double v, char end) {
    char num[40];
    int n = snprintf(num, sizeof(num), "%.17g%c", v, end);
    put(d, num, (size_t)n);
}

static void putLong(PgDb *d, long v, char end) {
    char num[32];
    int n = snprintf(num, sizeof(num), "%ld%c", v, end);
    put(d, num, (size_t)n);
}

/* Send the built buffer with COPY table FROM STDIN. */
static int copyIn(PgDb *d, const char *copySql, const char *doing) {
    PGresult *r = lazyPq.PQexec(d->conn, copySql);
    int ok = lazyPq.PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok) pgErr(d, doing, r);
    lazyPq.PQclear(r);
    if (!ok) return -1;
    ok = lazyPq.PQputCopyData(d->conn, d->buf ? d->buf : "", (int)d->len) == 1 &&
         lazyPq.PQputCopyEnd(d->conn, NULL) == 1;
    d->len = 0;
    int rc = 0;
    while ((r = lazyPq.PQgetResult(d->conn)) != NULL) {
        if (rc == 0 && (!ok || lazyPq.PQresultStatus(r) != PGRES_COMMAND_OK))
            rc = pgErr(d, doing, r);
        lazyPq.PQclear(r);
    }
    return rc;
}

/* ---- transactions ----------------------------------------------------- */

static int begin(PgDb *d) {
    d->len = 0;
    return run(d, "BEGIN", "starting a batch");
}

static int finish(PgDb *d, int rc) {
    if (rc == 0) return run(d, "COMMIT", "committing a batch");
    lazyPq.PQclear(lazyPq.PQexec(d->conn, "ROLLBACK"));
    return -1;
}

/* ---- power ------------------------------------------------------------ */

static int seriesLookup(void *p, SeriesState *st) {
    PgDb *d = p;
    const char *v[2] = {st->host, st->meter};
    PGresult *r = lazyPq.PQexecParams(d->conn,
                                      "INSERT INTO series(host, meter) VALUES($1, $2)"
                                      " ON CONFLICT (host, meter) DO NOTHING",
                                      2, NULL, v, NULL, NULL, 0);
    int rc = lazyPq.PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pgErr(d, "adding a series", r);
    lazyPq.PQclear(r);
    if (rc < 0) return -1;
    r = lazyPq.PQexecParams(d->conn,
                            "SELECT id, last_t, last_w FROM series WHERE host = $1 AND meter = $2"
                            " FOR UPDATE",
                            2, NULL, v, NULL, NULL, 0);
    if (lazyPq.PQresultStatus(r) != PGRES_TUPLES_OK || lazyPq.PQntuples(r) != 1) {
        rc = pgErr(d, "looking a series up", r);
    } else {
        st->id = strtol(lazyPq.PQgetvalue(r, 0, 0), NULL, 10);
        st->hasLast = !lazyPq.PQgetisnull(r, 0, 1);
        st->lastT = st->hasLast ? strtod(lazyPq.PQgetvalue(r, 0, 1), NULL) : 0;
        st->lastW = st->hasLast ? strtod(lazyPq.PQgetvalue(r, 0, 2), NULL) : 0;
    }
    lazyPq.PQclear(r);
    return rc;
}

static int mergeRollups(PgDb *d, const RollupDelta *x, size_t n, const char *mergeSql) {
    for (size_t i = 0; i < n; i++) {
        putLong(d, x[i].series, '\t');
        putNum(d, x[i].bucket, '\t');
        putLong(d, x[i].count, '\t');
        putNum(d, x[i].sum, '\t');
        putNum(d, x[i].min, '\t');
        putNum(d, x[i].max, '\t');
        putNum(d, x[i].joules, '\n');
    }
    if (copyIn(d, "COPY roll_in FROM STDIN", "copying roll-up deltas") < 0) return -1;
    if (run(d, mergeSql, "merging roll-ups") < 0) return -1;
    return run(d, "DELETE FROM roll_in", "clearing roll-up deltas");
}

static int updateSeries(PgDb *d, const BatchPlan *p) {
    for (size_t i = 0; i < p->nSeries; i++) {
        putLong(d, p->series[i].id, '\t');
        putNum(d, p->series[i].lastT, '\t');
        putNum(d, p->series[i].lastW, '\n');
    }
    if (run(d,
            "CREATE TEMP TABLE IF NOT EXISTS last_in(id BIGINT, t DOUBLE PRECISION,"
            " w DOUBLE PRECISION) ON COMMIT DELETE ROWS",
            "preparing series updates") < 0)
        return -1;
    if (copyIn(d, "COPY last_in FROM STDIN", "copying series updates") < 0) return -1;
    return run(d,
               "UPDATE series SET last_t = l.t, last_w = l.w FROM last_in l WHERE series.id = l.id;"
               "DELETE FROM last_in",
               "recording series' last samples");
}

static int writePlan(PgDb *d, const PowerSample *s, size_t n, const BatchPlan *p) {
    for (size_t i = 0; i < n; i++) {
        putLong(d, p->seriesOf[i], '\t');
        putNum(d, s[i].t, '\t');
        putNum(d, s[i].watts, '\t');
        putLong(d, (long)s[i].source, '\t');
        putNum(d, p->joules[i], '\n');
    }
    if (copyIn(d, "COPY power(series, t, watts, source, joules) FROM STDIN",
               "copying power samples") < 0)
        return -1;
    if (mergeRollups(d, p->minute, p->nMinute, MERGE_SQL("power_1m")) < 0) return -1;
    if (mergeRollups(d, p->hour, p->nHour, MERGE_SQL("power_1h")) < 0) return -1;
    return updateSeries(d, p);
}

static int pgWritePower(void *p, const PowerSample *s, size_t n) {
    PgDb *d = p;
    if (begin(d) < 0) return -1;
    int rc = batchPlan(s, n, seriesLookup, d, &d->plan);
    if (rc == 0) {
        d->len = 0;
        rc = writePlan(d, s, n, &d->plan);
    }
    return finish(d, rc);
}

/* ---- utilization and events ------------------------------------------- */

static int pgWriteHostUtil(void *p, const HostUtilSample *s, size_t n) {
    PgDb *d = p;
    if (begin(d) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        putText(d, s[i].host, '\t');
        putNum(d, s[i].t, '\t');
        putNum(d, s[i].util, '\n');
    }
    return finish(d, copyIn(d, "COPY host_util(host, t, util) FROM STDIN",
                            "copying host utilization samples"));
}

static int pgWriteVmUtil(void *p, const VmUtilSample *s, size_t n) {
    PgDb *d = p;
    if (begin(d) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        putText(d, s[i].vm, '\t');
        putNum(d, s[i].t, '\t');
        putText(d, s[i].host, '\t');
        putLong(d, s[i].vcpus, '\t');
        putNum(d, s[i].util, '\n');
    }
    return finish(d, copyIn(d, "COPY vm_util(vm, t, host, vcpus, util) FROM STDIN",
                            "copying VM utilization samples"));
}

static int pgWriteEvents(void *p, const StoreEvent *e, size_t n) {
    PgDb *d = p;
    if (begin(d) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        putNum(d, e[i].t, '\t');
        putText(d, e[i].kind, '\t');
        putText(d, e[i].host && *e[i].host ? e[i].host : NULL, '\t');
        putText(d, e[i].vm && *e[i].vm ? e[i].vm : NULL, '\t');
        putText(d, e[i].detail ? e[i].detail : "{}", '\n');
    }
    return finish(d,
                  copyIn(d, "COPY events(t, kind, host, vm, detail) FROM STDIN", "copying events"));
}

static int pgWriteVmEnergy(void *p, const VmEnergySample *s, size_t n) {
    PgDb *d = p;
    if (begin(d) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        putText(d, s[i].vm, '\t');
        putNum(d, s[i].t, '\t');
        putText(d, s[i].host, '\t');
        putText(d, s[i].project && *s[i].project ? s[i].project : NULL, '\t');
        putNum(d, s[i].joules, '\n');
    }
    return finish(d, copyIn(d, "COPY vm_energy(vm, t, host, project, joules) FROM STDIN",
                            "copying VM energy samples"));
}

/* Run one parameterised statement that returns no rows. */
static int runParams(PgDb *d, const char *sql, int n, const char *const *v, const char *doing) {
    PGresult *r = lazyPq.PQexecParams(d->conn, sql, n, NULL, v, NULL, NULL, 0);
    int rc = lazyPq.PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : pgErr(d, doing, r);
    lazyPq.PQclear(r);
    return rc;
}

static int pgDescribeHosts(void *p, const HostInfo *h, size_t n) {
    PgDb *d = p;
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *v[2] = {h[i].host,
                            h[i].serverType && *h[i].serverType ? h[i].serverType : NULL};
        rc = runParams(d,
                       "INSERT INTO host_info(host, server_type) VALUES($1, $2)"
                       " ON CONFLICT (host) DO UPDATE SET server_type = excluded.server_type",
                       2, v, "recording a host");
    }
    return finish(d, rc);
}

static int pgDescribeMeters(void *p, const MeterInfo *m, size_t n) {
    PgDb *d = p;
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *v[4] = {m[i].host, m[i].meter, m[i].driver,
                            m[i].source == SAMPLE_ESTIMATED ? "1" : "0"};
        rc = runParams(d,
                       "INSERT INTO meter_info(host, meter, driver, source) VALUES($1,$2,$3,$4)"
                       " ON CONFLICT (host, meter) DO UPDATE SET driver = excluded.driver,"
                       " source = excluded.source",
                       4, v, "recording a meter");
    }
    return finish(d, rc);
}

static int pgRetain(void *p, double before, long *deleted) {
    PgDb *d = p;
    static const char *const tables[] = {"power", "host_util", "vm_util", "vm_energy"};
    char cut[40], sql[96];
    snprintf(cut, sizeof(cut), "%.17g", before);
    const char *v[1] = {cut};
    *deleted = 0;
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < 4 && rc == 0; i++) {
        snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE t < $1", tables[i]);
        PGresult *r = lazyPq.PQexecParams(d->conn, sql, 1, NULL, v, NULL, NULL, 0);
        if (lazyPq.PQresultStatus(r) == PGRES_COMMAND_OK)
            *deleted += strtol(lazyPq.PQcmdTuples(r), NULL, 10);
        else
            rc = pgErr(d, "deleting old samples", r);
        lazyPq.PQclear(r);
    }
    return finish(d, rc);
}

/* ---- queries ---------------------------------------------------------- */

#define ROLLUP_SERIES_SQL(T)                                                                       \
    "SELECT s.meter, floor((r.bucket - $3) / $5)::bigint AS b, sum(r.sum) / sum(r.count),"         \
    " min(r.min), max(r.max), sum(r.count), sum(r.joules) FROM " T " r JOIN series s"              \
    " ON s.id = r.series WHERE s.host = $1 AND ($2::text IS NULL OR s.meter = $2)"                 \
    " AND r.bucket >= $3 AND r.bucket < $4 GROUP BY s.meter, b ORDER BY s.meter, b"

static const char *const seriesSql[] = {
    [SERIES_RAW] = "SELECT s.meter, floor((p.t - $3) / $5)::bigint AS b, avg(p.watts),"
                   " min(p.watts), max(p.watts), count(*), sum(p.joules)"
                   " FROM power p JOIN series s ON s.id = p.series"
                   " WHERE s.host = $1 AND ($2::text IS NULL OR s.meter = $2) AND p.t >= $3"
                   " AND p.t < $4 GROUP BY s.meter, b ORDER BY s.meter, b",
    [SERIES_1MIN] = ROLLUP_SERIES_SQL("power_1m"),
    [SERIES_1HOUR] = ROLLUP_SERIES_SQL("power_1h"),
};

static int readSeries(const PGresult *r, const char *host, double from, double step,
                      SeriesPoint **out, size_t *n) {
    int rows = lazyPq.PQntuples(r);
    if (rows == 0) return 0;
    *out = xmalloc((size_t)rows * sizeof(SeriesPoint));
    for (int i = 0; i < rows; i++) {
        if (strcmp(lazyPq.PQgetvalue(r, i, 0), lazyPq.PQgetvalue(r, 0, 0)) != 0)
            return ERR("series query: host %s has more than one meter (%s, %s); name one", host,
                       lazyPq.PQgetvalue(r, 0, 0), lazyPq.PQgetvalue(r, i, 0));
        (*out)[(*n)++] = (SeriesPoint){
            .t = from + (double)strtol(lazyPq.PQgetvalue(r, i, 1), NULL, 10) * step,
            .avgW = strtod(lazyPq.PQgetvalue(r, i, 2), NULL),
            .minW = strtod(lazyPq.PQgetvalue(r, i, 3), NULL),
            .maxW = strtod(lazyPq.PQgetvalue(r, i, 4), NULL),
            .count = strtol(lazyPq.PQgetvalue(r, i, 5), NULL, 10),
            .joules = strtod(lazyPq.PQgetvalue(r, i, 6), NULL),
        };
    }
    return 0;
}

static int pgSeries(void *p, const char *host, const char *meter, double from, double to,
                    double step, SeriesSource src, SeriesPoint **out, size_t *n) {
    PgDb *d = p;
    char a[40], b[40], c[40];
    snprintf(a, sizeof(a), "%.17g", from);
    snprintf(b, sizeof(b), "%.17g", to);
    snprintf(c, sizeof(c), "%.17g", step);
    const char *v[5] = {host, meter, a, b, c};
    PGresult *r = lazyPq.PQexecParams(d->conn, seriesSql[src], 5, NULL, v, NULL, NULL, 0);
    int rc = lazyPq.PQresultStatus(r) == PGRES_TUPLES_OK ? readSeries(r, host, from, step, out, n)
                                                         : pgErr(d, "reading a series", r);
    lazyPq.PQclear(r);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int pgEnergy(void *p, double from, double to, HostEnergy **out, size_t *n) {
    PgDb *d = p;
    char a[40], b[40];
    snprintf(a, sizeof(a), "%.17g", from);
    snprintf(b, sizeof(b), "%.17g", to);
    const char *v[2] = {a, b};
    PGresult *r =
        lazyPq.PQexecParams(d->conn,
                            "SELECT s.host, s.meter, sum(r.joules), sum(r.count) FROM power_1m r"
                            " JOIN series s ON s.id = r.series WHERE r.bucket >= $1"
                            " AND r.bucket < $2 GROUP BY s.host, s.meter"
                            " ORDER BY s.host, s.meter",
                            2, NULL, v, NULL, NULL, 0);
    int rc = 0;
    if (lazyPq.PQresultStatus(r) != PGRES_TUPLES_OK) {
        rc = pgErr(d, "reading energy totals", r);
    } else if (lazyPq.PQntuples(r) > 0) {
        *out = xcalloc((size_t)lazyPq.PQntuples(r), sizeof(HostEnergy));
        for (int i = 0; i < lazyPq.PQntuples(r); i++) {
            HostEnergy *e = &(*out)[(*n)++];
            snprintf(e->host, sizeof(e->host), "%s", lazyPq.PQgetvalue(r, i, 0));
            snprintf(e->meter, sizeof(e->meter), "%s", lazyPq.PQgetvalue(r, i, 1));
            e->joules = strtod(lazyPq.PQgetvalue(r, i, 2), NULL);
            e->samples = strtol(lazyPq.PQgetvalue(r, i, 3), NULL, 10);
        }
    }
    lazyPq.PQclear(r);
    return rc;
}

/* Every scan returns host, name, text, t, value, count, source (store.h). */
static const char *const scanSql[STORE_TABLES] = {
    [STORE_POWER] = "SELECT s.host, s.meter, NULL, p.t, p.watts, 0, p.source, NULL FROM power p"
                    " JOIN series s ON s.id = p.series WHERE p.t >= $1 AND p.t < $2"
                    " ORDER BY s.host, s.meter, p.t",
    [STORE_HOST_UTIL] = "SELECT host, NULL, NULL, t, util, 0, 0, NULL FROM host_util"
                        " WHERE t >= $1 AND t < $2 ORDER BY host, t",
    [STORE_VM_UTIL] = "SELECT host, vm, NULL, t, util, vcpus, 0, NULL FROM vm_util"
                      " WHERE t >= $1 AND t < $2 ORDER BY host, vm, t",
    [STORE_VM_ENERGY] = "SELECT host, vm, project, t, joules, 0, 0, NULL FROM vm_energy"
                        " WHERE t >= $1 AND t < $2 ORDER BY host, vm, t",
    [STORE_HOSTS] = "SELECT host, NULL, server_type, 0, 0, 0, 0, NULL FROM host_info"
                    " WHERE $1::float8 <= $2::float8 ORDER BY host",
    [STORE_METERS] = "SELECT host, meter, driver, 0, 0, 0, source, NULL FROM meter_info"
                     " WHERE $1::float8 <= $2::float8 ORDER BY host, meter",
    [STORE_EVENTS] =
        "SELECT host, vm, kind, t, 0, 0, 0, detail FROM events WHERE t >= $1 AND t < $2"
        " ORDER BY host, vm, t",
};

static const char *pgValue(const PGresult *r, int row, int col) {
    return lazyPq.PQgetisnull(r, row, col) ? NULL : lazyPq.PQgetvalue(r, row, col);
}

static int pgScan(void *p, StoreTable table, double from, double to, StoreRowFn fn, void *ctx) {
    PgDb *d = p;
    char a[40], b[40];
    snprintf(a, sizeof(a), "%.17g", from);
    snprintf(b, sizeof(b), "%.17g", to);
    const char *v[2] = {a, b};
    PGresult *r = lazyPq.PQexecParams(d->conn, scanSql[table], 2, NULL, v, NULL, NULL, 0);
    int stop = lazyPq.PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : pgErr(d, "scanning", r);
    for (int i = 0; !stop && i < lazyPq.PQntuples(r); i++) {
        StoreRow row = {.host = pgValue(r, i, 0),
                        .name = pgValue(r, i, 1),
                        .text = pgValue(r, i, 2),
                        .t = strtod(lazyPq.PQgetvalue(r, i, 3), NULL),
                        .value = strtod(lazyPq.PQgetvalue(r, i, 4), NULL),
                        .count = strtol(lazyPq.PQgetvalue(r, i, 5), NULL, 10),
                        .source = (SampleSource)strtol(lazyPq.PQgetvalue(r, i, 6), NULL, 10),
                        .detail = pgValue(r, i, 7)};
        stop = fn(ctx, &row);
    }
    lazyPq.PQclear(r);
    return stop;
}

const StoreDriver storePostgresDriver = {
    .scheme = "postgres",
    .summary = "PostgreSQL through libpq, for many agents writing to one place",
    .open = pgOpen,
    .close = pgClose,
    .writePower = pgWritePower,
    .writeHostUtil = pgWriteHostUtil,
    .writeVmUtil = pgWriteVmUtil,
    .writeEvents = pgWriteEvents,
    .writeVmEnergy = pgWriteVmEnergy,
    .describeHosts = pgDescribeHosts,
    .describeMeters = pgDescribeMeters,
    .scan = pgScan,
    .retain = pgRetain,
    .series = pgSeries,
    .energy = pgEnergy,
};
