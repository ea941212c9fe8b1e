/* drv_ipmi.c - meter driver for a BMC over IPMI (libfreeipmi): DCMI Get
 * Power Reading where the BMC supports it, else the first SDR sensor whose
 * unit is watts (or the one named by `sensor`). Out of band over lanplus
 * (IPMI 2.0 / RMCP+) when `address` is given, in band (/dev/ipmi0, KCS...)
 * otherwise.
 *
 * Each read opens a session, reads and closes it: a session costs under a
 * millisecond on a LAN, and nothing is left in the BMC's few session slots
 * when geyser stops or a BMC restarts. The session and retransmission
 * timeouts come from the instance timeout, so a BMC that does not answer
 * fails the read in bounded time. The SDR record of the power sensor is
 * fetched once (through a cache file in a private temporary directory,
 * deleted at once) and kept in memory.
 *
 * Keys: address (host or host:port; absent = in band), user, password,
 * privilege (user | operator | admin, default admin), cipher (default 3),
 * mode (auto | dcmi | sensor, default auto), sensor (SDR id string). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "lazy_ipmi.h"
#include "meter.h"
#include "util.h"

static pthread_mutex_t ipmiSdrLock = PTHREAD_MUTEX_INITIALIZER;

typedef enum { IPMI_MODE_AUTO, IPMI_MODE_DCMI, IPMI_MODE_SENSOR } IpmiMode;

typedef struct Ipmi {
    char *address, *user, *password, *sensor;
    uint8_t privilege, cipher;
    IpmiMode mode;
    bool noDcmi; /* auto: the BMC said DCMI is not supported */
    uint8_t rec[IPMI_SDR_MAX_RECORD_LENGTH];
    int reclen; /* 0 until the sensor's SDR record is known */
} Ipmi;

static void ipmiFree(void *st) {
    Ipmi *p = st;
    if (!p) return;
    free(p->address);
    free(p->user);
    if (p->password) memset(p->password, 0, strlen(p->password));
    free(p->password);
    free(p->sensor);
    free(p);
}

static int ipmiOpen(Ipmi *p, ipmi_ctx_t ctx, double timeout) {
    if (!p->address) {
        int rc = lazyIpmi.ipmi_ctx_find_inband(ctx, NULL, 0, 0, 0, NULL, 0, IPMI_FLAGS_DEFAULT);
        if (rc < 0) return ERR("in-band IPMI: %s", lazyIpmi.ipmi_ctx_errormsg(ctx));
        if (rc == 0) return ERR("in-band IPMI: no IPMI device found on this host");
        return 0;
    }
    unsigned ms = (unsigned)(timeout * 1000);
    unsigned retrans = ms / 4 > 0 ? ms / 4 : 1;
    if (lazyIpmi.ipmi_ctx_open_outofband_2_0(
            ctx, p->address, p->user, p->password, NULL, 0, p->privilege, p->cipher, ms, retrans,
            IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE, IPMI_FLAGS_DEFAULT) < 0)
        return ERR("IPMI session to %s: %s", p->address, lazyIpmi.ipmi_ctx_errormsg(ctx));
    return 0;
}

/* 1 when DCMI is not supported (auto falls back), 0 with *w, -1 error. */
static int ipmiDcmi(Ipmi *p, ipmi_ctx_t ctx, double *w) {
    fiid_obj_t obj = lazyIpmi.fiid_obj_create(*lazyIpmi.tmpl_cmd_dcmi_get_power_reading_rs);
    uint64_t v = 0, active = 0;
    int rc = 0;
    if (lazyIpmi.ipmi_cmd_dcmi_get_power_reading(
            ctx, IPMI_DCMI_POWER_READING_MODE_SYSTEM_POWER_STATISTICS, 0, obj) < 0) {
        int e = lazyIpmi.ipmi_ctx_errnum(ctx);
        if (e == IPMI_ERR_COMMAND_INVALID_OR_UNSUPPORTED || e == IPMI_ERR_BAD_COMPLETION_CODE)
            rc = 1;
        else
            rc = ERR("DCMI Get Power Reading from %s: %s", p->address ? p->address : "in band",
                     lazyIpmi.ipmi_ctx_errormsg(ctx));
    } else if (lazyIpmi.fiid_obj_get(obj, "current_power", &v) < 0 ||
               lazyIpmi.fiid_obj_get(obj, "power_reading_state.power_measurement", &active) < 0) {
        rc = ERR("DCMI Get Power Reading: malformed answer");
    } else if (!active) {
        rc = ERR("DCMI power measurement is not active on this BMC");
    }
    lazyIpmi.fiid_obj_destroy(obj);
    if (rc == 0) *w = (double)v;
    return rc;
}

