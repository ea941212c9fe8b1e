/* api.c - what the daemon answers over HTTP.
 *
 * /metrics follows Prometheus' naming conventions: base units (watts,
 * joules, ratios), _total for counters, one metric family per quantity with
 * labels for host, server type, meter and whether a value is measured or
 * estimated (modelled). */
#include "api.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "embedded.h"
#include "meters.h"
#include "planestimate.h"
#include "err.h"
#include "util.h"
#include "simcloud.h"

/* Label values escape backslash, double quote and newline. */
static void appendLabel(Buf *b, const char *v) {
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\')
            bufAppend(b, "\\\\", 2);
        else if (*p == '"')
            bufAppend(b, "\\\"", 2);
        else if (*p == '\n')
            bufAppend(b, "\\n", 2);
        else
            bufAppend(b, p, 1);
    }
}

static void family(Buf *b, const char *name, const char *type, const char *help) {
    bufPrintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void hostLabels(Buf *b, const Host *h) {
    bufAppend(b, "{host=\"", 7);
    appendLabel(b, h->name);
    bufAppend(b, "\",server_type=\"", 15);
    appendLabel(b, h->type ? h->type->name : "");
    bufAppend(b, "\"", 1);
}

/* Where a host's power figure comes from: the meter instance and whether
 * it is measured or estimated. */
static void powerLabels(Buf *b, const Daemon *d, int i) {
    bufAppend(b, ",meter=\"", 8);
    appendLabel(b, daemonHostMeter(d, i));
    bufPrintf(b, "\",source=\"%s\"", daemonHostSource(d, i));
}

static void renderHosts(const Daemon *d, Buf *b) {
    const CloudView *v = &d->cloud->view;
    family(b, "geyser_host_power_watts", "gauge", "Present power draw of a host.");
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_host_power_watts", 23);
        hostLabels(b, &v->hosts[i]);
        powerLabels(b, d, i);
        bufPrintf(b, "} %.3f\n", v->hosts[i].powerW);
    }
    family(b, "geyser_host_energy_joules_total", "counter", "Energy used by a host.");
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_host_energy_joules_total", 31);
        hostLabels(b, &v->hosts[i]);
        powerLabels(b, d, i);
        bufPrintf(b, "} %.3f\n", daemonHostEnergyJ(d, i));
    }
    family(b, "geyser_host_cpu_utilization_ratio", "gauge",
           "CPU utilization of a host (sum of VM use over capacity, capped at 1).");
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_host_cpu_utilization_ratio", 33);
        hostLabels(b, &v->hosts[i]);
        bufPrintf(b, "} %.6f\n", hostUtil(&v->hosts[i]));
    }
    family(b, "geyser_host_power_state", "gauge", "1 for the power state a host is in.");
    static const HostPowerState states[] = {HOST_ON, HOST_OFF, HOST_BOOTING, HOST_SHUTTING_DOWN};
    for (int i = 0; i < v->nhosts; i++) {
        for (int k = 0; k < 4; k++) {
            bufAppend(b, "geyser_host_power_state", 23);
            hostLabels(b, &v->hosts[i]);
            bufPrintf(b, ",state=\"%s\"} %d\n", hostStateName(states[k]),
                      v->hosts[i].state == states[k]);
        }
    }
    family(b, "geyser_meter_up", "gauge", "1 when the host's power meter answered its last read.");
    if (d->meters) { /* --meters: each meter, as the poller saw its last read */
        for (int k = 0; k < daemonMetersCount(d->meters); k++) {
            const char *name, *host;
            bool up;
            daemonMetersInfo(d->meters, k, &name, &host, &up);
            int i = 0;
            while (i < v->nhosts && strcmp(v->hosts[i].name, host) != 0)
                i++;
            if (i == v->nhosts) continue;
            bufAppend(b, "geyser_meter_up", 15);
            hostLabels(b, &v->hosts[i]);
            bufAppend(b, ",meter=\"", 8);
            appendLabel(b, name);
            bufPrintf(b, "\"} %d\n", up);
        }
        return;
    }
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_meter_up", 15);
        hostLabels(b, &v->hosts[i]);
        bufPrintf(b, ",meter=\"%s\"} 1\n", daemonMeterName(d));
    }
}

static void renderVms(const Daemon *d, Buf *b) {
    const CloudView *v = &d->cloud->view;
    family(b, "geyser_vm_cpu_utilization_ratio", "gauge", "CPU utilization of a VM's vCPUs.");
    for (int i = 0; i < v->nvms; i++) {
        bufAppend(b, "geyser_vm_cpu_utilization_ratio{vm=\"", 36);
        appendLabel(b, v->vms[i].name);
        bufAppend(b, "\",host=\"", 8);
        appendLabel(b, v->hosts[v->vms[i].host].name);
        bufPrintf(b, "\"} %.6f\n", v->vms[i].util);
    }
}

static void renderVmEnergy(const Daemon *d, Buf *b) {
    const CloudView *v = &d->cloud->view;
    family(b, "geyser_vm_energy_joules_total", "counter",
           "Energy attributed to a VM: the host's dynamic energy by CPU used, its idle energy by "
           "vCPUs.");
    for (int i = 0; i < v->nvms; i++) {
        bufAppend(b, "geyser_vm_energy_joules_total{vm=\"", 34);
        appendLabel(b, v->vms[i].name);
        bufAppend(b, "\",project=\"", 11);
        appendLabel(b, v->vms[i].project ? v->vms[i].project : "");
        bufPrintf(b, "\",source=\"estimated\"} %.3f\n", d->vmEnergyJ[i]);
    }
    family(b, "geyser_host_overhead_energy_joules_total", "counter",
           "Energy of a host that no VM caused (empty, booting, shutting down or off).");
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_host_overhead_energy_joules_total", 40);
        hostLabels(b, &v->hosts[i]);
        bufPrintf(b, "} %.3f\n", d->overheadJ[i]);
    }
}

