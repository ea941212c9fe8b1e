/* test_power_actuators.c - Wake-on-LAN packets captured on a real socket,
 * the exec actuator against real commands (failure, garbage, timeout), and
 * the power-operation state machine against a scripted fake BMC. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "actuator.h"
#include "err.h"
#include "powerop.h"
#include "testing.h"
#include "wol.h"

static void testMagicPacket(void) {
    unsigned char mac[6], pkt[WOL_MAX_PACKET], pw[6] = {1, 2, 3, 4, 5, 6};
    CHECK(wolParseMac("00:1A:2b:3c:4D:5e", mac) == 0);
    CHECK(mac[0] == 0x00 && mac[1] == 0x1a && mac[5] == 0x5e);
    CHECK(wolParseMac("00-1a-2b-3c-4d-5e", mac) == 0);
    CHECK(wolParseMac("001a2b3c4d5e", mac) == 0);
    CHECK(wolParseMac("00:1a:2b:3c:4d", mac) != 0);
    CHECK_STR_CONTAINS(errLast(), "is not a MAC address");
    CHECK(wolParseMac("00:1a:2b:3c:4d:5e:6f", mac) != 0);
    CHECK(wolParseMac("zz:1a:2b:3c:4d:5e", mac) != 0);
    size_t n = wolBuildPacket(mac, NULL, 0, pkt);
    CHECK(n == 102);
    for (int i = 0; i < 6; i++)
        CHECK(pkt[i] == 0xff);
    for (int k = 0; k < 16; k++)
        CHECK(memcmp(pkt + 6 + 6 * k, mac, 6) == 0);
    CHECK(wolBuildPacket(mac, pw, 6, pkt) == 108);
    CHECK(memcmp(pkt + 102, pw, 6) == 0);
}

/* Send through the actuator to a UDP socket of ours and check the bytes. */
static void testWolOnTheWire(void) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    struct timeval tv = {2, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char port[16];
    snprintf(port, sizeof(port), "%d", ntohs(a.sin_port));
    ActuatorKey keys[] = {{"mac", "52:54:00:12:34:56", 2},
                          {"address", "127.0.0.1", 3},
                          {"port", port, 4},
                          {"password", "192.168.1.1", 5},
                          {"repeat", "2", 6}};
    PowerActuator *w = actuatorCreate("wol", keys, 5, "host-a");
    CHECK(w != NULL);
    if (!w) return;
    CHECK(actuatorOn(w) == 0);
    unsigned char buf[256];
    int got = 0;
    for (int i = 0; i < 2; i++) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        CHECK(n == 106);
        if (n != 106) break;
        got++;
        unsigned char mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, ip[4] = {192, 168, 1, 1};
        CHECK(memcmp(buf + 6 + 15 * 6, mac, 6) == 0);
        CHECK(memcmp(buf + 102, ip, 4) == 0);
    }
    CHECK(got == 2);
    PowerStatus st;
    CHECK(actuatorStatus(w, &st) == 0 && st == POWER_STATUS_UNKNOWN);
    CHECK(actuatorOff(w, false) != 0);
    CHECK_STR_CONTAINS(errLast(), "can only power a host on");
    actuatorFree(w);
    close(fd);
}

static void testWolConfigErrors(void) {
    ActuatorKey noMac[] = {{"address", "10.0.0.255", 7}};
    CHECK(actuatorCreate("wol", noMac, 1, "rack1") == NULL);
    CHECK_STR_CONTAINS(errLast(), "rack1: wol needs a 'mac' key");
    ActuatorKey typo[] = {{"mac", "52:54:00:12:34:56", 3}, {"adress", "10.0.0.255", 4}};
    CHECK(actuatorCreate("wol", typo, 2, "rack1") == NULL);
    CHECK_STR_CONTAINS(errLast(), "rack1:4: unknown key 'adress'");
    ActuatorKey port[] = {{"mac", "52:54:00:12:34:56", 3}, {"port", "70000", 4}};
    CHECK(actuatorCreate("wol", port, 2, "rack1") == NULL);
    CHECK_STR_CONTAINS(errLast(), "port '70000'");
    ActuatorKey twice[] = {{"mac", "52:54:00:12:34:56", 3}, {"mac", "52:54:00:12:34:57", 9}};
    CHECK(actuatorCreate("wol", twice, 2, "rack1") == NULL);
    CHECK_STR_CONTAINS(errLast(), "given twice");
    CHECK(actuatorCreate("pdu", NULL, 0, "rack1") == NULL);
    CHECK_STR_CONTAINS(errLast(), "unknown power actuator 'pdu'");
}

