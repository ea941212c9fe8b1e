/* test_qmp.c - the QMP client and the migration executor against fake QEMUs:
 * a forked process per socket that plays a script of canned replies and
 * checks that the commands arrive in order (its exit status is the verdict).
 * Covers malformed JSON, error replies, unexpected EOF, events between
 * replies, hybrid switching, the time-limit cancel, and a destination that
 * dies mid-migration before and after the switch to post-copy. */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "migration/migexec.h"
#include "migration/qmp.h"
#include "testing.h"

#define GREETING "{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": []}}"
#define OK       "{\"return\": {}}"

/* One step: read a command named expect (NULL: read nothing), then write
 * reply and a newline (NULL: close the connection, as a dying QEMU). */
typedef struct Step {
    const char *expect; /* "command" or "command|text the command line must also hold" */
    const char *reply;
} Step;

typedef struct Fake {
    pid_t pid;
    char dir[40];
    char path[100];
} Fake;

static bool readLine(int fd, char *buf, size_t cap) {
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0) return false;
        if (buf[n] == '\n') break;
        n++;
    }
    buf[n] = '\0';
    return true;
}

static void writeAll(int fd, const char *s) {
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* The child: exit 0 when every step ran as scripted, 3 on a wrong command,
 * 4 when the client went away early. */
static void fakeServe(int lfd, const Step *steps) {
    alarm(60); /* a safety net should the test itself hang; never a verdict */
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) _exit(5);
    writeAll(fd, GREETING "\n");
    char line[8192], want[128];
    for (const Step *s = steps; s->expect || s->reply; s++) {
        if (s->expect) {
            if (!readLine(fd, line, sizeof(line))) _exit(4);
            const char *bar = strchr(s->expect, '|');
            int nameLen = bar ? (int)(bar - s->expect) : (int)strlen(s->expect);
            snprintf(want, sizeof(want), "\"execute\":\"%.*s\"", nameLen, s->expect);
            if (!strstr(line, want) || (bar && !strstr(line, bar + 1))) {
                fprintf(stderr, "fake QMP: wanted %s, got %s\n", s->expect, line);
                _exit(3);
            }
        }
        if (!s->reply) {
            close(fd);
            _exit(0);
        }
        writeAll(fd, s->reply);
        writeAll(fd, "\n");
    }
    while (readLine(fd, line, sizeof(line))) {
    }
    _exit(0);
}

static void fakeStart(Fake *f, const Step *steps) {
    snprintf(f->dir, sizeof(f->dir), "/tmp/geyser-qmp-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    snprintf(f->path, sizeof(f->path), "%s/qmp.sock", f->dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
    CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(lfd, 1) == 0);
    fflush(NULL);
    f->pid = fork();
    if (f->pid == 0) fakeServe(lfd, steps);
    close(lfd);
}

