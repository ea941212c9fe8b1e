/* migbench.c - the harness of migbench.h. Each QEMU is a child process with
 * its QMP and serial console on unix sockets in the work directory; a reader
 * thread timestamps every heartbeat line from both consoles, so that the
 * longest gap across the switch-over is the downtime the guest saw. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "migbench.h"
#include "util.h"

typedef struct Qemu {
    pid_t pid;
    char qmpPath[256], serialPath[256], logPath[256], consolePath[256];
    Qmp *qmp;
    int serial;
} Qemu;

/* The heartbeat reader: both consoles, one timeline. */
typedef struct Beats {
    pthread_t thread;
    int fds[2];
    pthread_mutex_t lock;
    bool stop, counting;
    double lastBeat, maxGapS;
    long beatsFrom[2];
    FILE *console[2]; /* every byte of each console, kept for a failed run's post-mortem */
    char crash[160];  /* the first kernel oops or panic line either console showed */
    char partial[2][512];
    size_t plen[2];
} Beats;

static void pauseS(double s) {
    struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static int freePort(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int rc = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
                     getsockname(fd, (struct sockaddr *)&sa, &len) == 0
                 ? 0
                 : ERR("cannot find a free loopback port: %s", strerror(errno));
    *port = ntohs(sa.sin_port);
    if (fd >= 0) close(fd);
    return rc;
}

static int spawnQemu(const BenchSpec *s, Qemu *vm, const char *incoming) {
    char mem[32], append[160], qmpArg[300], serialArg[300];
    /* 8 KiB more than asked: QEMU before 9.0 (fixed by 03bfc2188f, "physmem:
     * Fix migration dirty bitmap coherency with TCG memory access") syncs a
     * RAM block whose size is a multiple of 64 pages through a fast path that
     * clears the dirty bits but leaves TCG's TLB marking those pages dirty, so
     * the guest's later stores to them are never sent again and the
     * destination gets stale pages: under a heavy writer the guest kernel
     * oopsed on the destination right after hybrid's switch to post-copy.
     * Any other size takes the page-by-page path, which resets the TLB. */
    snprintf(mem, sizeof(mem), "%.0fk", s->memMb * 1024 + 8);
    snprintf(append, sizeof(append), "console=ttyS0 quiet panic=-1 membench=%g,%g", s->wwsMb,
             s->mcrMbps);
    snprintf(qmpArg, sizeof(qmpArg), "unix:%s,server=on,wait=off", vm->qmpPath);
    snprintf(serialArg, sizeof(serialArg), "unix:%s,server=on,wait=off", vm->serialPath);
    const char *qemu = s->qemu ? s->qemu : "qemu-system-x86_64";
    const char *argv[] = {qemu,         "-accel",      "tcg",      "-m",
                          mem,          "-nodefaults", "-display", "none",
                          "-no-reboot", "-kernel",     s->kernel,  "-initrd",
                          s->initrd,    "-append",     append,     "-qmp",
                          qmpArg,       "-serial",     serialArg,  incoming ? "-incoming" : NULL,
                          incoming,     NULL};
    fflush(NULL);
    vm->pid = fork();
    if (vm->pid < 0) return ERR("cannot start %s: %s", qemu, strerror(errno));
    if (vm->pid == 0) {
        int log = open(vm->logPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (log >= 0) {
            dup2(log, 1);
            dup2(log, 2);
        }
        execvp(qemu, (char *const *)argv);
        _exit(127);
    }
    return 0;
}

static int connectUnix(const char *path) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) return fd;
    if (fd >= 0) close(fd);
    return -1;
}

/* QEMU creates its sockets a moment after it starts: retry until it does
 * or it exits. */
static int qemuAttach(Qemu *vm, double timeoutS) {
    double until = nowMonotonic() + timeoutS;
    while (nowMonotonic() < until) {
        int status;
        if (waitpid(vm->pid, &status, WNOHANG) == vm->pid) {
            vm->pid = 0;
            return ERR("QEMU exited at start; see %s", vm->logPath);
        }
        if (vm->serial < 0) vm->serial = connectUnix(vm->serialPath);
        if (vm->serial >= 0 && access(vm->qmpPath, F_OK) == 0 &&
            (vm->qmp = qmpConnect(vm->qmpPath, 30)))
            return 0;
        pauseS(0.05);
    }
    return ERR("QEMU did not open %s within %g s; see %s", vm->qmpPath, timeoutS, vm->logPath);
}

