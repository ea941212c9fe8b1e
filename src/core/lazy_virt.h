/* lazy_virt.h - libvirt, opened on first use (see lazylib.h). */
#ifndef GEYSER_LAZY_VIRT_H
#define GEYSER_LAZY_VIRT_H

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "lazylib.h"

/* clang-format off */
#define LAZY_VIRT_SYMBOLS(X)                                                                       \
    X(virConnectClose)                                                                             \
    X(virConnectGetAllDomainStats)                                                                 \
    X(virConnectIsAlive)                                                                           \
    X(virConnectListAllDomains)                                                                    \
    X(virConnectOpen)                                                                              \
    X(virDomainFree)                                                                               \
    X(virDomainGetInfo)                                                                            \
    X(virDomainGetJobStats)                                                                        \
    X(virDomainGetName)                                                                            \
    X(virDomainGetUUIDString)                                                                      \
    X(virDomainLookupByUUIDString)                                                                 \
    X(virDomainMigrateStartPostCopy)                                                               \
    X(virDomainMigrateToURI3)                                                                      \
    X(virDomainStatsRecordListFree)                                                                \
    X(virGetLastError)                                                                             \
    X(virNodeGetInfo)                                                                              \
    X(virSetErrorFunc)                                                                             \
    X(virTypedParamsAddString)                                                                     \
    X(virTypedParamsAddULLong)                                                                     \
    X(virTypedParamsFree)                                                                          \
    X(virTypedParamsGetUInt)                                                                       \
    X(virTypedParamsGetULLong)
/* clang-format on */

extern struct LazyVirt { LAZY_VIRT_SYMBOLS(LAZY_FIELD) } lazyVirt;

/* Loads libvirt once. Returns 0 or -1 (ERR set). */
int lazyVirtLoad(void);

#endif
