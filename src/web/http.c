/* http.c - libmicrohttpd in external-epoll mode on the daemon's loop, with
 * optional TLS, a bearer token for changes, and limits on requests. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "err.h"
#include "util.h"

/* Headers, URL and query together: MHD answers 431/413 itself beyond it. */
#define HTTP_MAX_HEADERS 65536
/* Certificates, keys and token files are small; larger ones are a mistake. */
#define HTTP_MAX_SECRET_FILE (1 << 20)

typedef struct HttpRoute {
    char method[8];
    char path[128];
    bool prefix; /* path ended in '*' (stripped) */
    HttpHandler fn;
    void *arg;
} HttpRoute;

struct HttpServer {
    struct MHD_Daemon *mhd;
    Loop *loop;
    int epollFd;
    int port;
    HttpRoute *routes;
    size_t nroutes, capRoutes;
    char *token; /* NULL: no change is allowed */
    size_t tokenLen;
    char *tlsCert, *tlsKey; /* kept for the life of the MHD daemon */
};

void httpJsonError(HttpResponse *resp, int status, const char *reason) {
    json_t *o = json_pack("{s:s, s:i}", "error", reason, "status", status);
    char *text = json_dumps(o, JSON_COMPACT);
    resp->status = status;
    resp->contentType = "application/json";
    bufFree(&resp->body);
    bufPrintf(&resp->body, "%s\n", text ? text : "{\"error\":\"unencodable reason\"}");
    free(text);
    json_decref(o);
}

const char *httpQuery(const HttpRequest *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

int httpTokenEqual(const char *given, size_t givenLen, const char *want, size_t wantLen) {
    /* Walk the expected token in full whatever was given, so that neither
     * a mismatch's position nor the given length's prefix leaks through time. */
    unsigned char diff = (unsigned char)(givenLen != wantLen);
    for (size_t i = 0; i < wantLen; i++) {
        unsigned char g = i < givenLen ? (unsigned char)given[i] : 0;
        diff |= (unsigned char)(g ^ (unsigned char)want[i]);
    }
    return diff == 0;
}

static bool isReadMethod(const char *method) {
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static bool routeMatches(const HttpRoute *r, const char *path, bool prefix) {
    if (r->prefix != prefix) return false;
    if (!prefix) return strcmp(r->path, path) == 0;
    return strncmp(r->path, path, strlen(r->path)) == 0;
}

/* Exact routes first, then prefix routes. HEAD is served by GET routes. */
static const HttpRoute *findRoute(const HttpServer *s, const char *method, const char *path,
                                  bool *pathKnown) {
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    *pathKnown = false;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->nroutes; i++) {
            if (!routeMatches(&s->routes[i], path, pass == 1)) continue;
            *pathKnown = true;
            if (strcmp(s->routes[i].method, m) == 0) return &s->routes[i];
        }
        if (*pathKnown) return NULL;
    }
    return NULL;
}

/* Bodies this large are sent gzip-compressed to clients that accept it: a
 * day of one-minute data for 1000 hosts is 10.7 MB of JSON and about 1 MB
 * gzipped at level 1 (90 ms of compression against a browser that takes
 * half a second to receive 10 MB); small answers are not worth it. */
#define GZIP_MIN_BYTES (32 * 1024)

/* Whether a quality value ("0", "0.0", ...) is zero, up to its end. */
static bool qualityZero(const char *v) {
    if (*v != '0') return false;
    v++;
    if (*v == '.') {
        v++;
        while (*v == '0')
            v++;
    }
    return *v == '\0' || *v == ',' || *v == ' ' || *v == ';';
}

/* Whether Accept-Encoding lists gzip without refusing it ("gzip;q=0"). */
static bool acceptsGzip(struct MHD_Connection *conn) {
    const char *p = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    while (p && *p) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ","), tok = strcspn(p, " ;,");
        if (tok == 4 && strncasecmp(p, "gzip", 4) == 0) {
            const char *q = p + tok;
            q += strspn(q, " ");
            if (strncmp(q, ";q=", 3) == 0 || strncmp(q, "; q=", 4) == 0)
                return !qualityZero(strchr(q, '=') + 1);
            return true;
        }
        p += n;
    }
    return false;
}

