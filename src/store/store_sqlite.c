/* store_sqlite.c - the embedded store backend: one SQLite file in WAL mode.
 *
 * Durability. By default synchronous=NORMAL: a batch's COMMIT returns once
 * its pages are written (write(2)) to the WAL; the WAL is fsynced at each
 * checkpoint, not at each commit. So:
 *   - the writer killed (kill -9, a crash, the OOM killer): nothing
 *     acknowledged is lost; the kernel holds the WAL and the next open
 *     replays it (tests/test_store.c, tests/cli/collect_store.sh);
 *   - the machine losing power or the kernel crashing: the batches
 *     committed since the last checkpoint may roll back (never a corrupt
 *     file, never half a batch).
 * "sqlite:PATH?sync=full" selects synchronous=FULL: one fsync per batch,
 * and acknowledged samples survive a power cut too. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "err.h"
#include "store.h"
#include "util.h"

static const char *const schemaSql =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA busy_timeout=10000;"
    /* Checkpoint every ~40 MiB of WAL instead of 4 MiB: a B-tree page that
     * several batches touch is copied into the database file once, not at
     * each of them. */
    "PRAGMA wal_autocheckpoint=10000;"
    /* 64 MiB of page cache: with the default 2 MiB, a batch of raw rows
     * evicts the B-tree pages it needs next and ingest runs 5x slower. */
    "PRAGMA cache_size=-65536;"
    "CREATE TABLE IF NOT EXISTS series(id INTEGER PRIMARY KEY, host TEXT NOT NULL,"
    " meter TEXT NOT NULL, last_t REAL, last_w REAL, UNIQUE(host, meter));"
    "CREATE TABLE IF NOT EXISTS power(series INTEGER NOT NULL, t REAL NOT NULL,"
    " watts REAL NOT NULL, source INTEGER NOT NULL, joules REAL NOT NULL,"
    " PRIMARY KEY(series, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS power_1m(series INTEGER NOT NULL, bucket REAL NOT NULL,"
    " count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,"
    " joules REAL NOT NULL, PRIMARY KEY(series, bucket)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS power_1h(series INTEGER NOT NULL, bucket REAL NOT NULL,"
    " count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL,"
    " joules REAL NOT NULL, PRIMARY KEY(series, bucket)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS host_util(host TEXT NOT NULL, t REAL NOT NULL,"
    " util REAL NOT NULL, PRIMARY KEY(host, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS vm_util(vm TEXT NOT NULL, t REAL NOT NULL, host TEXT NOT NULL,"
    " vcpus INTEGER NOT NULL, util REAL NOT NULL, PRIMARY KEY(vm, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, t REAL NOT NULL,"
    " kind TEXT NOT NULL, host TEXT, vm TEXT, detail TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS events_t ON events(t);"
    "CREATE TABLE IF NOT EXISTS vm_energy(vm TEXT NOT NULL, t REAL NOT NULL, host TEXT NOT NULL,"
    " project TEXT, joules REAL NOT NULL, PRIMARY KEY(vm, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS host_info(host TEXT PRIMARY KEY, server_type TEXT)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS meter_info(host TEXT NOT NULL, meter TEXT NOT NULL,"
    " driver TEXT NOT NULL, source INTEGER NOT NULL, PRIMARY KEY(host, meter)) WITHOUT ROWID;";

#define UPSERT_TAIL                                                                                \
    " VALUES(?,?,?,?,?,?,?) ON CONFLICT(series, bucket) DO UPDATE SET"                             \
    " count = count + excluded.count, sum = sum + excluded.sum,"                                   \
    " min = min(min, excluded.min), max = max(max, excluded.max),"                                 \
    " joules = joules + excluded.joules"

enum {
    Q_SERIES_GET,
    Q_SERIES_NEW,
    Q_SERIES_SET,
    Q_POWER,
    Q_UP_1M,
    Q_UP_1H,
    Q_HOST_UTIL,
    Q_VM_UTIL,
    Q_EVENT,
    Q_VM_ENERGY,
    Q_HOST_INFO,
    Q_METER_INFO,
    Q_COUNT
};

