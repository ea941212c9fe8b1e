/* os_probe.c - drives geyser's OpenStack backend from the integration test
 * (tests/cli/openstack_live.sh): inventory, disable/enable a compute
 * service, live-migrate a server and read the outcome. Configuration from
 * $OS_CLOUD / the OS_* environment, as `geyser plan --openstack`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "openstack.h"
#include "osconfig.h"

static int hostIndex(const CloudView *v, const char *name) {
    for (int h = 0; h < v->nhosts; h++)
        if (strcmp(v->hosts[h].name, name) == 0) return h;
    return ERR("no host named '%s'", name);
}

static int vmIndex(const CloudView *v, const char *name) {
    for (int i = 0; i < v->nvms; i++)
        if (strcmp(v->vms[i].name, name) == 0) return i;
    return ERR("no server named '%s'", name);
}

static int inventory(Cloud *c) {
    const CloudView *v = &c->view;
    json_t *hosts = json_array(), *vms = json_array();
    for (int h = 0; h < v->nhosts; h++) {
        const Host *x = &v->hosts[h];
        json_array_append_new(hosts,
                              json_pack("{s:s, s:f, s:f, s:s, s:b, s:b, s:i}", "name", x->name,
                                        "vcpus", x->capacity, "ram_mb", x->ramMb, "state",
                                        hostStateName(x->state), "enabled", x->enabled,
                                        "disabled_by_geyser", x->disabledByGeyser, "vms", x->nvms));
    }
    for (int i = 0; i < v->nvms; i++) {
        const Vm *x = &v->vms[i];
        if (x->ramMb == 0) continue; /* deleted */
        json_array_append_new(vms, json_pack("{s:s, s:s, s:s, s:i, s:f}", "name", x->name, "id",
                                             osVmId(c, i), "host", v->hosts[x->host].name, "vcpus",
                                             x->vcpus, "ram_mb", x->ramMb));
    }
    json_t *o = json_pack("{s:o, s:o}", "hosts", hosts, "vms", vms);
    json_dumpf(o, stdout, JSON_INDENT(1));
    fputc('\n', stdout);
    json_decref(o);
    return 0;
}

/* Start the migration, then refresh until Nova no longer shows it in
 * flight (bounded), and print the migration record's status and the host. */
static int migrate(Cloud *c, const char *vmName, const char *hostName) {
    int vm = vmIndex(&c->view, vmName), h = hostIndex(&c->view, hostName);
    if (vm < 0 || h < 0 || c->drv->migrate(c, vm, h, MIGRATE_PRECOPY) != 0) return -1;
    char *status = NULL;
    for (int i = 0; i < 120; i++) {
        sleep(1);
        free(status);
        if (osMigrationStatus(c, vm, &status) != 0) return -1;
        if (status && (strcmp(status, "completed") == 0 || strcmp(status, "error") == 0 ||
                       strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0))
            break;
    }
    int rc = cloudRefresh(c);
    if (rc == 0)
        printf("{\"status\": \"%s\", \"host\": \"%s\"}\n", status ? status : "none",
               c->view.hosts[c->view.vms[vm].host].name);
    free(status);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: os_probe inventory | disable HOST REASON | enable HOST | "
                        "migrate SERVER HOST\n");
        return 2;
    }
    OsConfig cfg;
    Cloud *c = osConfigLoad(&cfg, NULL) == 0 ? osCloudCreate(&cfg) : NULL;
    int rc = c ? 0 : -1;
    const char *cmd = argv[1];
    if (rc == 0 && strcmp(cmd, "inventory") == 0) {
        rc = inventory(c);
    } else if (rc == 0 && (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0) &&
               argc >= 3) {
        bool en = strcmp(cmd, "enable") == 0;
        int h = hostIndex(&c->view, argv[2]);
        rc = h < 0 ? -1 : c->drv->setEnabled(c, h, en, argc > 3 ? argv[3] : NULL);
        if (rc == 0) rc = cloudRefresh(c);
        if (rc == 0) rc = inventory(c);
    } else if (rc == 0 && strcmp(cmd, "migrate") == 0 && argc == 4) {
        rc = migrate(c, argv[2], argv[3]);
    } else if (rc == 0) {
        rc = ERR("unknown command '%s'", cmd);
    }
    if (rc != 0) fprintf(stderr, "os_probe: %s\n", errLast());
    cloudClose(c);
    osConfigFree(&cfg);
    return rc == 0 ? 0 : 1;
}
