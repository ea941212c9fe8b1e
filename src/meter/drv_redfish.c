/* drv_redfish.c - meter driver for a BMC's Redfish service (libcurl +
 * jansson). It reads the chassis' present draw from, in this order:
 *   Chassis/{id}/EnvironmentMetrics   PowerWatts.Reading (newer services)
 *   Chassis/{id}/PowerSubsystem       the sum of InputPowerWatts.Reading of
 *                                     every PowerSupplies member's Metrics
 *   Chassis/{id}/Power                PowerControl[0].PowerConsumedWatts
 *                                     (the older schema, deprecated)
 * moving on when a resource is absent (404) or, for EnvironmentMetrics,
 * has no PowerWatts; the one that answered is tried first next time.
 *
 * Authentication is HTTP basic, or a Redfish session (POST to
 * SessionService/Sessions, then X-Auth-Token; renewed once on a 401 and
 * deleted on free). TLS peers are verified unless insecure = true is given
 * explicitly; cafile names a CA bundle for a BMC's own certificate. Secrets
 * never appear in messages; a URL holding credentials is refused.
 *
 * Keys: url (https://bmc, required), chassis (default 1), user, password,
 * auth (basic | session, default basic), cafile, insecure (default false). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lazy_curl.h"
#include "meter.h"
#include "util.h"

typedef enum { RF_ENVIRONMENT, RF_SUBSYSTEM, RF_POWER } RedfishResource; /* tried in this order */

typedef struct Redfish {
    char *url, *chassis, *user, *password, *cafile;
    bool session, insecure;
    char *token;    /* session token */
    char *location; /* session URI, to delete it */
    RedfishResource resource;
    CURL *curl;
} Redfish;

typedef struct RfBuf {
    char *data;
    size_t len;
    char token[512];
    char location[512];
} RfBuf;

static size_t rfWrite(char *p, size_t size, size_t n, void *arg) {
    RfBuf *b = arg;
    size_t add = size * n;
    if (b->len + add > (1 << 20)) return 0; /* a power resource is small: refuse floods */
    b->data = xrealloc(b->data, b->len + add + 1);
    memcpy(b->data + b->len, p, add);
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

static size_t rfHeader(char *p, size_t size, size_t n, void *arg) {
    RfBuf *b = arg;
    size_t len = size * n;
    char line[600];
    if (len >= sizeof(line)) return len;
    memcpy(line, p, len);
    line[len] = '\0';
    strTrim(line);
    if (!strncasecmp(line, "X-Auth-Token:", 13))
        snprintf(b->token, sizeof(b->token), "%s", strTrim(line + 13));
    else if (!strncasecmp(line, "Location:", 9))
        snprintf(b->location, sizeof(b->location), "%s", strTrim(line + 9));
    return len;
}

/* One request; *status gets the HTTP code. body may be NULL (GET). */
static int rfRequest(Redfish *r, const char *method, const char *path, const char *body,
                     double timeout, RfBuf *out, long *status) {
    char url[2048];
    if (snprintf(url, sizeof(url), "%s%s", strStartsWith(path, "http") ? "" : r->url, path) >=
        (int)sizeof(url))
        return ERR("Redfish URL too long");
    CURL *c = r->curl;
    lazyCurl.curl_easy_reset(c);
    struct curl_slist *hdr = lazyCurl.curl_slist_append(NULL, "Accept: application/json");
    char tok[600];
    if (body) hdr = lazyCurl.curl_slist_append(hdr, "Content-Type: application/json");
    if (r->session && r->token) {
        snprintf(tok, sizeof(tok), "X-Auth-Token: %s", r->token);
        hdr = lazyCurl.curl_slist_append(hdr, tok);
    } else if (!r->session && r->user) {
        lazyCurl.curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        lazyCurl.curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
        lazyCurl.curl_easy_setopt(c, CURLOPT_PASSWORD, r->password ? r->password : "");
    }
    lazyCurl.curl_easy_setopt(c, CURLOPT_URL, url);
    lazyCurl.curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    lazyCurl.curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) lazyCurl.curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    lazyCurl.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    lazyCurl.curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
    lazyCurl.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    lazyCurl.curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, r->insecure ? 0L : 1L);
    lazyCurl.curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, r->insecure ? 0L : 2L);
    if (r->cafile) lazyCurl.curl_easy_setopt(c, CURLOPT_CAINFO, r->cafile);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rfWrite);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    lazyCurl.curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, rfHeader);
    lazyCurl.curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    CURLcode rc = lazyCurl.curl_easy_perform(c);
    lazyCurl.curl_slist_free_all(hdr);
    if (rc != CURLE_OK)
        return ERR("%s %s failed: %s", method, path, lazyCurl.curl_easy_strerror(rc));
    lazyCurl.curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

