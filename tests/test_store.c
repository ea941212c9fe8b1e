/* test_store.c - the store contract (store.h), run against every backend
 * that can be opened here: batched writes, bad input refused whole,
 * roll-ups, series and energy queries, retention, and the durability promise
 * (acknowledged samples survive a kill -9 of the writer).
 *
 * Backends: sqlite (a file in a temp dir), or, when GEYSER_TEST_POSTGRES
 * holds a conninfo, postgres only: ctest runs this program a second time
 * under tests/pg/with-postgres.sh, which starts a real server. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "store.h"
#include "testing.h"

static char tmpDir[] = "/tmp/geyser-store-XXXXXX";
static int uriSeq;
static const char *backendUri; /* "sqlite:" or "postgres:..." */

/* A fresh, empty store of the backend under test. */
static Store *freshStore(char *uri, size_t size) {
    if (strcmp(backendUri, "sqlite:") == 0)
        snprintf(uri, size, "sqlite:%s/s%d.db", tmpDir, ++uriSeq);
    else /* tests/pg/with-postgres.sh made databases geyser_t1..8 */
        snprintf(uri, size, "postgres:%s dbname=geyser_t%d", backendUri, ++uriSeq);
    Store *st = storeOpen(uri);
    if (!st) fprintf(stderr, "storeOpen(%s): %s\n", uri, errLast());
    return st;
}

static PowerSample ps(double t, const char *host, double w) {
    return (PowerSample){.t = t, .host = host, .meter = "ipmi", .watts = w};
}

