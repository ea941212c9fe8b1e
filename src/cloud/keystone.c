/* keystone.c - Keystone v3 authentication, the service catalog, and the one
 * function every OpenStack call goes through (libcurl + jansson).
 *
 * Credentials and tokens never appear in an error message: errors name the
 * request (method and path) and the cause. */
#include "keystone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "lazy_curl.h"
#include "util.h"

struct OsSession {
    OsConfig cfg; /* a deep copy */
    CURL *curl;
    char *token;
    double expires;    /* wall-clock time (s) at which the token expires */
    json_t *catalog;   /* token.catalog */
    char **endpointOf; /* cache: type/url pairs */
    size_t nendpoints;
    int tokens;
    int attempts;
    double backoffS, renewMargin;
};

static char *dupOrNull(const char *s) {
    return s ? xstrdup(s) : NULL;
}

OsSession *osSessionCreate(const OsConfig *cfg) {
    if (lazyCurlLoad() < 0) return NULL;
    OsSession *s = xcalloc(1, sizeof(*s));
    s->cfg = *cfg;
    char **fields[] = {&s->cfg.cloud,
                       &s->cfg.authType,
                       &s->cfg.authUrl,
                       &s->cfg.username,
                       &s->cfg.userId,
                       &s->cfg.password,
                       &s->cfg.userDomainName,
                       &s->cfg.userDomainId,
                       &s->cfg.projectName,
                       &s->cfg.projectId,
                       &s->cfg.projectDomainName,
                       &s->cfg.projectDomainId,
                       &s->cfg.appCredId,
                       &s->cfg.appCredName,
                       &s->cfg.appCredSecret,
                       &s->cfg.regionName,
                       &s->cfg.interface,
                       &s->cfg.cacert};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        *fields[i] = dupOrNull(*fields[i]);
    if (!s->cfg.interface) s->cfg.interface = xstrdup("public");
    if (s->cfg.timeoutMs <= 0) s->cfg.timeoutMs = 30000;
    s->curl = lazyCurl.curl_easy_init();
    s->attempts = 4;
    s->backoffS = 0.5;
    s->renewMargin = 300;
    if (!s->curl) {
        osSessionFree(s);
        ERR("cannot create a libcurl handle");
        return NULL;
    }
    return s;
}

void osSessionFree(OsSession *s) {
    if (!s) return;
    osConfigFree(&s->cfg);
    if (s->curl) lazyCurl.curl_easy_cleanup(s->curl);
    free(s->token);
    json_decref(s->catalog);
    for (size_t i = 0; i < 2 * s->nendpoints; i++)
        free(s->endpointOf[i]);
    free(s->endpointOf);
    free(s);
}

void osSessionSetRetry(OsSession *s, int attempts, double backoffS) {
    s->attempts = attempts < 1 ? 1 : attempts;
    s->backoffS = backoffS < 0 ? 0 : backoffS;
}

void osSessionSetRenewMargin(OsSession *s, double seconds) {
    s->renewMargin = seconds;
}

int osTokenCount(const OsSession *s) {
    return s->tokens;
}

/* ---- one HTTP exchange ---- */

typedef struct HttpReply {
    long status;
    Buf body;
    char *subjectToken; /* X-Subject-Token */
} HttpReply;

static size_t onBody(char *p, size_t sz, size_t n, void *arg) {
    bufAppend(arg, p, sz * n);
    return sz * n;
}

static size_t onHeader(char *p, size_t sz, size_t n, void *arg) {
    HttpReply *r = arg;
    size_t len = sz * n;
    static const char name[] = "x-subject-token:";
    if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        free(r->subjectToken);
        r->subjectToken = strTrim(xstrndup(p + sizeof(name) - 1, len - (sizeof(name) - 1)));
    }
    return len;
}

