/* cmd_fit.c - `geyser fit`: learn each server type's power model from
 * measurements and print it, write it as a server-type catalogue, or plot
 * it. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "err.h"
#include "fit.h"
#include "fitplot.h"
#include "fitstore.h"
#include "servertype.h"
#include "util.h"

void cmdFitHelp(FILE *f) {
    fprintf(f,
            "NAME\n"
            "    geyser fit - fit server power models (watts against CPU utilization)\n\n"
            "SYNOPSIS\n"
            "    geyser fit --csv FILE [--json] [--out FILE] [--plot PREFIX] [--folds K]\n"
            "    geyser fit --store URI [--from T] [--to T] [--meter NAME] [--max-skew S]\n"
            "               [--estimated] [--json] [--out FILE] [--plot PREFIX] [--folds K]\n\n"
            "DESCRIPTION\n"
            "    For each server type in the measurements, fits three models of power P against\n"
            "    host CPU utilization u by least squares:\n"
            "      linear     P = idle + (max - idle) u, with Pearson's r and the RMSE\n"
            "      concave    P = idle + (max - idle)(2u - u^e) (Fan et al.), e in (1, 2]\n"
            "      piecewise  11 points at 0, 10, ..., 100 %% (SPECpower style)\n"
            "    and keeps the one with the lowest K-fold cross-validated RMSE; a more complex\n"
            "    model must beat a simpler one by more than 1 %% to be kept.\n\n"
            "OPTIONS\n"
            "    --csv FILE       measurements with a header naming the columns time, host,\n"
            "                     server_type, cpu_util (percent) and watts\n"
            "    --store URI      measurements from a store (sqlite:PATH, postgres:CONNINFO,\n"
            "                     postgresql://...): each host's measured power paired with its\n"
            "                     CPU utilization sample nearest in time, grouped by the host's\n"
            "                     recorded server type (geyser collect --server-type)\n"
            "    --from T, --to T the time range [T, T) of --store: seconds since the epoch or\n"
            "                     YYYY-MM-DD[THH:MM:SS] in UTC (default: everything)\n"
            "    --meter NAME     with --store, the power series to fit where a host has several\n"
            "                     (the name, or its end after a '/', e.g. power1)\n"
            "    --max-skew S     with --store, the most seconds between a power and a\n"
            "                     utilization sample paired (default 5)\n"
            "    --estimated      with --store, fit estimated power too (left out by default:\n"
            "                     a model's output); for a simulated cloud's record\n"
            "    --json           one JSON object per server type (an array) instead of a table\n"
            "    --out FILE       write the chosen models as a catalogue in the format of\n"
            "                     data/server-types.csv; capacity and power-state columns come\n"
            "                     from the built-in type of the same name, else are placeholders\n"
            "    --plot PREFIX    draw PREFIX.svg and PREFIX.png (needs rsvg-convert)\n"
            "    --folds K        cross-validation folds (default %d)\n\n"
            "EXIT STATUS\n"
            "    0 success, 1 the input could not be read or fitted, 2 bad usage.\n",
            FIT_FOLDS);
}

typedef struct FitArgs {
    const char *csv, *out, *plot, *store;
    bool json;
    long folds;
    FitStoreQuery query;
    char source[512]; /* the CSV file or the store, for messages and the catalogue */
} FitArgs;

enum {
    OPT_CSV = 256,
    OPT_JSON,
    OPT_OUT,
    OPT_PLOT,
    OPT_FOLDS,
    OPT_HELP,
    OPT_STORE,
    OPT_FROM,
    OPT_TO,
    OPT_METER,
    OPT_SKEW,
    OPT_ESTIMATED
};

static const struct option fitOptions[] = {
    {"csv", required_argument, NULL, OPT_CSV},
    {"store", required_argument, NULL, OPT_STORE},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"meter", required_argument, NULL, OPT_METER},
    {"max-skew", required_argument, NULL, OPT_SKEW},
    {"estimated", no_argument, NULL, OPT_ESTIMATED},
    {"json", no_argument, NULL, OPT_JSON},
    {"out", required_argument, NULL, OPT_OUT},
    {"plot", required_argument, NULL, OPT_PLOT},
    {"folds", required_argument, NULL, OPT_FOLDS},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Seconds since the epoch, or a UTC date YYYY-MM-DD[THH:MM:SS][Z]. */
static int parseTime(const char *opt, const char *s, double *out) {
    if (parseDouble(s, out) == 0 && isfinite(*out)) return 0;
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || (*end && strcmp(end, "Z") != 0))
        return ERR("%s: '%s' is neither seconds since 1970 nor YYYY-MM-DD[THH:MM:SS] (UTC)", opt,
                   s);
    *out = (double)timegm(&tm);
    return 0;
}