/* The body gzip-compressed (level 1: speed over ratio), or NULL when zlib
 * fails or it would not shrink; the caller then sends it as it is. */
static char *gzipBody(const char *body, size_t len, size_t *outLen) {
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, (uLong)len);
    char *out = xmalloc(cap);
    z.next_in = (Bytef *)(uintptr_t)body;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *outLen = cap - z.avail_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *outLen >= len) {
        free(out);
        return NULL;
    }
    return out;
}

static enum MHD_Result sendResponse(struct MHD_Connection *conn, HttpResponse *r) {
    size_t len;
    char *body = bufDetach(&r->body, &len);
    bool gzipped = false;
    if (len >= GZIP_MIN_BYTES && len < UINT32_MAX && acceptsGzip(conn)) {
        size_t zlen;
        char *z = gzipBody(body, len, &zlen);
        if (z) {
            free(body);
            body = z, len = zlen, gzipped = true;
        }
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (gzipped) MHD_add_response_header(resp, "Content-Encoding", "gzip");
    if (len >= GZIP_MIN_BYTES || gzipped) MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    MHD_add_response_header(resp, "Content-Type", r->contentType);
    MHD_add_response_header(resp, "Cache-Control", r->cacheControl ? r->cacheControl : "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                            "img-src 'self' data:; frame-ancestors 'none'");
    if (r->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"geyser\"");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* 0 when the request may change things; else resp holds the refusal. */
static int checkToken(const HttpServer *s, struct MHD_Connection *conn, HttpResponse *resp) {
    if (!s->token) {
        httpJsonError(resp, 403,
                      "changes are disabled: start geyser serve with --token-file to allow them");
        return -1;
    }
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncmp(auth, "Bearer ", 7) != 0) {
        httpJsonError(resp, 401,
                      "this request changes state and needs an 'Authorization: "
                      "Bearer TOKEN' header");
        return -1;
    }
    const char *given = auth + 7;
    if (!httpTokenEqual(given, strlen(given), s->token, s->tokenLen)) {
        httpJsonError(resp, 401, "the bearer token is not the one this daemon was given");
        return -1;
    }
    return 0;
}

static void dispatch(HttpServer *s, struct MHD_Connection *conn, HttpRequest *req,
                     HttpResponse *resp) {
    bool pathKnown;
    const HttpRoute *route = findRoute(s, req->method, req->path, &pathKnown);
    if (!route) {
        char why[300];
        if (pathKnown)
            snprintf(why, sizeof(why), "method %.16s is not allowed on %.200s", req->method,
                     req->path);
        else
            snprintf(why, sizeof(why), "no such resource: %.200s", req->path);
        httpJsonError(resp, pathKnown ? 405 : 404, why);
        return;
    }
    if (!isReadMethod(req->method) && checkToken(s, conn, resp) != 0) return;
    req->rest = route->prefix ? req->path + strlen(route->path) : "";
    errClear();
    if (route->fn(route->arg, req, resp) != 0) httpJsonError(resp, 500, errLast());
}

typedef struct ArgCheck {
    int n;
    const char *bad; /* the first argument over the size limit */
} ArgCheck;

static enum MHD_Result countArg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value) {
    (void)kind;
    ArgCheck *c = cls;
    c->n++;
    if (!c->bad &&
        (strlen(key) > HTTP_MAX_ARG_VALUE || (value && strlen(value) > HTTP_MAX_ARG_VALUE)))
        c->bad = key;
    return MHD_YES;
}

/* The limits every request must respect before any handler sees it; 0 when
 * it does, else resp holds the refusal. */
static int checkLimits(struct MHD_Connection *conn, const char *url, HttpResponse *resp) {
    char why[200];
    if (strlen(url) > HTTP_MAX_PATH) {
        snprintf(why, sizeof(why), "the path is longer than %d bytes", HTTP_MAX_PATH);
        httpJsonError(resp, 414, why);
        return -1;
    }
    if (url[0] != '/') {
        httpJsonError(resp, 400, "the request target must be an absolute path");
        return -1;
    }
    ArgCheck c = {0, NULL};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, countArg, &c);
    if (c.n > HTTP_MAX_ARGS) {
        snprintf(why, sizeof(why), "%d query arguments; at most %d are accepted", c.n,
                 HTTP_MAX_ARGS);
        httpJsonError(resp, 400, why);
        return -1;
    }
    if (c.bad) {
        snprintf(why, sizeof(why), "query argument '%.40s' is longer than %d bytes", c.bad,
                 HTTP_MAX_ARG_VALUE);
        httpJsonError(resp, 400, why);
        return -1;
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    long n = 0;
    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding") ||
        (cl && (parseLong(cl, &n) != 0 || n != 0))) {
        httpJsonError(resp, 413, "request bodies are not accepted: arguments go in the query");
        return -1;
    }
    return 0;
}