static void renderController(const Daemon *d, Buf *b) {
    long migrations, shutdowns, boots;
    daemonCounts(d, &migrations, &shutdowns, &boots);
    family(b, "geyser_migrations_total", "counter", "Live migrations started.");
    bufPrintf(b, "geyser_migrations_total %ld\n", migrations);
    family(b, "geyser_host_shutdowns_total", "counter", "Hosts powered off.");
    bufPrintf(b, "geyser_host_shutdowns_total %ld\n", shutdowns);
    family(b, "geyser_host_boots_total", "counter", "Hosts powered on.");
    bufPrintf(b, "geyser_host_boots_total %ld\n", boots);
    family(b, "geyser_actions_refused_total", "counter", "Actions stopped by a safety rule.");
    bufPrintf(b, "geyser_actions_refused_total %ld\n", d->ctl->stats.refused);
    family(b, "geyser_controller_ticks_total", "counter", "Control intervals run.");
    bufPrintf(b, "geyser_controller_ticks_total %ld\n", d->ctl->stats.ticks);
    family(b, "geyser_baseline_power_watts", "gauge",
           "Power the cloud would draw without geyser (docs/api.md, the baseline).");
    bufPrintf(b, "geyser_baseline_power_watts %.3f\n", daemonBaselineW(d));
    if (d->real) {
        family(b, "geyser_cloud_read_errors_total", "counter",
               "Ticks that could not read the real cloud.");
        bufPrintf(b, "geyser_cloud_read_errors_total %ld\n", d->tickErrors);
        return;
    }
    family(b, "geyser_simulated_time_seconds", "gauge",
           "Simulated time of the embedded simulated cloud.");
    bufPrintf(b, "geyser_simulated_time_seconds %.1f\n", d->simTime);
}

void apiRenderMetrics(const Daemon *d, Buf *out) {
    renderHosts(d, out);
    renderVms(d, out);
    renderVmEnergy(d, out);
    renderController(d, out);
}

static int onMetrics(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    resp->contentType = "text/plain; version=0.0.4; charset=utf-8";
    apiRenderMetrics(arg, &resp->body);
    return 0;
}

static int sendJson(HttpResponse *resp, json_t *o) {
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (!text) return ERR("cannot encode the response as JSON");
    bufPrintf(&resp->body, "%s\n", text);
    free(text);
    return 0;
}

/* ---- the JSON API (docs/api.md) ---- */

#define J_PER_KWH       3.6e6
#define API_MAX_RANGE_S (31.0 * 86400) /* a query spans at most a month */
#define API_MAX_EVENTS  2000
#define API_MAX_SAMPLES 4000

static int badRequest(HttpResponse *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int badRequest(HttpResponse *resp, int status, const char *fmt, ...) {
    char why[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    httpJsonError(resp, status, why);
    return 1; /* handled: the caller returns 0 */
}

/* A time argument: seconds of the cloud's clock, "now" or "now-SECONDS". */
static int queryTime(const HttpRequest *req, const char *name, double now, double def, double *out,
                     HttpResponse *resp) {
    const char *v = httpQuery(req, name);
    if (!v) {
        *out = def;
        return 0;
    }
    double x;
    if (strcmp(v, "now") == 0) {
        *out = now;
        return 0;
    }
    if (strncmp(v, "now-", 4) == 0 && parseDouble(v + 4, &x) == 0 && x >= 0) {
        *out = now - x;
        return 0;
    }
    /* Ahead of now: a cap set for later, as forecasts and jobs take it. */
    if (strncmp(v, "now+", 4) == 0 && parseDouble(v + 4, &x) == 0 && x >= 0 && now + x < 1e12) {
        *out = now + x;
        return 0;
    }
    if (parseDouble(v, &x) == 0 && x >= 0 && x < 1e12) {
        *out = x;
        return 0;
    }
    return badRequest(resp, 400,
                      "%s: '%.60s' is not a time (seconds of the cloud's clock, 'now', "
                      "'now-SECONDS' or 'now+SECONDS')",
                      name, v);
}

/* from, to and step, validated; 1 when resp already holds the refusal. */
static int queryRange(const Daemon *d, const HttpRequest *req, double defSpan, double *from,
                      double *to, double *step, HttpResponse *resp) {
    double now = d->simTime;
    if (queryTime(req, "to", now, now, to, resp) ||
        queryTime(req, "from", now, *to - defSpan, from, resp))
        return 1;
    if (*from < 0) *from = 0;
    if (*to < *from)
        return badRequest(resp, 400, "'to' (%.0f) is before 'from' (%.0f)", *to, *from);
    if (*to - *from > API_MAX_RANGE_S)
        return badRequest(resp, 400, "the range spans %.0f s; at most %.0f s (31 days)",
                          *to - *from, API_MAX_RANGE_S);
    const char *sv = httpQuery(req, "step");
    double span = *to - *from;
    if (!sv) {
        *step = fmax(60, ceil(span / 600 / 60) * 60);
        if (span < 1800) *step = fmax(1, ceil(span / 300));
    } else if (parseDouble(sv, step) != 0 || *step < 1 || *step > API_MAX_RANGE_S) {
        return badRequest(resp, 400, "step: '%.60s' is not a number of seconds from 1 to %.0f", sv,
                          API_MAX_RANGE_S);
    }
    if (span / *step + 1 > HIST_MAX_POINTS)
        return badRequest(resp, 400,
                          "%.0f points requested; at most %d per query: use a larger step",
                          floor(span / *step) + 1, HIST_MAX_POINTS);
    return 0;
}

static int sendError(HttpResponse *resp, int handled) {
    (void)resp;
    return handled < 0 ? -1 : 0;
}

static json_t *numOrNull(double x) {
    return isfinite(x) ? json_real(x) : json_null();
}

static int findHost(const Daemon *d, const char *name, size_t len) {
    const CloudView *v = &d->cloud->view;
    for (int i = 0; i < v->nhosts; i++)
        if (strlen(v->hosts[i].name) == len && strncmp(v->hosts[i].name, name, len) == 0) return i;
    return -1;
}

static int findVm(const Daemon *d, const char *name, size_t len) {
    const CloudView *v = &d->cloud->view;
    for (int i = 0; i < v->nvms; i++)
        if (strlen(v->vms[i].name) == len && strncmp(v->vms[i].name, name, len) == 0) return i;
    return -1;
}

static json_t *hostJson(const Daemon *d, int i) {
    const Host *h = &d->cloud->view.hosts[i];
    const ServerType *t = h->type ? h->type : d->cfg.serverType;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:b, s:f, s:f, s:f, s:i, s:f, s:f, s:f}", "name", h->name,
        "server_type", t ? t->name : "", "model", t ? powerKindName(t->power.kind) : "", "state",
        hostStateName(h->state), "enabled", h->enabled, "power_w", h->powerW, "cpu_utilization",
        hostUtil(h), "energy_j", daemonHostEnergyJ(d, i), "vms", h->nvms, "capacity", h->capacity,
        "ram_mb", h->ramMb, "state_since_s", h->stateSince);
    /* Where the power figure comes from, and the power operations of a
     * real host (its actuator, the last operation and why it failed). */
    json_object_set_new(o, "power_source", json_string(daemonHostSource(d, i)));
    json_object_set_new(o, "power_meter", json_string(daemonHostMeter(d, i)));
    json_object_set_new(o, "disabled_by_geyser", json_boolean(h->disabledByGeyser));
    json_object_set_new(o, "failed", json_boolean(h->failed));
    json_object_set_new(o, "power_actuator", json_boolean(cloudHasPower(d->cloud, i)));
    json_object_set_new(o, "power_op", json_string(powerOpStateName(cloudPowerState(d->cloud, i))));
    const char *err = cloudPowerError(d->cloud, i);
    json_object_set_new(o, "power_error", err ? json_string(err) : json_null());
    return o;
}