static const char *const querySql[Q_COUNT] = {
    [Q_SERIES_GET] = "SELECT id, last_t, last_w FROM series WHERE host = ? AND meter = ?",
    [Q_SERIES_NEW] = "INSERT INTO series(host, meter) VALUES(?, ?)",
    [Q_SERIES_SET] = "UPDATE series SET last_t = ?, last_w = ? WHERE id = ?",
    [Q_POWER] = "INSERT INTO power(series, t, watts, source, joules) VALUES(?,?,?,?,?)",
    [Q_UP_1M] = "INSERT INTO power_1m(series, bucket, count, sum, min, max, joules)" UPSERT_TAIL,
    [Q_UP_1H] = "INSERT INTO power_1h(series, bucket, count, sum, min, max, joules)" UPSERT_TAIL,
    [Q_HOST_UTIL] = "INSERT INTO host_util(host, t, util) VALUES(?,?,?)",
    [Q_VM_UTIL] = "INSERT INTO vm_util(vm, t, host, vcpus, util) VALUES(?,?,?,?,?)",
    [Q_EVENT] = "INSERT INTO events(t, kind, host, vm, detail) VALUES(?,?,?,?,?)",
    [Q_VM_ENERGY] = "INSERT INTO vm_energy(vm, t, host, project, joules) VALUES(?,?,?,?,?)",
    [Q_HOST_INFO] = "INSERT INTO host_info(host, server_type) VALUES(?,?)"
                    " ON CONFLICT(host) DO UPDATE SET server_type = excluded.server_type",
    [Q_METER_INFO] = "INSERT INTO meter_info(host, meter, driver, source) VALUES(?,?,?,?)"
                     " ON CONFLICT(host, meter) DO UPDATE SET driver = excluded.driver,"
                     " source = excluded.source",
};

/* Raw power rows go in POWER_ROWS to a statement: one sqlite3_step per
 * POWER_ROWS rows instead of per row (the statement's start and end cost as
 * much as a row's insert). 5 parameters a row stay far under SQLite's
 * limit of 32766. */
#define POWER_ROWS 64

typedef struct SqliteDb {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *q[Q_COUNT];
    sqlite3_stmt *powerMany; /* POWER_ROWS rows */
    BatchPlan plan;          /* its arrays are reused by every batch */
} SqliteDb;

static int dbErr(SqliteDb *d, const char *doing) {
    return ERR("sqlite store %s: %s: %s", d->path, doing, sqlite3_errmsg(d->db));
}

static int exec(SqliteDb *d, const char *sql, const char *doing) {
    if (sqlite3_exec(d->db, sql, NULL, NULL, NULL) != SQLITE_OK) return dbErr(d, doing);
    return 0;
}

static void sqliteClose(void *p) {
    SqliteDb *d = p;
    if (!d) return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(d->q[i]);
    sqlite3_finalize(d->powerMany);
    batchPlanFree(&d->plan);
    sqlite3_close(d->db);
    free(d->path);
    free(d);
}

static int preparePowerMany(SqliteDb *d) {
    static const char head[] = "INSERT INTO power(series, t, watts, source, joules) VALUES";
    char sql[sizeof(head) + POWER_ROWS * 12];
    size_t len = snprintf(sql, sizeof(sql), "%s", head);
    for (int i = 0; i < POWER_ROWS; i++)
        len += snprintf(sql + len, sizeof(sql) - len, "%s(?,?,?,?,?)", i ? "," : "");
    if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &d->powerMany, NULL) !=
        SQLITE_OK)
        return dbErr(d, "preparing the power insert");
    return 0;
}