/* Find the watts sensor's SDR record once. */
static int ipmiFindSensor(Ipmi *p, ipmi_ctx_t ctx) {
    char dir[] = "/tmp/geyser-sdr-XXXXXX", file[64];
    if (!mkdtemp(dir)) return ERR("cannot create a directory for the SDR cache");
    snprintf(file, sizeof(file), "%s/cache", dir);
    ipmi_sdr_ctx_t sdr = lazyIpmi.ipmi_sdr_ctx_create();
    int rc = -1;
    uint16_t count = 0;
    if (!sdr) {
        ERR("out of memory for the SDR context");
        goto out;
    }
    if (lazyIpmi.ipmi_sdr_cache_create(sdr, ctx, file, IPMI_SDR_CACHE_CREATE_FLAGS_OVERWRITE, NULL,
                                       NULL) < 0 ||
        lazyIpmi.ipmi_sdr_cache_open(sdr, ctx, file) < 0 ||
        lazyIpmi.ipmi_sdr_cache_record_count(sdr, &count) < 0 ||
        lazyIpmi.ipmi_sdr_cache_first(sdr) < 0) {
        ERR("reading the SDR repository: %s", lazyIpmi.ipmi_sdr_ctx_errormsg(sdr));
        goto out;
    }
    for (uint16_t i = 0; i < count && rc < 0; i++, lazyIpmi.ipmi_sdr_cache_next(sdr)) {
        uint8_t rec[IPMI_SDR_MAX_RECORD_LENGTH], type, pct, mod, rate, base, modu;
        char id[IPMI_SDR_MAX_ID_STRING_LENGTH + 1] = "";
        int len = lazyIpmi.ipmi_sdr_cache_record_read(sdr, rec, sizeof(rec));
        if (len < 0 || lazyIpmi.ipmi_sdr_parse_record_id_and_type(sdr, rec, len, NULL, &type) < 0 ||
            type != IPMI_SDR_FORMAT_FULL_SENSOR_RECORD ||
            lazyIpmi.ipmi_sdr_parse_sensor_units(sdr, rec, len, &pct, &mod, &rate, &base, &modu) <
                0 ||
            base != IPMI_SENSOR_UNIT_WATTS)
            continue;
        lazyIpmi.ipmi_sdr_parse_id_string(sdr, rec, len, id, sizeof(id) - 1);
        if (p->sensor && strcmp(strTrim(id), p->sensor) != 0) continue;
        memcpy(p->rec, rec, (size_t)len);
        p->reclen = len;
        rc = 0;
    }
    if (rc < 0)
        ERR("no SDR sensor in watts%s%s on %s", p->sensor ? " named " : "",
            p->sensor ? p->sensor : "", p->address ? p->address : "this host");
out:
    if (sdr) {
        lazyIpmi.ipmi_sdr_cache_close(sdr);
        lazyIpmi.ipmi_sdr_ctx_destroy(sdr);
    }
    unlink(file);
    rmdir(dir);
    return rc;
}

static int ipmiSensor(Ipmi *p, ipmi_ctx_t ctx, double *w) {
    /* A new SDR reservation cancels the one in use, so two meters fetching
     * the SDR of one BMC at once fail each other ("internal IPMI error",
     * seen with ipmi_sim): fetches are serialised within geyser (a one-off
     * per instance), and retried a little later against other clients. */
    for (int attempt = 0; attempt < 3 && !p->reclen; attempt++) {
        if (attempt) usleep(100000 * (useconds_t)attempt);
        pthread_mutex_lock(&ipmiSdrLock);
        int rc = ipmiFindSensor(p, ctx);
        pthread_mutex_unlock(&ipmiSdrLock);
        if (rc < 0 && attempt == 2) return -1;
    }
    ipmi_sensor_read_ctx_t srd = lazyIpmi.ipmi_sensor_read_ctx_create(ctx);
    if (!srd) return ERR("out of memory for the sensor context");
    uint8_t raw;
    double *val = NULL;
    uint16_t bits;
    int rc = lazyIpmi.ipmi_sensor_read(srd, p->rec, (unsigned)p->reclen, 0, &raw, &val, &bits);
    if (rc <= 0 || !val)
        rc = ERR("reading the power sensor: %s",
                 rc < 0 ? lazyIpmi.ipmi_sensor_read_ctx_errormsg(srd) : "no reading available");
    else
        *w = *val, rc = 0;
    free(val);
    lazyIpmi.ipmi_sensor_read_ctx_destroy(srd);
    return rc;
}

