/* cmd_migbench.c - `geyser migbench`: measure live migrations between two
 * local QEMU processes and compare them with the cost model: idle guests per
 * flavour, loaded guests with a growing working set, and a dirty-rate sweep,
 * each pre-copy against hybrid. One CSV row per migration, SVG and PNG
 * figures, and with --validate the model's error per mode. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "flavor.h"
#include "migration/migbench.h"
#include "migration/migcalib.h"
#include "migration/migmodel.h"
#include "util.h"

void cmdMigbenchHelp(FILE *f) {
    fprintf(f, "NAME\n"
               "    geyser migbench - measure live migrations between two local QEMUs\n\n"
               "SYNOPSIS\n"
               "    geyser migbench [--quick | --smoke] [--out DIR] [--guest DIR] [--validate]\n"
               "                    [--calibrate] [--calibration FILE] [--rows CSV]\n"
               "                    [--bandwidth MBIT] [--time-limit S] [--qemu PATH]\n\n"
               "DESCRIPTION\n"
               "    Starts a source and a destination qemu-system-x86_64 (-accel tcg, QMP and\n"
               "    serial on unix sockets, migration over loopback TCP) per migration and runs:\n"
               "      idle     idle guests per flavour of the paper's Table 1, memory scaled\n"
               "               down by 4 to fit one machine (tiny 128 MiB ... xlarge 4096 MiB);\n"
               "      loaded   a 512 MiB guest whose appmembench keeps a growing working set\n"
               "               dirty at 20 MiB/s;\n"
               "      mcr      a 256 MiB guest with a 128 MiB working set dirtied ever faster;\n"
               "    each in pre-copy and hybrid. A pre-copy still running at the time limit\n"
               "    is cancelled and counted failed. The guest (scripts/build-guest.sh) beats\n"
               "    every 10 ms on its console; the longest gap is the guest-seen downtime.\n"
               "    After each migration the guest runs 2 s more while both consoles are\n"
               "    watched for a kernel oops (outcome guest-crashed). A migration that loses\n"
               "    the guest leaves its QEMU logs and guest consoles in DIR/logs/ and makes\n"
               "    the run exit 1. Guests get 8 KiB more RAM than their nominal size, which\n"
               "    avoids a TCG dirty-tracking bug of QEMU < 9.0 (docs/migration.md).\n\n"
               "OPTIONS\n"
               "    --quick            fewer points: 18 migrations, about 9 minutes on 2 cores\n"
               "    --smoke            three migrations only (for the tests), one of them a\n"
               "                       hybrid under a writer faster than the link\n"
               "    --out DIR          where results.csv and the figures go (default migbench)\n"
               "    --guest DIR        vmlinuz and initrd.img (default build/guest)\n"
               "    --bandwidth MBIT   QEMU max-bandwidth, Mbit/s (default 512)\n"
               "    --time-limit S     cancel pre-copy after S seconds (default 30, quick 15)\n"
               "    --validate         print the model's median absolute error per mode\n"
               "    --calibration FILE predict with the model terms in FILE (from --calibrate;\n"
               "                       default: none, the ideal-link model)\n"
               "    --calibrate        fit the model's terms (setup_s, link_efficiency,\n"
               "                       scan_mibps, extra_mib) to the rows, print them and\n"
               "                       their error, and write DIR/calibration.conf\n"
               "    --rows CSV         run no migration: validate or calibrate against the\n"
               "                       rows of an earlier results.csv\n"
               "    --qemu PATH        the emulator (default qemu-system-x86_64)\n\n"
               "OUTPUT\n"
               "    DIR/results.csv, DIR/*.svg and DIR/*.png (when rsvg-convert is installed),\n"
               "    DIR/validate.csv with --validate, DIR/calibration.conf with --calibrate.\n");
}

typedef struct BenchArgs {
    bool quick, smoke, validate, calibrate;
    const char *out, *guest, *qemu, *calibration, *rows;
    double mbit, timeLimitS;
    MigCalib cal; /* from --calibration, or the defaults */
} BenchArgs;

typedef struct Point {
    const char *sweep, *flavour;
    double memMb, wwsMb, mcrMbps;
    MigrationMode mode;
} Point;