/* PATH or PATH?sync=normal|full; -1 with an error for anything else. */
static int parseTarget(SqliteDb *d, const char *target, bool *full) {
    const char *q = strchr(target, '?');
    *full = false;
    d->path = q ? xstrndup(target, (size_t)(q - target)) : xstrdup(target);
    if (!*d->path) return ERR("no file name after 'sqlite:'");
    if (!q || strcmp(q, "?sync=normal") == 0) return 0;
    if (strcmp(q, "?sync=full") == 0) {
        *full = true;
        return 0;
    }
    return ERR("sqlite store %s: unknown option '%s' (the only one is ?sync=normal|full)", d->path,
               q);
}

static void *sqliteOpen(const char *target) {
    SqliteDb *d = xcalloc(1, sizeof(*d));
    bool full;
    if (parseTarget(d, target, &full) < 0) {
        sqliteClose(d);
        return NULL;
    }
    const char *path = d->path;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &d->db, flags, NULL) != SQLITE_OK || !d->db) {
        if (d->db)
            dbErr(d, "opening");
        else
            ERR("sqlite store %s: cannot allocate a connection", path);
        sqliteClose(d);
        return NULL;
    }
    if (exec(d, schemaSql, "creating the schema") < 0) goto fail;
    if (full && exec(d, "PRAGMA synchronous=FULL", "setting sync=full") < 0) goto fail;
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(d->db, querySql[i], -1, SQLITE_PREPARE_PERSISTENT, &d->q[i], NULL) !=
            SQLITE_OK) {
            dbErr(d, "preparing a statement");
            goto fail;
        }
    if (preparePowerMany(d) < 0) goto fail;
    return d;
fail:
    sqliteClose(d);
    return NULL;
}

/* Run a bound statement that returns no row, and reset it for reuse. */
static int step(SqliteDb *d, sqlite3_stmt *s, const char *doing) {
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : dbErr(d, doing);
}

static int begin(SqliteDb *d) {
    return exec(d, "BEGIN IMMEDIATE", "starting a batch");
}

/* Commit, or roll back when the batch failed; keeps the first error. */
static int finish(SqliteDb *d, int rc) {
    if (rc == 0) return exec(d, "COMMIT", "committing a batch");
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int seriesLookup(void *p, SeriesState *st) {
    SqliteDb *d = p;
    sqlite3_stmt *g = d->q[Q_SERIES_GET];
    sqlite3_bind_text(g, 1, st->host, -1, SQLITE_STATIC);
    sqlite3_bind_text(g, 2, st->meter, -1, SQLITE_STATIC);
    int rc = sqlite3_step(g);
    if (rc == SQLITE_ROW) {
        st->id = (long)sqlite3_column_int64(g, 0);
        st->hasLast = sqlite3_column_type(g, 1) != SQLITE_NULL;
        st->lastT = sqlite3_column_double(g, 1);
        st->lastW = sqlite3_column_double(g, 2);
    }
    sqlite3_reset(g);
    if (rc == SQLITE_ROW) return 0;
    if (rc != SQLITE_DONE) return dbErr(d, "looking a series up");
    sqlite3_stmt *s = d->q[Q_SERIES_NEW];
    sqlite3_bind_text(s, 1, st->host, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, st->meter, -1, SQLITE_STATIC);
    if (step(d, s, "adding a series") < 0) return -1;
    st->id = (long)sqlite3_last_insert_rowid(d->db);
    st->hasLast = false;
    return 0;
}

static int writeRollups(SqliteDb *d, sqlite3_stmt *s, const RollupDelta *r, size_t n) {
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int64(s, 1, r[i].series);
        sqlite3_bind_double(s, 2, r[i].bucket);
        sqlite3_bind_int64(s, 3, r[i].count);
        sqlite3_bind_double(s, 4, r[i].sum);
        sqlite3_bind_double(s, 5, r[i].min);
        sqlite3_bind_double(s, 6, r[i].max);
        sqlite3_bind_double(s, 7, r[i].joules);
        if (step(d, s, "updating a roll-up") < 0) return -1;
    }
    return 0;
}

