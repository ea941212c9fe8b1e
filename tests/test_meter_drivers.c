/* test_meter_drivers.c - the hwmon, rapl, exec, model and sim drivers on
 * fake inputs: sysfs trees in a temporary directory (with counter wrap and
 * garbage values), commands with bad output, a fake /proc/stat. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "meter/meter.h"
#include "meter/meterconf.h"
#include "testing.h"
#include "util.h"

static char tmpDir[] = "/tmp/geyser-meter-drv-XXXXXX";

static void put(const char *rel, const char *text) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", tmpDir, rel);
    for (char *s = strchr(path + strlen(tmpDir) + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(path, 0700);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
}

#define MAXS 64
static MeterSample got[MAXS];
static char gotMeter[MAXS][128], gotHost[MAXS][64];
static int ngot;

static void sink(void *ctx, const MeterSample *s) {
    (void)ctx;
    if (ngot >= MAXS) return;
    got[ngot] = *s;
    snprintf(gotMeter[ngot], sizeof(gotMeter[0]), "%s", s->meter);
    snprintf(gotHost[ngot], sizeof(gotHost[0]), "%s", s->host);
    ngot++;
}

/* The sample whose meter is `meter` (and kind counter or not), or NULL. */
static const MeterSample *find(const char *meter, bool counter) {
    for (int i = 0; i < ngot; i++)
        if (strcmp(gotMeter[i], meter) == 0 && got[i].isCounter == counter) return &got[i];
    return NULL;
}

static Meter *make(const char *text) {
    MeterConfSet set;
    if (meterConfParse(text, "t.ini", &set) < 0) return NULL;
    int n = 0;
    Meter **m = meterConfBuild(&set, &n);
    meterConfSetFree(&set);
    if (!m) return NULL;
    Meter *one = m[0];
    free(m);
    return one;
}

static int readOnce(Meter *m, double timeout) {
    ngot = 0;
    MeterCtx ctx = {m->name, m->host, timeout, sink, NULL};
    errClear();
    return m->drv->read(m->state, &ctx);
}

static void testHwmon(void) {
    put("hwmon/hwmon0/name", "power_meter\n");
    put("hwmon/hwmon0/power1_average", "245500000\n");
    put("hwmon/hwmon1/name", "aem2\n");
    put("hwmon/hwmon1/power1_input", "120000000\n");
    put("hwmon/hwmon1/energy1_input", "1000000000\n");
    put("hwmon/hwmon1/temp1_input", "40000\n");
    char text[512];
    snprintf(text, sizeof(text), "[meter \"n\"]\ndriver = hwmon\nroot = %s/hwmon\n", tmpDir);
    Meter *m = make(text);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(readOnce(m, 1) == 0);
    const MeterSample *s = find("n/hwmon0/power1", false);
    CHECK(s && fabs(s->watts - 245.5) < 1e-9 && strcmp(s->source, "measured") == 0);
    s = find("n/hwmon1/power1", false);
    CHECK(s && fabs(s->watts - 120) < 1e-9);
    s = find("n/hwmon1/energy1", true);
    CHECK(s && fabs(s->joules - 1000) < 1e-9);
    CHECK(find("n/hwmon1/energy1", false) == NULL); /* first read only primes */
    CHECK(ngot == 3);
    usleep(100000);
    put("hwmon/hwmon1/energy1_input", "1050000000\n");
    CHECK(readOnce(m, 1) == 0);
    s = find("n/hwmon1/energy1", false);
    CHECK(s && s->watts > 50 && s->watts <= 500); /* 50 J over >= 0.1 s */
    /* Garbage in one file: an error naming it, the other sensors still read. */
    put("hwmon/hwmon0/power1_average", "n/a\n");
    CHECK(readOnce(m, 1) < 0);
    CHECK_STR_CONTAINS(errLast(), "power1_average");
    CHECK(find("n/hwmon1/power1", false) != NULL);
    put("hwmon/hwmon0/power1_average", "-5\n");
    CHECK(readOnce(m, 1) < 0);
    put("hwmon/hwmon0/power1_average", "245500000\n");
    meterFree(m);
    /* chip filter, by name file */
    snprintf(text, sizeof(text), "[meter \"n\"]\ndriver = hwmon\nroot = %s/hwmon\nchip = aem2\n",
             tmpDir);
    m = make(text);
    CHECK(m && readOnce(m, 1) == 0 && ngot == 2 && find("n/hwmon0/power1", false) == NULL);
    meterFree(m);
    snprintf(text, sizeof(text), "[meter \"n\"]\ndriver = hwmon\nroot = %s/hwmon\nchip = none\n",
             tmpDir);
    m = make(text);
    CHECK(m && readOnce(m, 1) < 0);
    CHECK_STR_CONTAINS(errLast(), "no power or energy sensor");
    meterFree(m);
}

