/* fitplot.h - a chart of fitted power models: the measurements as a
 * scatter of watts against CPU utilization, the chosen model of each server
 * type as a curve (the linear fit dashed beside it), axes, labels and a
 * legend with Pearson's r. Written as SVG; PNG through rsvg-convert. */
#ifndef GEYSER_FITPLOT_H
#define GEYSER_FITPLOT_H

#include "fit.h"

/* Write PREFIX.svg for the sets and their results (one per set), and
 * PREFIX.png when png is true. */
int fitPlot(const char *prefix, const FitData *d, const FitResult *res, bool png);

#endif