static void bindPower(sqlite3_stmt *q, int at, const PowerSample *s, const BatchPlan *p, size_t i) {
    sqlite3_bind_int64(q, at + 1, p->seriesOf[i]);
    sqlite3_bind_double(q, at + 2, s[i].t);
    sqlite3_bind_double(q, at + 3, s[i].watts);
    sqlite3_bind_int(q, at + 4, (int)s[i].source);
    sqlite3_bind_double(q, at + 5, p->joules[i]);
}

/* Rows grouped by series (p->order): consecutive inserts land in the same
 * B-tree leaf, which stays in the CPU's cache. */
static int insertPower(SqliteDb *d, const PowerSample *s, size_t n, const BatchPlan *p) {
    const size_t *order = p->order;
    int rc = 0;
    size_t k = 0;
    for (; rc == 0 && k + POWER_ROWS <= n; k += POWER_ROWS) {
        for (int r = 0; r < POWER_ROWS; r++)
            bindPower(d->powerMany, 5 * r, s, p, order[k + (size_t)r]);
        rc = sqlite3_step(d->powerMany) == SQLITE_DONE ? 0 : dbErr(d, "inserting power samples");
        sqlite3_reset(d->powerMany);
    }
    for (; rc == 0 && k < n; k++) {
        bindPower(d->q[Q_POWER], 0, s, p, order[k]);
        rc = sqlite3_step(d->q[Q_POWER]) == SQLITE_DONE ? 0 : dbErr(d, "inserting a power sample");
        sqlite3_reset(d->q[Q_POWER]);
    }
    return rc;
}

static int writePlan(SqliteDb *d, const PowerSample *s, size_t n, const BatchPlan *p) {
    if (insertPower(d, s, n, p) < 0) return -1;
    if (writeRollups(d, d->q[Q_UP_1M], p->minute, p->nMinute) < 0) return -1;
    if (writeRollups(d, d->q[Q_UP_1H], p->hour, p->nHour) < 0) return -1;
    sqlite3_stmt *u = d->q[Q_SERIES_SET];
    for (size_t i = 0; i < p->nSeries; i++) {
        sqlite3_bind_double(u, 1, p->series[i].lastT);
        sqlite3_bind_double(u, 2, p->series[i].lastW);
        sqlite3_bind_int64(u, 3, p->series[i].id);
        if (step(d, u, "recording a series' last sample") < 0) return -1;
    }
    return 0;
}

static int sqliteWritePower(void *p, const PowerSample *s, size_t n) {
    SqliteDb *d = p;
    if (begin(d) < 0) return -1;
    int rc = batchPlan(s, n, seriesLookup, d, &d->plan);
    if (rc == 0) rc = writePlan(d, s, n, &d->plan);
    return finish(d, rc);
}

static int sqliteWriteHostUtil(void *p, const HostUtilSample *s, size_t n) {
    SqliteDb *d = p;
    sqlite3_stmt *q = d->q[Q_HOST_UTIL];
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_text(q, 1, s[i].host, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 2, s[i].t);
        sqlite3_bind_double(q, 3, s[i].util);
        rc = step(d, q, "inserting a host utilization sample");
        if (rc < 0)
            errPrefix("host utilization sample %zu (host %s, time %.3f)", i, s[i].host, s[i].t);
    }
    return finish(d, rc);
}

static int sqliteWriteVmUtil(void *p, const VmUtilSample *s, size_t n) {
    SqliteDb *d = p;
    sqlite3_stmt *q = d->q[Q_VM_UTIL];
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_text(q, 1, s[i].vm, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 2, s[i].t);
        sqlite3_bind_text(q, 3, s[i].host, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 4, s[i].vcpus);
        sqlite3_bind_double(q, 5, s[i].util);
        rc = step(d, q, "inserting a VM utilization sample");
        if (rc < 0) errPrefix("VM utilization sample %zu (vm %s, time %.3f)", i, s[i].vm, s[i].t);
    }
    return finish(d, rc);
}