/* 1: help was printed; -1: bad usage (error recorded). */
static int parseFitArgs(int argc, char **argv, FitArgs *a) {
    memset(a, 0, sizeof(*a));
    a->folds = FIT_FOLDS;
    a->query = (FitStoreQuery){.from = 0, .to = INFINITY, .maxSkew = 5};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", fitOptions, NULL)) != -1) {
        switch (ch) {
        case OPT_CSV: a->csv = optarg; break;
        case OPT_JSON: a->json = true; break;
        case OPT_OUT: a->out = optarg; break;
        case OPT_PLOT: a->plot = optarg; break;
        case OPT_FOLDS:
            if (parseLong(optarg, &a->folds) < 0 || a->folds < 2 || a->folds > 100)
                return ERR("--folds: '%s' is not a whole number from 2 to 100", optarg);
            break;
        case OPT_HELP: cmdFitHelp(stdout); return 1;
        case OPT_STORE: a->store = optarg; break;
        case OPT_FROM:
            if (parseTime("--from", optarg, &a->query.from) < 0) return -1;
            break;
        case OPT_TO:
            if (parseTime("--to", optarg, &a->query.to) < 0) return -1;
            break;
        case OPT_METER: a->query.meter = optarg; break;
        case OPT_ESTIMATED: a->query.estimated = true; break;
        case OPT_SKEW:
            if (parseDouble(optarg, &a->query.maxSkew) < 0 || !(a->query.maxSkew >= 0) ||
                a->query.maxSkew > 86400)
                return ERR("--max-skew: '%s' is not a number of seconds from 0 to 86400", optarg);
            break;
        default:
            return ERR("unknown or incomplete option '%s'; see 'geyser fit --help'",
                       argv[optind - 1]);
        }
    }
    if (optind < argc) return ERR("unexpected argument '%s'", argv[optind]);
    if (!a->csv == !a->store)
        return ERR("give one of --csv FILE and --store URI; see 'geyser fit --help'");
    if (a->csv &&
        (a->query.meter || a->query.from != 0 || isfinite(a->query.to) || a->query.estimated))
        return ERR("--from, --to, --meter and --estimated select samples of --store, not of --csv");
    if (a->query.from >= a->query.to)
        return ERR("--from %.0f is not before --to %.0f", a->query.from, a->query.to);
    if (a->csv)
        snprintf(a->source, sizeof(a->source), "%s", a->csv);
    else
        storeUriRedact(a->store, a->source, sizeof(a->source));
    return 0;
}

static const char *const candNames[FIT_CANDIDATES] = {"linear", "concave", "piecewise"};

static json_t *modelJson(const FitCandidate *c) {
    json_t *o = json_object();
    if (!c->ok) {
        json_object_set_new(o, "error", json_string(c->why));
        return o;
    }
    const PowerModel *m = &c->model;
    json_object_set_new(o, "idle_w", json_real(m->idleW));
    json_object_set_new(o, "max_w", json_real(m->maxW));
    if (m->kind == POWER_CONCAVE) json_object_set_new(o, "exponent", json_real(m->r));
    json_t *pts = json_array();
    for (int i = 0; i < POWER_POINTS; i++)
        json_array_append_new(pts, json_real(m->points[i]));
    json_object_set_new(o, "points", pts);
    json_object_set_new(o, "rmse", json_real(c->rmse));
    json_object_set_new(o, "cv_rmse", json_real(c->cvRmse));
    return o;
}

static json_t *resultJson(const FitSet *s, const FitResult *r) {
    const FitCandidate *c = &r->cand[r->chosen];
    json_t *o = json_object();
    json_object_set_new(o, "server_type", json_string(s->type));
    json_object_set_new(o, "model", json_string(powerKindName(c->model.kind)));
    json_object_set_new(o, "idle_w", json_real(c->model.idleW));
    json_object_set_new(o, "max_w", json_real(c->model.maxW));
    json_object_set_new(o, "r", json_real(r->pearson));
    json_object_set_new(o, "rmse", json_real(c->rmse));
    json_object_set_new(o, "cv_rmse", json_real(c->cvRmse));
    json_object_set_new(o, "n", json_integer((json_int_t)r->n));
    if (c->model.kind == POWER_CONCAVE) json_object_set_new(o, "exponent", json_real(c->model.r));
    json_t *pts = json_array();
    for (int i = 0; i < POWER_POINTS; i++)
        json_array_append_new(pts, json_real(c->model.points[i]));
    json_object_set_new(o, "points", pts);
    json_t *cands = json_object();
    for (int i = 0; i < FIT_CANDIDATES; i++)
        json_object_set_new(cands, candNames[i], modelJson(&r->cand[i]));
    json_object_set_new(o, "candidates", cands);
    return o;
}

static void printTable(const FitData *d, const FitResult *res) {
    printf("%-32s %-9s %9s %9s %8s %7s %8s  %s\n", "server type", "model", "idle W", "max W", "r",
           "n", "RMSE W", "cv RMSE W: linear / concave / piecewise");
    for (size_t s = 0; s < d->n; s++) {
        const FitResult *r = &res[s];
        const FitCandidate *c = &r->cand[r->chosen];
        printf("%-32s %-9s %9.2f %9.2f %8.4f %7zu %8.3f ", d->sets[s].type,
               powerKindName(c->model.kind), c->model.idleW, c->model.maxW, r->pearson, r->n,
               c->rmse);
        for (int i = 0; i < FIT_CANDIDATES; i++) {
            if (r->cand[i].ok)
                printf(" %s%.3f", i ? "/ " : "", r->cand[i].cvRmse);
            else
                printf(" %s-", i ? "/ " : "");
        }
        printf("\n");
    }
}

