/* ipmi.c - chassis power through a BMC over IPMI (libfreeipmi): Chassis
 * Control (power up, power down, soft shutdown) and Get Chassis Status for
 * the state read back. Out of band over lanplus (IPMI 2.0, RMCP+).
 *
 * Keys: address (host or host:port, required), user, password, privilege
 * (operator | admin, default admin), cipher (default 3), timeout (seconds,
 * default 5). A session is opened per request and closed at once, so
 * nothing lingers in the BMC's few session slots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actuator.h"
#include "err.h"
#include "lazy_ipmi.h"
#include "util.h"

typedef struct IpmiPower {
    char *address, *user, *password;
    uint8_t privilege, cipher;
    double timeoutS;
} IpmiPower;

static void ipmiPowerFree(void *state) {
    IpmiPower *p = state;
    if (!p) return;
    free(p->address);
    free(p->user);
    if (p->password) memset(p->password, 0, strlen(p->password));
    free(p->password);
    free(p);
}

static int parseOptions(IpmiPower *p, const ActuatorKey *keys, size_t n, const char *origin) {
    const char *priv = actuatorKey(keys, n, "privilege"), *cipher = actuatorKey(keys, n, "cipher");
    const char *timeout = actuatorKey(keys, n, "timeout");
    long c = 3;
    p->privilege = IPMI_PRIVILEGE_LEVEL_ADMIN;
    p->timeoutS = 5;
    if (priv && strcmp(priv, "operator") == 0)
        p->privilege = IPMI_PRIVILEGE_LEVEL_OPERATOR;
    else if (priv && strcmp(priv, "admin") != 0)
        return ERR("%s: privilege '%s' must be operator or admin (chassis control needs one)",
                   origin, priv);
    if (cipher && (parseLong(cipher, &c) != 0 || c < 0 || c > 17))
        return ERR("%s: cipher '%s' is not a cipher suite id from 0 to 17", origin, cipher);
    p->cipher = (uint8_t)c;
    if (timeout &&
        (parseDouble(timeout, &p->timeoutS) != 0 || p->timeoutS <= 0 || p->timeoutS > 120))
        return ERR("%s: timeout '%s' is not a number of seconds from 0 to 120", origin, timeout);
    return 0;
}

static int ipmiPowerCreate(const ActuatorKey *keys, size_t n, const char *origin, void **out) {
    static const char *const known[] = {"address", "user",    "password", "privilege",
                                        "cipher",  "timeout", NULL};
    if (actuatorCheckKeys(keys, n, known, origin) != 0) return -1;
    const char *address = actuatorKey(keys, n, "address");
    if (!address)
        return ERR("%s: ipmi needs an 'address' key (host or host:port of the BMC)", origin);
    IpmiPower *p = xcalloc(1, sizeof(*p));
    if (parseOptions(p, keys, n, origin) != 0) {
        free(p);
        return -1;
    }
    const char *v;
    p->address = xstrdup(address);
    p->user = (v = actuatorKey(keys, n, "user")) ? xstrdup(v) : NULL;
    p->password = (v = actuatorKey(keys, n, "password")) ? xstrdup(v) : NULL;
    *out = p;
    return 0;
}

static ipmi_ctx_t openSession(const IpmiPower *p) {
    /* Loaded at the first action, not at parse time: a command that only
     * reads the power configuration does not carry libfreeipmi. */
    if (lazyIpmiLoad() < 0) return NULL;
    ipmi_ctx_t ctx = lazyIpmi.ipmi_ctx_create();
    if (!ctx) {
        ERR("out of memory for an IPMI context");
        return NULL;
    }
    unsigned ms = (unsigned)(p->timeoutS * 1000), retrans = ms / 4 > 0 ? ms / 4 : 1;
    /* The workaround is needed by some BMCs (ipmi_sim among them) and
     * harmless with the others. */
    if (lazyIpmi.ipmi_ctx_open_outofband_2_0(
            ctx, p->address, p->user, p->password, NULL, 0, p->privilege, p->cipher, ms, retrans,
            IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE, IPMI_FLAGS_DEFAULT) < 0) {
        ERR("IPMI session to %s: %s", p->address, lazyIpmi.ipmi_ctx_errormsg(ctx));
        lazyIpmi.ipmi_ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}

static int chassisControl(void *state, uint8_t what, const char *name) {
    IpmiPower *p = state;
    ipmi_ctx_t ctx = openSession(p);
    if (!ctx) return -1;
    fiid_obj_t obj = lazyIpmi.fiid_obj_create(*lazyIpmi.tmpl_cmd_chassis_control_rs);
    int rc = 0;
    if (lazyIpmi.ipmi_cmd_chassis_control(ctx, what, obj) < 0)
        rc = ERR("IPMI chassis %s on %s: %s", name, p->address, lazyIpmi.ipmi_ctx_errormsg(ctx));
    lazyIpmi.fiid_obj_destroy(obj);
    lazyIpmi.ipmi_ctx_close(ctx);
    lazyIpmi.ipmi_ctx_destroy(ctx);
    return rc;
}

static int ipmiPowerOn(void *state) {
    return chassisControl(state, IPMI_CHASSIS_CONTROL_POWER_UP, "power up");
}

static int ipmiPowerOff(void *state, bool soft) {
    return soft
               ? chassisControl(state, IPMI_CHASSIS_CONTROL_INITIATE_SOFT_SHUTDOWN, "soft shutdown")
               : chassisControl(state, IPMI_CHASSIS_CONTROL_POWER_DOWN, "power down");
}

static int ipmiPowerStatus(void *state, PowerStatus *out) {
    IpmiPower *p = state;
    ipmi_ctx_t ctx = openSession(p);
    if (!ctx) return -1;
    fiid_obj_t obj = lazyIpmi.fiid_obj_create(*lazyIpmi.tmpl_cmd_get_chassis_status_rs);
    uint64_t on = 0;
    int rc = 0;
    if (lazyIpmi.ipmi_cmd_get_chassis_status(ctx, obj) < 0)
        rc = ERR("IPMI chassis status of %s: %s", p->address, lazyIpmi.ipmi_ctx_errormsg(ctx));
    else if (lazyIpmi.fiid_obj_get(obj, "current_power_state.power_is_on", &on) < 0)
        rc = ERR("IPMI chassis status of %s: malformed answer", p->address);
    else
        *out = on ? POWER_STATUS_ON : POWER_STATUS_OFF;
    lazyIpmi.fiid_obj_destroy(obj);
    lazyIpmi.ipmi_ctx_close(ctx);
    lazyIpmi.ipmi_ctx_destroy(ctx);
    return rc;
}

const PowerActuatorDriver actuatorIpmi = {
    .name = "ipmi",
    .create = ipmiPowerCreate,
    .powerOn = ipmiPowerOn,
    .powerOff = ipmiPowerOff,
    .status = ipmiPowerStatus,
    .free = ipmiPowerFree,
};