static int sqliteWriteEvents(void *p, const StoreEvent *e, size_t n) {
    SqliteDb *d = p;
    sqlite3_stmt *q = d->q[Q_EVENT];
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_double(q, 1, e[i].t);
        sqlite3_bind_text(q, 2, e[i].kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, e[i].host && *e[i].host ? e[i].host : NULL, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, e[i].vm && *e[i].vm ? e[i].vm : NULL, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 5, e[i].detail ? e[i].detail : "{}", -1, SQLITE_STATIC);
        rc = step(d, q, "inserting an event");
    }
    return finish(d, rc);
}

static int sqliteWriteVmEnergy(void *p, const VmEnergySample *s, size_t n) {
    SqliteDb *d = p;
    sqlite3_stmt *q = d->q[Q_VM_ENERGY];
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_text(q, 1, s[i].vm, -1, SQLITE_STATIC);
        sqlite3_bind_double(q, 2, s[i].t);
        sqlite3_bind_text(q, 3, s[i].host, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 4, s[i].project && *s[i].project ? s[i].project : NULL, -1,
                          SQLITE_STATIC);
        sqlite3_bind_double(q, 5, s[i].joules);
        rc = step(d, q, "inserting a VM energy sample");
        if (rc < 0) errPrefix("VM energy sample %zu (vm %s, time %.3f)", i, s[i].vm, s[i].t);
    }
    return finish(d, rc);
}

static int sqliteDescribeHosts(void *p, const HostInfo *h, size_t n) {
    SqliteDb *d = p;
    sqlite3_stmt *q = d->q[Q_HOST_INFO];
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_text(q, 1, h[i].host, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, h[i].serverType && *h[i].serverType ? h[i].serverType : NULL, -1,
                          SQLITE_STATIC);
        rc = step(d, q, "recording a host");
    }
    return finish(d, rc);
}

static int sqliteDescribeMeters(void *p, const MeterInfo *m, size_t n) {
    SqliteDb *d = p;
    sqlite3_stmt *q = d->q[Q_METER_INFO];
    if (begin(d) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_bind_text(q, 1, m[i].host, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, m[i].meter, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, m[i].driver, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 4, (int)m[i].source);
        rc = step(d, q, "recording a meter");
    }
    return finish(d, rc);
}

static int deleteBefore(SqliteDb *d, const char *sql, double before, long *deleted) {
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK)
        return dbErr(d, "preparing retention");
    sqlite3_bind_double(s, 1, before);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return dbErr(d, "deleting old samples");
    *deleted += sqlite3_changes(d->db);
    return 0;
}

static int sqliteRetain(void *p, double before, long *deleted) {
    SqliteDb *d = p;
    *deleted = 0;
    if (begin(d) < 0) return -1;
    int rc = deleteBefore(d, "DELETE FROM power WHERE t < ?", before, deleted);
    if (rc == 0) rc = deleteBefore(d, "DELETE FROM host_util WHERE t < ?", before, deleted);
    if (rc == 0) rc = deleteBefore(d, "DELETE FROM vm_util WHERE t < ?", before, deleted);
    if (rc == 0) rc = deleteBefore(d, "DELETE FROM vm_energy WHERE t < ?", before, deleted);
    return finish(d, rc);
}

/* ---- queries ---------------------------------------------------------- */

