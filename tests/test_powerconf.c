/* test_powerconf.c - the power file of `geyser serve` (host -> actuator,
 * power-on timeouts) and the per-VM utilization file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "libvirtcloud.h"
#include "powerconf.h"
#include "testing.h"
#include "utilfile.h"

static char dir[] = "/tmp/geyser-powerconf-XXXXXX";

static void testParse(void) {
    const char *text = "# power of the lab\n"
                       "[power]\n"
                       "bmc_timeout = 20\n"
                       "service_timeout = 90\n"
                       "attempts = 2\n"
                       "soft_off_first = no\n"
                       "\n"
                       "[host \"compute1\"]\n"
                       "driver = ipmi\n"
                       "address = 10.0.0.11\n"
                       "password = secret\n"
                       "[host:compute2]\n"
                       "driver = wol\n"
                       "mac = 52:54:00:12:34:56\n";
    PowerConf pc;
    CHECK(powerConfParse(text, "p.ini", &pc) == 0);
    CHECK_NEAR(pc.op.bmcTimeoutS, 20, 0);
    CHECK_NEAR(pc.op.serviceTimeoutS, 90, 0);
    CHECK(pc.op.maxAttempts == 2);
    CHECK(!pc.op.softOffFirst);
    CHECK(pc.nhosts == 2);
    if (pc.nhosts == 2) {
        CHECK(strcmp(pc.hosts[0].host, "compute1") == 0);
        CHECK(strcmp(pc.hosts[0].driver, "ipmi") == 0);
        CHECK(pc.hosts[0].line == 8);
        CHECK(pc.hosts[0].nkeys == 2);
        CHECK(pc.hosts[0].keys[1].line == 11);
        CHECK(strcmp(pc.hosts[1].host, "compute2") == 0);
        CHECK(strcmp(pc.hosts[1].keys[0].value, "52:54:00:12:34:56") == 0);
    }
    powerConfFree(&pc);
    /* No [power]: powerop.h's defaults. */
    CHECK(powerConfParse("[host \"a\"]\ndriver = exec\non = true\n", "q.ini", &pc) == 0);
    CHECK(pc.op.maxAttempts == powerOpDefaults().maxAttempts);
    powerConfFree(&pc);
}