static int ipmiRead(void *st, const MeterCtx *mctx) {
    Ipmi *p = st;
    ipmi_ctx_t ctx = lazyIpmi.ipmi_ctx_create();
    if (!ctx) return ERR("out of memory for the IPMI context");
    double w = 0;
    int rc = ipmiOpen(p, ctx, mctx->timeout);
    if (rc == 0 && p->mode != IPMI_MODE_SENSOR && !p->noDcmi) {
        rc = ipmiDcmi(p, ctx, &w);
        if (rc == 1 && p->mode == IPMI_MODE_DCMI)
            rc = ERR("the BMC does not support DCMI Get Power Reading (try mode = sensor)");
        if (rc == 1) p->noDcmi = true; /* auto: remember, use the sensor */
    } else if (rc == 0) {
        rc = 1;
    }
    if (rc == 1) rc = ipmiSensor(p, ctx, &w);
    lazyIpmi.ipmi_ctx_close(ctx);
    lazyIpmi.ipmi_ctx_destroy(ctx);
    if (rc < 0) return -1;
    if (w < 0 || w > 1e6) return ERR("the BMC reported an implausible %g W", w);
    meterEmitWatts(mctx, NULL, w, METER_MEASURED);
    return 0;
}

static void *ipmiCreate(MeterConf *c) {
    if (lazyIpmiLoad() < 0) {
        errPrefix("%s:%d: meter '%s'", c->origin, c->line, c->name);
        return NULL;
    }
    Ipmi *p = xcalloc(1, sizeof(*p));
    const char *addr = meterConfGet(c, "address");
    const char *user = meterConfGet(c, "user");
    const char *pw = meterConfGet(c, "password");
    const char *priv = meterConfGet(c, "privilege");
    const char *mode = meterConfGet(c, "mode");
    const char *sensor = meterConfGet(c, "sensor");
    double cipher;
    if (meterConfDouble(c, "cipher", 3, 0, 17, &cipher) < 0) goto fail;
    p->cipher = (uint8_t)cipher;
    p->address = addr && *addr ? xstrdup(addr) : NULL;
    p->user = xstrdup(user ? user : "");
    p->password = xstrdup(pw ? pw : "");
    p->sensor = sensor && *sensor ? xstrdup(sensor) : NULL;
    if (!priv || strcmp(priv, "admin") == 0)
        p->privilege = IPMI_PRIVILEGE_LEVEL_ADMIN;
    else if (strcmp(priv, "operator") == 0)
        p->privilege = IPMI_PRIVILEGE_LEVEL_OPERATOR;
    else if (strcmp(priv, "user") == 0)
        p->privilege = IPMI_PRIVILEGE_LEVEL_USER;
    else {
        ERR("%s:%d: meter '%s': privilege must be user, operator or admin, not '%s'", c->origin,
            meterConfLine(c, "privilege"), c->name, priv);
        goto fail;
    }
    if (!mode || strcmp(mode, "auto") == 0)
        p->mode = IPMI_MODE_AUTO;
    else if (strcmp(mode, "dcmi") == 0)
        p->mode = IPMI_MODE_DCMI;
    else if (strcmp(mode, "sensor") == 0)
        p->mode = IPMI_MODE_SENSOR;
    else {
        ERR("%s:%d: meter '%s': mode must be auto, dcmi or sensor, not '%s'", c->origin,
            meterConfLine(c, "mode"), c->name, mode);
        goto fail;
    }
    return p;
fail:
    ipmiFree(p);
    return NULL;
}

const MeterDriver meterIpmi = {
    .name = "ipmi",
    .summary = "a BMC over IPMI (FreeIPMI): DCMI power reading, else the SDR watts sensor",
    .create = ipmiCreate,
    .read = ipmiRead,
    .free = ipmiFree,
};
