/* http.h - the daemon's HTTP server: libmicrohttpd driven by the daemon's
 * own event loop (no server threads), a small routing table, JSON errors.
 *
 * Handlers run on the loop's thread, so they may read the daemon's state
 * without locks. Every request that no route accepts gets a JSON error
 * with a reason (400, 401, 404, 405, 413, 414), never a crash.
 *
 * Hardening: optional TLS (certificate and key files), a bearer token that
 * every request changing anything (any method but GET and HEAD) must carry,
 * compared in constant time, and limits on the size of what a client sends
 * (URL, headers, query arguments; no request bodies). */
#ifndef GEYSER_HTTP_H
#define GEYSER_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "loop.h"

/* Limits on what a client may send: beyond them the answer is a JSON error. */
#define HTTP_MAX_PATH      1024 /* bytes of the path */
#define HTTP_MAX_ARGS      32   /* query arguments */
#define HTTP_MAX_ARG_VALUE 256  /* bytes of one query argument */

typedef struct HttpConfig {
    const char *listen;    /* "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080"); port 0 picks one */
    const char *tlsCert;   /* PEM certificate file: serve HTTPS; NULL for plain HTTP */
    const char *tlsKey;    /* PEM private key file, with tlsCert */
    const char *tokenFile; /* file holding the bearer token; NULL: changes are refused */
} HttpConfig;

typedef struct HttpRequest {
    const char *method;
    const char *path;
    const char *rest; /* for a prefix route ("/api/v1/hosts/" + star): the part after the prefix */
    void *conn;       /* the libmicrohttpd connection, for httpQuery() */
} HttpRequest;

typedef struct HttpResponse {
    int status;
    const char *contentType;
    const char *cacheControl; /* NULL: no-store */
    Buf body;
} HttpResponse;

/* Fill resp (status defaults to 200, content type to JSON). Return 0, or
 * -1 for an internal error (the server answers 500 with errLast()). */
typedef int (*HttpHandler)(void *arg, const HttpRequest *req, HttpResponse *resp);

typedef struct HttpServer HttpServer;

HttpServer *httpStart(Loop *loop, const HttpConfig *cfg);
/* A path ending in a star matches every path with that prefix (req->rest gets
 * the remainder). Exact routes win over prefix routes. */
int httpRoute(HttpServer *s, const char *method, const char *path, HttpHandler fn, void *arg);
int httpPort(const HttpServer *s);
void httpStop(HttpServer *s);

/* A query-string argument, or NULL. */
const char *httpQuery(const HttpRequest *req, const char *name);

/* Set a JSON error body {"error": reason, "status": status} with status. */
void httpJsonError(HttpResponse *resp, int status, const char *reason);

/* Constant-time comparison of a presented secret with the expected one:
 * the time taken depends on the lengths only, not on where they differ. */
int httpTokenEqual(const char *given, size_t givenLen, const char *want, size_t wantLen);

#endif