static int onHosts(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    json_t *hosts = json_array();
    for (int i = 0; i < d->cloud->view.nhosts; i++)
        json_array_append_new(hosts, hostJson(d, i));
    return sendJson(resp, json_pack("{s:f, s:o}", "time_s", d->simTime, "hosts", hosts));
}

static json_t *seriesJson(const HistSeries *s) {
    json_t *t = json_array(), *p = json_array(), *u = json_array();
    for (size_t i = 0; i < s->n; i++) {
        json_array_append_new(t, json_real(s->t[i]));
        json_array_append_new(p, numOrNull(s->power[i]));
        json_array_append_new(u, numOrNull(s->util[i]));
    }
    return json_pack("{s:o, s:o, s:o, s:i}", "t", t, "power_w", p, "cpu_utilization", u,
                     "resolution_s", s->resolutionS);
}

static json_t *eventJson(const Daemon *d, const HistEvent *e) {
    const CloudView *v = &d->cloud->view;
    json_t *o = json_pack("{s:f, s:s, s:s}", "t", e->t, "type", histEventTypeName(e->type),
                          "reason", e->reason);
    json_object_set_new(o, "host",
                        e->host >= 0 && e->host < v->nhosts ? json_string(v->hosts[e->host].name)
                                                            : json_null());
    if (e->type == EV_REPLAN && e->job >= 0 && e->job < d->energy->njobs) {
        json_object_set_new(o, "job", json_string(d->energy->jobs[e->job].job.name));
        json_object_set_new(o, "previous_start_s", json_real(e->fromS));
        json_object_set_new(o, "new_start_s", json_real(e->toS));
    }
    if (e->type == EV_MIGRATION) {
        json_object_set_new(o, "vm", json_string(v->vms[e->vm].name));
        json_object_set_new(o, "target", json_string(v->hosts[e->target].name));
        json_object_set_new(o, "mode", json_string(migrationModeName((MigrationMode)e->mode)));
        json_object_set_new(o, "duration_s", json_real(e->durationS));
    }
    return o;
}

static json_t *eventsJson(const Daemon *d, double from, double to, int host, const char *type,
                          size_t limit) {
    HistEvent *ev = xmalloc(API_MAX_EVENTS * sizeof(HistEvent));
    size_t n = histEvents(d->hist, from, to, host, ev, API_MAX_EVENTS);
    json_t *a = json_array();
    for (size_t i = 0; i < n && json_array_size(a) < limit; i++)
        if (!type || strcmp(type, histEventTypeName(ev[i].type)) == 0)
            json_array_append_new(a, eventJson(d, &ev[i]));
    free(ev);
    return a;
}

/* /api/v1/hosts/NAME and /api/v1/hosts/NAME/series */
static int onHost(void *arg, const HttpRequest *req, HttpResponse *resp) {
    const Daemon *d = arg;
    const char *slash = strchr(req->rest, '/');
    size_t len = slash ? (size_t)(slash - req->rest) : strlen(req->rest);
    int h = findHost(d, req->rest, len);
    if (h < 0)
        return sendError(resp, badRequest(resp, 404, "no such host: '%.*s'",
                                          (int)(len > 100 ? 100 : len), req->rest));
    if (!slash) {
        json_t *o = hostJson(d, h);
        json_t *vms = json_array();
        const CloudView *v = &d->cloud->view;
        for (int i = 0; i < v->nvms; i++)
            if (v->vms[i].host == h)
                json_array_append_new(vms, json_pack("{s:s, s:f, s:f}", "name", v->vms[i].name,
                                                     "cpu_utilization", v->vms[i].util, "energy_j",
                                                     d->vmEnergyJ[i]));
        json_object_set_new(o, "vm_list", vms);
        return sendJson(resp, o);
    }
    double from, to, step;
    if (strcmp(slash, "/series") == 0) {
        if (queryRange(d, req, 3600, &from, &to, &step, resp)) return 0;
        HistSeries s;
        if (histQuery(d->hist, HIST_HOST, h, from, to, step, &s) != 0)
            return sendError(resp, badRequest(resp, 400, "%s", errLast()));
        json_t *o = seriesJson(&s);
        histSeriesFree(&s);
        json_object_set_new(o, "host", json_string(d->cloud->view.hosts[h].name));
        json_object_set_new(o, "from", json_real(from));
        json_object_set_new(o, "to", json_real(to));
        json_object_set_new(o, "step", json_real(step));
        json_object_set_new(o, "events", eventsJson(d, from, to, h, NULL, API_MAX_EVENTS));
        return sendJson(resp, o);
    }
    return sendError(resp, badRequest(resp, 404, "no such resource: %.200s", req->path));
}