static enum MHD_Result onRequest(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *uploadSize, void **state) {
    (void)version, (void)upload;
    HttpServer *s = cls;
    HttpResponse resp = {.status = 200, .contentType = "application/json"};
    bufInit(&resp.body);
    HttpRequest req = {.method = method, .path = url, .rest = "", .conn = conn};
    /* Every request is answered on the first call, before any body is read
     * (MHD permits it): no resource takes a body, so there is nothing to
     * wait for, and a client that sends an odd method or never ends its
     * body cannot hold a connection open. */
    (void)uploadSize, (void)state;
    if (checkLimits(conn, url, &resp) == 0) dispatch(s, conn, &req, &resp);
    return sendResponse(conn, &resp);
}

static int onEpoll(Loop *l, int fd, void *arg) {
    (void)l, (void)fd;
    HttpServer *s = arg;
    MHD_run(s->mhd);
    return 0;
}

static long capWait(Loop *l, void *arg) {
    (void)l;
    HttpServer *s = arg;
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(s->mhd, &ms) == MHD_YES) return (long)(ms > 1000 ? 1000 : ms);
    return -1;
}

static int parseListen(const char *listen, struct sockaddr_storage *ss, socklen_t *len) {
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon) return ERR("listen address '%s' is not ADDR:PORT", listen);
    long port;
    if (parseLong(colon + 1, &port) != 0 || port < 0 || port > 65535)
        return ERR("listen address '%s': '%s' is not a port number", listen, colon + 1);
    const char *h = listen;
    size_t hl = (size_t)(colon - listen);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') h++, hl -= 2;
    if (hl >= sizeof(host)) return ERR("listen address '%s' is too long", listen);
    memcpy(host, h, hl);
    host[hl] = '\0';
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*v6);
    } else {
        return ERR("listen address '%s': '%s' is not an IPv4 or IPv6 address", listen, host);
    }
    return 0;
}

/* The whole of a small file (a key, a certificate, a token), NUL-terminated. */
static char *readSecretFile(const char *what, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        ERR("cannot open the %s file '%s': %s", what, path, strerror(errno));
        return NULL;
    }
    char *data = xmalloc(HTTP_MAX_SECRET_FILE + 1);
    size_t n = fread(data, 1, HTTP_MAX_SECRET_FILE + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > HTTP_MAX_SECRET_FILE || n == 0) {
        ERR("the %s file '%s' %s", what, path,
            bad      ? "cannot be read"
            : n == 0 ? "is empty"
                     : "is larger than 1 MiB");
        free(data);
        return NULL;
    }
    data[n] = '\0';
    return data;
}

