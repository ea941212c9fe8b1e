/* meterconf.h - read the meter configuration: an INI file (inih) with one
 * section per meter instance.
 *
 *   [meter "rack1-bmc"]      ; or [meter:rack1-bmc]
 *   driver   = ipmi
 *   interval = 5
 *   host     = compute-17
 *   address  = 10.0.0.17
 *
 * Every error names file:line. A file that holds a secret (a key such as
 * password) must not be readable by group or others: it is refused, and no
 * secret value ever appears in a message. */
#ifndef GEYSER_METERCONF_H
#define GEYSER_METERCONF_H

#include "meter.h"

typedef struct MeterConfSet {
    MeterConf *confs;
    int n;
    size_t cap;
} MeterConfSet;

/* Parse INI text; origin names it in messages. 0, or -1 with ERR(). */
int meterConfParse(const char *text, const char *origin, MeterConfSet *out);
/* Read and parse a file, with the permission check. */
int meterConfLoad(const char *path, MeterConfSet *out);
void meterConfSetFree(MeterConfSet *s);

/* Build every meter of a set; NULL with ERR() on the first bad one. */
Meter **meterConfBuild(MeterConfSet *s, int *n);
void meterListFree(Meter **m, int n);

#endif
