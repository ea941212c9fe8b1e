/* simfixture.h - small hand-made server types and clouds for tests, with
 * round numbers so that expected energies can be worked out by hand. */
#ifndef GEYSER_SIMFIXTURE_H
#define GEYSER_SIMFIXTURE_H

#include <stdio.h>
#include <string.h>

#include "servertype.h"

/* 1 core of 1000 MIPS, 4096 MB, 100 W idle to 200 W full (linear), 5 W off,
 * boot 100 s at 150 W, shutdown 50 s at 80 W. */
static inline ServerType fixtureType(void) {
    ServerType t;
    memset(&t, 0, sizeof(t));
    snprintf(t.name, sizeof(t.name), "fixture");
    t.cores = 1;
    t.coreMips = 1000;
    t.ramMb = 4096;
    t.power = powerLinear(100, 200);
    t.offW = 5;
    t.bootS = 100;
    t.bootW = 150;
    t.shutdownS = 50;
    t.shutdownW = 80;
    return t;
}

#endif
