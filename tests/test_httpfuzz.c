/* test_httpfuzz.c - throw random and adversarial requests at the HTTP
 * server over loopback: odd methods, paths, query strings, headers, bodies,
 * truncated requests. The server must answer each with a well-formed
 * response (a JSON error for anything a handler saw) or close the
 * connection, keep serving afterwards, and stay ASan/UBSan-clean.
 *
 * The server runs on the main thread's loop, as in the daemon; the client
 * runs in a second thread and tells the loop to stop through an atomic
 * flag that a loop timer polls. Bounded in count (FUZZ_REQUESTS) and in
 * time (FUZZ_BUDGET_S stops early, without failing). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http.h"
#include "loop.h"
#include "testing.h"
#include "err.h"
#include "util.h"

#define FUZZ_REQUESTS 800
#define FUZZ_BUDGET_S 30.0
#define TOKEN         "0123456789abcdef0123456789abcdef"

static atomic_int clientDone;
static int port;
static int handled; /* requests that reached a handler (server thread only) */
static atomic_int answered, closedEarly, jsonErrors, badResponses;

static int onEcho(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg;
    handled++;
    const char *x = httpQuery(req, "x");
    bufPrintf(&resp->body, "{\"x\": %zu, \"rest\": %zu}\n", x ? strlen(x) : 0, strlen(req->rest));
    return 0;
}

/* An answer over the gzip threshold (http.c), so that Accept-Encoding
 * headers below reach the compression path. */
static int onBig(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg, (void)req;
    handled++;
    bufAppend(&resp->body, "{\"x\": [", 7);
    for (int i = 0; i < 6000; i++)
        bufPrintf(&resp->body, "%s%d", i ? "," : "", i * 7);
    bufAppend(&resp->body, "]}\n", 3);
    return 0;
}

static int onChange(void *arg, const HttpRequest *req, HttpResponse *resp) {
    (void)arg, (void)req;
    handled++;
    bufPrintf(&resp->body, "{\"changed\": true}\n");
    return 0;
}

static long pollDone(Loop *l, void *arg) {
    (void)l, (void)arg;
    return atomic_load(&clientDone) ? -1 : 10;
}

static uint64_t rngState = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void) { /* xorshift64*: reproducible */
    rngState ^= rngState >> 12;
    rngState ^= rngState << 25;
    rngState ^= rngState >> 27;
    return rngState * 2685821657736338717ULL;
}

static void randomBytes(Buf *b, size_t n, bool printable) {
    for (size_t i = 0; i < n; i++) {
        char c = (char)(printable ? 33 + rnd() % 94 : rnd() % 256);
        bufAppend(b, &c, 1);
    }
}

/* Send raw bytes and read the answer; returns the HTTP status, 0 when the
 * server closed without answering, -1 on a malformed answer. */
static int exchange(const char *data, size_t len, char *out, size_t outCap, int timeoutS) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* A request the server cannot parse to its end (garbage where a header
     * line should end) waits for more until MHD's connection timeout: the
     * client gives up after a second and counts it as closed. */
    struct timeval tv = {timeoutS, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < outCap && (r = recv(fd, out + got, outCap - 1 - got, 0)) > 0)
        got += (size_t)r;
    out[got] = '\0';
    close(fd);
    if (got == 0) return 0;
    int status;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1) return -1;
    return status;
}

static const char *methods[] = {"GET",     "POST",    "PUT",   "DELETE",
                                "HEAD",    "OPTIONS", "PATCH", "TRACE",
                                "CONNECT", "G\x01T",  "get",   "XXXXXXXXXXXXXXXXXXXXXXX"};
static const char *paths[] = {
    "/echo", "/echo/",     "/pre/",  "/pre/a/b", "/change",       "/",          "/../../etc/passwd",
    "/%00",  "/echo%2F..", "//echo", "*",        "http://x/echo", "/echo#frag", "/\xff\xfe",
    "",      "/big",       "/big",   "/big"};
static const char *encodings[] = {
    "gzip",      "gzip;q=0",   "gzip; q=0.000", "gzip;q=",  "GZIP, br", "br, gzip",
    ", , ,gzip", "gzipx",      "gzip;q=0.5,x",  "identity", "*",        ";q=0",
    "gzip;",     "gzip ; q=0", "gzip;q=0.",     ""};

