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

/* Besides the meters, a file may hold the agent's own sections, [store]
 * and [libvirt] (geyser collect): they are kept in `extra`, one MeterConf
 * each, named after the section; their reader takes the keys and calls
 * meterConfCheckTaken. Any other section is an error. */
typedef struct MeterConfSet {
    MeterConf *confs;
    int n;
    size_t cap;
    MeterConf *extra;
    int nExtra;
    size_t capExtra;
} MeterConfSet;

/* Parse INI text; origin names it in messages. 0, or -1 with ERR(). */
int meterConfParse(const char *text, const char *origin, MeterConfSet *out);
/* Read and parse a file, with the permission check. */
int meterConfLoad(const char *path, MeterConfSet *out);
void meterConfSetFree(MeterConfSet *s);

/* The [name] section of the set, or NULL. */
MeterConf *meterConfSection(MeterConfSet *s, const char *name);
/* -1 with "file:line: [section]: unknown key 'k'" when a key was not taken. */
int meterConfCheckTaken(const MeterConf *c);

/* Build every meter of a set; NULL with ERR() on the first bad one. */
Meter **meterConfBuild(MeterConfSet *s, int *n);
void meterListFree(Meter **m, int n);

#endif
