/* test_meter_core.c - the meter configuration reader and the poller:
 * line-numbered config errors, the permission rule for secrets, backoff,
 * isolation of a blocking meter (checked by counts), rejected samples, and
 * /proc/stat utilization. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "meter/meter.h"
#include "meter/meterconf.h"
#include "meter/poller.h"
#include "meter/procstat.h"
#include "testing.h"
#include "util.h"

static char tmpDir[] = "/tmp/geyser-meter-core-XXXXXX";

static void writeFile(const char *path, const char *text, mode_t mode) {
    FILE *f = fopen(path, "w");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

/* Parse and build; returns the number of meters or -1 with errLast(). */
static int buildText(const char *text) {
    MeterConfSet set;
    if (meterConfParse(text, "t.ini", &set) < 0) return -1;
    int n = 0;
    Meter **m = meterConfBuild(&set, &n);
    meterConfSetFree(&set);
    if (!m) return -1;
    meterListFree(m, n);
    return n;
}

static void testConfGood(void) {
    char text[512];
    snprintf(text, sizeof(text),
             "; two meters, both section forms\n"
             "[meter \"a\"]\ndriver = hwmon\nroot = %s\ninterval = 2\n"
             "[meter:b]\ndriver = rapl\nroot = %s\nhost = compute-1\n",
             tmpDir, tmpDir);
    MeterConfSet set;
    CHECK(meterConfParse(text, "t.ini", &set) == 0);
    CHECK(set.n == 2);
    int n = 0;
    Meter **m = meterConfBuild(&set, &n);
    CHECK(m && n == 2);
    if (m) {
        CHECK(strcmp(m[0]->name, "a") == 0 && m[0]->interval == 2);
        CHECK(strcmp(m[0]->host, "a") == 0); /* host defaults to the instance name */
        CHECK(strcmp(m[1]->host, "compute-1") == 0 && strcmp(m[1]->drv->name, "rapl") == 0);
    }
    meterListFree(m, n);
    meterConfSetFree(&set);
}

