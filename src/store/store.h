/* store.h - where geyser keeps what it measures: power samples, host and VM
 * CPU utilization, and an audit trail of events, with 1-minute and 1-hour
 * roll-ups of power kept up to date as samples arrive.
 *
 * A store is opened from a URI, "sqlite:PATH" (the embedded default) or
 * "postgres:CONNINFO", and every backend is a StoreDriver: a table of
 * function pointers with one line in the registry (store.c). The checks on
 * input live here, in front of every backend, so that all of them refuse
 * the same things with the same messages.
 *
 * Durability: when a write call returns 0 its samples are committed, and
 * survive the writer being killed (kill -9). A call that returns -1 wrote
 * nothing of its batch (one transaction per batch). */
#ifndef GEYSER_STORE_H
#define GEYSER_STORE_H

#include <stddef.h>

#define STORE_NAME_MAX 63 /* longest host, meter or VM name, in bytes */

/* Gaps in a power series longer than this (seconds) are not integrated into
 * energy: the meter was not reporting, and guessing would invent joules. */
#define STORE_GAP_MAX_S 600.0

typedef enum { SAMPLE_MEASURED = 0, SAMPLE_ESTIMATED = 1 } SampleSource;

typedef struct PowerSample {
    double t; /* seconds since the Unix epoch */
    const char *host;
    const char *meter; /* e.g. "ipmi", "pdu", "model" */
    double watts;
    SampleSource source;
} PowerSample;

typedef struct HostUtilSample {
    double t;
    const char *host;
    double util; /* fraction of the host's CPU capacity, 0..1 */
} HostUtilSample;

typedef struct VmUtilSample {
    double t;
    const char *vm;
    const char *host;
    int vcpus;
    double util; /* fraction of the VM's vCPUs, 0..1 */
} VmUtilSample;

typedef struct StoreEvent {
    double t;
    const char *kind;   /* "migrate", "power_off", ... */
    const char *host;   /* may be NULL */
    const char *vm;     /* may be NULL */
    const char *detail; /* a JSON object as text, or NULL for {} */
} StoreEvent;

/* What the store knows about a host: its server type, so that power can
 * be fitted per type (`geyser fit --store`). Written with an upsert: the
 * latest description wins. */
typedef struct HostInfo {
    const char *host;
    const char *serverType; /* may be NULL or "" when unknown */
} HostInfo;

/* Where a host's power comes from: a meter instance and its driver. */
typedef struct MeterInfo {
    const char *host;
    const char *meter; /* the instance name, as in the samples' meter prefix */
    const char *driver;
    SampleSource source;
} MeterInfo;

/* A VM's share of its host's energy over the interval that ends at t
 * (src/model/attribution.h), and the project it belongs to (or NULL). */
typedef struct VmEnergySample {
    double t;
    const char *vm;
    const char *host;
    const char *project;
    double joules;
} VmEnergySample;

/* Reading stored rows back (storeScan). One shape for every table; the
 * fields a table has not are NULL or 0:
 *   STORE_POWER       host, name = meter, t, value = watts, source
 *   STORE_HOST_UTIL   host, t, value = utilization
 *   STORE_VM_UTIL     host, name = vm, t, value = utilization, count = vCPUs
 *   STORE_VM_ENERGY   host, name = vm, text = project, t, value = joules
 *   STORE_HOSTS       host, text = server type
 *   STORE_METERS      host, name = meter, text = driver, source
 *   STORE_EVENTS      host, name = vm, text = kind, t, detail = the JSON text
 * Rows come ordered by host, name, then time. */
typedef enum {
    STORE_POWER = 0,
    STORE_HOST_UTIL,
    STORE_VM_UTIL,
    STORE_VM_ENERGY,
    STORE_HOSTS,
    STORE_METERS,
    STORE_EVENTS,
    STORE_TABLES
} StoreTable;

typedef struct StoreRow {
    const char *host, *name, *text;
    const char *detail; /* STORE_EVENTS only: the event's detail (JSON text), or NULL */
    double t, value;
    long count;
    SampleSource source;
} StoreRow;

/* Called for each row; strings are borrowed for the call. Non-zero stops
 * the scan, which then returns that value. */
typedef int (*StoreRowFn)(void *ctx, const StoreRow *row);

/* One step of a series: the samples with step start <= t < start + step. */
typedef struct SeriesPoint {
    double t; /* start of the step */
    double avgW, minW, maxW;
    long count;
    double joules; /* energy integrated over the step */
} SeriesPoint;