static const char *const seriesSql[] = {
    [SERIES_RAW] = "SELECT s.meter, CAST((p.t - ?3) / ?5 AS INTEGER) AS b, avg(p.watts),"
                   " min(p.watts), max(p.watts), count(*), sum(p.joules)"
                   " FROM power p JOIN series s ON s.id = p.series"
                   " WHERE s.host = ?1 AND (?2 IS NULL OR s.meter = ?2) AND p.t >= ?3 AND p.t < ?4"
                   " GROUP BY s.meter, b ORDER BY s.meter, b",
    [SERIES_1MIN] = "SELECT s.meter, CAST((r.bucket - ?3) / ?5 AS INTEGER) AS b,"
                    " sum(r.sum) / sum(r.count), min(r.min), max(r.max), sum(r.count),"
                    " sum(r.joules) FROM power_1m r JOIN series s ON s.id = r.series"
                    " WHERE s.host = ?1 AND (?2 IS NULL OR s.meter = ?2) AND r.bucket >= ?3"
                    " AND r.bucket < ?4 GROUP BY s.meter, b ORDER BY s.meter, b",
    [SERIES_1HOUR] = "SELECT s.meter, CAST((r.bucket - ?3) / ?5 AS INTEGER) AS b,"
                     " sum(r.sum) / sum(r.count), min(r.min), max(r.max), sum(r.count),"
                     " sum(r.joules) FROM power_1h r JOIN series s ON s.id = r.series"
                     " WHERE s.host = ?1 AND (?2 IS NULL OR s.meter = ?2) AND r.bucket >= ?3"
                     " AND r.bucket < ?4 GROUP BY s.meter, b ORDER BY s.meter, b",
};

static int readSeries(SqliteDb *d, sqlite3_stmt *s, const char *host, double from, double step,
                      SeriesPoint **out, size_t *n) {
    size_t cap = 0;
    char meter[STORE_NAME_MAX + 1] = "";
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(s, 0);
        if (!*meter)
            snprintf(meter, sizeof(meter), "%s", m);
        else if (strcmp(meter, m) != 0)
            return ERR("series query: host %s has more than one meter (%s, %s); name one", host,
                       meter, m);
        growArray((void **)out, sizeof(SeriesPoint), &cap, *n + 1);
        (*out)[(*n)++] = (SeriesPoint){
            .t = from + (double)sqlite3_column_int64(s, 1) * step,
            .avgW = sqlite3_column_double(s, 2),
            .minW = sqlite3_column_double(s, 3),
            .maxW = sqlite3_column_double(s, 4),
            .count = (long)sqlite3_column_int64(s, 5),
            .joules = sqlite3_column_double(s, 6),
        };
    }
    return rc == SQLITE_DONE ? 0 : dbErr(d, "reading a series");
}

static int sqliteSeries(void *p, const char *host, const char *meter, double from, double to,
                        double stepS, SeriesSource src, SeriesPoint **out, size_t *n) {
    SqliteDb *d = p;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(d->db, seriesSql[src], -1, &s, NULL) != SQLITE_OK)
        return dbErr(d, "preparing a series query");
    sqlite3_bind_text(s, 1, host, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, meter, -1, SQLITE_STATIC);
    sqlite3_bind_double(s, 3, from);
    sqlite3_bind_double(s, 4, to);
    sqlite3_bind_double(s, 5, stepS);
    int rc = readSeries(d, s, host, from, stepS, out, n);
    sqlite3_finalize(s);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int sqliteEnergy(void *p, double from, double to, HostEnergy **out, size_t *n) {
    SqliteDb *d = p;
    sqlite3_stmt *s;
    const char *sql = "SELECT s.host, s.meter, sum(r.joules), sum(r.count) FROM power_1m r"
                      " JOIN series s ON s.id = r.series WHERE r.bucket >= ? AND r.bucket < ?"
                      " GROUP BY s.host, s.meter ORDER BY s.host, s.meter";
    if (sqlite3_prepare_v2(d->db, sql, -1, &s, NULL) != SQLITE_OK)
        return dbErr(d, "preparing an energy query");
    sqlite3_bind_double(s, 1, from);
    sqlite3_bind_double(s, 2, to);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        growArray((void **)out, sizeof(HostEnergy), &cap, *n + 1);
        HostEnergy *e = &(*out)[(*n)++];
        snprintf(e->host, sizeof(e->host), "%s", (const char *)sqlite3_column_text(s, 0));
        snprintf(e->meter, sizeof(e->meter), "%s", (const char *)sqlite3_column_text(s, 1));
        e->joules = sqlite3_column_double(s, 2);
        e->samples = (long)sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_DONE) return 0;
    free(*out);
    *out = NULL;
    *n = 0;
    return dbErr(d, "reading energy totals");
}