static void testRapl(void) {
    put("powercap/intel-rapl/enabled", "1\n");
    put("powercap/intel-rapl:0/name", "package-0\n");
    put("powercap/intel-rapl:0/energy_uj", "262143000000\n");
    put("powercap/intel-rapl:0/max_energy_range_uj", "262143999999\n");
    put("powercap/intel-rapl:0:0/name", "core\n");
    put("powercap/intel-rapl:0:0/energy_uj", "5000000\n");
    put("powercap/intel-rapl:0:0/max_energy_range_uj", "262143999999\n");
    char text[512];
    snprintf(text, sizeof(text), "[meter \"r\"]\ndriver = rapl\nroot = %s/powercap\n", tmpDir);
    Meter *m = make(text);
    CHECK(m != NULL);
    if (!m) return;
    CHECK(readOnce(m, 1) == 0 && ngot == 0); /* priming */
    usleep(200000);
    /* package wraps: 999999 uJ to the top, then 9000001 uJ: 10 J in total */
    put("powercap/intel-rapl:0/energy_uj", "9000001\n");
    put("powercap/intel-rapl:0:0/energy_uj", "6000000\n");
    CHECK(readOnce(m, 1) == 0 && ngot == 2);
    const MeterSample *pkg = find("r/intel-rapl:0/package-0", false);
    const MeterSample *core = find("r/intel-rapl:0:0/core", false);
    CHECK(pkg && core);
    if (pkg && core) {
        /* Same interval for both zones: the ratio is exact whatever the delay. */
        CHECK_NEAR(pkg->watts / core->watts, 10.0, 1e-3);
        CHECK(pkg->watts > 0 && pkg->watts <= 50);
    }
    put("powercap/intel-rapl:0:0/energy_uj", "garbage\n");
    CHECK(readOnce(m, 1) < 0);
    CHECK_STR_CONTAINS(errLast(), "intel-rapl:0:0/energy_uj");
    meterFree(m);
    snprintf(text, sizeof(text),
             "[meter \"r\"]\ndriver = rapl\nroot = %s/powercap\nzone = package-0\n", tmpDir);
    m = make(text);
    CHECK(m && readOnce(m, 1) == 0);
    meterFree(m);
}

static void testCounter(void) {
    MeterCounter c = {0};
    double w = -1;
    CHECK(meterCounterWatts(&c, 100, 1000, 10, &w) == 0);
    CHECK(meterCounterWatts(&c, 150, 1000, 11, &w) == 1 && w == 50);
    CHECK(meterCounterWatts(&c, 50, 1000, 12, &w) == 1 && w == 900); /* wrapped */
    CHECK(meterCounterWatts(&c, 10, 0, 13, &w) == 0);                /* reset, no range */
}