/* One catalogue row; linear and concave rows restate their curve in
 * u10..u90, as serverTypesParse requires. */
static void writeRow(FILE *o, const char *type, const PowerModel *m, const char *csv) {
    const ServerType *known = serverTypeFind(type);
    errClear();
    ServerType t = {.cores = 1, .coreMips = 1000, .ramMb = 1024};
    if (known) t = *known;
    fprintf(o, "%s,%d,%g,%g,%s,", type, t.cores, t.coreMips, t.ramMb, powerKindName(m->kind));
    if (m->kind == POWER_CONCAVE) fprintf(o, "%.4f", m->r);
    for (int i = 0; i < POWER_POINTS; i++)
        fprintf(o, ",%.3f", m->points[i]);
    fprintf(o, ",%g,%g,%g,%g,%g,\"fitted by geyser fit from %s%s\"\n", t.offW, t.bootS, t.bootW,
            t.shutdownS, t.shutdownW, csv,
            known ? "; capacity and power states of the built-in type"
                  : "; capacity and power states are placeholders");
}

static int writeCatalogue(const char *path, const FitData *d, const FitResult *res,
                          const char *csv) {
    FILE *o = fopen(path, "w");
    if (!o) return ERR("cannot create %s: %m", path);
    fprintf(o,
            "# %s - server types fitted by geyser fit from %s\n"
            "name,cores,core_mips,ram_mb,model,r,u0,u10,u20,u30,u40,u50,u60,u70,u80,u90,"
            "u100,off_w,boot_s,boot_w,shutdown_s,shutdown_w,source\n",
            path, csv);
    for (size_t s = 0; s < d->n; s++)
        writeRow(o, d->sets[s].type, &res[s].cand[res[s].chosen].model, csv);
    if (fclose(o) != 0) return ERR("cannot write %s: %m", path);
    /* Read it back: a catalogue geyser cannot load is worse than none. */
    ServerType *types;
    int n = serverTypesLoadFile(path, &types);
    free(types);
    return n < 0 ? -1 : 0;
}

static int fitAll(const FitArgs *a, const FitData *d, FitResult *res) {
    for (size_t s = 0; s < d->n; s++) {
        const FitSet *set = &d->sets[s];
        if (fitPower(set->u, set->w, set->n, (int)a->folds, &res[s]) < 0) {
            errPrefix("%s: server type %s", a->source, set->type);
            return -1;
        }
        const PowerModel *m = &res[s].cand[res[s].chosen].model;
        if (powerValidate(m) < 0) {
            errPrefix("%s: server type %s: the fitted model is not physical", a->source, set->type);
            return -1;
        }
    }
    return 0;
}

/* The measurements of --store; what was left out goes to stderr. */
static int readStore(const FitArgs *a, FitData *d) {
    Store *st = storeOpen(a->store);
    if (!st) return -1;
    FitStoreStats stats;
    int rc = fitReadStore(st, &a->query, d, &stats);
    storeClose(st);
    if (rc < 0) {
        errPrefix("%s", a->source);
        return -1;
    }
    if (stats.untypedHosts || stats.unpaired || stats.estimated)
        fprintf(stderr,
                "geyser fit: %ld samples paired; left out: %d hosts without a server type, %ld "
                "power samples with no utilization within %g s, %ld estimated samples\n",
                stats.pairs, stats.untypedHosts, stats.unpaired, a->query.maxSkew, stats.estimated);
    return 0;
}

static int runFit(const FitArgs *a) {
    FitData d;
    if ((a->csv ? fitReadCsv(a->csv, &d) : readStore(a, &d)) < 0) return -1;
    FitResult *res = xcalloc(d.n, sizeof(FitResult));
    int rc = fitAll(a, &d, res);
    if (rc == 0 && a->out) rc = writeCatalogue(a->out, &d, res, a->source);
    if (rc == 0 && a->plot) rc = fitPlot(a->plot, &d, res, true);
    if (rc == 0 && a->json) {
        json_t *arr = json_array();
        for (size_t s = 0; s < d.n; s++)
            json_array_append_new(arr, resultJson(&d.sets[s], &res[s]));
        json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
        json_decref(arr);
    } else if (rc == 0) {
        printTable(&d, res);
    }
    free(res);
    fitDataFree(&d);
    return rc;
}

int cmdFit(int argc, char **argv) {
    FitArgs a;
    int rc = parseFitArgs(argc, argv, &a);
    if (rc == 1) return 0;
    if (rc < 0) {
        cliError("fit");
        return EXIT_USAGE;
    }
    if (runFit(&a) < 0) {
        cliError("fit");
        return 1;
    }
    return 0;
}