/* Every scan returns host, name, text, t, value, count, source (store.h). */
static const char *const scanSql[STORE_TABLES] = {
    [STORE_POWER] = "SELECT s.host, s.meter, NULL, p.t, p.watts, 0, p.source, NULL FROM power p"
                    " JOIN series s ON s.id = p.series WHERE p.t >= ?1 AND p.t < ?2"
                    " ORDER BY s.host, s.meter, p.t",
    [STORE_HOST_UTIL] = "SELECT host, NULL, NULL, t, util, 0, 0, NULL FROM host_util"
                        " WHERE t >= ?1 AND t < ?2 ORDER BY host, t",
    [STORE_VM_UTIL] = "SELECT host, vm, NULL, t, util, vcpus, 0, NULL FROM vm_util"
                      " WHERE t >= ?1 AND t < ?2 ORDER BY host, vm, t",
    [STORE_VM_ENERGY] = "SELECT host, vm, project, t, joules, 0, 0, NULL FROM vm_energy"
                        " WHERE t >= ?1 AND t < ?2 ORDER BY host, vm, t",
    [STORE_HOSTS] = "SELECT host, NULL, server_type, 0, 0, 0, 0, NULL FROM host_info"
                    " WHERE ?1 <= ?2 ORDER BY host",
    [STORE_METERS] = "SELECT host, meter, driver, 0, 0, 0, source, NULL FROM meter_info"
                     " WHERE ?1 <= ?2 ORDER BY host, meter",
    [STORE_EVENTS] =
        "SELECT host, vm, kind, t, 0, 0, 0, detail FROM events WHERE t >= ?1 AND t < ?2"
        " ORDER BY host, vm, t",
};

static int sqliteScan(void *p, StoreTable table, double from, double to, StoreRowFn fn, void *ctx) {
    SqliteDb *d = p;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(d->db, scanSql[table], -1, &s, NULL) != SQLITE_OK)
        return dbErr(d, "preparing a scan");
    sqlite3_bind_double(s, 1, from);
    sqlite3_bind_double(s, 2, to);
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        StoreRow r = {.host = (const char *)sqlite3_column_text(s, 0),
                      .name = (const char *)sqlite3_column_text(s, 1),
                      .text = (const char *)sqlite3_column_text(s, 2),
                      .t = sqlite3_column_double(s, 3),
                      .value = sqlite3_column_double(s, 4),
                      .count = (long)sqlite3_column_int64(s, 5),
                      .source = (SampleSource)sqlite3_column_int(s, 6),
                      .detail = (const char *)sqlite3_column_text(s, 7)};
        stop = fn(ctx, &r);
    }
    if (!stop && rc != SQLITE_DONE) stop = dbErr(d, "scanning");
    sqlite3_finalize(s);
    return stop;
}

const StoreDriver storeSqliteDriver = {
    .scheme = "sqlite",
    .summary = "one SQLite file (WAL, synchronous=NORMAL or ?sync=full); the embedded default",
    .open = sqliteOpen,
    .close = sqliteClose,
    .writePower = sqliteWritePower,
    .writeHostUtil = sqliteWriteHostUtil,
    .writeVmUtil = sqliteWriteVmUtil,
    .writeEvents = sqliteWriteEvents,
    .writeVmEnergy = sqliteWriteVmEnergy,
    .describeHosts = sqliteDescribeHosts,
    .describeMeters = sqliteDescribeMeters,
    .scan = sqliteScan,
    .retain = sqliteRetain,
    .series = sqliteSeries,
    .energy = sqliteEnergy,
};
