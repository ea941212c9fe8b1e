/* test_buf.c - the growable buffer, and bufAppendFixed's number formatting
 * checked against printf (the bulk JSON of the API depends on both). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testing.h"

static void checkFixed(double x, int decimals, const char *want) {
    Buf b;
    bufInit(&b);
    bufAppendFixed(&b, x, decimals);
    if (strcmp(b.data, want) != 0)
        fprintf(stderr, "bufAppendFixed(%.17g, %d) = '%s', want '%s'\n", x, decimals, b.data, want);
    CHECK(strcmp(b.data, want) == 0);
    bufFree(&b);
}

static void testFixedCases(void) {
    checkFixed(0, 2, "0");
    checkFixed(-0.0, 2, "0");
    checkFixed(12.5, 2, "12.5");
    checkFixed(123.456, 2, "123.46");
    checkFixed(-0.0125, 4, "-0.0125");
    checkFixed(-0.00001, 2, "0"); /* rounds to zero: no "-0" */
    checkFixed(0.999996, 5, "1");
    checkFixed(1e-7, 5, "0");
    checkFixed(7, 0, "7");
    checkFixed(2.5, 0, "3");
    checkFixed(1234567.891, 2, "1234567.89");
    checkFixed(NAN, 2, "null");
    checkFixed(INFINITY, 2, "null");
    checkFixed(-INFINITY, 2, "null");
    checkFixed(1e300, 2, "1.0000000000000001e+300"); /* %.17g: exact */
    checkFixed(0.5, 12, "0.5");                      /* decimals clamped to 9 */
    checkFixed(3.25, -1, "3");                       /* and to 0 */
}

/* Random values against strtod: the text must read back within half a unit
 * of the last digit. */
static void testFixedRoundTrip(void) {
    unsigned seed = 12345;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        double x = ((double)(seed >> 8) / (1 << 24) - 0.5) * pow(10, (int)(seed % 13) - 4);
        int decimals = (int)(seed >> 28) % 10;
        Buf b;
        bufInit(&b);
        bufAppendFixed(&b, x, decimals);
        double back = strtod(b.data, NULL);
        double tol = 0.5 * pow(10, -decimals) * (1 + 1e-9) + fabs(x) * 1e-15;
        if (fabs(back - x) > tol) {
            fprintf(stderr, "x=%.17g decimals=%d text=%s\n", x, decimals, b.data);
            CHECK(0);
            bufFree(&b);
            return;
        }
        bufFree(&b);
    }
    CHECK(1);
}

static void testAppendGrows(void) {
    Buf b;
    bufInit(&b);
    for (int i = 0; i < 10000; i++)
        bufPrintf(&b, "%d,", i);
    CHECK(b.len == strlen(b.data));
    CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
    CHECK(strstr(b.data, ",9999,") != NULL);
    size_t len = 0;
    char *s = bufDetach(&b, &len);
    CHECK(s != NULL && len == strlen(s));
    CHECK(b.len == 0);
    free(s);
    bufFree(&b);
}

int main(void) {
    RUN(testFixedCases);
    RUN(testFixedRoundTrip);
    RUN(testAppendGrows);
    return testSummary("test_buf");
}
