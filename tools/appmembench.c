/* appmembench.c - the guest's memory load for `geyser migbench`: a static
 * program run as the guest's init payload. It keeps W MiB allocated and
 * touched, rewrites one byte in each of its pages at R MiB/s (a page written
 * is a page dirtied for the migration), and every 10 ms writes a heartbeat
 * line to the console; the harness timestamps the lines as they arrive and
 * takes the longest gap around a migration as the guest-seen downtime.
 *
 *   appmembench W_MIB RATE_MIBPS
 *
 * Output: "ready used_kib=N" once the memory is touched, then
 * "hb SEQ RATE" lines, RATE the achieved dirty rate over the last second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L

static double nowS(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long usedKiB(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    long total = 0, freeKb = 0, v;
    char key[64];
    if (!f) return -1;
    while (fscanf(f, "%63s %ld kB\n", key, &v) == 2) {
        if (strcmp(key, "MemTotal:") == 0) total = v;
        if (strcmp(key, "MemFree:") == 0) freeKb = v;
    }
    fclose(f);
    return total - freeKb;
}

static int parseArg(const char *s, double *out) {
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' && *out >= 0 ? 0 : -1;
}

int main(int argc, char **argv) {
    double wMib, rate;
    if (argc != 3 || parseArg(argv[1], &wMib) != 0 || parseArg(argv[2], &rate) != 0) {
        fprintf(stderr, "usage: appmembench W_MIB RATE_MIBPS\n");
        return 2;
    }
    long pages = (long)(wMib * 1048576.0 / PAGE);
    unsigned char *mem = pages > 0 ? malloc((size_t)(pages * PAGE)) : NULL;
    if (pages > 0 && !mem) {
        fprintf(stderr, "appmembench: cannot allocate %g MiB\n", wMib);
        return 1;
    }
    for (long p = 0; p < pages; p++)
        memset(mem + p * PAGE, 1, PAGE); /* non-zero: QEMU must send every page */
    printf("ready used_kib=%ld\n", usedKiB());
    fflush(stdout);
    double pagesPerS = rate * 1048576.0 / PAGE, start = nowS(), nextBeat = start;
    double windowStart = start, owed = 0;
    long cursor = 0, seq = 0, windowPages = 0;
    unsigned char v = 2;
    double achieved = 0, last = start;
    for (;;) {
        double t = nowS();
        owed += (t - last) * pagesPerS;
        last = t;
        while (owed >= 1 && pages > 0) {
            mem[cursor * PAGE] = v;
            if (++cursor == pages) cursor = 0, v++;
            owed -= 1;
            windowPages++;
        }
        if (pages == 0) owed = 0;
        if (t - windowStart >= 1) {
            achieved = (double)windowPages * PAGE / 1048576.0 / (t - windowStart);
            windowStart = t;
            windowPages = 0;
        }
        if (t >= nextBeat) {
            printf("hb %ld %.1f\n", seq++, achieved);
            fflush(stdout);
            nextBeat += 0.010;
            if (nextBeat < t) nextBeat = t + 0.010;
        }
        usleep(1000);
    }
}
