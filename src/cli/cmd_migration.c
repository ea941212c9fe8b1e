/* cmd_migration.c - `geyser migration predict`: price one live migration
 * with the cost model of src/migration/migmodel.h. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "migration/migmodel.h"
#include "util.h"

void cmdMigrationHelp(FILE *f) {
    fprintf(f, "NAME\n"
               "    geyser migration - predict the cost of a live migration\n\n"
               "SYNOPSIS\n"
               "    geyser migration predict --mem MB --used MB --wws MB --mcr MBPS\n"
               "                             --bandwidth MBIT --mode MODE [OPTIONS] [--json]\n\n"
               "DESCRIPTION\n"
               "    Runs the analytic model of docs/migration.md: iterative pre-copy (round 0\n"
               "    sends the used memory, each next round what the guest dirtied meanwhile,\n"
               "    capped by the writable working set) until the rest fits in the downtime\n"
               "    target, post-copy (one pass after a pause for device state), or hybrid\n"
               "    (a few pre-copy rounds, then post-copy). Pre-copy that hits its round or\n"
               "    data limit is reported as not converged: it would be cancelled.\n\n"
               "OPTIONS\n"
               "    --mem MB             guest memory, MiB\n"
               "    --used MB            memory in use, MiB (<= --mem)\n"
               "    --wws MB             writable working set, MiB (<= --used)\n"
               "    --mcr MBPS           dirty rate inside the WWS, MiB/s\n"
               "    --bandwidth MBIT     link bandwidth for the migration, Mbit/s\n"
               "    --mode MODE          precopy, postcopy, hybrid, or auto (pre-copy when it\n"
               "                         converges, hybrid otherwise)\n"
               "    --downtime-ms N      downtime target (default 300, QEMU's downtime-limit)\n"
               "    --max-rounds N       pre-copy round limit (default 30)\n"
               "    --max-data X         pre-copy data limit, times --used (default 4)\n"
               "    --device-mb MB       device state sent while paused (default 0.5)\n"
               "    --hybrid-rounds N    pre-copy rounds before hybrid switches (default 2)\n"
               "    --fault-ms X         post-copy stall per remote page fault (default 0.1)\n"
               "    --calibration FILE   test-bed terms fitted by 'geyser migbench --calibrate'\n"
               "                         (setup_s, link_efficiency, scan_mibps, extra_mib;\n"
               "                         default: none, an ideal link)\n"
               "    --json               print one JSON object\n\n"
               "OUTPUT (JSON keys)\n"
               "    mode, time_s, downtime_ms, bytes, rounds, converged, postcopy_s,\n"
               "    fault_stall_s\n\n"
               "EXAMPLES\n"
               "    geyser migration predict --mem 2048 --used 1024 --wws 128 --mcr 64 \\\n"
               "        --bandwidth 1000 --mode precopy\n");
}

enum {
    OPT_MEM = 256,
    OPT_USED,
    OPT_WWS,
    OPT_MCR,
    OPT_BANDWIDTH,
    OPT_MODE,
    OPT_DOWNTIME,
    OPT_ROUNDS,
    OPT_DATA,
    OPT_DEVICE,
    OPT_HYBRID,
    OPT_FAULT,
    OPT_CALIBRATION,
    OPT_JSON,
    OPT_HELP,
};

static const struct option predictOptions[] = {
    {"mem", required_argument, NULL, OPT_MEM},
    {"used", required_argument, NULL, OPT_USED},
    {"wws", required_argument, NULL, OPT_WWS},
    {"mcr", required_argument, NULL, OPT_MCR},
    {"bandwidth", required_argument, NULL, OPT_BANDWIDTH},
    {"mode", required_argument, NULL, OPT_MODE},
    {"downtime-ms", required_argument, NULL, OPT_DOWNTIME},
    {"max-rounds", required_argument, NULL, OPT_ROUNDS},
    {"max-data", required_argument, NULL, OPT_DATA},
    {"device-mb", required_argument, NULL, OPT_DEVICE},
    {"hybrid-rounds", required_argument, NULL, OPT_HYBRID},
    {"fault-ms", required_argument, NULL, OPT_FAULT},
    {"calibration", required_argument, NULL, OPT_CALIBRATION},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

typedef struct PredictArgs {
    MigInput in;
    double mbit;
    const char *mode;
    bool json;
    unsigned given; /* bit per required option */
} PredictArgs;

static int numberOpt(const char *opt, const char *text, double *out) {
    if (parseDouble(text, out) != 0) return ERR("--%s: '%s' is not a number", opt, text);
    return 0;
}

static int intOpt(const char *opt, const char *text, int *out) {
    long n;
    if (parseLong(text, &n) != 0 || n < 0 || n > 100000)
        return ERR("--%s: '%s' is not a whole number from 0 to 100000", opt, text);
    *out = (int)n;
    return 0;
}

