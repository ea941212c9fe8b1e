/* lazy_pq.h - libpq, opened on first use (see lazylib.h). */
#ifndef GEYSER_LAZY_PQ_H
#define GEYSER_LAZY_PQ_H

#include <libpq-fe.h>

#include "lazylib.h"

/* clang-format off */
#define LAZY_PQ_SYMBOLS(X)                                                                         \
    X(PQclear)                                                                                     \
    X(PQcmdTuples)                                                                                 \
    X(PQconnectdb)                                                                                 \
    X(PQerrorMessage)                                                                              \
    X(PQexec)                                                                                      \
    X(PQexecParams)                                                                                \
    X(PQfinish)                                                                                    \
    X(PQgetResult)                                                                                 \
    X(PQgetisnull)                                                                                 \
    X(PQgetvalue)                                                                                  \
    X(PQntuples)                                                                                   \
    X(PQputCopyData)                                                                               \
    X(PQputCopyEnd)                                                                                \
    X(PQresultErrorMessage)                                                                        \
    X(PQresultStatus)                                                                              \
    X(PQstatus)
/* clang-format on */

extern struct LazyPq { LAZY_PQ_SYMBOLS(LAZY_FIELD) } lazyPq;

/* Loads libpq once. Returns 0 or -1 (ERR set). */
int lazyPqLoad(void);

#endif
