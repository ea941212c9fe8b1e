/* workload.h - CPU-utilization series of VMs, from traces or generators.
 *
 * A workload is a set of named series on one regular time grid: sample k of
 * every series is the utilization (a fraction in [0, 1]) at time k * stepS.
 * Between samples the value is interpolated linearly; after the last sample
 * it holds (as CloudSim reads the PlanetLab traces).
 *
 * Loaders never skip anything silently: a bad file, line or value fails the
 * whole load with an error naming file, line and cause. */
#ifndef GEYSER_WORKLOAD_H
#define GEYSER_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct WorkloadSeries {
    char *name;  /* trace file name, CSV vm id, or generator name */
    float *util; /* nsamples fractions in [0, 1] */
    int nsamples;
} WorkloadSeries;

typedef struct Workload {
    WorkloadSeries *series;
    int nseries;
    double stepS; /* seconds between samples */
    int nsamples; /* longest series */
} Workload;

/* PlanetLab/CoMon format: a directory with one file per VM, one integer
 * percentage (0-100) per line. Files are taken in byte order of their names
 * (LC_ALL=C sort). Hidden files are ignored; an empty directory, an empty
 * file, a non-integer, a value outside 0-100 or a file whose length differs
 * from the others is an error. stepS is 300. */
Workload *workloadLoadPlanetLab(const char *dir);

/* Like workloadLoadPlanetLab, but take the files in the order given by
 * orderFile: a CSV whose last column is the file name (a header line is
 * allowed), such as CloudSim's recorded directory order. Every named file
 * must exist; files not named are an error too (nothing is left out). */
Workload *workloadLoadPlanetLabOrdered(const char *dir, const char *orderFile);

/* CSV with a header naming the columns time,vm,cpu_util (in any order;
 * other columns are ignored): time in seconds from the start, cpu_util in
 * percent (0-100). Every VM must have a sample at every time of one regular
 * grid starting at 0; duplicates, gaps, negative times and values outside
 * 0-100 are errors. Series are ordered by first appearance. */
Workload *workloadLoadCsv(const char *path);

/* Generators. All produce nseries series of nsamples samples at stepS. */
/* Every sample equals util. */
Workload *workloadConstant(int nseries, int nsamples, double stepS, double util);
/* Phases: consecutive blocks; phase i lasts lens[i] samples at utils[i].
 * The series length is the sum of lens. */
Workload *workloadPhases(int nseries, const int *lens, const double *utils, int nphases,
                         double stepS);
/* Random walk from start, each step adding a uniform value in
 * [-stepMax, +stepMax], reflected into [0, 1]. Same seed, same series. */
Workload *workloadRandomWalk(int nseries, int nsamples, double stepS, double start, double stepMax,
                             uint64_t seed);

/* Repeat the series `times` times (names get a "#k" suffix): the scaled
 * benchmark's way of making 10x the VMs from one day. */
Workload *workloadRepeat(const Workload *w, int times);

/* Utilization of series s at time t (seconds). */
double workloadUtilAt(const Workload *w, int s, double t);

/* Total duration covered: (nsamples - 1) * stepS, at least stepS. */
double workloadDuration(const Workload *w);

void workloadFree(Workload *w);

#endif
