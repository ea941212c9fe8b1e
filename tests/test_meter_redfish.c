/* test_meter_redfish.c - the redfish driver against a local fixture
 * (tests/redfish/fixture.py on 127.0.0.1, plain HTTP and TLS with a
 * self-signed certificate made by openssl at test time): both resources,
 * basic and session auth, malformed JSON, missing fields, 401, 500, a
 * timeout, and TLS verification; the PowerSubsystem supplies. The fixtures are stopped by PID. */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "meter/meter.h"
#include "meter/meterconf.h"
#include "testing.h"
#include "util.h"

extern char **environ;
static char tmpDir[] = "/tmp/geyser-redfish-XXXXXX";
static pid_t fixtures[2];
static int httpPort, tlsPort;

static void stopFixtures(void) {
    for (int i = 0; i < 2; i++)
        if (fixtures[i] > 0) {
            kill(fixtures[i], SIGTERM);
            waitpid(fixtures[i], NULL, 0);
            fixtures[i] = 0;
        }
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpDir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpDir);
}

static void onSignal(int sig) {
    stopFixtures();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Start the fixture; returns its port, or -1. */
static int startFixture(int slot, bool tls) {
    char script[1024], portFile[300], cert[300], key[300];
    snprintf(script, sizeof(script), "%s/tests/redfish/fixture.py", GEYSER_SOURCE_DIR);
    snprintf(portFile, sizeof(portFile), "%s/port%d", tmpDir, slot);
    snprintf(cert, sizeof(cert), "%s/cert.pem", tmpDir);
    snprintf(key, sizeof(key), "%s/key.pem", tmpDir);
    char *argv[] = {"python3", script, portFile, tls ? cert : NULL, key, NULL};
    if (posix_spawnp(&fixtures[slot], "python3", NULL, NULL, argv, environ) != 0) return -1;
    for (int i = 0; i < 200; i++) { /* up to 10 s */
        FILE *f = fopen(portFile, "r");
        if (f) {
            long port = -1;
            char buf[32] = "";
            if (fgets(buf, sizeof(buf), f) && parseLong(buf, &port) == 0) {
                fclose(f);
                return (int)port;
            }
            fclose(f);
        }
        usleep(50000);
    }
    return -1;
}

static int nsamples;
static double lastWatts;
static void sink(void *ctx, const MeterSample *s) {
    (void)ctx;
    nsamples++;
    lastWatts = s->watts;
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

/* Read chassis once over plain HTTP with extra config lines; returns the
 * read's result (-2 when the meter could not be built). */
static int readChassis(const char *chassis, const char *extra, double timeout) {
    char text[1024];
    snprintf(text, sizeof(text),
             "[meter \"bmc\"]\ndriver = redfish\nurl = http://127.0.0.1:%d\nchassis = %s\n%s",
             httpPort, chassis, extra);
    Meter *m = make(text);
    if (!m) return -2;
    nsamples = 0;
    MeterCtx ctx = {m->name, m->host, timeout, sink, NULL};
    errClear();
    int rc = m->drv->read(m->state, &ctx);
    if (rc == 0) rc = m->drv->read(m->state, &ctx); /* now from the resource that answered */
    meterFree(m);
    return rc;
}

static const char basic[] = "user = admin\npassword = secret\n";

static void testResources(void) {
    CHECK(readChassis("power", basic, 2) == 0 && nsamples == 2 && lastWatts == 312.5);
    CHECK(readChassis("env", basic, 2) == 0 && nsamples == 2 && lastWatts == 401);
    CHECK(readChassis("psu", basic, 2) == 0 && nsamples == 2 && lastWatts == 300.5);
    CHECK(readChassis("power", "user = admin\npassword = secret\nauth = session\n", 2) == 0 &&
          lastWatts == 312.5);
}

static void testErrors(void) {
    CHECK(readChassis("power", "user = admin\npassword = wrong\n", 2) == -1 && nsamples == 0);
    CHECK_STR_CONTAINS(errLast(), "HTTP 401");
    CHECK(strstr(errLast(), "wrong") == NULL);
    CHECK(readChassis("power", "user = admin\npassword = wrong\nauth = session\n", 2) == -1);
    CHECK_STR_CONTAINS(errLast(), "login refused");
    CHECK(readChassis("err500", basic, 2) == -1 && nsamples == 0);
    CHECK_STR_CONTAINS(errLast(), "HTTP 500");
    CHECK(readChassis("malformed", basic, 2) == -1 && nsamples == 0);
    CHECK_STR_CONTAINS(errLast(), "malformed JSON");
    CHECK(readChassis("missing", basic, 2) == -1 && nsamples == 0);
    CHECK_STR_CONTAINS(errLast(), "PowerConsumedWatts missing");
    CHECK(readChassis("nullw", basic, 2) == -1 && nsamples == 0);
    CHECK(readChassis("absent", basic, 2) == -1);
    CHECK_STR_CONTAINS(errLast(), "none of EnvironmentMetrics, PowerSubsystem or Power");
    CHECK(readChassis("psubad", basic, 2) == -1 && nsamples == 0);
    CHECK_STR_CONTAINS(errLast(), "PowerSupplies/1/Metrics: InputPowerWatts.Reading missing");
    CHECK(readChassis("slow", basic, 0.3) == -1 && nsamples == 0);
    CHECK_STR_CONTAINS(errLast(), "imeout");
    CHECK(readChassis("power", "bogus = 1\n", 2) == -2);
    CHECK_STR_CONTAINS(errLast(), "t.ini:5: meter 'bmc': unknown key 'bogus'");
    CHECK(make("[meter \"b\"]\ndriver = redfish\nurl = http://admin:pw@h\n") == NULL);
    CHECK_STR_CONTAINS(errLast(), "must not hold credentials");
    CHECK(strstr(errLast(), "pw@") == NULL);
    CHECK(make("[meter \"b\"]\ndriver = redfish\nurl = ftp://h\n") == NULL);
}

static int readTls(const char *extra) {
    char text[1024];
    snprintf(text, sizeof(text),
             "[meter \"bmc\"]\ndriver = redfish\nurl = https://127.0.0.1:%d\nchassis = power\n"
             "user = admin\npassword = secret\n%s",
             tlsPort, extra);
    Meter *m = make(text);
    if (!m) return -2;
    nsamples = 0;
    MeterCtx ctx = {m->name, m->host, 3, sink, NULL};
    int rc = m->drv->read(m->state, &ctx);
    meterFree(m);
    return rc;
}

static void testTls(void) {
    char extra[400];
    CHECK(readTls("") == -1 && nsamples == 0); /* self-signed: refused by default */
    CHECK_STR_CONTAINS(errLast(), "certificate");
    snprintf(extra, sizeof(extra), "cafile = %s/cert.pem\n", tmpDir);
    CHECK(readTls(extra) == 0 && lastWatts == 312.5);
    CHECK(readTls("insecure = true\n") == 0 && lastWatts == 312.5);
}

int main(void) {
    if (!mkdtemp(tmpDir)) return 1;
    atexit(stopFixtures);
    signal(SIGINT, onSignal);
    signal(SIGTERM, onSignal);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 -keyout %s/key.pem -out %s/cert.pem "
             ">/dev/null 2>&1",
             tmpDir, tmpDir);
    bool haveCert = system(cmd) == 0;
    httpPort = startFixture(0, false);
    CHECK(httpPort > 0);
    if (httpPort > 0) {
        RUN(testResources);
        RUN(testErrors);
    }
    CHECK(haveCert);
    if (haveCert) {
        tlsPort = startFixture(1, true);
        CHECK(tlsPort > 0);
        if (tlsPort > 0) RUN(testTls);
    }
    return testSummary("test_meter_redfish");
}
