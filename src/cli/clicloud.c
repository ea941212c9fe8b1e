/* clicloud.c - open the real cloud the command line names (cli.h): the one
 * place `geyser plan` and `geyser serve` connect to OpenStack or libvirt. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "libvirtcloud.h"
#include "powerconf.h"
#include "util.h"

/* Open the libvirt hosts of --libvirt: comma-separated [NAME=]URI; a host
 * without a name is called by its URI's host part (qemu+ssh://root@node1/
 * system: node1), or by the URI itself when it has none (test:///default). */
static Cloud *openLibvirt(const char *list, const ServerType *type) {
    char *copy = xstrdup(list);
    LibvirtHostSpec *spec = NULL;
    char **names = NULL; /* the names made here */
    size_t n = 0, cap = 0, capNames = 0;
    char *save = NULL;
    Cloud *c = NULL;
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        growArray((void **)&spec, sizeof(*spec), &cap, n + 1);
        growArray((void **)&names, sizeof(*names), &capNames, n + 1);
        names[n] = NULL;
        char *eq = strchr(item, '='), *sep = strstr(item, "://");
        spec[n] = (LibvirtHostSpec){.name = item, .uri = item, .type = type};
        if (eq && (!sep || eq < sep)) {
            *eq = '\0';
            spec[n].uri = eq + 1;
        } else if (sep && sep[3] != '/' && sep[3] != '\0') {
            const char *h = sep + 3, *at = strchr(h, '@'), *slash = strchr(h, '/');
            if (at && (!slash || at < slash)) h = at + 1;
            names[n] = xstrdup(h);
            names[n][strcspn(names[n], "/:?")] = '\0';
            spec[n].name = names[n];
        }
        n++;
        if (!spec[n - 1].name[0] || !spec[n - 1].uri[0]) {
            ERR("--libvirt: an empty host name or URI in '%s'", list);
            goto done;
        }
    }
    if (n == 0)
        ERR("--libvirt: no URI in '%s'", list);
    else
        c = libvirtCloudOpen(spec, (int)n);
done:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(spec);
    free(copy);
    return c;
}

/* The real cloud of the options, with the actuators of the power file and
 * the utilization file hooked: what `geyser serve` drives instead of the
 * simulated cloud. The files are read before the cloud is, so that their
 * errors come first. *oc must outlive the cloud (the session keeps its
 * strings); the caller frees it. NULL with an error. */
Cloud *cliOpenCloud(const CliCloudOpts *real, const ServerType *type, OsConfig *oc,
                    UtilFile **util) {
    PowerConf pc = {0};
    Cloud *cloud = NULL;
    *util = NULL;
    int rc = 0;
    if (real->power) rc = powerConfLoad(real->power, &pc);
    if (rc == 0 && real->vmUtil && !(*util = utilFileOpen(real->vmUtil))) rc = -1;
    if (rc == 0 && real->openstack) {
        rc = osConfigLoad(oc, real->osCloud);
        if (rc == 0 && !(cloud = osCloudCreate(oc))) rc = -1;
    } else if (rc == 0 && !(cloud = openLibvirt(real->libvirt, type))) {
        rc = -1;
    }
    if (rc == 0 && real->power && powerConfApply(&pc, cloud) != 0) rc = -1;
    powerConfFree(&pc);
    if (rc != 0) {
        cloudClose(cloud);
        utilFileFree(*util);
        *util = NULL;
        return NULL;
    }
    if (*util) osCloudSetUtilProvider(cloud, utilFileProvider, *util);
    return cloud;
}