/* /api/v1/vms/NAME/series */
static int onVm(void *arg, const HttpRequest *req, HttpResponse *resp) {
    const Daemon *d = arg;
    const char *slash = strchr(req->rest, '/');
    size_t len = slash ? (size_t)(slash - req->rest) : strlen(req->rest);
    int vm = findVm(d, req->rest, len);
    if (vm < 0)
        return sendError(resp, badRequest(resp, 404, "no such VM: '%.*s'",
                                          (int)(len > 100 ? 100 : len), req->rest));
    if (!slash || strcmp(slash, "/series") != 0)
        return sendError(resp, badRequest(resp, 404, "no such resource: %.200s (try %s/series)",
                                          req->path, req->path));
    double from, to, step;
    if (queryRange(d, req, 3600, &from, &to, &step, resp)) return 0;
    HistSeries s;
    if (histQuery(d->hist, HIST_VM, vm, from, to, step, &s) != 0)
        return sendError(resp, badRequest(resp, 400, "%s", errLast()));
    json_t *o = seriesJson(&s);
    histSeriesFree(&s);
    const Vm *v = &d->cloud->view.vms[vm];
    json_object_set_new(o, "vm", json_string(v->name));
    json_object_set_new(o, "host", json_string(d->cloud->view.hosts[v->host].name));
    json_object_set_new(o, "from", json_real(from));
    json_object_set_new(o, "to", json_real(to));
    json_object_set_new(o, "step", json_real(step));
    return sendJson(resp, o);
}

/* /api/v1/series: the whole cloud's power, baseline power and hosts on. */
static int onSeries(void *arg, const HttpRequest *req, HttpResponse *resp) {
    const Daemon *d = arg;
    double from, to, step;
    if (queryRange(d, req, 86400, &from, &to, &step, resp)) return 0;
    HistSeries s;
    if (histQuery(d->hist, HIST_CLOUD, 0, from, to, step, &s) != 0)
        return sendError(resp, badRequest(resp, 400, "%s", errLast()));
    json_t *t = json_array(), *p = json_array(), *b = json_array(), *on = json_array();
    for (size_t i = 0; i < s.n; i++) {
        json_array_append_new(t, json_real(s.t[i]));
        json_array_append_new(p, numOrNull(s.power[i]));
        json_array_append_new(b, numOrNull(s.baseline[i]));
        json_array_append_new(on, numOrNull(s.util[i]));
    }
    int res = s.resolutionS;
    histSeriesFree(&s);
    return sendJson(resp, json_pack("{s:f, s:f, s:f, s:i, s:o, s:o, s:o, s:o}", "from", from, "to",
                                    to, "step", step, "resolution_s", res, "t", t, "power_w", p,
                                    "baseline_power_w", b, "hosts_on", on));
}

/* Numbers written straight into the body: a day of one-minute data for a
 * thousand hosts is 1.4 million values, too many for a JSON tree (and for
 * printf: fixed-point formatting is what keeps this endpoint fast). */
static void appendNums(Buf *b, const double *x, size_t n, int decimals) {
    bufAppend(b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i) bufAppend(b, ",", 1);
        bufAppendFixed(b, x[i], decimals);
    }
    bufAppend(b, "]", 1);
}

/* ---- /api/v1/hosts-series?format=u16: the same data, quantized binary ----
 *
 * A day of one-minute data for 1000 hosts is 10.7 MB of JSON, and the
 * browser spends most of a second receiving, decoding and parsing it. As
 * 16-bit integers it is 5.8 MB that the page reads in place (typed-array
 * views, no parse). Layout (docs/api.md): "GHS1", a little-endian uint32
 * header length, a JSON header padded with spaces to a multiple of 4 bytes,
 * then per host n power values and n utilization values as little-endian
 * uint16; 65535 is a gap. Power is quantized over the host's own range
 * (w = power_min + q * power_scale: finer than 0.01 W for any range under
 * 650 W), utilization over 0..1 (q / 65534). */
#define HS_GAP  65535u
#define HS_QMAX 65534.0

