/* powerconf.c - the power section of `geyser serve`'s configuration: one
 * actuator per host (inih underneath; lines are counted by our own reader,
 * as Debian's inih has no line numbers in its handler, as in meterconf.c). */
#include "powerconf.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

typedef struct PcReader {
    const char *text;
    const char *origin;
    int line, header;
    bool failed;
    bool sawPower; /* a [power] section was seen (twice is an error) */
    int powerLine;
    PowerConf *pc;
} PcReader;

static char *pcReadLine(char *str, int num, void *stream) {
    PcReader *r = stream;
    bool header;
    if (!iniReadLine(&r->text, str, num, &header)) return NULL;
    r->line++;
    if (header) r->header = r->line;
    return str;
}

/* `host "name"` or `host:name` -> name; NULL when it is not a host. */
static char *pcHostName(const char *section) {
    if (strStartsWith(section, "host:")) return xstrdup(section + 5);
    if (strStartsWith(section, "host ")) {
        const char *q = strchr(section, '"');
        const char *e = q ? strrchr(section, '"') : NULL;
        if (q && e > q + 1) return xstrndup(q + 1, (size_t)(e - q - 1));
    }
    return NULL;
}

static int pcFail(PcReader *r) {
    r->failed = true;
    return 0;
}

static int pcPowerKey(PcReader *r, const char *name, const char *value) {
    PowerOpConfig *op = &r->pc->op;
    double x;
    if (strcmp(name, "soft_off_first") == 0) {
        if (strcmp(value, "yes") == 0 || strcmp(value, "true") == 0)
            op->softOffFirst = true;
        else if (strcmp(value, "no") == 0 || strcmp(value, "false") == 0)
            op->softOffFirst = false;
        else
            return ERR("%s:%d: soft_off_first: '%s' is not yes or no", r->origin, r->line, value),
                   pcFail(r);
        return 1;
    }
    if (parseDouble(value, &x) != 0)
        return ERR("%s:%d: %s: '%s' is not a number", r->origin, r->line, name, value), pcFail(r);
    if (strcmp(name, "bmc_timeout") == 0 && x > 0 && x <= 86400)
        op->bmcTimeoutS = x;
    else if (strcmp(name, "service_timeout") == 0 && x > 0 && x <= 86400)
        op->serviceTimeoutS = x;
    else if (strcmp(name, "attempts") == 0 && x >= 1 && x <= 100 && x == (int)x)
        op->maxAttempts = (int)x;
    else if (strcmp(name, "bmc_timeout") == 0 || strcmp(name, "service_timeout") == 0 ||
             strcmp(name, "attempts") == 0)
        return ERR("%s:%d: %s: %s is out of range (timeouts 0 to 86400 s, attempts 1 to 100)",
                   r->origin, r->line, name, value),
               pcFail(r);
    else
        return ERR("%s:%d: [power]: unknown key '%s' (expected bmc_timeout, service_timeout, "
                   "attempts or soft_off_first)",
                   r->origin, r->line, name),
               pcFail(r);
    return 1;
}

static int pcHostKey(PcReader *r, const char *host, const char *name, const char *value) {
    PowerConf *pc = r->pc;
    PowerConfHost *h = pc->nhosts ? &pc->hosts[pc->nhosts - 1] : NULL;
    if (!h || h->line != r->header) { /* a new section */
        for (size_t i = 0; i < pc->nhosts; i++)
            if (strcmp(pc->hosts[i].host, host) == 0)
                return ERR("%s:%d: host '%s' is configured twice (first at line %d)", r->origin,
                           r->header, host, pc->hosts[i].line),
                       pcFail(r);
        growArray((void **)&pc->hosts, sizeof(*pc->hosts), &pc->capHosts, pc->nhosts + 1);
        h = &pc->hosts[pc->nhosts++];
        memset(h, 0, sizeof(*h));
        h->host = xstrdup(host);
        h->line = r->header;
    }
    if (strcmp(name, "driver") == 0) {
        if (h->driver)
            return ERR("%s:%d: host '%s': key 'driver' given twice", r->origin, r->line, host),
                   pcFail(r);
        h->driver = xstrdup(value);
        return 1;
    }
    /* The driver checks its own keys (unknown ones included); repeats are
     * refused here, where the line is known. */
    for (size_t i = 0; i < h->nkeys; i++)
        if (strcmp(h->keys[i].key, name) == 0)
            return ERR("%s:%d: host '%s': key '%s' given twice (first at line %d)", r->origin,
                       r->line, host, name, h->keys[i].line),
                   pcFail(r);
    growArray((void **)&h->keys, sizeof(*h->keys), &h->capKeys, h->nkeys + 1);
    h->keys[h->nkeys++] = (ActuatorKey){xstrdup(name), xstrdup(value), r->line};
    return 1;
}