/* Returns 0, 1 when --help was handled, -1 on a usage error. */
static int parsePredictArgs(int argc, char **argv, PredictArgs *a) {
    static const char *const required[] = {"mem", "used", "wws", "mcr", "bandwidth", "mode"};
    memset(a, 0, sizeof(*a));
    a->in = migInputDefaults();
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", predictOptions, NULL)) != -1) {
        int rc = 0;
        if (ch >= OPT_MEM && ch <= OPT_MODE) a->given |= 1u << (ch - OPT_MEM);
        switch (ch) {
        case OPT_MEM: rc = numberOpt("mem", optarg, &a->in.memMb); break;
        case OPT_USED: rc = numberOpt("used", optarg, &a->in.usedMb); break;
        case OPT_WWS: rc = numberOpt("wws", optarg, &a->in.wwsMb); break;
        case OPT_MCR: rc = numberOpt("mcr", optarg, &a->in.mcrMbps); break;
        case OPT_BANDWIDTH: rc = numberOpt("bandwidth", optarg, &a->mbit); break;
        case OPT_MODE: a->mode = optarg; break;
        case OPT_DOWNTIME: rc = numberOpt("downtime-ms", optarg, &a->in.downtimeMs); break;
        case OPT_ROUNDS: rc = intOpt("max-rounds", optarg, &a->in.maxRounds); break;
        case OPT_DATA: rc = numberOpt("max-data", optarg, &a->in.maxDataFactor); break;
        case OPT_DEVICE: rc = numberOpt("device-mb", optarg, &a->in.deviceMb); break;
        case OPT_HYBRID: rc = intOpt("hybrid-rounds", optarg, &a->in.hybridRounds); break;
        case OPT_FAULT: rc = numberOpt("fault-ms", optarg, &a->in.faultLatencyMs); break;
        case OPT_CALIBRATION: rc = migCalibLoad(optarg, &a->in.cal); break;
        case OPT_JSON: a->json = true; break;
        case OPT_HELP: cmdMigrationHelp(stdout); return 1;
        default:
            return ERR("unknown or incomplete option '%s'; see 'geyser migration --help'",
                       argv[optind - 1]);
        }
        if (rc != 0) return -1;
    }
    if (optind < argc) return ERR("unexpected argument '%s'", argv[optind]);
    for (unsigned i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!(a->given & (1u << i))) return ERR("--%s is required", required[i]);
    a->in.bandwidthMbps = migBandwidthFromMbit(a->mbit);
    return 0;
}

static void printPrediction(const char *mode, const MigPrediction *p, bool json) {
    if (json) {
        json_t *o =
            json_pack("{s:s, s:f, s:f, s:I, s:i, s:b, s:f, s:f}", "mode", mode, "time_s", p->timeS,
                      "downtime_ms", p->downtimeMs, "bytes", (json_int_t)llround(p->bytes),
                      "rounds", p->rounds, "converged", p->converged, "postcopy_s", p->postcopyS,
                      "fault_stall_s", p->faultStallS);
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
        json_decref(o);
        return;
    }
    printf("mode           %s\n", mode);
    printf("time_s         %.3f%s\n", p->timeS, p->converged ? "" : "  (until cancelled)");
    printf("downtime_ms    %.1f\n", p->downtimeMs);
    printf("bytes          %.0f  (%.1f MiB)\n", p->bytes, p->bytes / 1048576.0);
    printf("rounds         %d\n", p->rounds);
    printf("converged      %s\n", p->converged ? "yes" : "no: pre-copy hits its limit");
    if (p->postcopyS > 0 || p->faultStallS > 0)
        printf("postcopy_s     %.3f  (fault stall %.3f s)\n", p->postcopyS, p->faultStallS);
}

static int migrationPredict(int argc, char **argv) {
    PredictArgs a;
    int rc = parsePredictArgs(argc, argv, &a);
    if (rc == 1) return 0;
    if (rc == 0 && migValidate(&a.in) != 0) rc = -1;
    MigrationMode mode = MIGRATE_PRECOPY;
    if (rc == 0 && strcmp(a.mode, "auto") == 0)
        mode = migChooseMode(&a.in);
    else if (rc == 0 && migrationModeParse(a.mode, &mode) != 0)
        rc = -1;
    if (rc != 0) {
        cliError("migration predict");
        return EXIT_USAGE;
    }
    MigPrediction p;
    if (migPredict(&a.in, mode, &p) != 0) {
        cliError("migration predict");
        return 1;
    }
    printPrediction(migrationModeName(mode), &p, a.json);
    return 0;
}

int cmdMigration(int argc, char **argv) {
    if (argc < 2) {
        cmdMigrationHelp(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cmdMigrationHelp(stdout);
        return 0;
    }
    if (strcmp(argv[1], "predict") == 0) return migrationPredict(argc - 1, argv + 1);
    fprintf(stderr, "geyser: migration: unknown verb '%s' (known: predict)\n", argv[1]);
    return EXIT_USAGE;
}