static void putU16(unsigned char *p, unsigned v) {
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static unsigned quantize(double x, double lo, double scale) {
    if (!isfinite(x)) return HS_GAP;
    double q = scale > 0 ? (x - lo) / scale : 0;
    q = q < 0 ? 0 : q > HS_QMAX ? HS_QMAX : q;
    return (unsigned)lround(q);
}

static int hostsSeriesU16(const Daemon *d, double from, double to, double step,
                          HttpResponse *resp) {
    const CloudView *v = &d->cloud->view;
    unsigned char *data = NULL;
    size_t n = 0;
    int res = 0;
    json_t *names = json_array(), *pmin = json_array(), *pscale = json_array(), *t = json_array();
    json_t *idle = json_array(); /* the model's idle power: below it a host is not on */
    for (int h = 0; h < v->nhosts; h++) {
        HistSeries s;
        if (histQuery(d->hist, HIST_HOST, h, from, to, step, &s) != 0) {
            free(data);
            json_decref(names), json_decref(pmin), json_decref(pscale), json_decref(t);
            json_decref(idle);
            return sendError(resp, badRequest(resp, 400, "%s", errLast()));
        }
        if (h == 0) { /* every host has the same buckets */
            n = s.n;
            res = s.resolutionS;
            data = xmalloc(n * 4 * (size_t)v->nhosts + 1);
            for (size_t i = 0; i < n; i++)
                json_array_append_new(t, json_real(s.t[i]));
        }
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++)
            if (isfinite(s.power[i])) lo = fmin(lo, s.power[i]), hi = fmax(hi, s.power[i]);
        if (!(lo <= hi)) lo = hi = 0;
        double scale = (hi - lo) / HS_QMAX;
        unsigned char *p = data + (size_t)h * n * 4, *u = p + n * 2;
        for (size_t i = 0; i < n; i++) {
            putU16(p + 2 * i, quantize(s.power[i], lo, scale));
            putU16(u + 2 * i, quantize(s.util[i], 0, 1 / HS_QMAX));
        }
        json_array_append_new(names, json_string(v->hosts[h].name));
        json_array_append_new(pmin, json_real(lo));
        json_array_append_new(pscale, json_real(scale));
        json_array_append_new(idle, json_real(v->hosts[h].type->power.idleW));
        histSeriesFree(&s);
    }
    json_t *head =
        json_pack("{s:f, s:f, s:f, s:i, s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "from", from, "to", to,
                  "step", step, "resolution_s", res, "n", (json_int_t)n, "format", "u16", "t", t,
                  "hosts", names, "power_min", pmin, "power_scale", pscale, "idle_w", idle);
    char *js = json_dumps(head, JSON_COMPACT);
    json_decref(head);
    if (!js) {
        free(data);
        return ERR("hosts-series: cannot encode the header");
    }
    size_t hl = strlen(js), padded = (hl + 3) / 4 * 4;
    unsigned char len[4] = {(unsigned char)(padded & 0xff), (unsigned char)((padded >> 8) & 0xff),
                            (unsigned char)((padded >> 16) & 0xff), (unsigned char)(padded >> 24)};
    Buf *b = &resp->body;
    bufAppend(b, "GHS1", 4);
    bufAppend(b, (const char *)len, 4);
    bufAppend(b, js, hl);
    bufAppend(b, "   ", padded - hl);
    free(js);
    if (data) bufAppend(b, (const char *)data, n * 4 * (size_t)v->nhosts);
    free(data);
    resp->contentType = "application/octet-stream";
    return 0;
}

/* /api/v1/hosts-series: every host's power and utilization over one range
 * in one answer, for the dashboard's fleet views and bulk export. */
static int onHostsSeries(void *arg, const HttpRequest *req, HttpResponse *resp) {
    const Daemon *d = arg;
    double from, to, step;
    if (queryRange(d, req, 3600, &from, &to, &step, resp)) return 0;
    const char *format = httpQuery(req, "format");
    if (format && strcmp(format, "u16") == 0) return hostsSeriesU16(d, from, to, step, resp);
    if (format && strcmp(format, "json") != 0)
        return sendError(resp, badRequest(resp, 400, "format: '%.40s' is not json or u16", format));
    const CloudView *v = &d->cloud->view;
    Buf *b = &resp->body;
    for (int h = 0; h < v->nhosts; h++) {
        HistSeries s;
        if (histQuery(d->hist, HIST_HOST, h, from, to, step, &s) != 0) {
            bufFree(b);
            return sendError(resp, badRequest(resp, 400, "%s", errLast()));
        }
        if (h == 0) {
            bufPrintf(b, "{\"from\":%.10g,\"to\":%.10g,\"step\":%.10g,\"resolution_s\":%d,\"t\":",
                      from, to, step, s.resolutionS);
            bufAppend(b, "[", 1);
            for (size_t i = 0; i < s.n; i++)
                bufPrintf(b, "%s%.10g", i ? "," : "", s.t[i]);
            bufAppend(b, "],\"hosts\":[", 11);
        }
        json_t *js = json_string(v->hosts[h].name);
        char *name = json_dumps(js, JSON_ENCODE_ANY);
        json_decref(js);
        bufPrintf(b, "%s{\"name\":%s,\"power_w\":", h ? "," : "", name ? name : "\"\"");
        free(name);
        appendNums(b, s.power, s.n, 2); /* 0.01 W */
        bufAppend(b, ",\"cpu_utilization\":", 19);
        appendNums(b, s.util, s.n, 5); /* 0.001 % */
        bufAppend(b, "}", 1);
        histSeriesFree(&s);
    }
    if (v->nhosts == 0) bufPrintf(b, "{\"t\":[],\"hosts\":[");
    bufAppend(b, "]}\n", 3);
    return 0;
}

static json_t *energyJson(const Daemon *d, double from, double to) {
    double e0, b0, e1, b1;
    histEnergyAt(d->hist, from, &e0, &b0);
    histEnergyAt(d->hist, to, &e1, &b1);
    double e = (e1 - e0) / J_PER_KWH, b = (b1 - b0) / J_PER_KWH;
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:o}", "from", from, "to", to, "energy_kwh", e,
                     "baseline_kwh", b, "saving_kwh", b - e, "saving_pct",
                     b > 0 ? json_real(100 * (1 - e / b)) : json_null());
}

static int onEnergy(void *arg, const HttpRequest *req, HttpResponse *resp) {
    const Daemon *d = arg;
    double from, to, step;
    if (queryRange(d, req, 86400, &from, &to, &step, resp)) return 0;
    return sendJson(resp, energyJson(d, from, to));
}

static int onEvents(void *arg, const HttpRequest *req, HttpResponse *resp) {
    const Daemon *d = arg;
    double from, to, step;
    if (queryRange(d, req, 3600, &from, &to, &step, resp)) return 0;
    int host = -1;
    const char *hv = httpQuery(req, "host");
    if (hv && (host = findHost(d, hv, strlen(hv))) < 0)
        return sendError(resp, badRequest(resp, 404, "no such host: '%.100s'", hv));
    const char *type = httpQuery(req, "type");
    if (type) {
        bool known = false;
        for (int k = EV_MIGRATION; k <= EV_REPLAN; k++)
            known |= strcmp(type, histEventTypeName((HistEventType)k)) == 0;
        if (!known)
            return sendError(resp,
                             badRequest(resp, 400,
                                        "type: '%.60s' is not one of migration, power_on, "
                                        "power_off, refused, failed, overload, recovered, replan",
                                        type));
    }
    long limit = 200;
    const char *lv = httpQuery(req, "limit");
    if (lv && (parseLong(lv, &limit) != 0 || limit < 1 || limit > API_MAX_EVENTS))
        return sendError(resp,
                         badRequest(resp, 400, "limit: '%.60s' is not a whole number from 1 to %d",
                                    lv, API_MAX_EVENTS));
    return sendJson(resp, json_pack("{s:f, s:f, s:o}", "from", from, "to", to, "events",
                                    eventsJson(d, from, to, host, type, (size_t)limit)));
}