static int rfLogin(Redfish *r, double timeout) {
    json_t *j = json_pack("{s:s, s:s}", "UserName", r->user ? r->user : "", "Password",
                          r->password ? r->password : "");
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    RfBuf b = {0};
    long status = 0;
    free(r->token);
    r->token = NULL;
    int rc =
        rfRequest(r, "POST", "/redfish/v1/SessionService/Sessions", body, timeout, &b, &status);
    free(body);
    free(b.data);
    if (rc < 0) return -1;
    if (status == 401 || status == 403)
        return ERR("Redfish session login refused (HTTP %ld): check user and password", status);
    if (status < 200 || status > 299 || !b.token[0])
        return ERR("Redfish session login failed (HTTP %ld, %s)", status,
                   b.token[0] ? "" : "no X-Auth-Token");
    r->token = xstrdup(b.token);
    free(r->location);
    r->location = b.location[0] ? xstrdup(b.location) : NULL;
    return 0;
}

/* GET a resource into *out (parsed). 1 when it does not exist. */
static int rfGetPath(Redfish *r, const char *path, double timeout, json_t **out) {
    for (int attempt = 0;; attempt++) {
        if (r->session && !r->token && rfLogin(r, timeout) < 0) return -1;
        RfBuf b = {0};
        long status = 0;
        if (rfRequest(r, "GET", path, NULL, timeout, &b, &status) < 0) {
            free(b.data);
            return -1;
        }
        if (status == 401 && r->session && attempt == 0) { /* session expired: once more */
            free(b.data);
            free(r->token);
            r->token = NULL;
            continue;
        }
        if (status == 404) {
            free(b.data);
            return 1;
        }
        if (status == 401 || status == 403) {
            free(b.data);
            return ERR("GET %s: HTTP %ld, access refused: check user and password", path, status);
        }
        if (status < 200 || status > 299) {
            free(b.data);
            return ERR("GET %s: HTTP %ld", path, status);
        }
        json_error_t je;
        *out = json_loadb(b.data ? b.data : "", b.len, 0, &je);
        free(b.data);
        if (!*out) return ERR("GET %s: malformed JSON (%s at line %d)", path, je.text, je.line);
        return 0;
    }
}

static int rfWatts(json_t *v, const char *path, const char *what, double *w) {
    if (!json_is_number(v))
        return ERR("%s: %s missing or not a number (null means the BMC has no reading)", path,
                   what);
    *w = json_number_value(v);
    return 0;
}

static int rfGet(Redfish *r, const char *leaf, double timeout, json_t **out) {
    char path[1024];
    if (snprintf(path, sizeof(path), "/redfish/v1/Chassis/%s/%s", r->chassis, leaf) >=
        (int)sizeof(path))
        return ERR("chassis id too long");
    return rfGetPath(r, path, timeout, out);
}

/* Each returns 1 when the service lacks the resource, 0 with *w, or -1. */
static int rfReadEnvironment(Redfish *r, double timeout, double *w) {
    json_t *j = NULL;
    int rc = rfGet(r, "EnvironmentMetrics", timeout, &j);
    if (rc == 0) {
        json_t *v = json_object_get(json_object_get(j, "PowerWatts"), "Reading");
        rc = json_is_number(v) ? 0 : 1; /* no chassis total here: try the supplies */
        if (rc == 0) *w = json_number_value(v);
    }
    json_decref(j);
    return rc;
}

/* The newer PowerSubsystem: the sum of every supply's InputPowerWatts. */
static int rfReadSubsystem(Redfish *r, double timeout, double *w) {
    json_t *list = NULL;
    int rc = rfGet(r, "PowerSubsystem/PowerSupplies", timeout, &list);
    if (rc != 0) return rc;
    json_t *members = json_object_get(list, "Members");
    size_t i;
    json_t *m;
    double sum = 0;
    if (!json_is_array(members) || json_array_size(members) == 0)
        rc = ERR("PowerSubsystem/PowerSupplies: no Members");
    json_array_foreach(members, i, m) {
        const char *id = json_string_value(json_object_get(m, "@odata.id"));
        char path[1024];
        json_t *metrics = NULL;
        if (rc < 0) break;
        if (!id || snprintf(path, sizeof(path), "%s/Metrics", id) >= (int)sizeof(path)) {
            rc = ERR("PowerSubsystem/PowerSupplies: member %zu has no usable @odata.id", i);
            break;
        }
        rc = rfGetPath(r, path, timeout, &metrics);
        if (rc == 1) rc = ERR("GET %s: HTTP 404", path);
        json_t *v = json_object_get(json_object_get(metrics, "InputPowerWatts"), "Reading");
        if (rc == 0 && !json_is_number(v))
            rc = ERR("%s: InputPowerWatts.Reading missing or not a number", path);
        if (rc == 0) sum += json_number_value(v);
        json_decref(metrics);
    }
    json_decref(list);
    if (rc == 0) *w = sum;
    return rc;
}