static int pcHandler(void *user, const char *section, const char *name, const char *value) {
    PcReader *r = user;
    if (r->failed) return 0;
    if (!name) return 1;
    if (strcmp(section, "power") == 0) {
        if (r->sawPower && r->powerLine != r->header)
            return ERR("%s:%d: section [power] appears twice (first at line %d)", r->origin,
                       r->header, r->powerLine),
                   pcFail(r);
        r->sawPower = true;
        r->powerLine = r->header;
        return pcPowerKey(r, name, value);
    }
    char *host = pcHostName(section);
    if (!host || !*host) {
        free(host);
        return ERR("%s:%d: key '%s' is outside a [power] or [host \"NAME\"] section (section "
                   "'%s')",
                   r->origin, r->line, name, section),
               pcFail(r);
    }
    int rc = pcHostKey(r, host, name, value);
    free(host);
    return rc;
}

int powerConfParse(const char *text, const char *origin, PowerConf *out) {
    memset(out, 0, sizeof(*out));
    out->origin = xstrdup(origin);
    out->op = powerOpDefaults();
    PcReader r = {.text = text, .origin = origin, .pc = out};
    int rc = ini_parse_stream(pcReadLine, &r, pcHandler, &r);
    if (r.failed) goto fail;
    if (rc > 0) {
        ERR("%s:%d: syntax error (expected [power], [host \"NAME\"], key = value or a comment)",
            origin, rc);
        goto fail;
    }
    if (rc < 0) {
        ERR("%s: cannot be parsed (out of memory)", origin);
        goto fail;
    }
    for (size_t i = 0; i < out->nhosts; i++)
        if (!out->hosts[i].driver) {
            ERR("%s:%d: host '%s' has no 'driver' (ipmi, wol or exec)", origin, out->hosts[i].line,
                out->hosts[i].host);
            goto fail;
        }
    return 0;
fail:
    powerConfFree(out);
    return -1;
}

int powerConfLoad(const char *path, PowerConf *out) {
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "r");
    if (!f) return ERR("cannot open the power configuration %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *text = xmalloc(cap);
    size_t got;
    while ((got = fread(text + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) text = xrealloc(text, cap *= 2);
    }
    int bad = ferror(f);
    fclose(f);
    text[n] = '\0';
    int rc =
        bad ? ERR("cannot read the power configuration %s", path) : powerConfParse(text, path, out);
    free(text);
    return rc;
}

void powerConfFree(PowerConf *pc) {
    if (!pc) return;
    for (size_t i = 0; i < pc->nhosts; i++) {
        PowerConfHost *h = &pc->hosts[i];
        for (size_t k = 0; k < h->nkeys; k++) {
            free((char *)h->keys[k].key);
            /* Values may be passwords: wipe them before they go. */
            char *v = (char *)h->keys[k].value;
            memset(v, 0, strlen(v));
            free(v);
        }
        free(h->keys);
        free(h->host);
        free(h->driver);
    }
    free(pc->hosts);
    free(pc->origin);
    memset(pc, 0, sizeof(*pc));
}

int powerConfApply(const PowerConf *pc, Cloud *c) {
    if (cloudSetPowerConfig(c, &pc->op) != 0) return -1;
    for (size_t i = 0; i < pc->nhosts; i++) {
        const PowerConfHost *h = &pc->hosts[i];
        int idx = cloudHostIndex(c, h->host);
        if (idx < 0)
            return ERR("%s:%d: host '%s' is not a host of the cloud", pc->origin, h->line, h->host);
        char origin[300];
        snprintf(origin, sizeof(origin), "%.150s [host %.100s]", pc->origin, h->host);
        PowerActuator *a = actuatorCreate(h->driver, h->keys, h->nkeys, origin);
        if (!a || cloudAttachPower(c, idx, a) != 0) return -1;
    }
    return 0;
}