/* Stop a QEMU: quit over QMP, then by PID if it lingers. */
static void qemuStop(Qemu *vm) {
    if (vm->qmp) {
        json_decref(qmpCommand(vm->qmp, "quit", NULL));
        qmpClose(vm->qmp);
        vm->qmp = NULL;
    }
    if (vm->serial >= 0) close(vm->serial);
    vm->serial = -1;
    if (vm->pid > 0) {
        int status;
        for (int i = 0; i < 100 && waitpid(vm->pid, &status, WNOHANG) == 0; i++)
            pauseS(0.05);
        if (waitpid(vm->pid, &status, WNOHANG) == 0) {
            kill(vm->pid, SIGKILL);
            waitpid(vm->pid, &status, 0);
        }
        vm->pid = 0;
    }
    unlink(vm->qmpPath);
    unlink(vm->serialPath);
}

/* Read the source's console until appmembench says ready and has run a
 * full second (its first rate report). */
static int waitReady(int fd, double timeoutS, double *usedMb, double *mcr) {
    char line[512];
    size_t n = 0;
    bool ready = false;
    double until = nowMonotonic() + timeoutS;
    while (nowMonotonic() < until) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0) continue;
        char ch;
        if (read(fd, &ch, 1) != 1) return ERR("the guest console closed before it was ready");
        if (ch != '\n') {
            if (n + 1 < sizeof(line)) line[n++] = ch;
            continue;
        }
        line[n] = '\0';
        n = 0;
        const char *r = strstr(line, "ready used_kib=");
        long seq;
        if (r && sscanf(r, "ready used_kib=%lf", usedMb) == 1) {
            *usedMb /= 1024;
            ready = true;
        }
        const char *hb = strstr(line, "hb ");
        if (ready && hb && sscanf(hb, "hb %ld %lf", &seq, mcr) == 2 && seq >= 110) return 0;
    }
    return ERR("the guest did not report ready within %g s", timeoutS);
}

/* Lines the guest kernel prints when it has found its own memory corrupt. */
static bool crashLine(const char *line) {
    return strstr(line, "Kernel panic") || strstr(line, "BUG: ") || strstr(line, "Oops") ||
           strstr(line, "general protection fault");
}

static void beatLine(Beats *b, int i, const char *line) {
    if (crashLine(line)) {
        pthread_mutex_lock(&b->lock);
        if (!b->crash[0])
            snprintf(b->crash, sizeof(b->crash), "%s console: %s", i ? "destination" : "source",
                     line);
        pthread_mutex_unlock(&b->lock);
    }
    if (!strstr(line, "hb ")) return;
    double t = nowMonotonic();
    pthread_mutex_lock(&b->lock);
    if (b->counting && b->lastBeat > 0 && t - b->lastBeat > b->maxGapS)
        b->maxGapS = t - b->lastBeat;
    b->lastBeat = t;
    b->beatsFrom[i]++;
    pthread_mutex_unlock(&b->lock);
}

static void *beatsMain(void *arg) {
    Beats *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->lock);
        bool stop = b->stop;
        pthread_mutex_unlock(&b->lock);
        if (stop) return NULL;
        struct pollfd p[2] = {{.fd = b->fds[0], .events = POLLIN},
                              {.fd = b->fds[1], .events = POLLIN}};
        if (poll(p, 2, 20) <= 0) continue;
        for (int i = 0; i < 2; i++) {
            if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
            char buf[4096];
            ssize_t got = read(b->fds[i], buf, sizeof(buf));
            if (got <= 0) {
                b->fds[i] = -1;
                continue;
            }
            if (b->console[i]) fwrite(buf, 1, (size_t)got, b->console[i]);
            for (ssize_t k = 0; k < got; k++) {
                if (buf[k] != '\n') {
                    if (b->plen[i] + 1 < sizeof(b->partial[i]))
                        b->partial[i][b->plen[i]++] = buf[k];
                    continue;
                }
                b->partial[i][b->plen[i]] = '\0';
                b->plen[i] = 0;
                beatLine(b, i, b->partial[i]);
            }
        }
    }
}

static long beatsSeen(Beats *b, int i) {
    pthread_mutex_lock(&b->lock);
    long n = b->beatsFrom[i];
    pthread_mutex_unlock(&b->lock);
    return n;
}

/* After the end, wait for the guest to beat twice where it now runs, which
 * closes the gap across the switch-over (the guest-seen downtime, measured
 * up to there only), then let it run settleS more: a guest whose memory
 * arrived corrupt (lost updates) usually oopses within that, which the
 * console reader catches. */
