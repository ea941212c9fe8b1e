/* test_fitindex.c - best-fit search stays correct through inserts, updates
 * and removals, checked against a brute-force search. */
#include "fitindex.h"
#include "testing.h"

static int bruteFind(const double *freeCpu, const double *freeRam, const int *present, int n,
                     double cpu, double ram) {
    int best = -1;
    for (int h = 0; h < n; h++) {
        if (!present[h] || freeCpu[h] < cpu || freeRam[h] < ram) continue;
        if (best < 0 || freeCpu[h] < freeCpu[best]) best = h;
    }
    return best;
}

static void testBasics(void) {
    FitIndex fi;
    fitInit(&fi, 4);
    fitInsert(&fi, 0, 5, 10);
    fitInsert(&fi, 1, 2, 10);
    fitInsert(&fi, 2, 9, 10);
    CHECK(fitFind(&fi, 3, 1) == 0); /* 5 is the least free >= 3 */
    CHECK(fitFind(&fi, 1, 1) == 1);
    CHECK(fitFind(&fi, 10, 1) == -1);
    fitUpdate(&fi, 0, 5, 0); /* host 0 has no RAM left */
    CHECK(fitFind(&fi, 3, 1) == 2);
    fitUpdate(&fi, 2, 1, 10);
    CHECK(fitFind(&fi, 3, 1) == -1);
    fitRemove(&fi, 1);
    CHECK(!fitContains(&fi, 1));
    CHECK(fi.n == 2);
    CHECK(fitFind(&fi, 0.5, 1) == 2);
    fitRemove(&fi, 1); /* absent: no effect */
    CHECK(fi.n == 2);
    fitClear(&fi);
    CHECK(fitFind(&fi, 0, 0) == -1);
    fitFree(&fi);
}

static void testTiesResolveToLowestId(void) {
    FitIndex fi;
    fitInit(&fi, 5);
    for (int h = 4; h >= 0; h--)
        fitInsert(&fi, h, 7, 1);
    CHECK(fitFind(&fi, 7, 1) == 0);
    fitRemove(&fi, 0);
    CHECK(fitFind(&fi, 7, 1) == 1);
    fitFree(&fi);
}

static void testAgainstBruteForce(void) {
    enum { N = 300 };
    FitIndex fi;
    fitInit(&fi, N);
    double freeCpu[N], freeRam[N];
    int present[N] = {0};
    unsigned x = 12345;
    for (int round = 0; round < 50000 && testFailures < 5; round++) {
        x = x * 1103515245u + 12345u;
        int h = (int)((x >> 8) % N);
        int op = (int)((x >> 20) % 4);
        if (op == 0 && present[h]) {
            fitRemove(&fi, h);
            present[h] = 0;
        } else {
            freeCpu[h] = (double)((x >> 4) % 100); /* many ties on purpose */
            freeRam[h] = (double)((x >> 12) % 8);
            fitUpdate(&fi, h, freeCpu[h], freeRam[h]);
            present[h] = 1;
        }
        double need = (double)((x >> 3) % 100), ramNeed = (double)((x >> 15) % 8);
        int got = fitFind(&fi, need, ramNeed);
        int want = bruteFind(freeCpu, freeRam, present, N, need, ramNeed);
        CHECK(got == want);
    }
    fitFree(&fi);
}

static void testBuildMatchesInserts(void) {
    enum { N = 500 };
    FitIndex a, b;
    fitInit(&a, N);
    fitInit(&b, N);
    double cpu[N], ram[N];
    int hosts[N], n = 0;
    unsigned x = 99;
    for (int h = 0; h < N; h++) {
        x = x * 1103515245u + 12345u;
        cpu[h] = (double)((x >> 5) % 50);
        ram[h] = (double)((x >> 13) % 6);
        if (h % 3) {
            hosts[n++] = h;
            fitInsert(&a, h, cpu[h], ram[h]);
        }
    }
    fitBuild(&b, hosts, n, cpu, ram);
    CHECK(a.n == b.n);
    for (int q = 0; q < 2000; q++) {
        x = x * 1103515245u + 12345u;
        double need = (double)((x >> 5) % 52), ramNeed = (double)((x >> 13) % 7);
        CHECK(fitFind(&a, need, ramNeed) == fitFind(&b, need, ramNeed));
    }
    /* A built index keeps working through updates. */
    fitUpdate(&b, hosts[0], 1000, 1000);
    CHECK(fitFind(&b, 999, 999) == hosts[0]);
    fitFree(&a);
    fitFree(&b);
}

int main(void) {
    RUN(testBuildMatchesInserts);
    RUN(testBasics);
    RUN(testTiesResolveToLowestId);
    RUN(testAgainstBruteForce);
    return testSummary("test_fitindex");
}