static void testExec(void) {
    char dir[] = "/tmp/geyser-exec-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char on[256], status[256];
    snprintf(on, sizeof(on), "echo on > %s/state", dir);
    snprintf(status, sizeof(status), "cat %s/state 2>/dev/null || echo off", dir);
    ActuatorKey keys[] = {
        {"on", on, 1}, {"off", "false", 2}, {"status", status, 3}, {"timeout", "5", 4}};
    PowerActuator *e = actuatorCreate("exec", keys, 4, "host-b");
    CHECK(e != NULL);
    if (!e) return;
    PowerStatus st;
    CHECK(actuatorStatus(e, &st) == 0 && st == POWER_STATUS_OFF);
    CHECK(actuatorOn(e) == 0);
    CHECK(actuatorStatus(e, &st) == 0 && st == POWER_STATUS_ON);
    CHECK(actuatorOff(e, true) != 0); /* soft falls back to off: `false` */
    CHECK_STR_CONTAINS(errLast(), "failed with exit status 1");
    actuatorFree(e);

    ActuatorKey garbage[] = {{"on", "true", 1}, {"status", "echo maybe", 2}};
    e = actuatorCreate("exec", garbage, 2, "host-c");
    CHECK(actuatorStatus(e, &st) != 0);
    CHECK_STR_CONTAINS(errLast(), "printed 'maybe', expected on or off");
    actuatorFree(e);

    /* A command that hangs is killed with its children at the timeout. */
    ActuatorKey slow[] = {{"on", "sleep 30 & sleep 30", 1}, {"timeout", "0.3", 2}};
    e = actuatorCreate("exec", slow, 2, "host-d");
    CHECK(actuatorOn(e) != 0);
    CHECK_STR_CONTAINS(errLast(), "did not finish in time");
    actuatorFree(e);

    ActuatorKey none[] = {{"status", "echo on", 1}};
    CHECK(actuatorCreate("exec", none, 1, "host-e") == NULL);
    CHECK_STR_CONTAINS(errLast(), "needs at least an 'on' or an 'off' command");
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* A BMC whose answers the test scripts. */
typedef struct FakeBmc {
    PowerStatus status;
    int sends, failSends;
    bool flipOnSend;
} FakeBmc;

static int fakeOn(void *s) {
    FakeBmc *b = s;
    b->sends++;
    if (b->failSends > 0) {
        b->failSends--;
        return ERR("BMC did not answer");
    }
    if (b->flipOnSend) b->status = POWER_STATUS_ON;
    return 0;
}
static int fakeOff(void *s, bool soft) {
    (void)soft;
    FakeBmc *b = s;
    b->sends++;
    if (b->flipOnSend) b->status = POWER_STATUS_OFF;
    return 0;
}
static int fakeStatus(void *s, PowerStatus *out) {
    *out = ((FakeBmc *)s)->status;
    return 0;
}
static const PowerActuatorDriver fakeDriver = {
    .name = "fake", .powerOn = fakeOn, .powerOff = fakeOff, .status = fakeStatus};

static void testPowerOnVerified(void) {
    FakeBmc b = {.status = POWER_STATUS_OFF, .flipOnSend = true};
    PowerActuator a = {.drv = &fakeDriver, .state = &b};
    PowerOpConfig cfg = powerOpDefaults();
    PowerOp op;
    CHECK(powerOpStart(&op, &a, true, 0, &cfg) == POWEROP_SENT);
    CHECK(powerOpStep(&op, &a, 1, false, &cfg) == POWEROP_WAIT_SERVICE);
    CHECK(powerOpStep(&op, &a, 100, false, &cfg) == POWEROP_WAIT_SERVICE);
    CHECK(powerOpStep(&op, &a, 130, true, &cfg) == POWEROP_DONE);
    CHECK(b.sends == 1);
}

static void testWolThatWakesNothing(void) {
    /* Status unknown (WoL) and the service never comes up: resend twice,
     * then fail with a reason. */
    FakeBmc b = {.status = POWER_STATUS_UNKNOWN};
    PowerActuator a = {.drv = &fakeDriver, .state = &b};
    PowerOpConfig cfg = powerOpDefaults();
    PowerOp op;
    double t = 0;
    powerOpStart(&op, &a, true, t, &cfg);
    PowerOpState st = op.state;
    for (int k = 0; k < 100 && st != POWEROP_FAILED && st != POWEROP_DONE; k++)
        st = powerOpStep(&op, &a, t += 60, false, &cfg);
    CHECK(st == POWEROP_FAILED);
    CHECK(b.sends == 3);
    CHECK_STR_CONTAINS(op.error, "did not come up in time after 3 attempt(s)");
}

static void testBmcSilentThenAnswers(void) {
    FakeBmc b = {.status = POWER_STATUS_OFF, .failSends = 1, .flipOnSend = true};
    PowerActuator a = {.drv = &fakeDriver, .state = &b};
    PowerOpConfig cfg = powerOpDefaults();
    PowerOp op;
    CHECK(powerOpStart(&op, &a, true, 0, &cfg) == POWEROP_SENT);
    CHECK(op.sendFailed);
    CHECK(powerOpStep(&op, &a, 1, false, &cfg) == POWEROP_SENT); /* resent */
    CHECK(b.sends == 2);
    CHECK(powerOpStep(&op, &a, 2, false, &cfg) == POWEROP_WAIT_SERVICE);
    CHECK(powerOpStep(&op, &a, 3, true, &cfg) == POWEROP_DONE);

    FakeBmc dead = {.status = POWER_STATUS_OFF, .failSends = 99};
    PowerActuator d = {.drv = &fakeDriver, .state = &dead};
    powerOpStart(&op, &d, true, 0, &cfg);
    PowerOpState st = op.state;
    for (int k = 0; k < 10 && st == POWEROP_SENT; k++)
        st = powerOpStep(&op, &d, k, false, &cfg);
    CHECK(st == POWEROP_FAILED);
    CHECK_STR_CONTAINS(op.error, "BMC did not answer");
}

static void testPowerOffStuckOn(void) {
    FakeBmc b = {.status = POWER_STATUS_ON};
    PowerActuator a = {.drv = &fakeDriver, .state = &b};
    PowerOpConfig cfg = powerOpDefaults();
    PowerOp op;
    powerOpStart(&op, &a, false, 0, &cfg);
    CHECK(powerOpStep(&op, &a, 10, false, &cfg) == POWEROP_SENT);
    PowerOpState st = op.state;
    for (double t = 70; t < 1000 && st == POWEROP_SENT; t += 61)
        st = powerOpStep(&op, &a, t, false, &cfg);
    CHECK(st == POWEROP_FAILED);
    CHECK_STR_CONTAINS(op.error, "still reports the host on");
    b.flipOnSend = true;
    powerOpStart(&op, &a, false, 0, &cfg);
    CHECK(powerOpStep(&op, &a, 1, false, &cfg) == POWEROP_DONE);
    CHECK(strcmp(powerOpStateName(POWEROP_WAIT_SERVICE), "wait_service") == 0);
}

int main(void) {
    RUN(testMagicPacket);
    RUN(testWolOnTheWire);
    RUN(testWolConfigErrors);
    RUN(testExec);
    RUN(testPowerOnVerified);
    RUN(testWolThatWakesNothing);
    RUN(testBmcSilentThenAnswers);
    RUN(testPowerOffStuckOn);
    return testSummary("test_power_actuators");
}