static json_t *actionEstimateJson(const Action *a, const ActionEstimate *e) {
    if (a->type == ACT_MIGRATE)
        return json_pack("{s:s, s:f, s:f, s:f, s:f, s:b}", "mode", migrationModeName(e->mode),
                         "time_s", e->timeS, "downtime_ms", e->downtimeMs, "data_mb", e->dataMb,
                         "energy_j", e->energyJ, "converges", e->converges);
    if (a->type == ACT_ENABLE) return json_object();
    return json_pack("{s:f}", "saving_w", e->savingW);
}

static json_t *actionJson(const CloudView *v, const Action *a, const ActionEstimate *e) {
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", actionTypeName(a->type), "host",
                          v->hosts[a->host].name, "reason", a->reason, "outcome",
                          actionOutcomeName(a->outcome));
    if (a->type == ACT_MIGRATE) {
        json_object_set_new(o, "vm", json_string(v->vms[a->vm].name));
        json_object_set_new(o, "target", json_string(v->hosts[a->target].name));
        json_object_set_new(o, "mode", json_string(migrationModeName(a->mode)));
    }
    if (a->detail[0]) json_object_set_new(o, "detail", json_string(a->detail));
    json_object_set_new(o, "estimate", actionEstimateJson(a, e));
    return o;
}

/* What the plan is expected to save and what its moves cost
 * (planestimate.h), so that an operator approving it can weigh the two. */
static json_t *planEstimateJson(const PlanEstimate *e) {
    return json_pack("{s:f, s:f, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:o}", "saving_w", e->savingW,
                     "saving_kwh_per_day", e->savingW * 86400 / J_PER_KWH, "hosts_emptied",
                     e->hostsEmptied, "hosts_woken", e->hostsWoken, "migrations", e->migrations,
                     "migration_s", e->migrationS, "migration_data_mb", e->dataMb,
                     "migration_energy_j", e->energyJ, "max_downtime_ms", e->maxDowntimeMs,
                     "payback_s", e->paybackS >= 0 ? json_real(e->paybackS) : json_null());
}

static int onPlan(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    const Plan *plan = &d->ctl->plan;
    ActionEstimate *per = xcalloc(plan->n + 1, sizeof(*per));
    PlanEstimate est;
    planEstimate(&d->cloud->view, plan, d->migrationMBps, &est, per);
    json_t *actions = json_array();
    for (size_t i = 0; i < plan->n; i++)
        json_array_append_new(actions, actionJson(&d->cloud->view, &plan->actions[i], &per[i]));
    free(per);
    return sendJson(resp, json_pack("{s:I, s:b, s:s, s:s, s:f, s:f, s:f, s:o, s:o}", "id",
                                    (json_int_t)plan->id, "waiting", daemonPlanWaiting(d), "mode",
                                    daemonModeName(d->cfg.mode), "policy", d->ctl->policy->spec,
                                    "time_s", d->simTime, "planned_at_s", d->planAtS,
                                    "next_control_s", d->nextControl, "estimate",
                                    planEstimateJson(&est), "actions", actions));
}

static json_t *modelJson(const Daemon *d, const ServerType *t) {
    const CloudView *v = &d->cloud->view;
    uint8_t *pick = xcalloc((size_t)v->nhosts + 1, 1);
    int count = 0;
    for (int i = 0; i < v->nhosts; i++)
        if (v->hosts[i].type == t) pick[i] = 1, count++;
    double *u = xmalloc(API_MAX_SAMPLES * sizeof(double));
    double *p = xmalloc(API_MAX_SAMPLES * sizeof(double));
    size_t n = histHostSamples(d->hist, pick, u, p, API_MAX_SAMPLES);
    json_t *su = json_array(), *sp = json_array(), *curve = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(su, json_real(u[i]));
        json_array_append_new(sp, json_real(p[i]));
    }
    for (int k = 0; k <= 20; k++)
        json_array_append_new(curve, json_pack("[f, f]", k / 20.0, powerAt(&t->power, k / 20.0)));
    free(pick);
    free(u);
    free(p);
    /* Fit quality comes with `geyser fit`: present, null until measured
     * samples have been fitted. */
    json_t *fit = json_pack("{s:n, s:n, s:n, s:n}", "r2", "rmse_w", "samples", "fitted_at");
    return json_pack("{s:s, s:s, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:i, s:o, s:o, s:o, "
                     "s:o}",
                     "server_type", t->name, "kind", powerKindName(t->power.kind), "cores",
                     t->cores, "core_mips", t->coreMips, "ram_mb", t->ramMb, "idle_w",
                     t->power.idleW, "max_w", t->power.maxW, "off_w", t->offW, "boot_s", t->bootS,
                     "source", t->source, "hosts", count, "curve", curve, "fit", fit,
                     "samples_util", su, "samples_power_w", sp);
}

static int onModels(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    const CloudView *v = &d->cloud->view;
    json_t *models = json_array();
    const ServerType **seen = xcalloc((size_t)v->nhosts + 1, sizeof(*seen));
    size_t nseen = 0;
    for (int i = 0; i < v->nhosts; i++) {
        const ServerType *t = v->hosts[i].type;
        bool dup = !t;
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = seen[k] == t;
        if (dup) continue;
        seen[nseen++] = t;
        json_array_append_new(models, modelJson(d, t));
    }
    free(seen);
    return sendJson(resp, json_pack("{s:o}", "models", models));
}

