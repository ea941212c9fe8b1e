/* procstat.h - host CPU utilization from /proc/stat.
 *
 * Utilization between two snapshots is busy time / total time of the
 * aggregate "cpu" line, where idle = idle + iowait and guest time is not
 * counted twice (it is already inside user/nice). */
#ifndef GEYSER_PROCSTAT_H
#define GEYSER_PROCSTAT_H

typedef struct ProcStat {
    unsigned long long busy;
    unsigned long long total;
} ProcStat;

/* Read root/stat (root NULL = "/proc"). 0, or -1 with ERR() naming the file. */
int procStatRead(const char *root, ProcStat *out);

/* Utilization in [0, 1] between a and a later b; -1 with ERR() when no time
 * passed or the counters went backwards (a reboot, another host's file). */
int procStatUtil(const ProcStat *a, const ProcStat *b, double *util);

#endif
