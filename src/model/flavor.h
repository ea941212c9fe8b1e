/* flavor.h - the OpenStack flavours of the paper's Table 1 (the defaults of
 * OpenStack at the time): m1.tiny ... m1.xlarge. */
#ifndef GEYSER_FLAVOR_H
#define GEYSER_FLAVOR_H

typedef struct Flavor {
    const char *name;
    int vcpus;
    double ramMb;
    double diskGb;
} Flavor;

/* NULL-terminated by a zero-vcpu entry. */
extern const Flavor flavorTable[];

/* Accepts "tiny" or "m1.tiny", case-insensitive; NULL with an error. */
const Flavor *flavorFind(const char *name);

#endif
