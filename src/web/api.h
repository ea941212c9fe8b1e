/* api.h - the daemon's HTTP resources: Prometheus /metrics and the JSON
 * API under /api/v1 (documented in docs/api.md). */
#ifndef GEYSER_API_H
#define GEYSER_API_H

#include "buf.h"

struct Daemon;

int apiRegister(struct Daemon *d);
/* The plan's approval and the audit log (api_plan.c), called by apiRegister. */
int apiPlanRegister(struct Daemon *d);

/* The Prometheus text exposition of the daemon's state. Exposed for tests
 * and the benchmark. */
void apiRenderMetrics(const struct Daemon *d, Buf *out);

#endif
