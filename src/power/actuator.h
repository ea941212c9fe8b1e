/* actuator.h - the plug-in interface of power actuators: what turns a
 * server on and off (Wake-on-LAN, a BMC over IPMI, a command).
 *
 * An actuator only sends the request and, where it can, reads the power
 * state back; deciding whether a power-on worked (BMC state, then the
 * host's compute service up) is powerop.h's job. Adding an actuator is one
 * file with a PowerActuatorDriver and one line in the registry
 * (actuator.c). */
#ifndef GEYSER_ACTUATOR_H
#define GEYSER_ACTUATOR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    POWER_STATUS_UNKNOWN = 0, /* this actuator cannot tell (Wake-on-LAN) */
    POWER_STATUS_ON,
    POWER_STATUS_OFF,
} PowerStatus;

/* One configuration entry, with the line it came from for messages. */
typedef struct ActuatorKey {
    const char *key;
    const char *value;
    int line;
} ActuatorKey;

typedef struct PowerActuatorDriver {
    const char *name;
    /* Validate and keep the configuration; an unknown key is an error. */
    int (*create)(const ActuatorKey *keys, size_t n, const char *origin, void **state);
    int (*powerOn)(void *state);
    /* soft: ask the OS to shut down (ACPI soft-off) rather than cut power. */
    int (*powerOff)(void *state, bool soft);
    int (*status)(void *state, PowerStatus *out);
    void (*free)(void *state);
} PowerActuatorDriver;

typedef struct PowerActuator {
    const PowerActuatorDriver *drv;
    void *state;
    char name[64];
} PowerActuator;

/* driver is "wol", "exec" ...; origin names the config section in errors. */
PowerActuator *actuatorCreate(const char *driver, const ActuatorKey *keys, size_t n,
                              const char *origin);
void actuatorFree(PowerActuator *a);

static inline int actuatorOn(PowerActuator *a) {
    return a->drv->powerOn(a->state);
}
static inline int actuatorOff(PowerActuator *a, bool soft) {
    return a->drv->powerOff(a->state, soft);
}
static inline int actuatorStatus(PowerActuator *a, PowerStatus *out) {
    return a->drv->status(a->state, out);
}

const char *powerStatusName(PowerStatus s);

/* Shared by drivers: the value of key, or NULL; and a check that every key
 * is one of `known` (NULL-terminated), naming origin:line otherwise. */
const char *actuatorKey(const ActuatorKey *keys, size_t n, const char *key);
int actuatorCheckKeys(const ActuatorKey *keys, size_t n, const char *const *known,
                      const char *origin);

extern const PowerActuatorDriver *const actuatorRegistry[];

#endif