/* Wait for the fake to end and clean up; true when it followed its script. */
static bool fakeStop(Fake *f) {
    int status = 0;
    if (f->pid > 0 && waitpid(f->pid, &status, 0) != f->pid) {
        kill(f->pid, SIGKILL);
        waitpid(f->pid, &status, 0);
    }
    unlink(f->path);
    rmdir(f->dir);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static const Step hello[] = {{"qmp_capabilities", OK}, {NULL, NULL}};

static void testCommandAndEvents(void) {
    static const Step steps[] = {
        {"qmp_capabilities", OK},
        {"query-status", "{\"event\": \"STOP\", \"data\": {}, \"timestamp\": {}}\n"
                         "{\"return\": {\"running\": true, \"status\": \"running\"}}"},
        {"bogus", "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command bogus "
                  "has not been found\"}}"},
        {"query-migrate", "{\"neither\": 1}"},
        {"query-migrate", "[1, 2]"},
        {"query-migrate", "{\"return\": {\"status\": \"act"},
        {NULL, NULL},
    };
    Fake f;
    fakeStart(&f, steps);
    Qmp *q = qmpConnect(f.path, 10);
    CHECK(q != NULL);
    json_t *st = qmpCommand(q, "query-status", NULL);
    CHECK(st && json_is_true(json_object_get(st, "running")));
    json_decref(st);
    json_t *ev = qmpNextEvent(q);
    CHECK(ev && strcmp(json_string_value(json_object_get(ev, "event")), "STOP") == 0);
    json_decref(ev);
    CHECK(qmpNextEvent(q) == NULL);
    CHECK(qmpCommand(q, "bogus", NULL) == NULL);
    CHECK_STR_CONTAINS(errLast(), "bogus failed: The command bogus has not been found");
    CHECK_STR_CONTAINS(errLast(), "CommandNotFound");
    CHECK(qmpCommand(q, "query-migrate", NULL) == NULL);
    CHECK_STR_CONTAINS(errLast(), "neither return nor error");
    CHECK(qmpCommand(q, "query-migrate", NULL) == NULL);
    CHECK_STR_CONTAINS(errLast(), "not a JSON object");
    CHECK(qmpCommand(q, "query-migrate", NULL) == NULL);
    CHECK_STR_CONTAINS(errLast(), "malformed reply from QEMU");
    qmpClose(q);
    CHECK(fakeStop(&f));
}

static void testEofAndBadGreeting(void) {
    static const Step eof[] = {{"qmp_capabilities", OK}, {"query-status", NULL}, {NULL, NULL}};
    Fake f;
    fakeStart(&f, eof);
    Qmp *q = qmpConnect(f.path, 10);
    CHECK(q != NULL);
    CHECK(qmpCommand(q, "query-status", NULL) == NULL);
    CHECK_STR_CONTAINS(errLast(), "closed the connection unexpectedly");
    qmpClose(q);
    CHECK(fakeStop(&f));

    static const Step refuse[] = {
        {"qmp_capabilities", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no\"}}"},
        {NULL, NULL}};
    fakeStart(&f, refuse);
    CHECK(qmpConnect(f.path, 10) == NULL);
    CHECK_STR_CONTAINS(errLast(), "qmp_capabilities failed: no");
    CHECK(fakeStop(&f));

    CHECK(qmpConnect("/nonexistent/qmp.sock", 1) == NULL);
    CHECK_STR_CONTAINS(errLast(), "cannot connect to QMP /nonexistent/qmp.sock");
}

#define MIGRATING(sync, remaining)                                                                 \
    "{\"return\": {\"status\": \"active\", \"total-time\": 100, \"expected-downtime\": 30, "       \
    "\"ram\": {\"transferred\": 1000, \"remaining\": " #remaining ", \"total\": 9000, "            \
    "\"dirty-sync-count\": " #sync ", \"dirty-pages-rate\": 50, \"mbps\": 800}}}"

static void testPrecopyCompletes(void) {
    static const Step src[] = {
        {"qmp_capabilities", OK},
        {"migrate-set-parameters", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(1, 8000)},
        {"query-migrate", "{\"return\": {\"status\": \"completed\", \"total-time\": 1234, "
                          "\"downtime\": 42, \"ram\": {\"transferred\": 9100, \"remaining\": 0, "
                          "\"total\": 9000, \"dirty-sync-count\": 3}}}"},
        {NULL, NULL},
    };
    Fake f;
    fakeStart(&f, src);
    Qmp *q = qmpConnect(f.path, 10);
    MigExecOptions o = {.mode = MIGRATE_PRECOPY,
                        .uri = "tcp:127.0.0.1:1",
                        .maxBandwidthMBps = 100,
                        .downtimeMs = 300,
                        .pollS = 0.001};
    MigResult r;
    CHECK(migExecute(q, NULL, &o, &r) == 0);
    CHECK(r.outcome == MIG_COMPLETED);
    CHECK(!r.postcopyStarted);
    CHECK(r.last.dirtySyncCount == 3 && r.last.transferred == 9100);
    CHECK_NEAR(r.last.downtimeMs, 42, 1e-9);
    CHECK_NEAR(r.last.totalTimeMs, 1234, 1e-9);
    qmpClose(q);
    CHECK(fakeStop(&f));
}

static void testHybridSwitches(void) {
    /* 100 MiB/s = 104857600 B/s, for pre-copy and for post-copy's push. */
    static const Step src[] = {
        {"qmp_capabilities", OK},
        {"migrate-set-capabilities|\"postcopy-ram\"", OK},
        {"migrate-set-parameters|\"max-postcopy-bandwidth\":104857600", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(1, 8000)},
        {"query-migrate", MIGRATING(2, 3000)},
        {"query-migrate", MIGRATING(3, 2500)},
        {"migrate-start-postcopy", OK},
        {"query-migrate", "{\"return\": {\"status\": \"postcopy-active\"}}"},
        {"query-migrate", "{\"return\": {\"status\": \"completed\", \"downtime\": 5}}"},
        {NULL, NULL},
    };
    static const Step dst[] = {{"qmp_capabilities", OK},
                               {"migrate-set-capabilities|\"postcopy-ram\"", OK},
                               {"query-status", "{\"return\": {\"running\": true}}"},
                               {NULL, NULL}};
    Fake fs, fd;
    fakeStart(&fs, src);
    fakeStart(&fd, dst);
    Qmp *qs = qmpConnect(fs.path, 10), *qd = qmpConnect(fd.path, 10);
    MigExecOptions o = {.mode = MIGRATE_HYBRID,
                        .uri = "tcp:127.0.0.1:1",
                        .hybridRounds = 2,
                        .maxBandwidthMBps = 100,
                        .pollS = 0.001};
    MigResult r;
    CHECK(migExecute(qs, qd, &o, &r) == 0);
    CHECK(r.outcome == MIG_COMPLETED);
    CHECK(r.postcopyStarted);
    qmpClose(qs);
    qmpClose(qd);
    CHECK(fakeStop(&fs));
    CHECK(fakeStop(&fd));
    /* Hybrid needs the destination to enable post-copy too. */
    fakeStart(&fs, hello);
    qs = qmpConnect(fs.path, 10);
    CHECK(migExecute(qs, NULL, &o, &r) == -1);
    CHECK_STR_CONTAINS(errLast(), "need the destination's QMP socket");
    qmpClose(qs);
    CHECK(fakeStop(&fs));
}

/* Hybrid also switches, before its round count, once a round leaves no
 * less to send than the one before (the writer outruns the link). */
static void testHybridSwitchesWhenStalled(void) {
    static const Step src[] = {
        {"qmp_capabilities", OK},
        {"migrate-set-capabilities", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(1, 8000)},
        {"query-migrate", MIGRATING(2, 3000)},
        {"query-migrate", MIGRATING(3, 3000)},
        {"migrate-start-postcopy", OK},
        {"query-migrate", "{\"return\": {\"status\": \"completed\", \"downtime\": 5}}"},
        {NULL, NULL},
    };
    static const Step dst[] = {
        {"qmp_capabilities", OK}, {"migrate-set-capabilities", OK}, {NULL, NULL}};
    Fake fs, fd;
    fakeStart(&fs, src);
    fakeStart(&fd, dst);
    Qmp *qs = qmpConnect(fs.path, 10), *qd = qmpConnect(fd.path, 10);
    MigExecOptions o = {
        .mode = MIGRATE_HYBRID, .uri = "tcp:127.0.0.1:1", .hybridRounds = 10, .pollS = 0.001};
    MigResult r;
    CHECK(migExecute(qs, qd, &o, &r) == 0);
    CHECK(r.outcome == MIG_COMPLETED);
    CHECK(r.postcopyStarted);
    qmpClose(qs);
    qmpClose(qd);
    CHECK(fakeStop(&fs));
    CHECK(fakeStop(&fd));
}

/* QEMU refusing a step, or answering nonsense mid-migration, ends the
 * executor with an error that names the command. */
static void testExecutorBadReplies(void) {
    static const Step refuse[] = {
        {"qmp_capabilities", OK},
        {"migrate", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Failed to connect "
                    "socket: Connection refused\"}}"},
        {NULL, NULL},
    };
    Fake f;
    fakeStart(&f, refuse);
    Qmp *q = qmpConnect(f.path, 10);
    MigExecOptions o = {.mode = MIGRATE_PRECOPY, .uri = "tcp:127.0.0.1:1", .pollS = 0.001};
    MigResult r;
    CHECK(migExecute(q, NULL, &o, &r) == -1);
    CHECK_STR_CONTAINS(errLast(), "migrate failed: Failed to connect socket");
    qmpClose(q);
    CHECK(fakeStop(&f));

    static const Step garbage[] = {
        {"qmp_capabilities", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(1, 8000)},
        {"query-migrate", "{\"return\": {\"status\": "},
        {NULL, NULL},
    };
    fakeStart(&f, garbage);
    q = qmpConnect(f.path, 10);
    CHECK(migExecute(q, NULL, &o, &r) == -1);
    CHECK_STR_CONTAINS(errLast(), "malformed reply from QEMU");
    qmpClose(q);
    CHECK(fakeStop(&f));

    /* A status QEMU does not document is not an end: polling goes on. */
    static const Step odd[] = {
        {"qmp_capabilities", OK},
        {"migrate", OK},
        {"query-migrate", "{\"return\": {\"status\": \"wait-unplug\"}}"},
        {"query-migrate", "{\"return\": {\"status\": \"completed\"}}"},
        {NULL, NULL},
    };
    fakeStart(&f, odd);
    q = qmpConnect(f.path, 10);
    CHECK(migExecute(q, NULL, &o, &r) == 0);
    CHECK(r.outcome == MIG_COMPLETED);
    qmpClose(q);
    CHECK(fakeStop(&f));
}

static void testTimeLimitCancels(void) {
    static const Step src[] = {
        {"qmp_capabilities", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(5, 8000)},
        {"migrate_cancel", OK},
        {"query-migrate", "{\"return\": {\"status\": \"cancelling\"}}"},
        {"query-migrate", "{\"return\": {\"status\": \"cancelled\"}}"},
        {"query-status", "{\"return\": {\"running\": true, \"status\": \"running\"}}"},
        {NULL, NULL},
    };
    Fake f;
    fakeStart(&f, src);
    Qmp *q = qmpConnect(f.path, 10);
    /* A limit every poll passes: the cancel follows the first query. */
    MigExecOptions o = {
        .mode = MIGRATE_PRECOPY, .uri = "tcp:127.0.0.1:1", .timeLimitS = 1e-9, .pollS = 0.001};
    MigResult r;
    CHECK(migExecute(q, NULL, &o, &r) == 0);
    CHECK(r.outcome == MIG_CANCELLED);
    CHECK(r.sourceRunning);
    /* what the last active answer said was sent, not the cancelled one's nothing */
    CHECK(r.last.transferred == 1000 && r.last.dirtySyncCount == 5);
    CHECK(strcmp(r.last.status, "cancelled") == 0);
    qmpClose(q);
    CHECK(fakeStop(&f));
}

static void testDestinationDies(void) {
    /* In pre-copy: the source reports failed, the guest stays on the source. */
    static const Step src[] = {
        {"qmp_capabilities", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(1, 8000)},
        {"query-migrate", "{\"return\": {\"status\": \"failed\", \"error-desc\": \"Unable to "
                          "write to socket: Connection reset by peer\"}}"},
        {"query-status", "{\"return\": {\"running\": true, \"status\": \"running\"}}"},
        {NULL, NULL},
    };
    Fake f;
    fakeStart(&f, src);
    Qmp *q = qmpConnect(f.path, 10);
    MigExecOptions o = {.mode = MIGRATE_PRECOPY, .uri = "tcp:127.0.0.1:1", .pollS = 0.001};
    MigResult r;
    CHECK(migExecute(q, NULL, &o, &r) == 0);
    CHECK(r.outcome == MIG_FAILED);
    CHECK(r.sourceRunning);
    CHECK_STR_CONTAINS(r.detail, "Connection reset by peer");
    qmpClose(q);
    CHECK(fakeStop(&f));

    /* After the switch: post-copy pauses on the source; the VM is at risk. */
    static const Step srcPost[] = {
        {"qmp_capabilities", OK},
        {"migrate-set-capabilities", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(1, 8000)},
        {"migrate-start-postcopy", OK},
        {"query-migrate", "{\"return\": {\"status\": \"postcopy-active\"}}"},
        {"query-migrate", "{\"return\": {\"status\": \"postcopy-paused\"}}"},
        {NULL, NULL},
    };
    static const Step dstPost[] = {{"qmp_capabilities", OK},
                                   {"migrate-set-capabilities", OK},
                                   {"query-status", "{\"return\": {\"running\": true}}"},
                                   {NULL, NULL}};
    Fake fs, fd;
    fakeStart(&fs, srcPost);
    fakeStart(&fd, dstPost);
    Qmp *qs = qmpConnect(fs.path, 10), *qd = qmpConnect(fd.path, 10);
    o.mode = MIGRATE_POSTCOPY;
    CHECK(migExecute(qs, qd, &o, &r) == 0);
    CHECK(r.outcome == MIG_FAILED_POSTCOPY);
    CHECK(strcmp(migOutcomeName(r.outcome), "failed-postcopy") == 0);
    qmpClose(qs);
    qmpClose(qd);
    CHECK(fakeStop(&fs));
    CHECK(fakeStop(&fd));

    /* The destination dies after the switch while the source, with nothing
     * left to push, still says postcopy-active: found by asking the destination. */
    static const Step srcStuck[] = {
        {"qmp_capabilities", OK},
        {"migrate-set-capabilities", OK},
        {"migrate", OK},
        {"query-migrate", MIGRATING(1, 8000)},
        {"migrate-start-postcopy", OK},
        {"query-migrate", "{\"return\": {\"status\": \"postcopy-active\"}}"},
        {NULL, NULL},
    };
    static const Step dstGone[] = {{"qmp_capabilities", OK},
                                   {"migrate-set-capabilities", OK},
                                   {"query-status", NULL},
                                   {NULL, NULL}};
    fakeStart(&fs, srcStuck);
    fakeStart(&fd, dstGone);
    qs = qmpConnect(fs.path, 10);
    qd = qmpConnect(fd.path, 10);
    CHECK(migExecute(qs, qd, &o, &r) == 0);
    CHECK(r.outcome == MIG_FAILED_POSTCOPY);
    CHECK_STR_CONTAINS(r.detail, "destination lost during post-copy");
    qmpClose(qs);
    qmpClose(qd);
    CHECK(fakeStop(&fs));
    CHECK(fakeStop(&fd));

    /* The destination's QMP dies while being configured. */
    static const Step dstDead[] = {{"qmp_capabilities", OK}, {NULL, NULL}};
    static const Step srcCaps[] = {
        {"qmp_capabilities", OK}, {"migrate-set-capabilities", OK}, {NULL, NULL}};
    fakeStart(&fs, srcCaps);
    fakeStart(&fd, dstDead);
    qs = qmpConnect(fs.path, 10);
    qd = qmpConnect(fd.path, 10);
    CHECK(migExecute(qs, qd, &o, &r) == -1);
    CHECK_STR_CONTAINS(errLast(), "cannot enable post-copy on");
    qmpClose(qs);
    qmpClose(qd);
    CHECK(fakeStop(&fs));
    CHECK(fakeStop(&fd));
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    RUN(testCommandAndEvents);
    RUN(testEofAndBadGreeting);
    RUN(testPrecopyCompletes);
    RUN(testHybridSwitches);
    RUN(testHybridSwitchesWhenStalled);
    RUN(testExecutorBadReplies);
    RUN(testTimeLimitCancels);
    RUN(testDestinationDies);
    return testSummary("test_qmp");
}
