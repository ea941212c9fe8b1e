/* actuator.c - the registry of power actuators and what they share. */
#include "actuator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

extern const PowerActuatorDriver actuatorWol;
extern const PowerActuatorDriver actuatorExec;
extern const PowerActuatorDriver actuatorIpmi;

const PowerActuatorDriver *const actuatorRegistry[] = {&actuatorWol, &actuatorExec, &actuatorIpmi,
                                                       NULL};

const char *powerStatusName(PowerStatus s) {
    switch (s) {
    case POWER_STATUS_ON: return "on";
    case POWER_STATUS_OFF: return "off";
    case POWER_STATUS_UNKNOWN: break;
    }
    return "unknown";
}

const char *actuatorKey(const ActuatorKey *keys, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i].key, key) == 0) return keys[i].value;
    return NULL;
}

int actuatorCheckKeys(const ActuatorKey *keys, size_t n, const char *const *known,
                      const char *origin) {
    for (size_t i = 0; i < n; i++) {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, keys[i].key) == 0;
        if (!ok) return ERR("%s:%d: unknown key '%s'", origin, keys[i].line, keys[i].key);
        for (size_t j = 0; j < i; j++)
            if (strcmp(keys[j].key, keys[i].key) == 0)
                return ERR("%s:%d: key '%s' given twice (first on line %d)", origin, keys[i].line,
                           keys[i].key, keys[j].line);
    }
    return 0;
}

PowerActuator *actuatorCreate(const char *driver, const ActuatorKey *keys, size_t n,
                              const char *origin) {
    for (int i = 0; actuatorRegistry[i]; i++) {
        const PowerActuatorDriver *d = actuatorRegistry[i];
        if (strcmp(d->name, driver) != 0) continue;
        void *state = NULL;
        if (d->create(keys, n, origin, &state) != 0) return NULL;
        PowerActuator *a = xcalloc(1, sizeof(*a));
        a->drv = d;
        a->state = state;
        snprintf(a->name, sizeof(a->name), "%s", origin);
        return a;
    }
    ERR("%s: unknown power actuator '%s' (known: wol, exec, ipmi)", origin, driver);
    return NULL;
}

void actuatorFree(PowerActuator *a) {
    if (!a) return;
    if (a->drv->free) a->drv->free(a->state);
    free(a);
}