typedef struct Row {
    Point pt;
    double mbit, timeLimitS; /* the bandwidth cap and pre-copy time limit it ran under */
    BenchMeasure m;
    bool ok;
    MigPrediction pred;
} Row;

enum {
    OPT_QUICK = 256,
    OPT_SMOKE,
    OPT_OUT,
    OPT_GUEST,
    OPT_BW,
    OPT_LIMIT,
    OPT_VALIDATE,
    OPT_QEMU,
    OPT_CALIBRATE,
    OPT_CALIBRATION,
    OPT_ROWS,
};

static const struct option benchOptions[] = {
    {"quick", no_argument, NULL, OPT_QUICK},
    {"smoke", no_argument, NULL, OPT_SMOKE},
    {"out", required_argument, NULL, OPT_OUT},
    {"guest", required_argument, NULL, OPT_GUEST},
    {"bandwidth", required_argument, NULL, OPT_BW},
    {"time-limit", required_argument, NULL, OPT_LIMIT},
    {"validate", no_argument, NULL, OPT_VALIDATE},
    {"qemu", required_argument, NULL, OPT_QEMU},
    {"calibrate", no_argument, NULL, OPT_CALIBRATE},
    {"calibration", required_argument, NULL, OPT_CALIBRATION},
    {"rows", required_argument, NULL, OPT_ROWS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parseBenchArgs(int argc, char **argv, BenchArgs *a) {
    *a = (BenchArgs){.out = "migbench",
                     .guest = "build/guest",
                     .mbit = 512,
                     .timeLimitS = -1,
                     .cal = migCalibDefaults()};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", benchOptions, NULL)) != -1) {
        switch (ch) {
        case OPT_QUICK: a->quick = true; break;
        case OPT_SMOKE: a->smoke = true; break;
        case OPT_OUT: a->out = optarg; break;
        case OPT_GUEST: a->guest = optarg; break;
        case OPT_QEMU: a->qemu = optarg; break;
        case OPT_VALIDATE: a->validate = true; break;
        case OPT_CALIBRATE: a->calibrate = true; break;
        case OPT_CALIBRATION: a->calibration = optarg; break;
        case OPT_ROWS: a->rows = optarg; break;
        case OPT_BW:
            if (parseDouble(optarg, &a->mbit) != 0 || a->mbit < 1 || a->mbit > 1e6)
                return ERR("--bandwidth: '%s' is not a number from 1 to 1e6", optarg);
            break;
        case OPT_LIMIT:
            if (parseDouble(optarg, &a->timeLimitS) != 0 || a->timeLimitS < 1)
                return ERR("--time-limit: '%s' is not a number of seconds >= 1", optarg);
            break;
        case 'h': cmdMigbenchHelp(stdout); return 1;
        default:
            return ERR("unknown or incomplete option '%s'; see 'geyser migbench --help'",
                       argv[optind - 1]);
        }
    }
    if (optind < argc) return ERR("unexpected argument '%s'", argv[optind]);
    if (a->timeLimitS < 0) a->timeLimitS = a->quick || a->smoke ? 15 : 30;
    if (a->calibration && migCalibLoad(a->calibration, &a->cal) != 0) return -1;
    return 0;
}

static int addPoint(Point *pts, int n, Point p) {
    p.mode = MIGRATE_PRECOPY;
    pts[n++] = p;
    p.mode = MIGRATE_HYBRID;
    pts[n++] = p;
    return n;
}

/* The sweeps; returns how many points (at most 64). */
static int planPoints(const BenchArgs *a, Point *pts) {
    int n = 0;
    if (a->smoke) {
        pts[n++] = (Point){"idle", "m1.tiny", 128, 0, 0, MIGRATE_PRECOPY};
        pts[n++] = (Point){"loaded", "-", 128, 32, 20, MIGRATE_HYBRID};
        /* A writer far faster than the link: pre-copy cannot converge, so
         * hybrid must switch and finish in post-copy (the case that lost the
         * guest before the destination's post-copy was set up properly). */
        pts[n++] = (Point){"mcr", "-", 256, 128, 160, MIGRATE_HYBRID};
        return n;
    }
    int nflav = a->quick ? 3 : 5;
    for (int i = 0; i < nflav && flavorTable[i].vcpus; i++)
        n = addPoint(pts, n,
                     (Point){"idle", flavorTable[i].name, flavorTable[i].ramMb / 4, 0, 0, 0});
    static const double wws[] = {32, 128, 256, 384};
    for (int i = 0; i < (a->quick ? 3 : 4); i++)
        n = addPoint(pts, n, (Point){"loaded", "-", 512, wws[i], 20, 0});
    static const double mcrQuick[] = {10, 60, 160}, mcrFull[] = {5, 20, 40, 60, 80, 120, 160};
    const double *mcr = a->quick ? mcrQuick : mcrFull;
    for (int i = 0; i < (a->quick ? 3 : 7); i++)
        n = addPoint(pts, n, (Point){"mcr", "-", 256, 128, mcr[i], 0});
    return n;
}

/* A migration that QEMU calls completed but after which the guest's kernel
 * oopsed has not moved the VM: it lost it. */
static const char *rowOutcome(const Row *r) {
    if (!r->ok) return "harness-error";
    if (r->m.guestCrash[0]) return "guest-crashed";
    return migOutcomeName(r->m.res.outcome);
}

static bool rowCompleted(const Row *r) {
    return r->ok && r->m.res.outcome == MIG_COMPLETED && !r->m.guestCrash[0];
}

static double measuredTimeS(const Row *r) {
    const MigProgress *p = &r->m.res.last;
    return r->m.res.outcome == MIG_COMPLETED && p->totalTimeMs > 0 ? p->totalTimeMs / 1000
                                                                   : p->elapsedS;
}

/* The model's view of a row: the guest's used memory as it reported it, the
 * working set and dirty rate asked of appmembench, the bandwidth cap. */
static MigSample rowSample(const Row *r) {
    MigSample s = {.mode = r->pt.mode,
                   .completed = rowCompleted(r),
                   .timeS = measuredTimeS(r),
                   .bytes = (double)r->m.res.last.transferred,
                   .timeLimitS = r->timeLimitS};
    s.in = migInputDefaults();
    s.in.memMb = r->pt.memMb;
    s.in.usedMb = fmin(r->m.usedMb > 0 ? r->m.usedMb : r->pt.wwsMb, s.in.memMb);
    s.in.wwsMb = fmin(r->pt.wwsMb, s.in.usedMb);
    s.in.mcrMbps = r->pt.mcrMbps;
    s.in.bandwidthMbps = migBandwidthFromMbit(r->mbit);
    return s;
}

/* The bench cancels on time, not on rounds: so does the prediction. */
static void predict(const BenchArgs *a, Row *r) {
    MigSample s = rowSample(r);
    if (migSamplePredict(&s, &a->cal, &r->pred) != 0) r->pred = (MigPrediction){0};
}

static void writeRow(FILE *f, const Row *r) {
    const MigResult *res = &r->m.res;
    fprintf(f,
            "%s,%s,%s,%.0f,%.0f,%.0f,%.0f,%s,%d,%.3f,%.1f,%.1f,%lld,%lld,%.1f,%.1f,%.3f,%.1f,%.0f,%"
            "d,%d,%.0f\n",
            r->pt.sweep, migrationModeName(r->pt.mode), r->pt.flavour, r->pt.memMb, r->pt.wwsMb,
            r->pt.mcrMbps, r->mbit, rowOutcome(r), rowCompleted(r), measuredTimeS(r),
            res->last.downtimeMs, r->m.guestDowntimeMs, res->last.transferred,
            res->last.dirtySyncCount, r->m.usedMb, r->m.achievedMcr, r->pred.timeS,
            r->pred.downtimeMs, r->pred.bytes, r->pred.rounds, r->pred.converged, r->timeLimitS);
}

static const char csvHeader[] =
    "sweep,mode,flavour,mem_mb,wws_mb,mcr_mbps,bandwidth_mbit,outcome,converged,time_s,"
    "qemu_downtime_ms,guest_downtime_ms,bytes,rounds,used_mb,achieved_mcr_mbps,pred_time_s,"
    "pred_downtime_ms,pred_bytes,pred_rounds,pred_converged,time_limit_s\n";

/* ---- figures: a small SVG scatter/line plot, written directly ---- */

typedef struct Series {
    const char *name, *color;
    double x[64], y[64];
    int n;
} Series;

static void svgPlot(const char *path, const char *title, const char *xl, const char *yl,
                    const Series *s, int ns) {
    FILE *f = fopen(path, "w");
    if (!f) return;
    double xmax = 0, ymax = 0;
    for (int i = 0; i < ns; i++)
        for (int k = 0; k < s[i].n; k++)
            xmax = fmax(xmax, s[i].x[k]), ymax = fmax(ymax, s[i].y[k]);
    xmax = xmax > 0 ? xmax * 1.1 : 1;
    ymax = ymax > 0 ? ymax * 1.15 : 1;
    const double L = 70, T = 40, W = 500, H = 300;
    fprintf(f,
            "<svg xmlns='http://www.w3.org/2000/svg' width='640' height='400' "
            "font-family='sans-serif' font-size='12'>\n<rect width='640' height='400' "
            "fill='white'/>\n<text x='320' y='22' text-anchor='middle' font-size='14'>%s</text>\n",
            title);
    fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='black'/>\n", L, T + H, L + W, T + H);
    fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='black'/>\n", L, T, L, T + H);
    for (int t = 0; t <= 4; t++) {
        fprintf(f, "<text x='%g' y='%g' text-anchor='middle'>%.3g</text>\n", L + W * t / 4,
                T + H + 16, xmax * t / 4);
        fprintf(f, "<text x='%g' y='%g' text-anchor='end'>%.3g</text>\n", L - 6,
                T + H - H * t / 4 + 4, ymax * t / 4);
    }
    fprintf(f, "<text x='%g' y='390' text-anchor='middle'>%s</text>\n", L + W / 2, xl);
    fprintf(f, "<text x='16' y='%g' transform='rotate(-90 16 %g)' text-anchor='middle'>%s</text>\n",
            T + H / 2, T + H / 2, yl);
    for (int i = 0; i < ns; i++) {
        fprintf(f, "<polyline fill='none' stroke='%s' points='", s[i].color);
        for (int k = 0; k < s[i].n; k++)
            fprintf(f, "%.1f,%.1f ", L + W * s[i].x[k] / xmax, T + H - H * s[i].y[k] / ymax);
        fprintf(f, "'/>\n");
        for (int k = 0; k < s[i].n; k++)
            fprintf(f, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>\n", L + W * s[i].x[k] / xmax,
                    T + H - H * s[i].y[k] / ymax, s[i].color);
        fprintf(f, "<text x='%g' y='%d' fill='%s'>%s</text>\n", L + 10, (int)T + 14 + 14 * i,
                s[i].color, s[i].name);
    }
    fprintf(f, "</svg>\n");
    fclose(f);
}

/* PNG beside the SVG when rsvg-convert (librsvg2-bin) is installed. */
static void toPng(const char *svg) {
    char png[512];
    snprintf(png, sizeof(png), "%.*s.png", (int)(strlen(svg) - 4), svg);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rsvg-convert", "rsvg-convert", "-o", png, svg, (char *)NULL);
        _exit(127);
    }
    int status;
    if (pid > 0) waitpid(pid, &status, 0);
}