static void testBadInputRefused(void) {
    char uri[256];
    Store *st = freshStore(uri, sizeof(uri));
    CHECK(st != NULL);
    if (!st) return;
    PowerSample b[3] = {ps(0, "h1", 100), ps(1, "h1", NAN), ps(2, "h1", 100)};
    CHECK(storeWritePower(st, b, 3) == -1);
    CHECK_STR_CONTAINS(errLast(), "power sample 1 (host h1, meter ipmi): watts is not a finite");
    b[1].watts = -3;
    CHECK(storeWritePower(st, b, 3) == -1);
    CHECK_STR_CONTAINS(errLast(), "-3 W is negative");
    b[1].watts = 100;
    b[1].host = "a-host-name-that-is-far-too-long-to-be-a-host-name-in-any-cloud-we-know";
    CHECK(storeWritePower(st, b, 3) == -1);
    CHECK_STR_CONTAINS(errLast(), "more than the 63 allowed");
    b[1].host = "h1";
    b[2].t = 1; /* same time as the previous sample of the series */
    CHECK(storeWritePower(st, b, 3) == -1);
    CHECK_STR_CONTAINS(errLast(), "time 1.000 is not after the previous sample");
    /* Nothing of the refused batches was written. */
    SeriesPoint *pts;
    size_t n;
    CHECK(storeSeries(st, "h1", NULL, 0, 60, 1, &pts, &n, NULL) == 0);
    CHECK(n == 0);
    free(pts);
    b[2].t = 2;
    CHECK(storeWritePower(st, b, 3) == 0);
    PowerSample back = ps(1.5, "h1", 100);
    CHECK(storeWritePower(st, &back, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "previous sample of this series at 2.000");
    HostUtilSample hu = {.t = 0, .host = "h1", .util = 1.5};
    CHECK(storeWriteHostUtil(st, &hu, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "utilization 1.5 is outside [0, 1]");
    StoreEvent ev = {.t = 1, .kind = "migrate", .detail = "[1]"};
    CHECK(storeWriteEvents(st, &ev, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "detail is not a JSON object");
    storeClose(st);
}

/* One host at 1 Hz, 100 W for the first hour and 200 W for the second. */
static void writeTwoHours(Store *st, const char *host) {
    enum { N = 7200, BATCH = 1000 };
    PowerSample *b = malloc(sizeof(PowerSample) * BATCH);
    for (int i = 0; i < N; i += BATCH) {
        for (int k = 0; k < BATCH; k++)
            b[k] = ps(i + k, host, i + k < 3600 ? 100 : 200);
        CHECK(storeWritePower(st, b, BATCH) == 0);
    }
    free(b);
}

static void testRollupsAndQueries(void) {
    char uri[256];
    Store *st = freshStore(uri, sizeof(uri));
    if (!st) return;
    writeTwoHours(st, "h1");
    writeTwoHours(st, "h2");
    SeriesPoint *pts;
    size_t n;
    SeriesSource src;
    CHECK(storeSeries(st, "h1", NULL, 0, 7200, 3600, &pts, &n, &src) == 0);
    CHECK(src == SERIES_1HOUR);
    CHECK(n == 2);
    if (n == 2) {
        CHECK_NEAR(pts[0].avgW, 100, 1e-9);
        CHECK_NEAR(pts[1].avgW, 200, 1e-9);
        CHECK(pts[0].count == 3600);
        CHECK_NEAR(pts[0].joules, 3599 * 100.0, 1e-6); /* the first sample opens the series */
        CHECK_NEAR(pts[1].joules, 150 + 3599 * 200.0, 1e-6);
        CHECK_NEAR(pts[1].minW, 200, 1e-9);
    }
    free(pts);
    CHECK(storeSeries(st, "h1", "ipmi", 3540, 3660, 60, &pts, &n, &src) == 0);
    CHECK(src == SERIES_1MIN);
    CHECK(n == 2 && pts[0].maxW == 100 && pts[1].minW == 200);
    free(pts);
    CHECK(storeSeries(st, "h1", NULL, 3595, 3605, 5, &pts, &n, &src) == 0);
    CHECK(src == SERIES_RAW);
    CHECK(n == 2 && pts[0].count == 5 && pts[0].avgW == 100 && pts[1].avgW == 200);
    free(pts);
    HostEnergy *e;
    CHECK(storeEnergy(st, 0, 7200, &e, &n) == 0);
    CHECK(n == 2);
    if (n == 2) {
        CHECK(strcmp(e[0].host, "h1") == 0 && strcmp(e[1].host, "h2") == 0);
        CHECK_NEAR(e[0].joules, 3599 * 100.0 + 150 + 3599 * 200.0, 1e-6);
        CHECK(e[1].samples == 7200);
    }
    free(e);
    CHECK(storeEnergy(st, 0, 7190, &e, &n) == -1);
    CHECK_STR_CONTAINS(errLast(), "whole minutes");
    long deleted = 0;
    CHECK(storeRetain(st, 3600, &deleted) == 0);
    CHECK(deleted == 7200);
    CHECK(storeSeries(st, "h1", NULL, 0, 7202, 3601, &pts, &n, &src) == 0);
    CHECK(src == SERIES_RAW && n == 2); /* raw: only the second hour is left */
    free(pts);
    CHECK(storeSeries(st, "h1", NULL, 0, 7200, 3600, &pts, &n, &src) == 0);
    CHECK(n == 2); /* the roll-ups outlive the raw samples */
    free(pts);
    storeClose(st);
}

/* One connection keeps its batch plan's arrays between batches (batch.h):
 * batches that grow, shrink, change their series and fail in between must
 * each be planned from their own samples only. 100 series is more than the
 * series table starts with, so it is rehashed while a batch is planned. */
static void testBatchesReusePlan(void) {
    enum { HOSTS = 100, T = 50 };
    char uri[256], names[HOSTS][8];
    Store *st = freshStore(uri, sizeof(uri));
    if (!st) return;
    PowerSample *b = malloc(sizeof(PowerSample) * HOSTS * T);
    for (int h = 0; h < HOSTS; h++)
        snprintf(names[h], sizeof(names[h]), "h%03d", h);
    for (int h = 0; h < HOSTS; h++) /* every series new, in reverse order */
        b[h] = ps(0, names[HOSTS - 1 - h], 100 + HOSTS - 1 - h);
    CHECK(storeWritePower(st, b, HOSTS) == 0);
    size_t n = 0;
    for (int t = 1; t <= T; t++) /* bigger than the first batch, time-major */
        for (int h = 0; h < HOSTS; h++)
            b[n++] = ps(t, names[h], 100 + h);
    CHECK(storeWritePower(st, b, n) == 0);
    PowerSample bad[3] = {ps(51, "h000", 100), ps(52, "new", 1), ps(51, "h000", 100)};
    CHECK(storeWritePower(st, bad, 3) == -1);
    CHECK_STR_CONTAINS(errLast(), "power sample 2 (host h000, meter ipmi): time 51.000");
    n = 0; /* smaller, three of the series */
    for (int t = 51; t <= 52; t++)
        for (int h = 2; h >= 0; h--)
            b[n++] = ps(t, names[h], 100 + h);
    CHECK(storeWritePower(st, b, n) == 0);
    free(b);
    /* Each series' last sample was recorded by the batch that wrote it. */
    PowerSample again = ps(52, "h001", 100);
    CHECK(storeWritePower(st, &again, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "previous sample of this series at 52.000");
    again = ps(50, "h003", 100);
    CHECK(storeWritePower(st, &again, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "previous sample of this series at 50.000");
    HostEnergy *e;
    CHECK(storeEnergy(st, 0, 60, &e, &n) == 0);
    CHECK(n == HOSTS); /* "new" of the refused batch is not there */
    for (size_t h = 0; h < n && n == HOSTS; h++) {
        long last = h < 3 ? 52 : T;
        CHECK(strcmp(e[h].host, names[h]) == 0);
        CHECK(e[h].samples == last + 1);
        CHECK_NEAR(e[h].joules, (double)last * (100 + (double)h), 1e-9);
    }
    free(e);
    SeriesPoint *pts;
    SeriesSource src;
    CHECK(storeSeries(st, "h099", NULL, 0, 60, 10, &pts, &n, &src) == 0);
    CHECK(src == SERIES_RAW && n == 6 && pts[0].count == 10 && pts[5].count == 1);
    CHECK(n == 6 && pts[5].avgW == 199 && pts[5].joules == 199);
    free(pts);
    storeClose(st);
}

static void testOtherTables(void) {
    char uri[256];
    Store *st = freshStore(uri, sizeof(uri));
    if (!st) return;
    HostUtilSample hu[2] = {{.t = 1, .host = "h1", .util = 0.5}, {.t = 2, .host = "h1", .util = 0}};
    CHECK(storeWriteHostUtil(st, hu, 2) == 0);
    CHECK(storeWriteHostUtil(st, hu, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "host utilization sample");
    VmUtilSample vu = {.t = 1, .vm = "vm-1", .host = "h1", .vcpus = 2, .util = 0.25};
    CHECK(storeWriteVmUtil(st, &vu, 1) == 0);
    vu.vcpus = 0;
    CHECK(storeWriteVmUtil(st, &vu, 1) == -1);
    StoreEvent ev = {
        .t = 1, .kind = "migrate", .host = "h1", .vm = "vm-1", .detail = "{\"to\":\"h2\"}"};
    CHECK(storeWriteEvents(st, &ev, 1) == 0);
    storeClose(st);
}

/* Collects scanned rows as "host|name|text|t|value|count|source" lines. */
typedef struct Scanned {
    char text[2048];
    int rows;
} Scanned;

static int scanInto(void *ctx, const StoreRow *r) {
    Scanned *sc = ctx;
    size_t len = strlen(sc->text);
    snprintf(sc->text + len, sizeof(sc->text) - len, "%s|%s|%s|%g|%g|%ld|%d\n",
             r->host ? r->host : "-", r->name ? r->name : "-", r->text ? r->text : "-", r->t,
             r->value, r->count, (int)r->source);
    sc->rows++;
    return 0;
}

static int stopAtFirst(void *ctx, const StoreRow *r) {
    (void)r;
    ++*(int *)ctx;
    return 7;
}

static void testDescribeAndScan(void) {
    char uri[256];
    Store *st = freshStore(uri, sizeof(uri));
    if (!st) return;
    HostInfo hi[2] = {{"h1", "TypeA"}, {"h2", NULL}};
    CHECK(storeDescribeHosts(st, hi, 2) == 0);
    hi[0].serverType = "TypeB"; /* the latest description wins */
    CHECK(storeDescribeHosts(st, hi, 1) == 0);
    MeterInfo mi = {.host = "h1", .meter = "bmc", .driver = "ipmi", .source = SAMPLE_MEASURED};
    CHECK(storeDescribeMeters(st, &mi, 1) == 0);
    mi.driver = "";
    CHECK(storeDescribeMeters(st, &mi, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "meter 0: driver is empty");
    VmEnergySample ve[2] = {{.t = 10, .vm = "vm-1", .host = "h1", .project = "p1", .joules = 5},
                            {.t = 20, .vm = "vm-1", .host = "h1", .joules = 7.5}};
    CHECK(storeWriteVmEnergy(st, ve, 2) == 0);
    ve[0].joules = -1;
    CHECK(storeWriteVmEnergy(st, ve, 1) == -1);
    CHECK_STR_CONTAINS(errLast(), "VM energy sample 0 (vm-1): -1 J");
    PowerSample pw[2] = {ps(1, "h1", 120), ps(2, "h1", 130)};
    pw[1].source = SAMPLE_ESTIMATED;
    CHECK(storeWritePower(st, pw, 2) == 0);
    HostUtilSample hu = {.t = 1, .host = "h1", .util = 0.25};
    CHECK(storeWriteHostUtil(st, &hu, 1) == 0);
    VmUtilSample vu = {.t = 3, .vm = "vm-1", .host = "h1", .vcpus = 2, .util = 0.5};
    CHECK(storeWriteVmUtil(st, &vu, 1) == 0);
    static const char *const want[STORE_TABLES] = {
        [STORE_POWER] = "h1|ipmi|-|1|120|0|0\nh1|ipmi|-|2|130|0|1\n",
        [STORE_HOST_UTIL] = "h1|-|-|1|0.25|0|0\n",
        [STORE_VM_UTIL] = "h1|vm-1|-|3|0.5|2|0\n",
        [STORE_VM_ENERGY] = "h1|vm-1|p1|10|5|0|0\nh1|vm-1|-|20|7.5|0|0\n",
        [STORE_HOSTS] = "h1|-|TypeB|0|0|0|0\nh2|-|-|0|0|0|0\n",
        [STORE_METERS] = "h1|bmc|ipmi|0|0|0|0\n",
        [STORE_EVENTS] = "",
    };
    for (int t = 0; t < STORE_TABLES; t++) {
        Scanned sc = {.rows = 0};
        CHECK(storeScan(st, (StoreTable)t, 0, 100, scanInto, &sc) == 0);
        if (strcmp(sc.text, want[t]) != 0)
            fprintf(stderr, "scan %s:\n%s-- wanted:\n%s", storeTableName((StoreTable)t), sc.text,
                    want[t]);
        CHECK(strcmp(sc.text, want[t]) == 0);
    }
    Scanned sc = {.rows = 0};
    CHECK(storeScan(st, STORE_POWER, 2, 100, scanInto, &sc) == 0);
    CHECK(sc.rows == 1); /* from is inclusive, and rows before it are left out */
    int calls = 0;
    CHECK(storeScan(st, STORE_POWER, 0, 100, stopAtFirst, &calls) == 7);
    CHECK(calls == 1);
    storeClose(st);
}

/* The child writes batches and acknowledges each over a pipe (the index of
 * its last sample) only after storeWritePower returned 0; the parent kills
 * it mid-stream and checks that every acknowledged sample is there. */
static void childWriter(const char *uri, int fd) {
    Store *st = storeOpen(uri);
    if (!st) _exit(3);
    PowerSample b[100];
    for (int64_t i = 0;; i += 100) {
        for (int k = 0; k < 100; k++)
            b[k] = ps((double)(i + k), "kill", 42);
        if (storeWritePower(st, b, 100) < 0) _exit(4);
        int64_t last = i + 99;
        if (write(fd, &last, sizeof(last)) != sizeof(last)) _exit(5);
    }
}

static void testKillNine(void) {
    char uri[256];
    Store *st = freshStore(uri, sizeof(uri));
    if (!st) return;
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        storeClose(st);
        childWriter(uri, fds[1]);
    }
    close(fds[1]);
    int64_t acked = -1, v;
    /* Wait for 50 acknowledgements (a count, not a time), then kill. */
    for (int i = 0; i < 50 && read(fds[0], &v, sizeof(v)) == sizeof(v); i++)
        acked = v;
    kill(pid, SIGKILL);
    /* Acks already in the pipe were sent after their commit, so they count. */
    while (read(fds[0], &v, sizeof(v)) == sizeof(v))
        acked = v;
    close(fds[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(acked >= 4999);
    storeClose(st);
    st = storeOpen(uri); /* reopen: recovery from the WAL */
    CHECK(st != NULL);
    if (!st) return;
    SeriesPoint *pts;
    size_t n;
    CHECK(storeSeries(st, "kill", NULL, 0, (double)acked + 1, (double)acked + 1, &pts, &n, NULL) ==
          0);
    CHECK(n == 1 && pts[0].count == acked + 1);
    free(pts);
    storeClose(st);
}

static void runAll(const char *uri) {
    backendUri = uri;
    fprintf(stderr, "== backend %s\n", uri);
    RUN(testBadInputRefused);
    RUN(testRollupsAndQueries);
    RUN(testBatchesReusePlan);
    RUN(testOtherTables);
    RUN(testDescribeAndScan);
    RUN(testKillNine);
}

static void testOpenErrors(void) {
    CHECK(storeOpen("nowhere") == NULL);
    CHECK_STR_CONTAINS(errLast(), "has no scheme");
    CHECK(storeOpen("mysql:x") == NULL);
    CHECK_STR_CONTAINS(errLast(), "unknown scheme 'mysql'");
    CHECK(storeOpen("sqlite:/nonexistent-dir/x.db") == NULL);
    CHECK_STR_CONTAINS(errLast(), "cannot open store sqlite:/nonexistent-dir/x.db");
    char uri[300];
    snprintf(uri, sizeof(uri), "sqlite:%s/full.db?sync=fsync", tmpDir);
    CHECK(storeOpen(uri) == NULL);
    CHECK_STR_CONTAINS(errLast(), "unknown option '?sync=fsync'");
    snprintf(uri, sizeof(uri), "sqlite:%s/full.db?sync=full", tmpDir);
    Store *st = storeOpen(uri);
    CHECK(st != NULL);
    PowerSample one = ps(1, "h", 10);
    CHECK(st && storeWritePower(st, &one, 1) == 0);
    storeClose(st);
    snprintf(uri, sizeof(uri), "%s/full.db", tmpDir);
    CHECK(access(uri, F_OK) == 0); /* the option is not part of the file name */
    /* A libpq URI goes to PostgreSQL; its password never reaches a message. */
    CHECK(storeOpen("postgresql://geyser:s3cret@127.0.0.1:1/nodb?connect_timeout=2") == NULL);
    CHECK_STR_CONTAINS(errLast(), "cannot open store postgresql://geyser:***@127.0.0.1:1/nodb");
    CHECK_STR_CONTAINS(errLast(), "postgres store: connecting");
    CHECK(strstr(errLast(), "s3cret") == NULL);
    CHECK(storeOpen("postgres:host=127.0.0.1 port=1 password=s3cret connect_timeout=2") == NULL);
    CHECK_STR_CONTAINS(errLast(), "password=*** connect_timeout=2");
    CHECK(strstr(errLast(), "s3cret") == NULL);
}

int main(void) {
    if (!mkdtemp(tmpDir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(testOpenErrors);
    const char *pg = getenv("GEYSER_TEST_POSTGRES");
    runAll(pg && *pg ? pg : "sqlite:");
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpDir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpDir);
    return testSummary("test_store");
}
