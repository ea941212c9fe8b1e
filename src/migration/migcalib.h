/* migcalib.h - fit the migration model's test-bed terms (MigCalib: set-up
 * time, link efficiency, zero-page scan rate, memory beyond the guest's
 * used count) to measured migrations, as `geyser migbench --calibrate`
 * does with its rows. A grid search, not a gradient: the model is piecewise
 * (rounds start and stop), the samples are few, and the grid is small. */
#ifndef GEYSER_MIGCALIB_H
#define GEYSER_MIGCALIB_H

#include <stdbool.h>

#include "migmodel.h"

/* One measured migration. */
typedef struct MigSample {
    MigInput in;        /* the model's input for the run; in.cal is ignored */
    MigrationMode mode; /* how it was run */
    bool completed;     /* false: cancelled at the time limit (pre-copy) or failed */
    double timeS;       /* measured migration time */
    double bytes;       /* measured bytes sent */
    double timeLimitS;  /* a pre-copy running longer was cancelled; 0: no limit */
} MigSample;

typedef struct MigFitError {
    int n;                /* completed samples the errors are over */
    double timeMedPct;    /* median |predicted - measured| / measured time, % */
    double bytesMedPct;   /* the same for bytes */
    int precopyRuns;      /* pre-copy samples (completed or not) */
    int convergenceWrong; /* of those, how many the model's verdict got wrong */
} MigFitError;

/* Predict a sample with calibration cal; a pre-copy predicted to run past
 * the sample's time limit counts as not converged, since the bench would
 * cancel it. Returns 0 or -1 on bad input. */
int migSamplePredict(const MigSample *s, const MigCalib *cal, MigPrediction *p);

/* The model's error over the samples with calibration cal. */
void migFitEvaluate(const MigSample *s, int n, const MigCalib *cal, MigFitError *e);

/* Fit cal to the samples: extra_mib to the bytes of completed runs, then
 * setup_s, link_efficiency and scan_mibps to their times, a wrong
 * convergence verdict costing as much as a 100 % time error. Needs at least
 * 3 completed samples; -1 with an error otherwise. */
int migCalibFit(const MigSample *s, int n, MigCalib *cal);

#endif
