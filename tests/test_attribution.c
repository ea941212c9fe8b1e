/* test_attribution.c - per-VM energy shares: hand-computed splits, and the
 * parts adding up to the host's total on random inputs. */
#include "attribution.h"
#include "err.h"
#include "testing.h"

static void testHandComputed(void) {
    /* Host at 180 W, idle 100 W: 80 W dynamic. VM a used 300 MIPS with 1
     * vCPU, b used 100 MIPS with 3 vCPUs. a: 100 x 1/4 + 80 x 3/4 = 85;
     * b: 100 x 3/4 + 80 x 1/4 = 95. */
    double used[2] = {300, 100}, out[2];
    int vcpus[2] = {1, 3};
    CHECK_NEAR(attributePower(180, 100, used, vcpus, 2, IDLE_BY_VCPU, out), 0, 1e-12);
    CHECK_NEAR(out[0], 85, 1e-9);
    CHECK_NEAR(out[1], 95, 1e-9);
    /* Equal idle split: a 50 + 60 = 110, b 50 + 20 = 70. */
    attributePower(180, 100, used, vcpus, 2, IDLE_EQUAL, out);
    CHECK_NEAR(out[0], 110, 1e-9);
    CHECK_NEAR(out[1], 70, 1e-9);
}

static void testEdges(void) {
    double used[2] = {0, 0}, out[2];
    int vcpus[2] = {2, 2};
    /* No VM: everything is host overhead. */
    CHECK_NEAR(attributePower(120, 100, used, vcpus, 0, IDLE_BY_VCPU, out), 120, 1e-12);
    /* Below idle (a meter reading under the model): no dynamic part. */
    attributePower(90, 100, used, vcpus, 2, IDLE_BY_VCPU, out);
    CHECK_NEAR(out[0] + out[1], 90, 1e-9);
    CHECK_NEAR(out[0], 45, 1e-9);
    /* No CPU used but power above idle: the rest follows the idle split. */
    attributePower(130, 100, used, vcpus, 2, IDLE_BY_VCPU, out);
    CHECK_NEAR(out[0], 65, 1e-9);
    /* A VM reporting zero vCPUs (bad inventory) still gets nothing negative. */
    int odd[2] = {0, 4};
    double used2[2] = {10, 30};
    attributePower(200, 100, used2, odd, 2, IDLE_BY_VCPU, out);
    CHECK(out[0] >= 0 && out[1] >= 0);
    CHECK_NEAR(out[0] + out[1], 200, 1e-9);
}

static void testPartsAddUp(void) {
    unsigned x = 7;
    for (int trial = 0; trial < 10000; trial++) {
        double used[8], out[8];
        int vcpus[8];
        x = x * 1103515245u + 12345u;
        int n = 1 + (int)((x >> 16) % 8);
        for (int i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            used[i] = (double)((x >> 8) % 5000);
            vcpus[i] = 1 + (int)((x >> 20) % 8);
        }
        double hostW = (double)((x >> 4) % 400), idleW = (double)((x >> 12) % 200);
        double over = attributePower(hostW, idleW, used, vcpus, n,
                                     trial % 2 ? IDLE_EQUAL : IDLE_BY_VCPU, out);
        double sum = over;
        for (int i = 0; i < n; i++)
            sum += out[i];
        CHECK_NEAR(sum, hostW, 1e-9 * (1 + hostW));
        if (testFailures > 3) break;
    }
}

static void testParse(void) {
    IdleSplit s;
    CHECK(idleSplitParse("equal", &s) == 0 && s == IDLE_EQUAL);
    CHECK(idleSplitParse("ram", &s) != 0);
    CHECK_STR_CONTAINS(errLast(), "unknown idle split 'ram'");
}

int main(void) {
    RUN(testHandComputed);
    RUN(testEdges);
    RUN(testPartsAddUp);
    RUN(testParse);
    return testSummary("test_attribution");
}
