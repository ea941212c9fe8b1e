/* power_ipmi.c - the IPMI power actuator and the verified power operation
 * against OpenIPMI's ipmi_sim BMC with its emulated host
 * (tests/cli/power_ipmi.sh starts it): status, power on, soft-off, hard
 * off, each read back from the BMC; and a BMC that does not answer.
 * Usage: power_ipmi ADDRESS:PORT SILENT_ADDRESS:PORT */
#include <unistd.h>

#include "actuator.h"
#include "err.h"
#include "powerop.h"
#include "testing.h"
#include "util.h"

static PowerStatus statusOf(PowerActuator *a) {
    PowerStatus st = POWER_STATUS_UNKNOWN;
    if (actuatorStatus(a, &st) != 0) fprintf(stderr, "status: %s\n", errLast());
    return st;
}

/* Drive a power operation to its end, a step every 200 ms (60 s at most). */
static PowerOpState drive(PowerActuator *a, bool on) {
    PowerOpConfig cfg = {.bmcTimeoutS = 10, .serviceTimeoutS = 10, .maxAttempts = 2};
    PowerOp op;
    double t0 = nowMonotonic();
    PowerOpState st = powerOpStart(&op, a, on, 0, &cfg);
    while (st != POWEROP_DONE && st != POWEROP_FAILED && nowMonotonic() - t0 < 60) {
        usleep(200000);
        /* No compute service here: "up" once the BMC says on. */
        st = powerOpStep(&op, a, nowMonotonic() - t0, statusOf(a) == POWER_STATUS_ON, &cfg);
    }
    if (st == POWEROP_FAILED) fprintf(stderr, "power operation failed: %s\n", op.error);
    return st;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: power_ipmi ADDRESS:PORT SILENT_ADDRESS:PORT\n");
        return 2;
    }
    ActuatorKey keys[] = {{"address", argv[1], 1},
                          {"user", "admin", 2},
                          {"password", "password", 3},
                          {"timeout", "3", 4}};
    PowerActuator *a = actuatorCreate("ipmi", keys, 4, "bmc1");
    CHECK(a != NULL);
    if (!a) return testSummary("power_ipmi");
    CHECK(statusOf(a) == POWER_STATUS_OFF); /* the BMC starts with the host off */
    CHECK(drive(a, true) == POWEROP_DONE);
    CHECK(statusOf(a) == POWER_STATUS_ON);
    /* Soft-off: the emulated host shuts down by itself a moment later. */
    CHECK(actuatorOff(a, true) == 0);
    for (int k = 0; k < 50 && statusOf(a) != POWER_STATUS_OFF; k++)
        usleep(200000);
    CHECK(statusOf(a) == POWER_STATUS_OFF);
    CHECK(drive(a, true) == POWEROP_DONE);
    CHECK(drive(a, false) == POWEROP_DONE);
    CHECK(statusOf(a) == POWER_STATUS_OFF);
    actuatorFree(a);

    /* A BMC that never answers: errors in bounded time, then FAILED. */
    ActuatorKey silentKeys[] = {{"address", argv[2], 1},
                                {"user", "admin", 2},
                                {"password", "password", 3},
                                {"timeout", "1", 4}};
    PowerActuator *s = actuatorCreate("ipmi", silentKeys, 4, "silent");
    PowerStatus st;
    double t0 = nowMonotonic();
    CHECK(actuatorStatus(s, &st) != 0);
    CHECK_STR_CONTAINS(errLast(), "IPMI session to");
    fprintf(stderr, "silent BMC gave up after %.1f s\n", nowMonotonic() - t0);
    CHECK(drive(s, true) == POWEROP_FAILED);
    actuatorFree(s);

    ActuatorKey noAddr[] = {{"user", "admin", 7}};
    CHECK(actuatorCreate("ipmi", noAddr, 1, "bmc9") == NULL);
    CHECK_STR_CONTAINS(errLast(), "bmc9: ipmi needs an 'address' key");
    ActuatorKey user[] = {{"address", "127.0.0.1", 1}, {"privilege", "user", 2}};
    CHECK(actuatorCreate("ipmi", user, 2, "bmc9") == NULL);
    CHECK_STR_CONTAINS(errLast(), "must be operator or admin");
    return testSummary("power_ipmi");
}
