/* signals.h - energy signals: what electricity costs, how much CO2 it
 * carries, how much on-site renewable power there is, and demand-response
 * caps, as time series that the simulator and the daemon both read.
 *
 * A series holds points (time, value) in strictly increasing time; its
 * value at time t is the last point at or before t (prices and intensities
 * are published per interval). Loaders validate units, order, gaps and
 * plausibility, and fail with file:line and the cause: a signal that is
 * silently wrong would steer load to the wrong hours. */
#ifndef GEYSER_SIGNALS_H
#define GEYSER_SIGNALS_H

#include <stdbool.h>

typedef enum {
    SIGNAL_PRICE = 0, /* EUR per MWh (may be negative) */
    SIGNAL_CARBON,    /* gCO2 per kWh */
    SIGNAL_RENEWABLE, /* kW of on-site renewable supply */
    SIGNAL_KINDS
} SignalKind;

typedef struct SignalSeries {
    SignalKind kind;
    double *t; /* seconds (epoch, or from the start of a simulation) */
    double *v;
    int n;
} SignalSeries;

typedef struct CapEvent {
    double start, end; /* seconds */
    double capKw;      /* the site must draw at most this much */
    char source[32];
} CapEvent;

typedef struct SignalSet {
    SignalSeries series[SIGNAL_KINDS]; /* n == 0 when absent */
    CapEvent *caps;
    int ncaps;
} SignalSet;

/* The column name that carries each kind's unit: price_eur_per_mwh,
 * carbon_g_per_kwh, renewable_kw. */
const char *signalColumn(SignalKind k);

/* Load one CSV: a header "time,<column>" naming the kind by its unit;
 * time as seconds or ISO 8601 UTC (2025-06-01T12:00:00Z). maxGapS > 0
 * rejects a gap between points longer than that. */
int signalLoadCsv(const char *path, double maxGapS, SignalSeries *out);

/* Demand-response events: "start,end,cap_kw[,source]". Overlapping events
 * and end <= start are errors. */
int signalLoadCaps(const char *path, SignalSet *set);

/* A directory with any of price.csv, carbon.csv, renewable.csv, caps.csv. */
int signalLoadDir(const char *dir, double maxGapS, SignalSet *out);

/* Value at t (the last point at or before t; the first point before it).
 * Returns false when the series is empty. */
bool signalAt(const SignalSeries *s, double t, double *value);

/* The cap in force at t, or a negative value when none is. */
double signalCapAt(const SignalSet *set, double t);

/* Parse "2025-06-01T12:00:00Z" (or "...+00:00") or a number of seconds. */
int signalParseTime(const char *text, double *out);

void signalSeriesFree(SignalSeries *s);
void signalSetFree(SignalSet *set);

/* Splice a forecast (n points, strictly increasing times, plausible
 * values for the series' kind) into s: the points of s inside
 * [t[0], t[n-1]] are replaced, those before and after stay. -1 with the
 * cause (s untouched) when a point is bad. *changed tells whether the
 * value at any time from t[0] on differs from before. */
int signalSpliceForecast(SignalSeries *s, const double *t, const double *v, int n, bool *changed);

/* A live signal (pushed through the API or polled from a URL): the last
 * good value is kept when an update is bad, and flagged stale once it is
 * older than maxAgeS. */
typedef struct LiveSignal {
    SignalKind kind;
    double value, at;
    bool have;
    char lastError[160];
} LiveSignal;

/* Returns 0 and takes the value, or -1 (keeping the old one) when the
 * value is absurd or older than the one held. */
int liveSignalUpdate(LiveSignal *s, double at, double value);
bool liveSignalStale(const LiveSignal *s, double now, double maxAgeS);

/* The plausible range of each kind (rejects unit mix-ups such as
 * EUR/kWh given as EUR/MWh). */
int signalCheckValue(SignalKind k, double v);

#endif