static void testErrors(void) {
    PowerConf pc;
    CHECK(powerConfParse("[host \"a\"]\naddress = x\n", "e.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:1: host 'a' has no 'driver'");
    CHECK(powerConfParse("[host \"a\"]\ndriver = ipmi\n[host \"a\"]\ndriver = wol\n", "e.ini",
                         &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:3: host 'a' is configured twice (first at line 1)");
    CHECK(powerConfParse("[host \"a\"]\ndriver = ipmi\naddress = x\naddress = y\n", "e.ini", &pc) !=
          0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:4: host 'a': key 'address' given twice");
    CHECK(powerConfParse("[power]\nattempts = 0\n", "e.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:2: attempts: 0 is out of range");
    CHECK(powerConfParse("[power]\nbmc_timeout = soon\n", "e.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:2: bmc_timeout: 'soon' is not a number");
    CHECK(powerConfParse("[power]\nspeed = 3\n", "e.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:2: [power]: unknown key 'speed'");
    CHECK(powerConfParse("[power]\nattempts = 2\n[x]\n[power]\nattempts = 3\n", "e.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:4: section [power] appears twice (first at line 1)");
    CHECK(powerConfParse("driver = ipmi\n", "e.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:1: key 'driver' is outside");
    CHECK(powerConfParse("[host \"a\"\n", "e.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "e.ini:1: syntax error");
    CHECK(powerConfLoad("/nonexistent/power.ini", &pc) != 0);
    CHECK_STR_CONTAINS(errLast(), "/nonexistent/power.ini");
}

/* Attached to a real backend: libvirt's test:///default as host "a". */
static void testApply(void) {
    LibvirtHostSpec hosts[1] = {{.name = "a", .uri = "test:///default"}};
    Cloud *c = libvirtCloudOpen(hosts, 1);
    CHECK(c != NULL);
    if (!c) return;
    PowerConf pc;
    CHECK(powerConfParse("[host \"a\"]\ndriver = exec\non = true\noff = true\n", "a.ini", &pc) ==
          0);
    CHECK(!cloudHasPower(c, 0));
    CHECK(powerConfApply(&pc, c) == 0);
    CHECK(cloudHasPower(c, 0));
    powerConfFree(&pc);
    /* A host the cloud does not have, and a driver's own key check. */
    CHECK(powerConfParse("[host \"b\"]\ndriver = exec\non = true\n", "b.ini", &pc) == 0);
    CHECK(powerConfApply(&pc, c) != 0);
    CHECK_STR_CONTAINS(errLast(), "b.ini:1: host 'b' is not a host of the cloud");
    powerConfFree(&pc);
    CHECK(powerConfParse("[host \"a\"]\ndriver = exec\n\nbogus = 1\n", "c.ini", &pc) == 0);
    CHECK(powerConfApply(&pc, c) != 0);
    CHECK_STR_CONTAINS(errLast(), "c.ini [host a]:4: unknown key 'bogus'");
    powerConfFree(&pc);
    cloudClose(c);
}

static void writeFile(const char *path, const char *text) {
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    FILE *f = fopen(tmp, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
    CHECK(rename(tmp, path) == 0); /* as an exporter should: atomically */
}

static void testUtilFile(void) {
    char path[300];
    snprintf(path, sizeof(path), "%s/util", dir);
    writeFile(path, "# name or uuid, utilization\nweb-1 0.35\n"
                    "9f3c5e2a-0000-4000-8000-000000000001\t0.8 # by id\n\n");
    UtilFile *u = utilFileOpen(path);
    CHECK(u != NULL);
    if (!u) return;
    CHECK_NEAR(utilFileGet(u, "x", "web-1"), 0.35, 1e-12);
    CHECK_NEAR(utilFileGet(u, "9f3c5e2a-0000-4000-8000-000000000001", "web-1"), 0.8, 1e-12);
    CHECK_NEAR(utilFileGet(u, "y", "db-1"), 0, 0); /* not listed, no default */
    bool changed = true;
    CHECK(utilFileReload(u, &changed) == 0);
    CHECK(!changed); /* same file: not re-read */
    writeFile(path, "* 1.0\nweb-1 0.5\n");
    CHECK(utilFileReload(u, &changed) == 0);
    CHECK(changed);
    CHECK_NEAR(utilFileGet(u, "y", "db-1"), 1.0, 0);
    double x = -1;
    CHECK(utilFileProvider(u, "z", "web-1", &x) == 0);
    CHECK_NEAR(x, 0.5, 0);
    /* A bad file keeps the last good table. */
    writeFile(path, "* 0.2\nweb-1 1.5\n");
    CHECK(utilFileReload(u, &changed) != 0);
    CHECK_STR_CONTAINS(errLast(),
                       "util:2: utilization '1.5' of 'web-1' is not a number from 0 to 1");
    CHECK_NEAR(utilFileGet(u, "y", "db-1"), 1.0, 0);
    writeFile(path, "web-1 0.5 extra\n");
    CHECK(utilFileReload(u, &changed) != 0);
    CHECK_STR_CONTAINS(errLast(), "util:1: expected 'SERVER UTILIZATION'");
    writeFile(path, "a 0.1\na 0.2\n");
    CHECK(utilFileReload(u, &changed) != 0);
    CHECK_STR_CONTAINS(errLast(), "util:2: server 'a' is listed twice");
    utilFileFree(u);
    char gone[320];
    snprintf(gone, sizeof(gone), "%s/none", dir);
    CHECK(utilFileOpen(gone) == NULL);
    CHECK_STR_CONTAINS(errLast(), "cannot open the utilization file");
}

int main(void) {
    CHECK(mkdtemp(dir) != NULL);
    RUN(testParse);
    RUN(testErrors);
    RUN(testApply);
    RUN(testUtilFile);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return testSummary("test_powerconf");
}
