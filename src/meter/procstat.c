/* procstat.c - parse the aggregate cpu line of /proc/stat. */
#include "procstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

int procStatRead(const char *root, ProcStat *out) {
    char path[4096], line[512];
    snprintf(path, sizeof(path), "%s/stat", root ? root : "/proc");
    FILE *f = fopen(path, "r");
    if (!f) return ERR("cannot open %s: %s", path, strerror(errno));
    char *ok = fgets(line, sizeof(line), f);
    fclose(f);
    if (!ok || strncmp(line, "cpu ", 4) != 0)
        return ERR("%s: the first line is not the aggregate 'cpu' line", path);
    /* user nice system idle iowait irq softirq steal guest guest_nice */
    unsigned long long v[10] = {0};
    char *p = line + 4, *end;
    int n = 0;
    for (; n < 10; n++) {
        errno = 0;
        v[n] = strtoull(p, &end, 10);
        if (end == p || errno) break;
        p = end;
    }
    while (*p == ' ' || *p == '\n')
        p++;
    if (n < 4 || *p) return ERR("%s: malformed cpu line (need at least 4 numbers)", path);
    unsigned long long idle = v[3] + v[4];
    unsigned long long total = 0;
    for (int i = 0; i < 8; i++)
        total += v[i]; /* guest is inside user already */
    out->total = total;
    out->busy = total - idle;
    return 0;
}

int procStatUtil(const ProcStat *a, const ProcStat *b, double *util) {
    if (b->total < a->total || b->busy < a->busy)
        return ERR("CPU counters went backwards (reboot?); utilization restarts");
    unsigned long long dt = b->total - a->total;
    if (dt == 0) return ERR("no CPU time passed between two reads of /proc/stat");
    double u = (double)(b->busy - a->busy) / (double)dt;
    *util = u < 0 ? 0 : u > 1 ? 1 : u;
    return 0;
}