/* Transport errors are reported with -1; any HTTP status is a success here. */
static int httpDo(OsSession *s, const char *method, const char *url, const char *mv,
                  const char *body, bool withToken, HttpReply *r, const char *what) {
    CURL *c = s->curl;
    struct curl_slist *h = NULL;
    char line[1024];
    h = lazyCurl.curl_slist_append(h, "Accept: application/json");
    if (body) h = lazyCurl.curl_slist_append(h, "Content-Type: application/json");
    if (mv) {
        snprintf(line, sizeof(line), "OpenStack-API-Version: compute %s", mv);
        h = lazyCurl.curl_slist_append(h, line);
        snprintf(line, sizeof(line), "X-OpenStack-Nova-API-Version: %s", mv);
        h = lazyCurl.curl_slist_append(h, line);
    }
    char *tok = NULL;
    if (withToken && s->token) {
        size_t n = strlen(s->token) + 32;
        tok = xmalloc(n);
        snprintf(tok, n, "X-Auth-Token: %s", s->token);
        h = lazyCurl.curl_slist_append(h, tok);
    }
    lazyCurl.curl_easy_reset(c);
    lazyCurl.curl_easy_setopt(c, CURLOPT_URL, url);
    lazyCurl.curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    lazyCurl.curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    lazyCurl.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    lazyCurl.curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->cfg.timeoutMs);
    lazyCurl.curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->cfg.timeoutMs);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    lazyCurl.curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
    lazyCurl.curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    lazyCurl.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body) lazyCurl.curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (s->cfg.cacert) lazyCurl.curl_easy_setopt(c, CURLOPT_CAINFO, s->cfg.cacert);
    if (s->cfg.insecure) {
        lazyCurl.curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        lazyCurl.curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = lazyCurl.curl_easy_perform(c);
    lazyCurl.curl_slist_free_all(h);
    if (tok) {
        memset(tok, 0, strlen(tok));
        free(tok);
    }
    if (rc != CURLE_OK) return ERR("%s: %s", what, lazyCurl.curl_easy_strerror(rc));
    lazyCurl.curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    return 0;
}

static void replyClear(HttpReply *r) {
    bufFree(&r->body);
    free(r->subjectToken);
    memset(r, 0, sizeof(*r));
}

const char *osErrorMessage(json_t *body) {
    if (!json_is_object(body)) return NULL;
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v) {
        const char *m = json_string_value(json_object_get(v, "message"));
        if (m) return m;
    }
    return json_string_value(json_object_get(body, "message"));
}

/* "HTTP 409: message" for an error answer, from its body if it has one. */
static void describeStatus(const HttpReply *r, char *out, size_t n) {
    json_t *j = r->body.data ? json_loads(r->body.data, 0, NULL) : NULL;
    const char *m = osErrorMessage(j);
    if (m)
        snprintf(out, n, "HTTP %ld: %s", r->status, m);
    else
        snprintf(out, n, "HTTP %ld", r->status);
    json_decref(j);
}

static void backoffSleep(double s) {
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* ---- Keystone ---- */

static json_t *scopeJson(const OsConfig *c) {
    json_t *p = json_object();
    if (c->projectId) {
        json_object_set_new(p, "id", json_string(c->projectId));
    } else if (c->projectName) {
        json_object_set_new(p, "name", json_string(c->projectName));
        json_object_set_new(
            p, "domain",
            c->projectDomainId
                ? json_pack("{s:s}", "id", c->projectDomainId)
                : json_pack("{s:s}", "name",
                            c->projectDomainName ? c->projectDomainName : "Default"));
    } else {
        json_decref(p);
        return NULL;
    }
    return json_pack("{s:o}", "project", p);
}

static json_t *authBody(const OsConfig *c) {
    json_t *identity;
    if (strcmp(c->authType, "v3applicationcredential") == 0) {
        json_t *ac = json_pack("{s:s}", "secret", c->appCredSecret);
        if (c->appCredId) {
            json_object_set_new(ac, "id", json_string(c->appCredId));
        } else {
            json_object_set_new(ac, "name", json_string(c->appCredName));
            json_t *u = c->userId ? json_pack("{s:s}", "id", c->userId)
                                  : json_pack("{s:s}", "name", c->username ? c->username : "");
            if (!c->userId)
                json_object_set_new(
                    u, "domain",
                    c->userDomainId ? json_pack("{s:s}", "id", c->userDomainId)
                                    : json_pack("{s:s}", "name",
                                                c->userDomainName ? c->userDomainName : "Default"));
            json_object_set_new(ac, "user", u);
        }
        identity = json_pack("{s:[s], s:o}", "methods", "application_credential",
                             "application_credential", ac);
        return json_pack("{s:{s:o}}", "auth", "identity", identity);
    }
    json_t *u = json_pack("{s:s}", "password", c->password);
    if (c->userId) {
        json_object_set_new(u, "id", json_string(c->userId));
    } else {
        json_object_set_new(u, "name", json_string(c->username));
        json_object_set_new(
            u, "domain",
            c->userDomainId
                ? json_pack("{s:s}", "id", c->userDomainId)
                : json_pack("{s:s}", "name", c->userDomainName ? c->userDomainName : "Default"));
    }
    identity = json_pack("{s:[s], s:{s:o}}", "methods", "password", "password", "user", u);
    json_t *a = json_pack("{s:o}", "identity", identity);
    json_t *scope = scopeJson(c);
    if (scope) json_object_set_new(a, "scope", scope);
    return json_pack("{s:o}", "auth", a);
}

/* "2026-11-25T05:45:56.000000Z" as seconds since the epoch. */
static int parseIsoTime(const char *s, double *out) {
    struct tm tm = {0};
    const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest) return -1;
    *out = (double)timegm(&tm);
    return 0;
}