static void waitBeatAfter(Beats *b, int side, double settleS) {
    long before = beatsSeen(b, side), want = before + 2 + (long)(settleS * 100);
    double until = nowMonotonic() + 10 + settleS * 3;
    while (beatsSeen(b, side) < want && nowMonotonic() < until) {
        pthread_mutex_lock(&b->lock);
        bool crashed = b->crash[0] != '\0';
        if (b->beatsFrom[side] >= before + 2) b->counting = false;
        pthread_mutex_unlock(&b->lock);
        if (crashed) return;
        pauseS(0.01);
    }
}

static void closeConsoles(Beats *b) {
    for (int i = 0; i < 2; i++)
        if (b->console[i]) fclose(b->console[i]);
}

static void qemuInit(Qemu *vm, const char *dir, const char *name) {
    memset(vm, 0, sizeof(*vm));
    vm->serial = -1;
    snprintf(vm->qmpPath, sizeof(vm->qmpPath), "%s/%s.qmp", dir, name);
    snprintf(vm->serialPath, sizeof(vm->serialPath), "%s/%s.serial", dir, name);
    snprintf(vm->logPath, sizeof(vm->logPath), "%s/%s.log", dir, name);
    snprintf(vm->consolePath, sizeof(vm->consolePath), "%s/%s.console", dir, name);
}

static int measure(const BenchSpec *s, Qemu *src, Qemu *dst, BenchMeasure *m) {
    int port;
    char incoming[64];
    if (freePort(&port) != 0) return -1;
    snprintf(incoming, sizeof(incoming), "tcp:127.0.0.1:%d", port);
    double bootS = s->bootTimeoutS > 0 ? s->bootTimeoutS : 120;
    if (spawnQemu(s, src, NULL) != 0 || qemuAttach(src, 30) != 0) return -1;
    if (waitReady(src->serial, bootS, &m->usedMb, &m->achievedMcr) != 0) return -1;
    if (spawnQemu(s, dst, incoming) != 0 || qemuAttach(dst, 30) != 0) return -1;
    Beats b = {.fds = {src->serial, dst->serial},
               .console = {fopen(src->consolePath, "w"), fopen(dst->consolePath, "w")}};
    pthread_mutex_init(&b.lock, NULL);
    if (pthread_create(&b.thread, NULL, beatsMain, &b) != 0) {
        pthread_mutex_destroy(&b.lock);
        closeConsoles(&b);
        return ERR("cannot start the heartbeat reader");
    }
    pthread_mutex_lock(&b.lock);
    b.counting = true;
    pthread_mutex_unlock(&b.lock);
    MigExecOptions o = s->exec;
    o.uri = incoming;
    int rc = migExecute(src->qmp, dst->qmp, &o, &m->res);
    if (rc == 0)
        waitBeatAfter(&b, m->res.outcome == MIG_COMPLETED ? 1 : 0, s->settleS > 0 ? s->settleS : 2);
    pthread_mutex_lock(&b.lock);
    b.stop = true;
    m->guestDowntimeMs = b.maxGapS * 1000;
    snprintf(m->guestCrash, sizeof(m->guestCrash), "%s", b.crash);
    pthread_mutex_unlock(&b.lock);
    pthread_join(b.thread, NULL);
    pthread_mutex_destroy(&b.lock);
    closeConsoles(&b);
    return rc;
}

int benchRun(const BenchSpec *s, BenchMeasure *m) {
    memset(m, 0, sizeof(*m));
    Qemu src, dst;
    qemuInit(&src, s->workDir, "src");
    qemuInit(&dst, s->workDir, "dst");
    int rc = measure(s, &src, &dst, m);
    qemuStop(&src);
    qemuStop(&dst);
    return rc;
}

static const char *const runFiles[] = {"src.log", "dst.log", "src.console", "dst.console"};

int benchKeepLogs(const char *workDir, const char *prefix) {
    for (size_t i = 0; i < sizeof(runFiles) / sizeof(runFiles[0]); i++) {
        char from[512], to[512], buf[8192];
        snprintf(from, sizeof(from), "%s/%s", workDir, runFiles[i]);
        snprintf(to, sizeof(to), "%s-%s", prefix, runFiles[i]);
        FILE *in = fopen(from, "rb");
        if (!in) continue; /* a run that stopped early has no consoles */
        FILE *out = fopen(to, "wb");
        if (!out) {
            fclose(in);
            return ERR("cannot write %s: %s", to, strerror(errno));
        }
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, n, out);
        fclose(in);
        if (fclose(out) != 0) return ERR("cannot write %s: %s", to, strerror(errno));
    }
    return 0;
}

void benchCleanWork(const char *workDir) {
    for (size_t i = 0; i < sizeof(runFiles) / sizeof(runFiles[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", workDir, runFiles[i]);
        unlink(path);
    }
}