static int onStatus(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    const CloudView *v = &d->cloud->view;
    long migrations, shutdowns, boots;
    daemonCounts(d, &migrations, &shutdowns, &boots);
    int on = 0, off = 0, booting = 0, shutting = 0;
    double powerW = 0;
    for (int i = 0; i < v->nhosts; i++) {
        on += v->hosts[i].state == HOST_ON;
        off += v->hosts[i].state == HOST_OFF;
        booting += v->hosts[i].state == HOST_BOOTING;
        shutting += v->hosts[i].state == HOST_SHUTTING_DOWN;
        powerW += v->hosts[i].powerW;
    }
    double baseW = daemonBaselineW(d);
    json_t *lastHour =
        eventsJson(d, d->simTime - 3600, d->simTime, -1, "migration", API_MAX_EVENTS);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:I, "
        "s:i}",
        "scenario", daemonCloudName(d), "mode", daemonModeName(d->cfg.mode), "policy",
        d->ctl->policy->spec, "time_s", d->simTime, "speed", d->cfg.speed, "power_w", powerW,
        "baseline_power_w", baseW, "energy_kwh", daemonEnergyJ(d) / J_PER_KWH, "hosts", v->nhosts,
        "hosts_on", on, "hosts_off", off, "hosts_booting", booting, "hosts_shutting_down", shutting,
        "vms", v->nvms, "migrations", (json_int_t)migrations, "host_shutdowns",
        (json_int_t)shutdowns, "history_bytes", (json_int_t)histBytes(d->hist),
        "migrations_last_hour", (int)json_array_size(lastHour));
    json_decref(lastHour);
    json_object_set_new(o, "baseline_kwh", json_real(daemonBaselineJ(d) / J_PER_KWH));
    /* The cloud it drives: "simulated", or the real backend with its
     * control interval and whether the last tick could read it. */
    json_object_set_new(o, "cloud", json_string(d->real ? d->cloud->drv->name : "simulated"));
    json_object_set_new(o, "interval_s", json_real(d->intervalS));
    json_object_set_new(o, "tick_errors", json_integer(d->tickErrors));
    json_object_set_new(o, "last_error", d->lastError[0] ? json_string(d->lastError) : json_null());
    /* "Today": the current simulated day, from its midnight. */
    double midnight = floor(d->simTime / 86400) * 86400;
    json_object_set_new(o, "today", energyJson(d, midnight, d->simTime));
    json_object_set_new(o, "history_from_s", json_real(histOldest(d->hist)));
    return sendJson(resp, o);
}

/* POST /api/v1/mode?mode=observe|manual|auto; the bearer token guards it
 * (http.c), as it does the plan's approval (api_plan.c). */
static int onMode(void *arg, const HttpRequest *req, HttpResponse *resp) {
    Daemon *d = arg;
    const char *m = httpQuery(req, "mode");
    DaemonMode mode;
    if (!m)
        return sendError(resp, badRequest(resp, 400, "mode: missing (observe, manual or auto)"));
    if (daemonParseMode(m, &mode) != 0)
        return sendError(resp, badRequest(resp, 400, "mode: %s", errLast()));
    d->cfg.mode = mode;
    return sendJson(resp, json_pack("{s:s}", "mode", daemonModeName(mode)));
}

/* ---- the energy supply (src/daemon/energyhook.h) ---- */

static int onSignals(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    return sendJson(resp, energyHookSignalsJson(d->energy, d->simTime));
}

/* POST /api/v1/signals?kind=price&unit=eur_per_mwh&value=42.5[&at=now-300] */
static int onSignalPush(void *arg, const HttpRequest *req, HttpResponse *resp) {
    Daemon *d = arg;
    if (energyHookPush(d->energy, httpQuery(req, "kind"), httpQuery(req, "unit"),
                       httpQuery(req, "value"), httpQuery(req, "at"), d->simTime) != 0)
        return sendError(resp, badRequest(resp, 400, "signal refused: %s", errLast()));
    return sendJson(resp, energyHookSignalsJson(d->energy, d->simTime));
}

static int onJobs(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    return sendJson(resp, energyHookJobsJson(d->energy, d->simTime));
}

/* POST /api/v1/jobs?name=N&duration_s=S&deadline=T|now+S&power_kw=K[&cpu=C][&release=T] */
static int onJobAdd(void *arg, const HttpRequest *req, HttpResponse *resp) {
    Daemon *d = arg;
    HookJobForm f = {.name = httpQuery(req, "name"),
                     .release = httpQuery(req, "release"),
                     .deadline = httpQuery(req, "deadline"),
                     .duration = httpQuery(req, "duration_s"),
                     .powerKw = httpQuery(req, "power_kw"),
                     .cpu = httpQuery(req, "cpu")};
    int status = 400;
    if (energyHookSubmit(d->energy, &f, d->simTime, &status) != 0)
        return sendError(resp, badRequest(resp, status, "job refused: %s", errLast()));
    resp->status = 201;
    return sendJson(resp, energyHookJobsJson(d->energy, d->simTime));
}

/* POST /api/v1/signals/forecast?kind=price&unit=eur_per_mwh&points=T:V,T:V,... */
static int onForecastPush(void *arg, const HttpRequest *req, HttpResponse *resp) {
    Daemon *d = arg;
    if (energyHookForecast(d->energy, httpQuery(req, "kind"), httpQuery(req, "unit"),
                           httpQuery(req, "points"), d->simTime) != 0)
        return sendError(resp, badRequest(resp, 400, "forecast refused: %s", errLast()));
    return sendJson(resp, energyHookSignalsJson(d->energy, d->simTime));
}

static int onCaps(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    return sendJson(resp, energyHookCapsJson(d->energy, d->simTime));
}

