/* api.c - what the daemon answers over HTTP.
 *
 * /metrics follows Prometheus' naming conventions: base units (watts,
 * joules, ratios), _total for counters, one metric family per quantity with
 * labels for host, server type, meter and whether a value is measured or
 * estimated (modelled). */
#include "api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "err.h"
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

static void renderHosts(const Daemon *d, Buf *b) {
    const CloudView *v = &d->cloud->view;
    family(b, "geyser_host_power_watts", "gauge", "Present power draw of a host.");
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_host_power_watts", 23);
        hostLabels(b, &v->hosts[i]);
        bufPrintf(b, ",meter=\"sim\",source=\"estimated\"} %.3f\n", v->hosts[i].powerW);
    }
    family(b, "geyser_host_energy_joules_total", "counter", "Energy used by a host.");
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_host_energy_joules_total", 31);
        hostLabels(b, &v->hosts[i]);
        bufPrintf(b, ",meter=\"sim\",source=\"estimated\"} %.3f\n", simHostEnergy(d->cloud, i));
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
    for (int i = 0; i < v->nhosts; i++) {
        bufAppend(b, "geyser_meter_up", 15);
        hostLabels(b, &v->hosts[i]);
        bufAppend(b, ",meter=\"sim\"} 1\n", 16);
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
        bufAppend(b, "geyser_vm_energy_joules_total{vm=\"", 35);
        appendLabel(b, v->vms[i].name);
        bufAppend(b, "\",project=\"", 12);
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
    const SimTotals *t = simTotals(d->cloud);
    family(b, "geyser_migrations_total", "counter", "Live migrations started.");
    bufPrintf(b, "geyser_migrations_total %ld\n", t->migrationsStarted);
    family(b, "geyser_host_shutdowns_total", "counter", "Hosts powered off.");
    bufPrintf(b, "geyser_host_shutdowns_total %ld\n", t->shutdowns);
    family(b, "geyser_host_boots_total", "counter", "Hosts powered on.");
    bufPrintf(b, "geyser_host_boots_total %ld\n", t->boots);
    family(b, "geyser_actions_refused_total", "counter", "Actions stopped by a safety rule.");
    bufPrintf(b, "geyser_actions_refused_total %ld\n", d->ctl->stats.refused);
    family(b, "geyser_controller_ticks_total", "counter", "Control intervals run.");
    bufPrintf(b, "geyser_controller_ticks_total %ld\n", d->ctl->stats.ticks);
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
    char *text = json_dumps(o, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (!text) return ERR("cannot encode the response as JSON");
    bufPrintf(&resp->body, "%s\n", text);
    free(text);
    return 0;
}

static int onHosts(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    const CloudView *v = &d->cloud->view;
    json_t *hosts = json_array();
    for (int i = 0; i < v->nhosts; i++) {
        const Host *h = &v->hosts[i];
        json_array_append_new(
            hosts, json_pack("{s:s, s:s, s:s, s:b, s:f, s:f, s:f, s:i, s:f}", "name", h->name,
                             "server_type", h->type ? h->type->name : "", "state",
                             hostStateName(h->state), "enabled", h->enabled, "power_w", h->powerW,
                             "cpu_utilization", hostUtil(h), "energy_j", simHostEnergy(d->cloud, i),
                             "vms", h->nvms, "capacity", h->capacity));
    }
    return sendJson(resp, json_pack("{s:f, s:o}", "time_s", d->simTime, "hosts", hosts));
}

static json_t *actionJson(const CloudView *v, const Action *a) {
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", actionTypeName(a->type), "host",
                          v->hosts[a->host].name, "reason", a->reason, "outcome",
                          actionOutcomeName(a->outcome));
    if (a->type == ACT_MIGRATE) {
        json_object_set_new(o, "vm", json_string(v->vms[a->vm].name));
        json_object_set_new(o, "target", json_string(v->hosts[a->target].name));
        json_object_set_new(o, "mode", json_string(migrationModeName(a->mode)));
    }
    if (a->detail[0]) json_object_set_new(o, "detail", json_string(a->detail));
    return o;
}

static int onPlan(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    json_t *actions = json_array();
    for (size_t i = 0; i < d->ctl->plan.n; i++)
        json_array_append_new(actions, actionJson(&d->cloud->view, &d->ctl->plan.actions[i]));
    return sendJson(resp, json_pack("{s:s, s:s, s:o}", "mode", daemonModeName(d->cfg.mode),
                                    "policy", d->ctl->policy->spec, "actions", actions));
}

static int onStatus(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)req;
    const Daemon *d = arg;
    const SimTotals *t = simTotals(d->cloud);
    int on = 0;
    for (int i = 0; i < d->cloud->view.nhosts; i++)
        on += d->cloud->view.hosts[i].state == HOST_ON;
    return sendJson(
        resp, json_pack("{s:s, s:s, s:f, s:f, s:i, s:i, s:i, s:I, s:I}", "scenario", d->sc->name,
                        "mode", daemonModeName(d->cfg.mode), "time_s", d->simTime, "energy_kwh",
                        t->energyJ / 3.6e6, "hosts", d->cloud->view.nhosts, "hosts_on", on, "vms",
                        d->cloud->view.nvms, "migrations", (json_int_t)t->migrationsStarted,
                        "host_shutdowns", (json_int_t)t->shutdowns));
}

static int onHealth(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg, (void)req;
    resp->contentType = "text/plain; charset=utf-8";
    bufPrintf(&resp->body, "ok\n");
    return 0;
}

static int onIndex(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg, (void)req;
    resp->contentType = "text/plain; charset=utf-8";
    bufPrintf(&resp->body, "geyser\n\n/metrics          Prometheus exposition\n"
                           "/api/v1/status    the cloud at a glance\n"
                           "/api/v1/hosts     every host: state, power, utilization\n"
                           "/api/v1/plan      the controller's last plan and its reasons\n"
                           "/healthz          liveness\n");
    return 0;
}

int apiRegister(Daemon *d) {
    struct {
        const char *path;
        HttpHandler fn;
    } routes[] = {{"/metrics", onMetrics},  {"/api/v1/hosts", onHosts},
                  {"/api/v1/plan", onPlan}, {"/api/v1/status", onStatus},
                  {"/healthz", onHealth},   {"/", onIndex}};
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (httpRoute(d->http, "GET", routes[i].path, routes[i].fn, d) != 0) return -1;
    return 0;
}
