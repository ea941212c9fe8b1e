/* servertype.h - server types: CPU capacity, memory, power model, and the
 * cost of switching a server off and on.
 *
 * The built-in catalogue comes from data/server-types.csv, compiled into the
 * binary: the seven SPECpower servers that CloudSim tabulates (with their
 * SPEC result ids) and a server shaped like the paper's (150-300 W, concave,
 * saturating near 50 % CPU). */
#ifndef GEYSER_SERVERTYPE_H
#define GEYSER_SERVERTYPE_H

#include "power.h"

typedef struct ServerType {
    char name[64];
    int cores;       /* physical CPUs (cores) */
    double coreMips; /* capacity of one core, in MIPS */
    double ramMb;
    PowerModel power;
    double offW;      /* standby draw when off (BMC, NIC for Wake-on-LAN) */
    double bootS;     /* seconds from power-on to usable */
    double bootW;     /* average draw while booting */
    double shutdownS; /* seconds from power-off request to off */
    double shutdownW; /* average draw while shutting down */
    char source[160]; /* where the numbers come from */
} ServerType;

/* Total CPU capacity of one server in MIPS. */
static inline double serverTypeCapacity(const ServerType *t) {
    return t->cores * t->coreMips;
}

/* Parse a catalogue in the CSV format of data/server-types.csv. `origin`
 * names the source in error messages. Returns the number of types stored
 * in *out (caller frees), or -1 with an error naming origin:line. */
int serverTypesParse(const char *text, const char *origin, ServerType **out);

/* Read and parse a catalogue file (errors name path:line). Returns the
 * number of types stored in *out (caller frees), or -1. */
int serverTypesLoadFile(const char *path, ServerType **out);

/* The built-in catalogue (parsed once, never freed). */
int serverTypesBuiltin(const ServerType **out);

/* Look a type up by exact name in the built-in catalogue; NULL with an
 * error listing the known names when it is not there. */
const ServerType *serverTypeFind(const char *name);

#endif