static void testConfErrors(void) {
    char text[512];
    snprintf(text, sizeof(text), "[meter \"a\"]\ndriver = hwmon\nroot = %s\nbogus = 1\n", tmpDir);
    CHECK(buildText(text) < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:4");
    CHECK_STR_CONTAINS(errLast(), "unknown key 'bogus'");

    CHECK(buildText("[meter \"a\"]\ndriver = hwmon\ninterval = fast\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:3");
    CHECK_STR_CONTAINS(errLast(), "interval");

    CHECK(buildText("; comment\n[meter \"a\"]\ninterval = 1\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:2: meter 'a' needs the key 'driver'");

    CHECK(buildText("[meter \"a\"]\n\n[meter:b]\ndriver = exec\ncommand = true\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:1: section without keys");
    CHECK(buildText("[meter:b]\ndriver = exec\ncommand = true\n[meter \"c\"]\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:4: section without keys");

    CHECK(buildText("[meter \"a\"]\ndriver = nosuch\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:2");
    CHECK_STR_CONTAINS(errLast(), "unknown meter driver 'nosuch'");

    CHECK(buildText("[global]\nx = 1\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:2");

    CHECK(buildText("[meter \"a\"]\ndriver = hwmon\ndriver = rapl\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:3: meter 'a': key 'driver' given twice");

    CHECK(buildText("[meter \"a\"]\ndriver = exec\n\nthis line is junk\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:4: syntax error");

    CHECK(buildText("[meter \"a\"]\ndriver = exec\ncommand = true\nshell = maybe\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:4");

    CHECK(buildText("[meter \"a\"]\ndriver = hwmon\nroot = /nonexistent/hwmon\n") < 0);
    CHECK_STR_CONTAINS(errLast(), "t.ini:3");
}

static void testConfPermissions(void) {
    char path[256];
    snprintf(path, sizeof(path), "%s/secret.ini", tmpDir);
    const char *text = "[meter \"bmc\"]\ndriver = exec\ncommand = true\npassword = hunter2\n";
    writeFile(path, text, 0644);
    MeterConfSet set;
    CHECK(meterConfLoad(path, &set) < 0);
    CHECK_STR_CONTAINS(errLast(), "accessible to group or others");
    CHECK(strstr(errLast(), "hunter2") == NULL);
    chmod(path, 0600);
    CHECK(meterConfLoad(path, &set) == 0);
    int n = 0;
    Meter **m = meterConfBuild(&set, &n); /* exec takes no password: unknown key */
    CHECK(m == NULL);
    CHECK_STR_CONTAINS(errLast(), "unknown key 'password'");
    CHECK(strstr(errLast(), "hunter2") == NULL);
    meterConfSetFree(&set);
    /* A file with no secret may be world-readable. */
    writeFile(path, "[meter \"a\"]\ndriver = exec\ncommand = true\n", 0644);
    CHECK(meterConfLoad(path, &set) == 0);
    meterConfSetFree(&set);
    unlink(path);
}

/* Test drivers: behaviour chosen by the state. */
typedef struct FakeMeter {
    int mode; /* 0 good, 1 fail, 2 block until released, 3 bad values */
    pthread_mutex_t *lock;
    pthread_cond_t *cond;
    bool *released;
} FakeMeter;

static int fakeRead(void *st, const MeterCtx *ctx) {
    FakeMeter *f = st;
    switch (f->mode) {
    case 1: return ERR("fake failure");
    case 2:
        pthread_mutex_lock(f->lock);
        while (!*f->released)
            pthread_cond_wait(f->cond, f->lock);
        pthread_mutex_unlock(f->lock);
        meterEmitWatts(ctx, NULL, 1, METER_MEASURED); /* late: must be rejected */
        return 0;
    case 3:
        meterEmitWatts(ctx, NULL, NAN, METER_MEASURED);
        meterEmitWatts(ctx, NULL, -5, METER_MEASURED);
        meterEmitWatts(ctx, NULL, 42, METER_MEASURED);
        return 0;
    default: meterEmitWatts(ctx, NULL, 100, METER_MEASURED); return 0;
    }
}

static void fakeFree(void *st) {
    (void)st;
}

static const MeterDriver fakeDriver = {.name = "fake", .read = fakeRead, .free = fakeFree};

static long sinkCount;
static void countSink(void *ctx, const MeterSample *s) {
    (void)ctx;
    (void)s;
    sinkCount++;
}

static void testBackoff(void) {
    CHECK(pollerBackoff(1, 1) == 2);
    CHECK(pollerBackoff(1, 3) == 8);
    CHECK(pollerBackoff(1, 30) == 300);
    CHECK(pollerBackoff(600, 5) == 600);
}

static void testPollerIsolation(void) {
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    bool released = false;
    FakeMeter good = {0}, failing = {.mode = 1}, bad = {.mode = 3},
              blocking = {.mode = 2, .lock = &lock, .cond = &cond, .released = &released};
    Meter m[4] = {
        {.name = "good",
         .host = "h",
         .drv = &fakeDriver,
         .state = &good,
         .interval = 0.01,
         .timeout = 0.1},
        {.name = "failing",
         .host = "h",
         .drv = &fakeDriver,
         .state = &failing,
         .interval = 0.01,
         .timeout = 0.1},
        {.name = "bad",
         .host = "h",
         .drv = &fakeDriver,
         .state = &bad,
         .interval = 0.01,
         .timeout = 0.1},
        {.name = "blocking",
         .host = "h",
         .drv = &fakeDriver,
         .state = &blocking,
         .interval = 0.01,
         .timeout = 0.05},
    };
    Meter *mp[4] = {&m[0], &m[1], &m[2], &m[3]};
    sinkCount = 0;
    Poller *p = pollerCreate(mp, 4, 2, countSink, NULL);
    CHECK(p != NULL);
    pollerRun(p, 1.5);
    MeterStatus sg, sf, sb, sk;
    pollerStatus(p, 0, &sg);
    pollerStatus(p, 1, &sf);
    pollerStatus(p, 2, &sb);
    pollerStatus(p, 3, &sk);
    /* The blocked meter holds one of two workers, yet the good one ran on. */
    CHECK(sg.up && sg.reads >= 10 && sg.failures == 0);
    CHECK(sk.reads == 1 && !sk.up && sk.consecutive == 1);
    CHECK_STR_CONTAINS(sk.lastError, "timed out");
    /* Backoff: the failing meter is read far less often than the good one. */
    CHECK(!sf.up && sf.consecutive == sf.reads && sf.reads >= 2);
    CHECK(sf.reads * 4 < sg.reads);
    CHECK_STR_CONTAINS(sf.lastError, "fake failure");
    /* Invalid values are counted, never delivered. */
    CHECK(sb.up && sb.samples == sb.reads && sb.rejected == 2 * sb.reads);
    CHECK_STR_CONTAINS(sb.lastError, "rejected");
    pthread_mutex_lock(&lock);
    released = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    long delivered = sg.samples + sb.samples;
    pollerFree(p); /* waits for the blocked read, whose sample is late */
    CHECK(sinkCount >= delivered);
}

static void testPollerRound(void) {
    FakeMeter good = {0}, failing = {.mode = 1};
    Meter m[2] = {
        {.name = "good",
         .host = "h",
         .drv = &fakeDriver,
         .state = &good,
         .interval = 10,
         .timeout = 1},
        {.name = "failing",
         .host = "h",
         .drv = &fakeDriver,
         .state = &failing,
         .interval = 10,
         .timeout = 1},
    };
    Meter *mp[2] = {&m[0], &m[1]};
    sinkCount = 0;
    Poller *p = pollerCreate(mp, 2, 0, countSink, NULL);
    CHECK(pollerRound(p) == 1);
    CHECK(sinkCount == 1);
    MeterStatus s;
    pollerStatus(p, 1, &s);
    CHECK(s.reads == 1 && s.failures == 1);
    pollerFree(p);
}

/* One worker, held by a blocking meter: the other meter is reported as
 * starved, not read late and not silently skipped. */
static void testPollerStarved(void) {
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    bool released = false;
    FakeMeter good = {0},
              blocking = {.mode = 2, .lock = &lock, .cond = &cond, .released = &released};
    Meter m[2] = {
        {.name = "blocking",
         .host = "h",
         .drv = &fakeDriver,
         .state = &blocking,
         .interval = 10,
         .timeout = 5},
        {.name = "good",
         .host = "h",
         .drv = &fakeDriver,
         .state = &good,
         .interval = 10,
         .timeout = 0.05},
    };
    Meter *mp[2] = {&m[0], &m[1]};
    sinkCount = 0;
    Poller *p = pollerCreate(mp, 2, 1, countSink, NULL);
    pollerRun(p, 1.0);
    MeterStatus s;
    pollerStatus(p, 1, &s);
    CHECK(!s.up && s.reads == 1 && s.samples == 0);
    CHECK_STR_CONTAINS(s.lastError, "no free reader");
    pthread_mutex_lock(&lock);
    released = true;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    pollerFree(p);
    CHECK(sinkCount == 1); /* the blocking meter's own sample, in time (timeout 5 s) */
}

static void *stopLater(void *arg) {
    usleep(100000);
    pollerStop(arg);
    return NULL;
}

static void testPollerStop(void) {
    FakeMeter good = {0};
    Meter m = {.name = "good",
               .host = "h",
               .drv = &fakeDriver,
               .state = &good,
               .interval = 100,
               .timeout = 1};
    Meter *mp[1] = {&m};
    Poller *p = pollerCreate(mp, 1, 1, countSink, NULL);
    pthread_t t;
    pthread_create(&t, NULL, stopLater, p);
    double t0 = nowMonotonic();
    pollerRun(p, 30); /* idle for 100 s between reads: only pollerStop ends it early */
    CHECK(nowMonotonic() - t0 < 29);
    pthread_join(t, NULL);
    MeterStatus s;
    pollerStatus(p, 0, &s);
    CHECK(s.reads == 1 && s.up);
    pollerFree(p);
}

static void testProcStat(void) {
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s/proc", tmpDir);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/stat", dir);
    writeFile(path, "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n", 0644);
    ProcStat a, b;
    CHECK(procStatRead(dir, &a) == 0);
    writeFile(path, "cpu  200 0 200 900 100 0 0 0 0 0\n", 0644);
    CHECK(procStatRead(dir, &b) == 0);
    double u = -1;
    CHECK(procStatUtil(&a, &b, &u) == 0);
    CHECK_NEAR(u, 0.5, 1e-12);
    CHECK(procStatUtil(&b, &a, &u) < 0);
    CHECK(procStatUtil(&a, &a, &u) < 0);
    writeFile(path, "cpu  12 x\n", 0644);
    CHECK(procStatRead(dir, &a) < 0);
    CHECK_STR_CONTAINS(errLast(), "malformed");
    CHECK(procStatRead("/proc", &a) == 0); /* the real one parses */
    unlink(path);
    rmdir(dir);
}

int main(void) {
    if (!mkdtemp(tmpDir)) return 1;
    RUN(testConfGood);
    RUN(testConfErrors);
    RUN(testConfPermissions);
    RUN(testBackoff);
    RUN(testPollerIsolation);
    RUN(testPollerRound);
    RUN(testPollerStop);
    RUN(testPollerStarved);
    RUN(testProcStat);
    rmdir(tmpDir);
    return testSummary("test_meter_core");
}
