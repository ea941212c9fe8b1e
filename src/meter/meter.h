/* meter.h - the meter driver interface: how geyser reads power from a host.
 *
 * The shape is collectd's "complex read" plugin. A driver is a small table
 * {name, create, read, free}; each configured instance ([meter "name"] in the
 * INI file) gets its own state from create(), its own interval and timeout,
 * and is read by the poller (poller.h). A read pushes timestamped samples to
 * a callback of the core and returns 0 or -1 with ERR(); drivers never touch
 * storage, the network beyond their own peer, or stdout.
 *
 * Adding a driver: one file src/meter/drv_<name>.c exposing one const
 * MeterDriver, and one line in METER_DRIVERS (meter.c). */
#ifndef GEYSER_METER_H
#define GEYSER_METER_H

#include <stdbool.h>
#include <stddef.h>

/* One reading. Strings are borrowed for the duration of the callback: copy
 * what you keep.
 *   time      wall-clock seconds since the epoch when it was read
 *   host      the host the power belongs to (config key `host`, default the
 *             instance name; a driver that reads many hosts, such as sim,
 *             names each one)
 *   meter     "<instance>" or "<instance>/<sensor>" for multi-sensor drivers
 *   watts     present draw, valid when !isCounter
 *   joules    a monotonically growing energy counter, valid when isCounter
 *   source    "measured" (a sensor said so) or "estimated" (a model said so) */
typedef struct MeterSample {
    double time;
    const char *host;
    const char *meter;
    double watts;
    double joules;
    bool isCounter;
    const char *source;
} MeterSample;

#define METER_MEASURED  "measured"
#define METER_ESTIMATED "estimated"

/* The core's sample sink. The poller serialises calls: a sink need not be
 * thread-safe. */
typedef void (*MeterEmitFn)(void *ctx, const MeterSample *s);

/* The keys of one [meter] section, with their line numbers. A driver takes
 * the keys it knows with meterConfGet*(); any key left untaken after create()
 * is an error naming the key and its line (collectd's rule: an unknown key
 * never becomes a silent default). */
typedef struct MeterKey {
    char *key;
    char *value;
    int line;
    bool taken;
} MeterKey;

typedef struct MeterConf {
    char *name;   /* instance name */
    char *origin; /* file name, for messages */
    int line;     /* line of the section header */
    MeterKey *keys;
    int nkeys;
    size_t capKeys;
} MeterConf;

/* The value of key, or NULL when absent; marks it taken. */
const char *meterConfGet(MeterConf *c, const char *key);
/* The same, with ERR("file:line: ...") when absent. */
const char *meterConfRequire(MeterConf *c, const char *key);
/* Typed getters: absent -> *out = def, 0; bad -> -1 naming file:line. */
int meterConfDouble(MeterConf *c, const char *key, double def, double lo, double hi, double *out);
int meterConfBool(MeterConf *c, const char *key, bool def, bool *out);
/* Line of a key (0 when absent), for driver messages about its value. */
int meterConfLine(const MeterConf *c, const char *key);
/* True for keys whose values are secrets: never logged nor put in errors. */
bool meterKeyIsSecret(const char *key);

/* A driver's read context: what a read needs besides its state. */
typedef struct MeterCtx {
    const char *instance;
    const char *host;
    double timeout; /* seconds; a blocking driver must honour it itself */
    MeterEmitFn emit;
    void *emitCtx;
} MeterCtx;

typedef struct MeterDriver {
    const char *name;
    const char *summary;
    /* Build an instance from its section; NULL with ERR() on a bad value.
     * Must free what it built on failure. */
    void *(*create)(MeterConf *conf);
    /* Read once, emit zero or more samples, 0 or -1 with ERR(). Samples
     * emitted before a failure are kept. Called from a worker thread, never
     * twice at once for one instance. */
    int (*read)(void *state, const MeterCtx *ctx);
    void (*free)(void *state);
} MeterDriver;

/* NULL-terminated registry, and lookup by name (NULL + ERR listing names). */
extern const MeterDriver *const meterDrivers[];
const MeterDriver *meterDriverFind(const char *name);

/* A configured instance, ready to poll. */
typedef struct Meter {
    char *name;
    char *host;
    const MeterDriver *drv;
    void *state;
    double interval; /* seconds between reads */
    double timeout;  /* seconds a read may take */
} Meter;

/* Build a meter from its section: the generic keys (driver, interval,
 * timeout, host), then the driver's own; leftover keys are an error. */
Meter *meterCreate(MeterConf *conf);
void meterFree(Meter *m);

/* Helpers for drivers. */
double meterWallClock(void);
void meterEmitWatts(const MeterCtx *ctx, const char *meter, double watts, const char *source);
void meterEmitJoules(const MeterCtx *ctx, const char *meter, double joules, const char *source);

/* dir + "/" + file into out; -1 with ERR() when it does not fit. */
int meterJoin(char *out, size_t cap, const char *dir, const char *file);

/* Read a sysfs-style file holding one non-negative number; -1 with ERR()
 * naming the file on garbage. */
int meterReadNumber(const char *path, double *out);

/* Rate of an energy counter between reads. value in joules; wrap is the
 * counter's range (0 when it never wraps: a decrease is then a reset and
 * re-primes). Returns 1 with *watts set, 0 when the counter was (re)primed. */
typedef struct MeterCounter {
    char *key;
    double last;  /* joules */
    double lastT; /* monotonic seconds */
    bool primed;
} MeterCounter;

typedef struct MeterCounters {
    MeterCounter *items;
    int n;
    size_t cap;
} MeterCounters;

MeterCounter *meterCounterFor(MeterCounters *set, const char *key);
int meterCounterWatts(MeterCounter *c, double value, double wrap, double now, double *watts);
void meterCountersFree(MeterCounters *set);

#endif
