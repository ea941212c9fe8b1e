/* test_fitindex.c - best-fit search stays correct through inserts, updates
 * and removals, checked against a brute-force search. */
#include "fitindex.h"
#include "testing.h"

static int bruteFind(const double *freeCpu, const int *present, int n, double cpu, double ram,
                     const double *freeRam) {
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
    double ram[4] = {10, 10, 10, 10};
    fitInsert(&fi, 0, 5);
    fitInsert(&fi, 1, 2);
    fitInsert(&fi, 2, 9);
    CHECK(fitFind(&fi, 3, 1, ram) == 0);  /* 5 is the least free >= 3 */
    CHECK(fitFind(&fi, 1, 1, ram) == 1);
    CHECK(fitFind(&fi, 10, 1, ram) == -1);
    ram[0] = 0;                            /* host 0 has no RAM left */
    CHECK(fitFind(&fi, 3, 1, ram) == 2);
    fitUpdate(&fi, 2, 1);
    CHECK(fitFind(&fi, 3, 1, ram) == -1);
    fitRemove(&fi, 1);
    CHECK(!fitContains(&fi, 1));
    CHECK(fitFind(&fi, 0.5, 1, ram) == 2);
    fitFree(&fi);
}

static void testAgainstBruteForce(void) {
    enum { N = 200 };
    FitIndex fi;
    fitInit(&fi, N);
    double freeCpu[N], freeRam[N];
    int present[N] = {0};
    unsigned x = 12345;
    for (int round = 0; round < 20000; round++) {
        x = x * 1103515245u + 12345u;
        int h = (int)((x >> 8) % N);
        double v = (double)((x >> 4) % 1000) / 10.0;
        int op = (int)((x >> 20) % 4);
        if (op == 0 && present[h]) {
            fitRemove(&fi, h);
            present[h] = 0;
        } else {
            freeCpu[h] = v;
            freeRam[h] = (double)((x >> 12) % 8);
            if (present[h]) fitUpdate(&fi, h, v);
            else fitInsert(&fi, h, v);
            present[h] = 1;
        }
        double need = (double)((x >> 3) % 1000) / 10.0, ramNeed = (double)((x >> 15) % 8);
        int got = fitFind(&fi, need, ramNeed, freeRam);
        int want = bruteFind(freeCpu, present, N, need, ramNeed, freeRam);
        /* Ties may resolve to a different host with the same free CPU. */
        CHECK((got < 0) == (want < 0));
        if (got >= 0 && want >= 0) CHECK(freeCpu[got] == freeCpu[want] && freeRam[got] >= ramNeed);
        if (testFailures > 5) break;
    }
    fitFree(&fi);
}

int main(void) {
    RUN(testBasics);
    RUN(testAgainstBruteForce);
    return testSummary("test_fitindex");
}