static int loadSecrets(HttpServer *s, const HttpConfig *cfg) {
    if (!cfg->tlsCert != !cfg->tlsKey)
        return ERR("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
    if (cfg->tlsCert && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return ERR("this libmicrohttpd was built without TLS support");
    if (cfg->tlsCert) {
        s->tlsCert = readSecretFile("TLS certificate", cfg->tlsCert);
        s->tlsKey = s->tlsCert ? readSecretFile("TLS key", cfg->tlsKey) : NULL;
        if (!s->tlsKey) return -1;
    }
    if (cfg->tokenFile) {
        s->token = readSecretFile("token", cfg->tokenFile);
        if (!s->token) return -1;
        strTrim(s->token);
        s->tokenLen = strlen(s->token);
        if (s->tokenLen < 16)
            return ERR("the token in '%s' is shorter than 16 characters: use a long random one "
                       "(e.g. openssl rand -hex 32)",
                       cfg->tokenFile);
        for (size_t i = 0; i < s->tokenLen; i++)
            if (s->token[i] <= ' ' || s->token[i] > '~')
                return ERR("the token in '%s' has a blank or non-printable character at byte %zu",
                           cfg->tokenFile, i + 1);
    }
    return 0;
}

static void freeServer(HttpServer *s) {
    if (!s) return;
    free(s->routes);
    free(s->token);
    free(s->tlsCert);
    free(s->tlsKey);
    free(s);
}

HttpServer *httpStart(Loop *loop, const HttpConfig *cfg) {
    struct sockaddr_storage ss;
    socklen_t len;
    if (parseListen(cfg->listen, &ss, &len) != 0) return NULL;
    HttpServer *s = xcalloc(1, sizeof(*s));
    s->loop = loop;
    if (loadSecrets(s, cfg) != 0) {
        freeServer(s);
        return NULL;
    }
    unsigned flags = MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) |
                     (s->tlsCert ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls[] = {
        {s->tlsCert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tlsCert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tlsKey},
        {MHD_OPTION_END, 0, NULL}};
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, onRequest, s, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 256,
                              MHD_OPTION_PER_IP_CONNECTION_LIMIT, 128,
                              MHD_OPTION_CONNECTION_TIMEOUT, 30, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                              (size_t)HTTP_MAX_HEADERS, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!s->mhd) {
        ERR("cannot listen on %s%s: %s", cfg->listen, s->tlsCert ? " with TLS" : "",
            errno ? strerror(errno) : "the certificate or key was refused");
        freeServer(s);
        return NULL;
    }
    const union MHD_DaemonInfo *ep = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->epollFd = ep ? ep->epoll_fd : -1;
    s->port = pi ? pi->port : 0;
    if (s->epollFd < 0 || loopWatch(loop, s->epollFd, onEpoll, s) != 0) {
        MHD_stop_daemon(s->mhd);
        freeServer(s);
        ERR("cannot watch the HTTP server's sockets");
        return NULL;
    }
    loopSetBefore(loop, capWait, s);
    return s;
}

int httpRoute(HttpServer *s, const char *method, const char *path, HttpHandler fn, void *arg) {
    if (strlen(method) >= sizeof(s->routes->method) || strlen(path) >= sizeof(s->routes->path))
        return ERR("route %s %s is too long", method, path);
    growArray((void **)&s->routes, sizeof(HttpRoute), &s->capRoutes, s->nroutes + 1);
    HttpRoute *r = &s->routes[s->nroutes++];
    snprintf(r->method, sizeof(r->method), "%s", method);
    snprintf(r->path, sizeof(r->path), "%s", path);
    size_t n = strlen(r->path);
    r->prefix = n > 0 && r->path[n - 1] == '*';
    if (r->prefix) r->path[n - 1] = '\0';
    r->fn = fn;
    r->arg = arg;
    return 0;
}

int httpPort(const HttpServer *s) {
    return s->port;
}

void httpStop(HttpServer *s) {
    if (!s) return;
    loopUnwatch(s->loop, s->epollFd);
    loopSetBefore(s->loop, NULL, NULL);
    MHD_stop_daemon(s->mhd);
    freeServer(s);
}
