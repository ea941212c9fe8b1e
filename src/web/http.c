/* http.c - libmicrohttpd in external-epoll mode on the daemon's loop. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "util.h"

/* Requests are small (no uploads yet): anything larger is refused. */
#define HTTP_MAX_BODY 65536

typedef struct HttpRoute {
    char method[8];
    char path[128];
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
};

void httpJsonError(HttpResponse *resp, int status, const char *reason) {
    json_t *o = json_pack("{s:s, s:i}", "error", reason, "status", status);
    char *text = json_dumps(o, JSON_COMPACT);
    resp->status = status;
    resp->contentType = "application/json";
    bufFree(&resp->body);
    bufPrintf(&resp->body, "%s\n", text);
    free(text);
    json_decref(o);
}

const char *httpQuery(const HttpRequest *req, const char *name) {
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const HttpRoute *findRoute(const HttpServer *s, const char *method, const char *path,
                                  bool *pathKnown) {
    *pathKnown = false;
    for (size_t i = 0; i < s->nroutes; i++) {
        if (strcmp(s->routes[i].path, path) != 0) continue;
        *pathKnown = true;
        if (strcmp(s->routes[i].method, method) == 0) return &s->routes[i];
    }
    return NULL;
}

static enum MHD_Result sendResponse(struct MHD_Connection *conn, HttpResponse *r) {
    size_t len;
    char *body = bufDetach(&r->body, &len);
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", r->contentType);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void dispatch(HttpServer *s, const HttpRequest *req, HttpResponse *resp) {
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
    if (route->fn(route->arg, req, resp) != 0) httpJsonError(resp, 500, errLast());
}

static enum MHD_Result onRequest(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *uploadSize, void **state) {
    (void)version, (void)upload;
    HttpServer *s = cls;
    HttpResponse resp = {.status = 200, .contentType = "application/json"};
    bufInit(&resp.body);
    HttpRequest req = {.method = method, .path = url, .conn = conn};
    /* No resource takes a body yet: a request that has one is answered on
     * the first call, before its body is read, which MHD permits and which
     * spares the server reading what it will refuse. */
    if (*state == NULL) {
        *state = s;
        if (!MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length") &&
            !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding"))
            return MHD_YES;
        bool pathKnown;
        if (findRoute(s, method, url, &pathKnown))
            httpJsonError(&resp, 413, "request bodies are not accepted here");
        else
            dispatch(s, &req, &resp);
        return sendResponse(conn, &resp);
    }
    *uploadSize = 0;
    dispatch(s, &req, &resp);
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

HttpServer *httpStart(Loop *loop, const char *listen) {
    struct sockaddr_storage ss;
    socklen_t len;
    if (parseListen(listen, &ss, &len) != 0) return NULL;
    HttpServer *s = xcalloc(1, sizeof(*s));
    s->loop = loop;
    unsigned flags = MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, onRequest, s, MHD_OPTION_SOCK_ADDR,
                              (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 256,
                              MHD_OPTION_CONNECTION_TIMEOUT, 30, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                              (size_t)HTTP_MAX_BODY, MHD_OPTION_END);
    if (!s->mhd) {
        ERR("cannot listen on %s: %s", listen, strerror(errno));
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *ep = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->epollFd = ep ? ep->epoll_fd : -1;
    s->port = pi ? pi->port : 0;
    if (s->epollFd < 0 || loopWatch(loop, s->epollFd, onEpoll, s) != 0) {
        MHD_stop_daemon(s->mhd);
        free(s);
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
    free(s->routes);
    free(s);
}