static void endpointsClear(OsSession *s) {
    for (size_t i = 0; i < 2 * s->nendpoints; i++)
        free(s->endpointOf[i]);
    free(s->endpointOf);
    s->endpointOf = NULL;
    s->nendpoints = 0;
}

int osAuthenticate(OsSession *s) {
    char url[2048], what[2100];
    const char *base = s->cfg.authUrl;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    bool v3 = n >= 3 && strncmp(base + n - 3, "/v3", 3) == 0;
    snprintf(url, sizeof(url), "%.*s%s/auth/tokens", (int)n, base, v3 ? "" : "/v3");
    snprintf(what, sizeof(what), "POST %s", url);
    json_t *body = authBody(&s->cfg);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    HttpReply r = {0};
    int rc = -1;
    json_t *j = NULL;
    for (int attempt = 0; attempt < s->attempts; attempt++) {
        replyClear(&r);
        if (attempt > 0) backoffSleep(s->backoffS * (double)(1 << (attempt - 1)));
        rc = httpDo(s, "POST", url, NULL, text, false, &r, what);
        if (rc == 0 && r.status < 500) break;
        if (rc == 0) {
            char d[512];
            describeStatus(&r, d, sizeof(d));
            rc = ERR("%s: %s", what, d);
        }
    }
    memset(text, 0, strlen(text)); /* it holds the secret */
    free(text);
    if (rc != 0) goto done;
    rc = -1;
    if (r.status != 201 && r.status != 200) {
        char d[512];
        describeStatus(&r, d, sizeof(d));
        ERR("%s: authentication refused: %s", what, d);
        goto done;
    }
    j = json_loads(r.body.data ? r.body.data : "", 0, NULL);
    json_t *tokenObj = json_object_get(j, "token");
    if (!json_is_object(tokenObj)) {
        ERR("%s: the answer has no JSON object 'token'", what);
        goto done;
    }
    if (!r.subjectToken || !*r.subjectToken) {
        ERR("%s: the answer has no X-Subject-Token header", what);
        goto done;
    }
    const char *exp = json_string_value(json_object_get(tokenObj, "expires_at"));
    double expires;
    if (parseIsoTime(exp, &expires) != 0) {
        ERR("%s: 'token.expires_at' is missing or not a time", what);
        goto done;
    }
    json_t *cat = json_object_get(tokenObj, "catalog");
    if (!json_is_array(cat)) {
        ERR("%s: 'token.catalog' is missing or not an array (is the token scoped to a project?)",
            what);
        goto done;
    }
    free(s->token);
    s->token = r.subjectToken;
    r.subjectToken = NULL;
    s->expires = expires;
    json_decref(s->catalog);
    s->catalog = json_incref(cat);
    endpointsClear(s);
    s->tokens++;
    rc = 0;
done:
    json_decref(j);
    replyClear(&r);
    return rc;
}

static bool tokenFresh(const OsSession *s) {
    return s->token && s->expires - (double)time(NULL) > s->renewMargin;
}