/* POST /api/v1/caps?cap_kw=40[&start=now][&end=SECONDS | &duration_s=3600][&source=grid] */
static int onCapSet(void *arg, const HttpRequest *req, HttpResponse *resp) {
    Daemon *d = arg;
    const char *kw = httpQuery(req, "cap_kw"), *dur = httpQuery(req, "duration_s");
    double cap, start, end, span = 3600;
    if (!kw || parseDouble(kw, &cap) != 0)
        return sendError(resp, badRequest(resp, 400, "cap_kw: missing or not a number"));
    if (queryTime(req, "start", d->simTime, d->simTime, &start, resp) != 0) return 0;
    if (dur && (parseDouble(dur, &span) != 0 || !(span > 0)))
        return sendError(resp, badRequest(resp, 400, "duration_s: not a positive number"));
    if (queryTime(req, "end", d->simTime, start + span, &end, resp) != 0) return 0;
    if (energyHookAddCap(d->energy, start, end, cap, httpQuery(req, "source")) != 0)
        return sendError(resp, badRequest(resp, 400, "cap refused: %s", errLast()));
    return sendJson(resp, energyHookCapsJson(d->energy, d->simTime));
}

static int onHealth(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg, (void)req;
    resp->contentType = "text/plain; charset=utf-8";
    bufPrintf(&resp->body, "ok\n");
    return 0;
}

static int onApiIndex(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg, (void)req;
    json_t *r = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "/api/v1/status",
        "the cloud at a glance", "/api/v1/hosts", "every host: state, power, utilization, type",
        "/api/v1/hosts/NAME", "one host and its VMs", "/api/v1/hosts/NAME/series",
        "power and utilization over time (from, to, step)", "/api/v1/hosts-series",
        "every host's power and utilization over one range", "/api/v1/vms/NAME/series",
        "a VM's utilization and attributed power over time", "/api/v1/series",
        "the cloud's power, baseline power and hosts on over time", "/api/v1/energy",
        "energy and saving against the no-management baseline (from, to)", "/api/v1/events",
        "migrations, power changes, threshold crossings (from, to, host, type, limit)",
        "/api/v1/plan", "the controller's current plan and its reasons", "/api/v1/models",
        "power models per server type with recent samples", "POST /api/v1/mode",
        "switch observe/manual/auto (bearer token)", "/metrics", "Prometheus exposition");
    json_object_set_new(r, "POST /api/v1/plan/ID/apply",
                        json_string("manual mode: execute the waiting plan ID (bearer token)"));
    json_object_set_new(r, "POST /api/v1/plan/ID/discard",
                        json_string("manual mode: drop the waiting plan ID (bearer token)"));
    json_object_set_new(r, "/api/v1/audit",
                        json_string("intents and outcomes of every action (plan, limit)"));
    json_object_set_new(r, "/api/v1/signals",
                        json_string("price, carbon, renewable: live values, staleness, forecast"));
    json_object_set_new(r, "POST /api/v1/signals",
                        json_string("push a value: kind, unit, value, at (bearer token)"));
    json_object_set_new(r, "POST /api/v1/signals/forecast",
                        json_string("push a forecast: kind, unit, points=T:V,... (bearer token)"));
    json_object_set_new(r, "/api/v1/jobs", json_string("the deferrable jobs and their plan"));
    json_object_set_new(
        r, "POST /api/v1/jobs",
        json_string("admit a deferrable job: name, duration_s, deadline, power_kw, cpu, release "
                    "(bearer token)"));
    json_object_set_new(r, "/api/v1/caps",
                        json_string("demand-response caps: active, met, how fast"));
    json_object_set_new(r, "POST /api/v1/caps",
                        json_string("set a cap: cap_kw, start, end or duration_s (bearer token)"));
    return sendJson(resp, json_pack("{s:s, s:o}", "api", "geyser v1", "resources", r));
}

/* The dashboard: files from web/, compiled into the binary. */
static int onAsset(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg;
    static const struct {
        const char *path, *file, *type;
    } assets[] = {{"/", "index.html", "text/html; charset=utf-8"},
                  {"/assets/app.js", "app.js", "text/javascript; charset=utf-8"},
                  {"/assets/app.css", "app.css", "text/css; charset=utf-8"},
                  {"/assets/uplot.js", "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
                  {"/assets/uplot.css", "uPlot.min.css", "text/css; charset=utf-8"}};
    for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
        if (strcmp(req->path, assets[i].path) != 0) continue;
        const char *data = embeddedFind(assets[i].file);
        if (!data)
            return ERR("the dashboard file %s was not embedded at build time", assets[i].file);
        resp->contentType = assets[i].type;
        resp->cacheControl = "no-cache";
        bufAppend(&resp->body, data, strlen(data));
        return 0;
    }
    return sendError(resp, badRequest(resp, 404, "no such resource: %.200s", req->path));
}

int apiRegister(Daemon *d) {
    struct {
        const char *method, *path;
        HttpHandler fn;
    } routes[] = {{"GET", "/metrics", onMetrics},
                  {"GET", "/api/v1/", onApiIndex},
                  {"GET", "/api/v1", onApiIndex},
                  {"GET", "/api/v1/status", onStatus},
                  {"GET", "/api/v1/hosts", onHosts},
                  {"GET", "/api/v1/hosts/*", onHost},
                  {"GET", "/api/v1/vms/*", onVm},
                  {"GET", "/api/v1/series", onSeries},
                  {"GET", "/api/v1/hosts-series", onHostsSeries},
                  {"GET", "/api/v1/energy", onEnergy},
                  {"GET", "/api/v1/events", onEvents},
                  {"GET", "/api/v1/plan", onPlan},
                  {"GET", "/api/v1/models", onModels},
                  {"POST", "/api/v1/mode", onMode},
                  {"GET", "/api/v1/signals", onSignals},
                  {"POST", "/api/v1/signals", onSignalPush},
                  {"POST", "/api/v1/signals/forecast", onForecastPush},
                  {"GET", "/api/v1/jobs", onJobs},
                  {"POST", "/api/v1/jobs", onJobAdd},
                  {"GET", "/api/v1/caps", onCaps},
                  {"POST", "/api/v1/caps", onCapSet},
                  {"GET", "/healthz", onHealth},
                  {"GET", "/", onAsset},
                  {"GET", "/assets/*", onAsset}};
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (httpRoute(d->http, routes[i].method, routes[i].path, routes[i].fn, d) != 0) return -1;
    return apiPlanRegister(d);
}