static void buildRequest(Buf *b, int k) {
    const char *m = methods[rnd() % (sizeof(methods) / sizeof(*methods))];
    const char *p = paths[rnd() % (sizeof(paths) / sizeof(*paths))];
    bufPrintf(b, "%s %s", m, p);
    switch (k % 8) {
    case 0: break;
    case 1: /* many arguments */
        bufAppend(b, "?", 1);
        for (int i = 0; i < (int)(rnd() % 80); i++)
            bufPrintf(b, "a%d=%d&", i, i);
        break;
    case 2: /* long or odd values */
        bufAppend(b, "?x=", 3);
        randomBytes(b, rnd() % 600, true);
        break;
    case 3: bufAppend(b, "?from=-1&to=1e308&step=nan&x=%zz&&=&x", 36); break;
    case 4: /* a very long path */
        bufAppend(b, "/", 1);
        randomBytes(b, 500 + rnd() % 3000, true);
        break;
    default: randomBytes(b, rnd() % 40, rnd() % 2); break;
    }
    bufPrintf(b, " HTTP/1.%d\r\nHost: x\r\nConnection: close\r\n", (int)(rnd() % 2));
    if (rnd() % 4 == 0) bufPrintf(b, "Authorization: Bearer %s\r\n", rnd() % 2 ? TOKEN : "wrong");
    if (rnd() % 2 == 0)
        bufPrintf(b, "Accept-Encoding: %s\r\n",
                  encodings[rnd() % (sizeof(encodings) / sizeof(*encodings))]);
    if (rnd() % 5 == 0) bufPrintf(b, "Content-Length: %d\r\n", (int)(rnd() % 100000) - 10);
    if (rnd() % 9 == 0) bufPrintf(b, "Transfer-Encoding: chunked\r\n");
    if (rnd() % 7 == 0) { /* a huge header */
        bufAppend(b, "X-Big: ", 7);
        randomBytes(b, 70000, true);
        bufAppend(b, "\r\n", 2);
    }
    if (rnd() % 6 == 0) randomBytes(b, rnd() % 100, false); /* garbage in the headers */
    bufAppend(b, "\r\n", 2);
    if (rnd() % 3 == 0) randomBytes(b, rnd() % 2000, false); /* a body */
    if (rnd() % 10 == 0) b->len = rnd() % (b->len + 1);      /* truncated */
}

static void *client(void *arg) {
    (void)arg;
    static char out[1 << 16];
    double t0 = nowMonotonic();
    for (int k = 0; k < FUZZ_REQUESTS && nowMonotonic() - t0 < FUZZ_BUDGET_S; k++) {
        Buf b;
        bufInit(&b);
        buildRequest(&b, k);
        int st = exchange(b.data ? b.data : "", b.len, out, sizeof(out), 1);
        bufFree(&b);
        if (st == 0) {
            atomic_fetch_add(&closedEarly, 1);
            continue;
        }
        if (st < 100 || st > 599) {
            atomic_fetch_add(&badResponses, 1);
            continue;
        }
        atomic_fetch_add(&answered, 1);
        const char *body = strstr(out, "\r\n\r\n");
        if (st >= 400 && body && strstr(out, "application/json") && strstr(body, "\"error\""))
            atomic_fetch_add(&jsonErrors, 1);
    }
    atomic_store(&clientDone, 1);
    return NULL;
}