static int rfReadPower(Redfish *r, double timeout, double *w) {
    json_t *j = NULL;
    int rc = rfGet(r, "Power", timeout, &j);
    if (rc == 0)
        rc = rfWatts(json_object_get(json_array_get(json_object_get(j, "PowerControl"), 0),
                                     "PowerConsumedWatts"),
                     "Power", "PowerControl[0].PowerConsumedWatts", w);
    json_decref(j);
    return rc;
}

static int redfishRead(void *st, const MeterCtx *ctx) {
    static int (*const readers[])(Redfish *, double, double *) = {
        [RF_ENVIRONMENT] = rfReadEnvironment,
        [RF_SUBSYSTEM] = rfReadSubsystem,
        [RF_POWER] = rfReadPower,
    };
    Redfish *r = st;
    double w = 0;
    int rc = 1;
    /* Start from the resource that answered last time; fall through the rest. */
    for (int k = (int)r->resource; k <= RF_POWER && rc == 1; k++) {
        rc = readers[k](r, ctx->timeout, &w);
        if (rc == 0) r->resource = (RedfishResource)k;
    }
    if (rc == 1)
        return ERR("chassis %s has none of EnvironmentMetrics, PowerSubsystem or Power (HTTP 404)",
                   r->chassis);
    if (rc < 0) return -1;
    if (w < 0 || w > 1e6) return ERR("Redfish reported an implausible %g W", w);
    meterEmitWatts(ctx, NULL, w, METER_MEASURED);
    return 0;
}

static void redfishFree(void *st) {
    Redfish *r = st;
    if (!r) return;
    if (r->curl && r->token && r->location) { /* leave no session slot behind */
        RfBuf b = {0};
        long status;
        rfRequest(r, "DELETE", r->location, NULL, 2, &b, &status);
        free(b.data);
    }
    if (r->curl) lazyCurl.curl_easy_cleanup(r->curl);
    free(r->url);
    free(r->chassis);
    free(r->user);
    free(r->password);
    free(r->cafile);
    free(r->token);
    free(r->location);
    free(r);
}

static char *dupOrNull(const char *s) {
    return s && *s ? xstrdup(s) : NULL;
}

static void *redfishCreate(MeterConf *c) {
    if (lazyCurlLoad() < 0) {
        errPrefix("%s:%d: meter '%s'", c->origin, c->line, c->name);
        return NULL;
    }
    Redfish *r = xcalloc(1, sizeof(*r));
    const char *url = meterConfRequire(c, "url");
    const char *chassis = meterConfGet(c, "chassis");
    const char *auth = meterConfGet(c, "auth");
    r->user = dupOrNull(meterConfGet(c, "user"));
    r->password = dupOrNull(meterConfGet(c, "password"));
    r->cafile = dupOrNull(meterConfGet(c, "cafile"));
    if (!url || meterConfBool(c, "insecure", false, &r->insecure) < 0) goto fail;
    if (!strStartsWith(url, "http://") && !strStartsWith(url, "https://")) {
        ERR("%s:%d: meter '%s': url must start with https:// (or http://)", c->origin,
            meterConfLine(c, "url"), c->name);
        goto fail;
    }
    if (strchr(url, '@')) {
        ERR("%s:%d: meter '%s': url must not hold credentials; use user and password", c->origin,
            meterConfLine(c, "url"), c->name);
        goto fail;
    }
    r->url = xstrdup(url);
    size_t n = strlen(r->url);
    while (n && r->url[n - 1] == '/')
        r->url[--n] = '\0';
    r->chassis = xstrdup(chassis && *chassis ? chassis : "1");
    if (auth && strcmp(auth, "session") == 0) {
        r->session = true;
    } else if (auth && strcmp(auth, "basic") != 0) {
        ERR("%s:%d: meter '%s': auth must be basic or session, not '%s'", c->origin,
            meterConfLine(c, "auth"), c->name, auth);
        goto fail;
    }
    if (r->session && !r->user) {
        ERR("%s:%d: meter '%s': auth = session needs user and password", c->origin, c->line,
            c->name);
        goto fail;
    }
    r->curl = lazyCurl.curl_easy_init();
    if (!r->curl) {
        ERR("meter '%s': cannot initialise libcurl", c->name);
        goto fail;
    }
    return r;
fail:
    redfishFree(r);
    return NULL;
}

const MeterDriver meterRedfish = {
    .name = "redfish",
    .summary = "Redfish chassis power (EnvironmentMetrics, PowerSubsystem, Power); basic/session",
    .create = redfishCreate,
    .read = redfishRead,
    .free = redfishFree,
};