static void figure(const BenchArgs *a, const Row *rows, int n, const char *sweep, const char *file,
                   const char *title, const char *xl, int xField, bool downtime) {
    static const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e"};
    Series s[4] = {{.name = "pre-copy measured", .color = colors[0]},
                   {.name = "hybrid measured", .color = colors[1]},
                   {.name = "pre-copy model", .color = colors[2]},
                   {.name = "hybrid model", .color = colors[3]}};
    for (int i = 0; i < n; i++) {
        const Row *r = &rows[i];
        if (strcmp(r->pt.sweep, sweep) != 0 || !r->ok) continue;
        double x = xField == 0 ? r->pt.memMb : xField == 1 ? r->pt.wwsMb : r->pt.mcrMbps;
        int k = r->pt.mode == MIGRATE_HYBRID;
        Series *m = &s[k], *p = &s[2 + k];
        if (m->n >= 64) continue;
        m->x[m->n] = x;
        m->y[m->n++] = downtime ? r->m.guestDowntimeMs : measuredTimeS(r);
        p->x[p->n] = x;
        p->y[p->n++] = downtime ? r->pred.downtimeMs : r->pred.timeS;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.svg", a->out, file);
    svgPlot(path, title, xl, downtime ? "downtime (ms)" : "migration time (s)", s, 4);
    toPng(path);
}

static double median(double *v, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n == 0 ? NAN : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The model's error per mode over the rows' predictions (made with
 * --calibration's terms, or none): medians over completed migrations, the
 * convergence verdict over all of them. */
static int validate(const BenchArgs *a, const Row *rows, int n) {
    char path[512];
    snprintf(path, sizeof(path), "%s/validate.csv", a->out);
    FILE *f = fopen(path, "w");
    if (!f) return ERR("cannot write %s: %m", path);
    fprintf(f, "mode,n,median_abs_err_time_s,median_rel_err_time_pct,median_abs_err_downtime_ms,"
               "median_abs_err_mib,median_rel_err_bytes_pct,convergence_agreement_pct,"
               "calibration\n");
    const char *calName = a->calibration ? a->calibration : "none";
    printf("\nmodel vs measurement (completed migrations; downtime against QEMU's; "
           "calibration: %s)\n",
           calName);
    printf("  %-9s %3s %12s %7s %14s %10s %7s %10s\n", "mode", "n", "|err| time s", "rel %",
           "|err| down ms", "|err| MiB", "rel %", "conv agree");
    static const MigrationMode modes[] = {MIGRATE_PRECOPY, MIGRATE_HYBRID};
    for (int k = 0; k < 2; k++) {
        double et[64], er[64], ed[64], eb[64], ebr[64];
        int m = 0, agree = 0, all = 0;
        for (int i = 0; i < n; i++) {
            const Row *r = &rows[i];
            if (!r->ok || r->pt.mode != modes[k]) continue;
            all++;
            agree += rowCompleted(r) == r->pred.converged;
            if (!rowCompleted(r) || m >= 64) continue;
            double t = measuredTimeS(r), b = (double)r->m.res.last.transferred;
            et[m] = fabs(r->pred.timeS - t);
            er[m] = t > 0 ? 100 * et[m] / t : 0;
            ed[m] = fabs(r->pred.downtimeMs - r->m.res.last.downtimeMs);
            eb[m] = fabs(r->pred.bytes - b) / 1048576.0;
            ebr[m] = b > 0 ? 100 * fabs(r->pred.bytes - b) / b : 0;
            m++;
        }
        double mt = median(et, m), mr = median(er, m), md = median(ed, m), mb = median(eb, m);
        double mbr = median(ebr, m), ag = all ? 100.0 * agree / all : NAN;
        printf("  %-9s %3d %12.2f %7.1f %14.1f %10.1f %7.1f %9.0f%%\n", migrationModeName(modes[k]),
               m, mt, mr, md, mb, mbr, ag);
        fprintf(f, "%s,%d,%.3f,%.1f,%.1f,%.1f,%.1f,%.0f,%s\n", migrationModeName(modes[k]), m, mt,
                mr, md, mb, mbr, ag, calName);
    }
    fclose(f);
    return 0;
}

/* Fit the model's test-bed terms to the measured rows, print them with the
 * fit's own (in-sample) error, and write DIR/calibration.conf. */
static int calibrate(const BenchArgs *a, const Row *rows, int n) {
    MigSample *s = xcalloc((size_t)n + 1, sizeof(*s));
    int m = 0;
    for (int i = 0; i < n; i++)
        if (rows[i].ok) s[m++] = rowSample(&rows[i]);
    MigCalib cal;
    int rc = migCalibFit(s, m, &cal);
    if (rc == 0) {
        MigFitError before, after;
        MigCalib none = migCalibDefaults();
        migFitEvaluate(s, m, &none, &before);
        migFitEvaluate(s, m, &cal, &after);
        printf("\ncalibration fitted to %d migrations (%d completed):\n", m, after.n);
        printf("  setup_s %.3g  link_efficiency %.3g  scan_mibps %.4g  extra_mib %.4g\n",
               cal.setupS, cal.linkEfficiency, cal.scanMbps, cal.extraMb);
        printf(
            "  median |err| time %.1f %% -> %.1f %%, bytes %.1f %% -> %.1f %%, pre-copy verdicts "
            "wrong %d -> %d of %d (in-sample)\n",
            before.timeMedPct, after.timeMedPct, before.bytesMedPct, after.bytesMedPct,
            before.convergenceWrong, after.convergenceWrong, after.precopyRuns);
        char path[512], note[160];
        snprintf(path, sizeof(path), "%s/calibration.conf", a->out);
        snprintf(note, sizeof(note),
                 "fitted by geyser migbench to %d migrations: in-sample median |err| time %.1f %%, "
                 "bytes %.1f %%",
                 m, after.timeMedPct, after.bytesMedPct);
        rc = migCalibSave(path, &cal, note);
        if (rc == 0) printf("  written to %s\n", path);
    }
    free(s);
    return rc;
}

/* ---- --rows: read the measured rows of an earlier results.csv ---- */

/* Split a CSV line (no quoting: migbench never writes commas in a field). */
static int splitCsv(char *line, char **f, int cap) {
    int n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    for (char *p = line; n < cap;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int column(char **head, int nh, const char *name) {
    for (int i = 0; i < nh; i++)
        if (strcmp(head[i], name) == 0) return i;
    return -1;
}

static int readRows(const BenchArgs *a, Row **out, int *nout) {
    static const char *const names[] = {"sweep",
                                        "mode",
                                        "flavour",
                                        "mem_mb",
                                        "wws_mb",
                                        "mcr_mbps",
                                        "outcome",
                                        "time_s",
                                        "bandwidth_mbit",
                                        "bytes",
                                        "used_mb",
                                        "qemu_downtime_ms",
                                        "achieved_mcr_mbps"};
    enum { N_NAMES = sizeof(names) / sizeof(names[0]) };
    FILE *f = fopen(a->rows, "r");
    if (!f) return ERR("cannot read %s: %m", a->rows);
    char head[1024], line[1024], *hf[40], *lf[40];
    int col[N_NAMES], nh = 0, rc = 0, n = 0, lineNo = 1;
    if (!fgets(head, sizeof(head), f)) rc = ERR("%s: empty, no CSV header", a->rows);
    if (rc == 0) nh = splitCsv(head, hf, 40);
    for (int k = 0; rc == 0 && k < N_NAMES; k++)
        if ((col[k] = column(hf, nh, names[k])) < 0)
            rc = ERR("%s: no column '%s' (not a migbench results.csv?)", a->rows, names[k]);
    int limitCol = rc == 0 ? column(hf, nh, "time_limit_s") : -1;
    Row *rows = xcalloc(64, sizeof(*rows));
    static char text[64][3][32]; /* sweep, mode and flavour strings the rows point to */
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineNo++;
        int nf = splitCsv(line, lf, 40);
        if (nf < nh) {
            rc = ERR("%s:%d: %d fields, the header has %d", a->rows, lineNo, nf, nh);
            break;
        }
        if (n >= 64) {
            rc = ERR("%s: more than 64 rows", a->rows);
            break;
        }
        Row *r = &rows[n];
        double v[N_NAMES] = {0};
        for (int k = 3; k < N_NAMES; k++)
            if (k != 6 && parseDouble(lf[col[k]], &v[k]) != 0)
                rc = ERR("%s:%d: %s '%s' is not a number", a->rows, lineNo, names[k], lf[col[k]]);
        if (rc == 0 && migrationModeParse(lf[col[1]], &r->pt.mode) != 0) rc = -1;
        if (rc != 0) break;
        for (int k = 0; k < 3; k++)
            snprintf(text[n][k], sizeof(text[n][k]), "%s", lf[col[k]]);
        r->pt.sweep = text[n][0];
        r->pt.flavour = text[n][2];
        r->pt.memMb = v[3];
        r->pt.wwsMb = v[4];
        r->pt.mcrMbps = v[5];
        r->mbit = v[8];
        r->timeLimitS = a->timeLimitS;
        if (limitCol >= 0 && parseDouble(lf[limitCol], &r->timeLimitS) != 0)
            rc = ERR("%s:%d: time_limit_s '%s' is not a number", a->rows, lineNo, lf[limitCol]);
        const char *outcome = lf[col[6]];
        r->ok = strcmp(outcome, "harness-error") != 0;
        r->m.res.outcome = strcmp(outcome, "completed") == 0   ? MIG_COMPLETED
                           : strcmp(outcome, "cancelled") == 0 ? MIG_CANCELLED
                           : strcmp(outcome, "failed") == 0    ? MIG_FAILED
                                                               : MIG_FAILED_POSTCOPY;
        r->m.res.last.totalTimeMs = v[7] * 1000;
        r->m.res.last.elapsedS = v[7];
        r->m.res.last.transferred = (long long)v[9];
        r->m.res.last.downtimeMs = v[11];
        r->m.usedMb = v[10];
        r->m.achievedMcr = v[12];
        n++;
    }
    fclose(f);
    if (rc == 0 && n == 0) rc = ERR("%s: no rows", a->rows);
    if (rc != 0) {
        free(rows);
        return -1;
    }
    *out = rows;
    *nout = n;
    return 0;
}

/* Validate and calibrate (each when asked) against rows measured earlier. */
static int fromRows(const BenchArgs *a) {
    Row *rows;
    int n;
    if (readRows(a, &rows, &n) != 0) return -1;
    if (mkdir(a->out, 0755) != 0 && errno != EEXIST) {
        free(rows);
        return ERR("cannot create %s: %m", a->out);
    }
    printf("%d rows from %s\n", n, a->rows);
    for (int i = 0; i < n; i++)
        predict(a, &rows[i]);
    int rc = a->validate ? validate(a, rows, n) : 0;
    if (rc == 0 && a->calibrate) rc = calibrate(a, rows, n);
    free(rows);
    return rc;
}

/* Keep the QEMU logs and guest consoles of a migration that lost the guest
 * or could not be measured, in DIR/logs/. */
static void keepLogs(const BenchArgs *a, const char *work, int i, const Row *r) {
    char dir[512], prefix[600];
    snprintf(dir, sizeof(dir), "%s/logs", a->out);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) return;
    snprintf(prefix, sizeof(prefix), "%s/%02d-%s-%s-%.0f-%.0f-%.0f", dir, i, r->pt.sweep,
             migrationModeName(r->pt.mode), r->pt.memMb, r->pt.wwsMb, r->pt.mcrMbps);
    if (benchKeepLogs(work, prefix) == 0)
        fprintf(stderr, "geyser: migbench: logs of migration %d kept as %s-*\n", i, prefix);
    else
        fprintf(stderr, "geyser: migbench: %s\n", errLast());
}

static int runAll(const BenchArgs *a) {
    char kernel[512], initrd[512], path[512];
    snprintf(kernel, sizeof(kernel), "%s/vmlinuz", a->guest);
    snprintf(initrd, sizeof(initrd), "%s/initrd.img", a->guest);
    if (access(kernel, R_OK) != 0 || access(initrd, R_OK) != 0)
        return ERR("no guest in %s (vmlinuz, initrd.img): run scripts/build-guest.sh %s", a->guest,
                   a->guest);
    if (mkdir(a->out, 0755) != 0 && errno != EEXIST) return ERR("cannot create %s: %m", a->out);
    snprintf(path, sizeof(path), "%s/results.csv", a->out);
    FILE *csv = fopen(path, "w");
    if (!csv) return ERR("cannot write %s: %m", path);
    fputs(csvHeader, csv);
    char work[] = "/tmp/geyser-mb-XXXXXX";
    if (!mkdtemp(work)) {
        fclose(csv);
        return ERR("cannot create a work directory in /tmp: %m");
    }
    Point pts[64];
    int n = planPoints(a, pts);
    Row *rows = xcalloc((size_t)n, sizeof(*rows));
    int failures = 0, lost = 0;
    printf("%-6s %-8s %-9s %6s %5s %5s  %-15s %8s %9s %9s %5s\n", "sweep", "mode", "flavour", "mem",
           "wws", "mcr", "outcome", "time s", "qemu dt", "guest dt", "rnds");
    for (int i = 0; i < n; i++) {
        Row *r = &rows[i];
        r->pt = pts[i];
        r->mbit = a->mbit;
        r->timeLimitS = a->timeLimitS;
        BenchSpec s = {.qemu = a->qemu,
                       .kernel = kernel,
                       .initrd = initrd,
                       .workDir = work,
                       .memMb = r->pt.memMb,
                       .wwsMb = r->pt.wwsMb,
                       .mcrMbps = r->pt.mcrMbps,
                       .exec = {.mode = r->pt.mode,
                                .maxBandwidthMBps = migBandwidthFromMbit(a->mbit),
                                .downtimeMs = 300,
                                .hybridRounds = 2,
                                .timeLimitS = a->timeLimitS}};
        r->ok = benchRun(&s, &r->m) == 0;
        if (!r->ok) {
            failures++;
            fprintf(stderr, "geyser: migbench: %s\n", errLast());
        }
        bool guestLost = r->ok && (r->m.res.outcome == MIG_FAILED_POSTCOPY ||
                                   (r->m.res.outcome == MIG_FAILED && !r->m.res.sourceRunning) ||
                                   r->m.guestCrash[0]);
        if (r->ok && r->m.guestCrash[0])
            fprintf(stderr, "geyser: migbench: migration %d: the guest crashed: %s\n", i,
                    r->m.guestCrash);
        lost += guestLost;
        if (!r->ok || guestLost || r->m.res.outcome == MIG_FAILED) {
            if (r->ok && r->m.res.detail[0])
                fprintf(stderr, "geyser: migbench: migration %d %s: %s\n", i,
                        migOutcomeName(r->m.res.outcome), r->m.res.detail);
            keepLogs(a, work, i, r);
        }
        benchCleanWork(work);
        predict(a, r);
        writeRow(csv, r);
        fflush(csv);
        printf("%-6s %-8s %-9s %6.0f %5.0f %5.0f  %-15s %8.2f %9.1f %9.1f %5lld\n", r->pt.sweep,
               migrationModeName(r->pt.mode), r->pt.flavour, r->pt.memMb, r->pt.wwsMb,
               r->pt.mcrMbps, rowOutcome(r), measuredTimeS(r), r->m.res.last.downtimeMs,
               r->m.guestDowntimeMs, r->m.res.last.dirtySyncCount);
        fflush(stdout);
    }
    rmdir(work);
    int rc = fclose(csv) == 0 ? 0 : ERR("cannot write %s/results.csv: %m", a->out);
    if (!a->smoke) {
        figure(a, rows, n, "idle", "idle-time", "Idle guests: migration time (memory = flavour/4)",
               "guest memory (MiB)", 0, false);
        figure(a, rows, n, "idle", "idle-downtime", "Idle guests: guest-seen downtime",
               "guest memory (MiB)", 0, true);
        figure(a, rows, n, "loaded", "loaded-time", "512 MiB guest, 20 MiB/s: migration time",
               "working set (MiB)", 1, false);
        figure(a, rows, n, "mcr", "mcr-time", "Dirty-rate sweep (WWS 128 MiB): migration time",
               "dirty rate (MiB/s)", 2, false);
    }
    if (rc == 0 && a->validate) rc = validate(a, rows, n);
    if (rc == 0 && a->calibrate) rc = calibrate(a, rows, n);
    free(rows);
    if (rc == 0 && failures) rc = ERR("%d of %d migrations could not be measured", failures, n);
    /* Hybrid must never lose the guest: a lost one fails the run. */
    if (rc == 0 && lost)
        rc = ERR("%d of %d migrations lost the guest (failed in post-copy); logs in %s/logs", lost,
                 n, a->out);
    return rc;
}

int cmdMigbench(int argc, char **argv) {
    BenchArgs a;
    int rc = parseBenchArgs(argc, argv, &a);
    if (rc == 1) return 0;
    if (rc < 0) {
        cliError("migbench");
        return EXIT_USAGE;
    }
    if ((a.rows ? fromRows(&a) : runAll(&a)) != 0) {
        cliError("migbench");
        return 1;
    }
    return 0;
}