typedef struct HostEnergy {
    char host[STORE_NAME_MAX + 1];
    char meter[STORE_NAME_MAX + 1];
    double joules;
    long samples;
} HostEnergy;

/* Where a series was read from. */
typedef enum { SERIES_RAW = 0, SERIES_1MIN, SERIES_1HOUR } SeriesSource;

typedef struct Store Store;

/* A backend. Inputs reach it already checked; every function returns 0 or
 * -1 with an error recorded. Batch writes are all or nothing. */
typedef struct StoreDriver {
    const char *scheme; /* the URI prefix before ':' */
    const char *summary;
    void *(*open)(const char *target);
    void (*close)(void *db);
    int (*writePower)(void *db, const PowerSample *s, size_t n);
    int (*writeHostUtil)(void *db, const HostUtilSample *s, size_t n);
    int (*writeVmUtil)(void *db, const VmUtilSample *s, size_t n);
    int (*writeEvents)(void *db, const StoreEvent *e, size_t n);
    int (*writeVmEnergy)(void *db, const VmEnergySample *s, size_t n);
    int (*describeHosts)(void *db, const HostInfo *h, size_t n);
    int (*describeMeters)(void *db, const MeterInfo *m, size_t n);
    /* Rows of one table with from <= t < to (tables without time: all). */
    int (*scan)(void *db, StoreTable table, double from, double to, StoreRowFn fn, void *ctx);
    /* Raw rows with t < before are deleted; roll-ups and events are kept. */
    int (*retain)(void *db, double before, long *deleted);
    /* The meter's rows of one host over [from, to), from raw samples or a
     * roll-up table (source), bucketed by the caller. `meter` may be NULL
     * when the host has one meter. */
    int (*series)(void *db, const char *host, const char *meter, double from, double to,
                  double step, SeriesSource source, SeriesPoint **out, size_t *n);
    int (*energy)(void *db, double from, double to, HostEnergy **out, size_t *n);
} StoreDriver;

/* Open "sqlite:PATH", "postgres:CONNINFO" or a libpq URI
 * ("postgresql://..." or "postgres://..."); NULL with an error naming the
 * URI (passwords blanked) when it cannot be opened. */
Store *storeOpen(const char *uri);
void storeClose(Store *st);

/* Write a batch. Every sample is checked first: a non-finite or negative
 * watts value, a utilization outside [0, 1], an empty or too long name, a
 * non-finite time, or a time not after the previous one of the same series
 * (host, meter) make the whole call fail with a message naming the sample's
 * index, host and field; nothing of the batch is written. */
int storeWritePower(Store *st, const PowerSample *s, size_t n);
int storeWriteHostUtil(Store *st, const HostUtilSample *s, size_t n);
int storeWriteVmUtil(Store *st, const VmUtilSample *s, size_t n);
int storeWriteEvents(Store *st, const StoreEvent *e, size_t n);
int storeWriteVmEnergy(Store *st, const VmEnergySample *s, size_t n);

/* Record hosts' server types and their meters (upserts). */
int storeDescribeHosts(Store *st, const HostInfo *h, size_t n);
int storeDescribeMeters(Store *st, const MeterInfo *m, size_t n);

/* Read rows of one table back, ordered by host, name and time. */
int storeScan(Store *st, StoreTable table, double from, double to, StoreRowFn fn, void *ctx);
const char *storeTableName(StoreTable t);

/* The URI with any password replaced by "***", for messages (static buffer
 * of the caller: out, cap). */
void storeUriRedact(const char *uri, char *out, size_t cap);

/* Delete raw samples older than `before`; *deleted (may be NULL) counts
 * the rows removed. */
int storeRetain(Store *st, double before, long *deleted);

/* A host's power over [from, to) in steps of `step` seconds. Steps that are
 * whole hours (or minutes), starting on one, are served from the 1-hour (or
 * 1-minute) roll-up; others from raw samples. Steps without samples are
 * left out. *out is allocated (caller frees); *used (may be NULL) says
 * which table answered. */
int storeSeries(Store *st, const char *host, const char *meter, double from, double to, double step,
                SeriesPoint **out, size_t *n, SeriesSource *used);

/* Energy per (host, meter) over [from, to) (whole minutes: from the
 * 1-minute roll-up), sorted by host then meter. */
int storeEnergy(Store *st, double from, double to, HostEnergy **out, size_t *n);

const char *storeSeriesSourceName(SeriesSource s);
const char *sampleSourceName(SampleSource s);

/* The registered backends, NULL-terminated. */
extern const StoreDriver *const storeDrivers[];

#endif