const char *osEndpoint(OsSession *s, const char *type) {
    if (!tokenFresh(s) && osAuthenticate(s) != 0) return NULL;
    for (size_t i = 0; i < s->nendpoints; i++)
        if (strcmp(s->endpointOf[2 * i], type) == 0) return s->endpointOf[2 * i + 1];
    size_t i;
    json_t *svc;
    json_array_foreach(s->catalog, i, svc) {
        if (!json_is_string(json_object_get(svc, "type")) ||
            strcmp(json_string_value(json_object_get(svc, "type")), type) != 0)
            continue;
        size_t k;
        json_t *ep;
        json_array_foreach(json_object_get(svc, "endpoints"), k, ep) {
            const char *iface = json_string_value(json_object_get(ep, "interface"));
            const char *region = json_string_value(json_object_get(ep, "region_id"));
            if (!region) region = json_string_value(json_object_get(ep, "region"));
            const char *url = json_string_value(json_object_get(ep, "url"));
            if (!iface || !url || strcmp(iface, s->cfg.interface) != 0) continue;
            if (s->cfg.regionName && (!region || strcmp(region, s->cfg.regionName) != 0)) continue;
            s->endpointOf = xrealloc(s->endpointOf, (s->nendpoints + 1) * 2 * sizeof(char *));
            size_t len = strlen(url);
            while (len > 0 && url[len - 1] == '/')
                len--;
            s->endpointOf[2 * s->nendpoints] = xstrdup(type);
            s->endpointOf[2 * s->nendpoints + 1] = xstrndup(url, len);
            return s->endpointOf[2 * s->nendpoints++ + 1];
        }
    }
    ERR("the service catalog has no '%s' endpoint for interface '%s'%s%s", type, s->cfg.interface,
        s->cfg.regionName ? " in region " : "", s->cfg.regionName ? s->cfg.regionName : "");
    return NULL;
}

int osRequest(OsSession *s, const char *service, const char *method, const char *path,
              const char *microversion, json_t *body, long *status, json_t **out) {
    if (out) *out = NULL;
    char what[1024];
    snprintf(what, sizeof(what), "%s %s", method, path);
    const char *base = osEndpoint(s, service);
    if (!base) {
        errPrefix("%s", what);
        return -1;
    }
    size_t ulen = strlen(base) + strlen(path) + 1;
    char *url = xmalloc(ulen);
    snprintf(url, ulen, "%s%s", base, path);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    HttpReply r = {0};
    int rc = -1;
    bool reauthed = false;
    for (int attempt = 0; attempt < s->attempts;) {
        replyClear(&r);
        if (!tokenFresh(s) && osAuthenticate(s) != 0) {
            errPrefix("%s", what);
            goto done;
        }
        rc = httpDo(s, method, url, microversion, text, true, &r, what);
        if (rc == 0 && r.status == 401 && !reauthed) {
            reauthed = true; /* revoked or expired early: one fresh token */
            free(s->token);
            s->token = NULL;
            continue;
        }
        if (rc == 0 && r.status < 500) break;
        if (rc == 0) {
            char d[512];
            describeStatus(&r, d, sizeof(d));
            rc = ERR("%s: %s (after %d attempt(s))", what, d, attempt + 1);
        } else {
            errPrefix("after %d attempt(s)", attempt + 1);
        }
        if (++attempt < s->attempts) backoffSleep(s->backoffS * (double)(1 << (attempt - 1)));
    }
    if (rc != 0) goto done;
    if (status) *status = r.status;
    if (r.status >= 400) {
        char d[512];
        describeStatus(&r, d, sizeof(d));
        rc = ERR("%s: %s%s", what, d, r.status == 401 ? " (not authorised after a new token)" : "");
        goto done;
    }
    if (out && r.body.len > 0) {
        json_error_t je;
        *out = json_loadb(r.body.data, r.body.len, 0, &je);
        if (!*out) rc = ERR("%s: the answer is not JSON: %s at line %d", what, je.text, je.line);
    }
done:
    if (text) {
        memset(text, 0, strlen(text));
        free(text);
    }
    free(url);
    replyClear(&r);
    return rc;
}
