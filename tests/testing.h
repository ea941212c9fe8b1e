/* testing.h - the whole test harness: checks that report file:line and keep
 * going, and a summary whose exit status ctest reads. Each tests/test_*.c is
 * one program; its main() calls the test functions through RUN(). */
#ifndef GEYSER_TESTING_H
#define GEYSER_TESTING_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int testFailures;
static int testChecks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        testChecks++;                                                                              \
        if (!(cond)) {                                                                             \
            testFailures++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        testChecks++;                                                                              \
        if (!(fabs(a_ - b_) <= (tol))) {                                                           \
            testFailures++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.9g, %s = %.9g (tol %g)\n", __FILE__, \
                    __LINE__, #a, a_, #b, b_, (double)(tol));                                      \
        }                                                                                          \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                            \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        testChecks++;                                                                              \
        if (!h_ || !strstr(h_, n_)) {                                                              \
            testFailures++;                                                                        \
            fprintf(stderr, "%s:%d: expected \"%s\" in \"%s\"\n", __FILE__, __LINE__, n_,          \
                    h_ ? h_ : "(null)");                                                           \
        }                                                                                          \
    } while (0)

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        int before_ = testFailures;                                                                \
        fn();                                                                                      \
        fprintf(stderr, "%s %s\n", testFailures == before_ ? "ok  " : "FAIL", #fn);                \
    } while (0)

static inline int testSummary(const char *name) {
    fprintf(stderr, "%s: %d checks, %d failed\n", name, testChecks, testFailures);
    return testFailures ? 1 : 0;
}

#endif