/* After the storm: the well-formed requests get the right answers. */
static void *checks(void *arg) {
    int *st = arg;
    static char out[1 << 16];
    const char *reqs[] = {
        "GET /echo?x=abc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "POST /change HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "POST /change HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nConnection: "
        "close\r\n\r\n",
        "POST /change HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN
        "\r\nConnection: close\r\n\r\n",
        "GET /pre/a/b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "DELETE /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /echo?a=1&a=2&a=3&a=4&a=5&a=6&a=7&a=8&a=9&a=10&a=11&a=12&a=13&a=14&a=15&a=16&"
        "a=17&a=18&a=19&a=20&a=21&a=22&a=23&a=24&a=25&a=26&a=27&a=28&a=29&a=30&a=31&a=32&a=33 "
        "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "POST /change HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " TOKEN
        "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    };
    size_t n = sizeof(reqs) / sizeof(*reqs);
    for (size_t i = 0; i < n; i++)
        st[i] = exchange(reqs[i], strlen(reqs[i]), out, sizeof(out), 10);
    /* A large answer: gzipped when accepted, plain when refused (q=0). */
    const char *gz = "GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip\r\n"
                     "Connection: close\r\n\r\n";
    const char *q0 = "GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0\r\n"
                     "Connection: close\r\n\r\n";
    st[n] = exchange(gz, strlen(gz), out, sizeof(out), 10) == 200 &&
            strstr(out, "Content-Encoding: gzip") != NULL;
    st[n + 1] = exchange(q0, strlen(q0), out, sizeof(out), 10) == 200 &&
                strstr(out, "Content-Encoding") == NULL && strstr(out, "41993") != NULL;
    atomic_store(&clientDone, 1);
    return NULL;
}

static void runLoopWith(Loop *l, void *(*fn)(void *), void *arg) {
    pthread_t th;
    atomic_store(&clientDone, 0);
    CHECK(pthread_create(&th, NULL, fn, arg) == 0);
    loopAddTimer(l, 10, pollDone, NULL);
    CHECK(loopRun(l) == 0);
    pthread_join(th, NULL);
}

static void testFuzz(void) {
    char tokenPath[] = "/tmp/geyser-fuzz-token-XXXXXX";
    int fd = mkstemp(tokenPath);
    CHECK(fd >= 0);
    CHECK(write(fd, TOKEN "\n", strlen(TOKEN) + 1) == (ssize_t)strlen(TOKEN) + 1);
    close(fd);
    Loop *l = loopCreate();
    HttpConfig cfg = {.listen = "127.0.0.1:0", .tokenFile = tokenPath};
    HttpServer *s = httpStart(l, &cfg);
    unlink(tokenPath);
    CHECK(s != NULL);
    if (!s) {
        loopFree(l);
        return;
    }
    port = httpPort(s);
    CHECK(httpRoute(s, "GET", "/echo", onEcho, NULL) == 0);
    CHECK(httpRoute(s, "GET", "/pre/*", onEcho, NULL) == 0);
    CHECK(httpRoute(s, "POST", "/change", onChange, NULL) == 0);
    CHECK(httpRoute(s, "GET", "/big", onBig, NULL) == 0);

    runLoopWith(l, client, NULL);
    fprintf(stderr, "fuzz: %d answered (%d JSON errors), %d closed, %d malformed, %d handled\n",
            atomic_load(&answered), atomic_load(&jsonErrors), atomic_load(&closedEarly),
            atomic_load(&badResponses), handled);
    CHECK(atomic_load(&badResponses) == 0);
    CHECK(atomic_load(&answered) > 0);
    CHECK(atomic_load(&jsonErrors) > 0);

    int st[11] = {0};
    runLoopWith(l, checks, st);
    CHECK(st[0] == 200); /* still serving */
    CHECK(st[1] == 401); /* no token */
    CHECK(st[2] == 401); /* wrong token */
    CHECK(st[3] == 200); /* the token */
    CHECK(st[4] == 200); /* prefix route */
    CHECK(st[5] == 405);
    CHECK(st[6] == 404);
    CHECK(st[7] == 400); /* too many arguments */
    CHECK(st[8] == 413); /* bodies are refused */
    CHECK(st[9] == 1);   /* gzipped */
    CHECK(st[10] == 1);  /* plain: q=0 refuses gzip */
    httpStop(s);
    loopFree(l);
}

static void testTokenEqual(void) {
    CHECK(httpTokenEqual("abc", 3, "abc", 3));
    CHECK(!httpTokenEqual("abd", 3, "abc", 3));
    CHECK(!httpTokenEqual("ab", 2, "abc", 3));
    CHECK(!httpTokenEqual("abcd", 4, "abc", 3));
    CHECK(!httpTokenEqual("", 0, "abc", 3));
}

static void testBadConfig(void) {
    Loop *l = loopCreate();
    HttpConfig noKey = {.listen = "127.0.0.1:0", .tlsCert = "/nonexistent"};
    CHECK(httpStart(l, &noKey) == NULL);
    CHECK_STR_CONTAINS(errLast(), "both a certificate");
    HttpConfig noToken = {.listen = "127.0.0.1:0", .tokenFile = "/nonexistent/token"};
    CHECK(httpStart(l, &noToken) == NULL);
    CHECK_STR_CONTAINS(errLast(), "cannot open the token file");
    loopFree(l);
}

int main(void) {
    RUN(testTokenEqual);
    RUN(testBadConfig);
    RUN(testFuzz);
    return testSummary("test_httpfuzz");
}