static void testExec(void) {
    char text[512];
    Meter *m = make("[meter \"x\"]\ndriver = exec\ncommand = echo 231.5\nhost = pdu-7\n");
    CHECK(m && readOnce(m, 2) == 0 && ngot == 1);
    CHECK(ngot == 1 && got[0].watts == 231.5 && strcmp(gotHost[0], "pdu-7") == 0);
    meterFree(m);
    struct {
        const char *cmd, *want;
    } bad[] = {
        {"echo hello", "not a number"},
        {"echo -3", "outside"},
        {"echo 1e12", "outside"},
        {"false", "exited with status 1"},
        {"/nonexistent/meter", "cannot run"},
        {"printf ''", "not a number"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "[meter \"x\"]\ndriver = exec\ncommand = %s\n", bad[i].cmd);
        m = make(text);
        CHECK(m != NULL);
        if (!m) continue;
        CHECK(readOnce(m, 2) < 0 && ngot == 0);
        CHECK_STR_CONTAINS(errLast(), bad[i].want);
        meterFree(m);
    }
    /* The shell only when asked; a command that hangs is killed at the timeout. */
    m = make("[meter \"x\"]\ndriver = exec\ncommand = echo $((40 + 2))\nshell = true\n");
    CHECK(m && readOnce(m, 2) == 0 && ngot == 1 && got[0].watts == 42);
    meterFree(m);
    m = make("[meter \"x\"]\ndriver = exec\ncommand = sleep 30\n");
    double t0 = nowMonotonic();
    CHECK(m && readOnce(m, 0.2) < 0);
    CHECK_STR_CONTAINS(errLast(), "timed out");
    CHECK(nowMonotonic() - t0 < 20); /* killed, not waited for */
    meterFree(m);
    CHECK(make("[meter \"x\"]\ndriver = exec\ncommand =\n") == NULL);
}

static void testModel(void) {
    put("proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\n");
    char text[512];
    snprintf(text, sizeof(text),
             "[meter \"m\"]\ndriver = model\ntype = HpProLiantMl110G4Xeon3040\nproc = %s/proc\n",
             tmpDir);
    Meter *m = make(text);
    CHECK(m != NULL);
    if (!m) return;
    put("proc/stat", "cpu  100 0 100 900 0 0 0 0 0 0\n"); /* idle: 0 % */
    CHECK(readOnce(m, 1) == 0 && ngot == 1);
    CHECK(ngot == 1 && strcmp(got[0].source, "estimated") == 0 && fabs(got[0].watts - 86) < 1);
    put("proc/stat", "cpu  200 0 100 900 0 0 0 0 0 0\n"); /* busy: 100 % */
    CHECK(readOnce(m, 1) == 0 && ngot == 1 && fabs(got[0].watts - 117) < 1);
    CHECK(readOnce(m, 1) < 0); /* no CPU time passed */
    meterFree(m);
    snprintf(text, sizeof(text), "[meter \"m\"]\ndriver = model\ntype = Nope\n");
    CHECK(make(text) == NULL);
    CHECK_STR_CONTAINS(errLast(), "t.ini:3");
}

static void testSim(void) {
    Meter *m = make("[meter \"s\"]\ndriver = sim\nspeed = 600\n");
    CHECK(m && readOnce(m, 1) == 0 && ngot == 4); /* the small synthetic cloud */
    CHECK(ngot == 4 && got[0].watts > 0 && strcmp(gotHost[0], "host-0000") == 0);
    meterFree(m);
    m = make("[meter \"s\"]\ndriver = sim\nscenario = paper-3node\n");
    CHECK(m && readOnce(m, 1) == 0 && ngot == 3 && strcmp(gotHost[0], "compute-1") == 0);
    meterFree(m);
    CHECK(make("[meter \"s\"]\ndriver = sim\nhosts = 2:NoSuchServer\n") == NULL);
    CHECK_STR_CONTAINS(errLast(), "t.ini:3");
    CHECK(make("[meter \"s\"]\ndriver = sim\nscenario = mars\n") == NULL);
    CHECK_STR_CONTAINS(errLast(), "t.ini:3");
}

int main(void) {
    if (!mkdtemp(tmpDir)) return 1;
    RUN(testHwmon);
    RUN(testRapl);
    RUN(testCounter);
    RUN(testExec);
    RUN(testModel);
    RUN(testSim);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpDir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpDir);
    return testSummary("test_meter_drivers");
}
