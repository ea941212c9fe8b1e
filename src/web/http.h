/* http.h - the daemon's HTTP server: libmicrohttpd driven by the daemon's
 * own event loop (no server threads), a small routing table, JSON errors.
 *
 * Handlers run on the loop's thread, so they may read the daemon's state
 * without locks. Every request that no route accepts gets a JSON error
 * with a reason (404, 405, 413), never a crash. */
#ifndef GEYSER_HTTP_H
#define GEYSER_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "loop.h"

typedef struct HttpRequest {
    const char *method;
    const char *path;
    void *conn; /* the libmicrohttpd connection, for httpQuery() */
} HttpRequest;

typedef struct HttpResponse {
    int status;
    const char *contentType;
    Buf body;
} HttpResponse;

/* Fill resp (status defaults to 200, content type to JSON). Return 0, or
 * -1 for an internal error (the server answers 500 with errLast()). */
typedef int (*HttpHandler)(void *arg, const HttpRequest *req, HttpResponse *resp);

typedef struct HttpServer HttpServer;

/* listen is "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080"); port 0 picks a
 * free one (see httpPort). */
HttpServer *httpStart(Loop *loop, const char *listen);
int httpRoute(HttpServer *s, const char *method, const char *path, HttpHandler fn, void *arg);
int httpPort(const HttpServer *s);
void httpStop(HttpServer *s);

/* A query-string argument, or NULL. */
const char *httpQuery(const HttpRequest *req, const char *name);

/* Set a JSON error body {"error": reason} with status. */
void httpJsonError(HttpResponse *resp, int status, const char *reason);

#endif
