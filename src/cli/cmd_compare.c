/* cmd_compare.c - `geyser compare`: several policies on the same traces, one
 * table (or JSON array), optionally for every day of a trace folder and as
 * plots of energy against SLAV and against migrations.
 *
 * Runs are independent and deterministic, so they go to child processes
 * (fork), a few at a time; each child sends its SimResult back through a
 * pipe. The results are those of sequential runs, in the same order. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "simulate.h"
#include "util.h"

#define MAX_POLICIES 32
#define MAX_DAYS     64

void cmdCompareHelp(FILE *f) {
    fprintf(f,
            "NAME\n"
            "    geyser compare - run several policies on the same traces, side by side\n\n"
            "SYNOPSIS\n"
            "    geyser compare --policies P1,P2,... [--trace DIR [--days all]] [--jobs N]\n"
            "                   [--plot PREFIX] [SIMULATE OPTIONS] [--json]\n\n"
            "DESCRIPTION\n"
            "    Runs each policy on the same scenario (the options of 'geyser simulate':\n"
            "    --scenario, --trace, --order, --csv, --hosts, --scale, --max-migrations,\n"
            "    --compat cloudsim, ...) in parallel child processes and prints one table:\n"
            "    energy, its ratio to the lower bound, migrations, SLATAH, PDM, SLAV, host\n"
            "    shutdowns and runtime.\n\n"
            "OPTIONS\n"
            "    --policies LIST   comma-separated policy specs, e.g. thr-mmt:0.8,lr-mmt:1.2\n"
            "    --days all        --trace is a folder of day folders: run every day, then\n"
            "                      the total (energy, migrations) and mean (SLA metrics)\n"
            "    --jobs N          runs at once (default: the number of CPUs)\n"
            "    --plot PREFIX     write PREFIX-slav.svg and PREFIX-migrations.svg (energy\n"
            "                      against SLAV and migrations, lower bound marked) and PNGs\n"
            "                      when rsvg-convert is installed\n"
            "    --json            an array of objects with simulate's metric names, plus\n"
            "                      \"day\" and \"energy_ratio\"\n\n"
            "ENERGY OBJECTIVES\n"
            "    With --signals DIR (and its jobs.csv, or --deferrable FILE), a policy spec may\n"
            "    end in +cost, +carbon or +renewable (renewable_share): the deferrable jobs are\n"
            "    then planned for that objective; a plain spec runs them at arrival. A second\n"
            "    table shows the site's money, CO2 and non-renewable energy, their cuts\n"
            "    against the same day with every job at arrival, and each demand-response cap.\n\n"
            "EXAMPLES\n"
            "    geyser compare --trace ../shared/data/planetlab/20110303 \\\n"
            "        --policies thr-mmt:0.8,iqr-mmt:1.5,mad-mmt:2.5,lr-mmt:1.2,paper\n"
            "    geyser compare --trace ../shared/data/planetlab --days all \\\n"
            "        --policies lr-mmt:1.2,paper --json\n"
            "    geyser compare --trace ../shared/data/planetlab/20110303 \\\n"
            "        --signals data/energy/planetlab-day \\\n"
            "        --policies geyser,geyser+cost,geyser+carbon,geyser+renewable\n");
}

typedef struct CompareArgs {
    char *policies[MAX_POLICIES];
    int npolicies;
    bool allDays;
    long jobs;
    const char *plot;
    char *policyText; /* owned: the --policies text split in place */
} CompareArgs;

/* Take compare's own options out of argv; what is left is simulate's. */
static int takeCompareArgs(int *argc, char **argv, CompareArgs *c) {
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        /* "--opt VALUE" or "--opt=VALUE", as getopt_long takes them. */
        const char *eq = strchr(argv[i], '=');
        char a[32];
        snprintf(a, sizeof(a), "%.*s", (int)(eq ? (size_t)(eq - argv[i]) : strlen(argv[i])),
                 argv[i]);
        if (strcmp(a, "--policies") == 0 || strcmp(a, "--days") == 0 || strcmp(a, "--jobs") == 0 ||
            strcmp(a, "--plot") == 0) {
            if (!eq && i + 1 >= *argc) return ERR("%s needs a value", a);
            const char *v = eq ? eq + 1 : argv[++i];
            if (strcmp(a, "--policies") == 0) {
                free(c->policyText);
                c->policyText = xstrdup(v);
            } else if (strcmp(a, "--days") == 0) {
                if (strcmp(v, "all") != 0)
                    return ERR("--days: only 'all' is supported, got '%s'", v);
                c->allDays = true;
            } else if (strcmp(a, "--jobs") == 0) {
                if (parseLong(v, &c->jobs) != 0 || c->jobs < 1 || c->jobs > 256)
                    return ERR("--jobs: '%s' is not a whole number from 1 to 256", v);
            } else {
                c->plot = v;
            }
            continue;
        }
        if (strcmp(a, "--policy") == 0 || strcmp(a, "--timeline") == 0 ||
            strcmp(a, "--objective") == 0)
            return ERR("%s is simulate's; compare takes --policies LIST (objectives as "
                       "geyser+cost)",
                       a);
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    if (!c->policyText) return ERR("--policies LIST is required, e.g. --policies thr-mmt,paper");
    char *save = NULL;
    for (char *p = strtok_r(c->policyText, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        /* "paper:0.2,0.8": a bare number continues the previous spec. */
        bool continues = c->npolicies > 0 && (p[0] == '.' || (p[0] >= '0' && p[0] <= '9'));
        if (continues) {
            p[-1] = ',';
            continue;
        }
        if (c->npolicies == MAX_POLICIES) return ERR("at most %d policies", MAX_POLICIES);
        c->policies[c->npolicies++] = p;
    }
    if (c->npolicies == 0) return ERR("--policies names no policy");
    return 0;
}

typedef struct RunOut {
    int rc;
    char error[256];
    SimResult r;
} RunOut;

static void runChild(const Scenario *sc, const SimArgs *a, const char *policy, int fd) {
    RunOut o;
    memset(&o, 0, sizeof(o));
    SimOptions opt = a->opt;
    opt.policy = policy;
    opt.progress = NULL;
    opt.timeline = NULL;
    o.rc = simulateRun(sc, &opt, &o.r);
    if (o.rc != 0) snprintf(o.error, sizeof(o.error), "%s", errLast());
    const char *p = (const char *)&o;
    size_t left = sizeof(o);
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(3);
        p += w;
        left -= (size_t)w;
    }
    close(fd);
    _exit(0);
}

static int readAll(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Run every policy on sc, jobs at a time; out[i] for policies[i]. Reading a
 * child's pipe before waiting for it keeps a child from blocking on a full
 * pipe. */
static int runPolicies(const Scenario *sc, const SimArgs *a, const CompareArgs *c, SimResult *out) {
    pid_t pids[MAX_POLICIES];
    int fds[MAX_POLICIES], next = 0, done = 0, running = 0, rc = 0;
    fflush(NULL);
    while (done < c->npolicies) {
        while (next < c->npolicies && running < c->jobs) {
            int pfd[2];
            if (pipe(pfd) != 0) return ERR("cannot create a pipe: %m");
            pid_t pid = fork();
            if (pid < 0) return ERR("cannot fork a run: %m");
            if (pid == 0) {
                close(pfd[0]);
                runChild(sc, a, c->policies[next], pfd[1]);
            }
            close(pfd[1]);
            pids[next] = pid;
            fds[next] = pfd[0];
            next++;
            running++;
        }
        /* Collect the oldest running child: results keep their order. */
        int i = done;
        RunOut o;
        int got = readAll(fds[i], &o, sizeof(o));
        close(fds[i]);
        int status = 0;
        waitpid(pids[i], &status, 0);
        running--;
        done++;
        if (got != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (rc == 0) rc = ERR("the run of policy '%s' died", c->policies[i]);
            continue;
        }
        if (o.rc != 0) {
            if (rc == 0) rc = ERR("policy '%s': %s", c->policies[i], o.error);
            continue;
        }
        out[i] = o.r;
    }
    return rc;
}

static int cmpName(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The day folders of dir (names starting with a digit), sorted. */
static int listDays(const char *dir, char **days, int *n) {
    DIR *d = opendir(dir);
    if (!d) return ERR("cannot open the trace folder %s: %m", dir);
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        if (*n == MAX_DAYS) break;
        days[(*n)++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (*n == 0) return ERR("%s holds no day folder (names such as 20110303)", dir);
    qsort(days, (size_t)*n, sizeof(char *), cmpName);
    return 0;
}

static double ratio(const SimResult *r) {
    return r->lowerBoundKwh > 0 ? r->energyKwh / r->lowerBoundKwh : 0;
}

static void printHeader(const char *day) {
    printf("%s\n  %-22s %11s %7s %10s %8s %9s %10s %9s %8s\n", day, "policy", "energy kWh",
           "x bound", "migrations", "SLATAH%", "PDM%", "SLAV", "shutdowns", "runtime");
}

static void printRow(const SimResult *r) {
    printf("  %-22s %11.2f %7.3f %10ld %8.3f %9.4f %10.3g %9ld %7.2fs\n", r->policy, r->energyKwh,
           ratio(r), r->migrations, r->slatahPct, r->pdmPct, r->slav, r->hostShutdowns,
           r->runtimeS);
}

static void printEnergyHeader(void) {
    printf("  %-22s %9s %8s %8s %9s %12s %12s %12s  %s\n", "policy (jobs)", "deadlines", "EUR",
           "kg CO2", "nonren kWh", "-EUR% j/s", "-CO2% j/s", "-nonren% j/s", "caps");
}

static double cut(double now, double ref) {
    return ref != 0 ? 100 * (1 - now / ref) : 0;
}

/* "jobs/site" cuts against the same day with every job at arrival. */
static void printCut(double jobs, double jobsRef, double site, double siteRef) {
    char text[32];
    snprintf(text, sizeof(text), "%.1f/%.1f", cut(jobs, jobsRef), cut(site, siteRef));
    printf(" %12s", text);
}

/* The site's money, CO2 and non-renewable energy, the cuts for the jobs
 * (wherever they ran, transfers included) and for the simulated site,
 * then whether each cap held. */
static void printEnergyRow(const SimResult *r) {
    const EnergyResult *e = &r->energy;
    char dl[24];
    snprintf(dl, sizeof(dl), "%d/%d", e->deadlinesMet, e->jobs);
    printf("  %-22s %9s %8.2f %8.1f %9.1f", r->policy, dl, e->site.costEur, e->site.co2Kg,
           e->site.nonRenewableKwh);
    printCut(e->jobs_.costEur, e->jobsAtArrival.costEur, e->site.costEur, e->siteAtArrival.costEur);
    printCut(e->jobs_.co2Kg, e->jobsAtArrival.co2Kg, e->site.co2Kg, e->siteAtArrival.co2Kg);
    printCut(e->jobs_.nonRenewableKwh, e->jobsAtArrival.nonRenewableKwh, e->site.nonRenewableKwh,
             e->siteAtArrival.nonRenewableKwh);
    printf(" ");
    for (int i = 0; i < e->ncaps; i++) {
        if (e->caps[i].met)
            printf(" met+%.0fs", e->caps[i].metAfterS);
        else
            printf(" missed");
    }
    if (e->jobsMoved) printf("  (%d jobs moved)", e->jobsMoved);
    printf("\n");
}

static json_t *rowJson(const SimResult *r, const char *day) {
    json_t *o = cliResultJson(r);
    json_object_set_new(o, "day", json_string(day));
    json_object_set_new(o, "energy_ratio", json_real(ratio(r)));
    return o;
}

/* Totals over days: energy and counts add up, SLA metrics are means. */
static void accumulate(SimResult *sum, const SimResult *r, int ndays) {
    if (sum->policy[0] == '\0') {
        *sum = *r;
        snprintf(sum->scenario, sizeof(sum->scenario), "all days");
        sum->energyKwh = sum->baselineKwh = sum->lowerBoundKwh = sum->runtimeS = 0;
        sum->migrations = sum->hostShutdowns = sum->hostBoots = 0;
        sum->slatahPct = sum->pdmPct = sum->slav = sum->overloadPct = 0;
        sum->durationS = 0;
    }
    sum->energyKwh += r->energyKwh;
    sum->baselineKwh += r->baselineKwh;
    sum->lowerBoundKwh += r->lowerBoundKwh;
    sum->runtimeS += r->runtimeS;
    sum->durationS += r->durationS;
    sum->migrations += r->migrations;
    sum->hostShutdowns += r->hostShutdowns;
    sum->hostBoots += r->hostBoots;
    sum->slatahPct += r->slatahPct / ndays;
    sum->pdmPct += r->pdmPct / ndays;
    sum->slav += r->slav / ndays;
    sum->overloadPct += r->overloadPct / ndays;
    sum->savingPct = sum->baselineKwh > 0 ? 100 * (1 - sum->energyKwh / sum->baselineKwh) : 0;
}

/* --- plots ---------------------------------------------------------------- */

static void svgEscape(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

/* One scatter plot: x = metric (SLAV or migrations), y = energy kWh, a
 * dashed line at the lower bound. */
static int writeSvg(const char *path, const SimResult *r, int n, bool slav) {
    FILE *f = fopen(path, "w");
    if (!f) return ERR("cannot write the plot %s: %m", path);
    const double W = 720, H = 480, L = 80, R = 200, T = 40, B = 60;
    double xmax = 0, ymin = r[0].lowerBoundKwh, ymax = ymin;
    for (int i = 0; i < n; i++) {
        double x = slav ? r[i].slav : (double)r[i].migrations;
        if (x > xmax) xmax = x;
        if (r[i].energyKwh > ymax) ymax = r[i].energyKwh;
        if (r[i].energyKwh < ymin) ymin = r[i].energyKwh;
    }
    if (xmax <= 0) xmax = 1;
    xmax *= 1.1;
    double pad = (ymax - ymin) * 0.1 + 1;
    ymin -= pad;
    ymax += pad;
    double pw = W - L - R, ph = H - T - B;
#define PX(x) (L + (x) / xmax * pw)
#define PY(y) (T + ph - ((y)-ymin) / (ymax - ymin) * ph)
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "font-family=\"sans-serif\" font-size=\"13\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"%.0f\" y=\"24\" font-size=\"16\">Energy against %s</text>\n"
            "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n"
            "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n",
            W, H, L, slav ? "SLAV" : "migrations", L, T + ph, L + pw, T + ph, L, T, L, T + ph);
    for (int k = 0; k <= 4; k++) {
        double xv = xmax * k / 4, yv = ymin + (ymax - ymin) * k / 4;
        char tick[32];
        snprintf(tick, sizeof(tick), slav ? "%.3g" : "%.0f", xv);
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n"
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                PX(xv), T + ph + 20, tick, L - 8, PY(yv) + 4, yv, L, PY(yv), L + pw, PY(yv));
    }
    fprintf(f,
            "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n"
            "<text x=\"18\" y=\"%.0f\" transform=\"rotate(-90 18 %.0f)\" "
            "text-anchor=\"middle\">energy (kWh)</text>\n",
            L + pw / 2, H - 15, slav ? "SLAV (SLATAH x PDM)" : "migrations", T + ph / 2,
            T + ph / 2);
    double lb = r[0].lowerBoundKwh;
    fprintf(f,
            "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#c00\" "
            "stroke-dasharray=\"6,4\"/>\n<text x=\"%.0f\" y=\"%.1f\" fill=\"#c00\">lower bound "
            "%.1f kWh</text>\n",
            L, PY(lb), L + pw, PY(lb), L + pw + 6, PY(lb) + 4, lb);
    static const char *const colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                         "#8c564b", "#e377c2", "#17becf", "#bcbd22"};
    for (int i = 0; i < n; i++) {
        double x = slav ? r[i].slav : (double)r[i].migrations;
        const char *col = colors[i % 8];
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" fill=\"%s\"/>\n", PX(x),
                PY(r[i].energyKwh), col);
        fprintf(f,
                "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"6\" fill=\"%s\"/><text x=\"%.0f\" "
                "y=\"%.0f\">",
                L + pw + 14, T + 20.0 * i + 6, col, L + pw + 26, T + 20.0 * i + 11);
        svgEscape(f, r[i].policy);
        fputs("</text>\n", f);
    }
#undef PX
#undef PY
    fputs("</svg>\n", f);
    if (fclose(f) != 0) return ERR("cannot write the plot %s: %m", path);
    return 0;
}

/* PNG through rsvg-convert when it is installed; silently skipped if not. */
static void convertPng(const char *svg, const char *png) {
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rsvg-convert", "rsvg-convert", "-o", png, svg, (char *)NULL);
        _exit(127);
    }
    int status;
    if (pid > 0) waitpid(pid, &status, 0);
}

static int writePlots(const char *prefix, const SimResult *r, int n) {
    char svg[512], png[512];
    for (int k = 0; k < 2; k++) {
        const char *what = k == 0 ? "slav" : "migrations";
        snprintf(svg, sizeof(svg), "%s-%s.svg", prefix, what);
        snprintf(png, sizeof(png), "%s-%s.png", prefix, what);
        if (writeSvg(svg, r, n, k == 0) != 0) return -1;
        convertPng(svg, png);
    }
    return 0;
}

/* --- the command ----------------------------------------------------------- */

static int compareDays(SimArgs *a, CompareArgs *c) {
    char *days[MAX_DAYS];
    int ndays = 1, rc = -1;
    const char *root = a->trace;
    char path[1024];
    if (c->allDays) {
        if (!root) return ERR("--days all needs --trace FOLDER of day folders");
        if (listDays(root, days, &ndays) != 0) return -1;
    } else {
        days[0] = xstrdup(root ? root : "");
    }
    if (cliLoadEnergy(a) != 0) return -1;
    SimResult *res = xcalloc((size_t)c->npolicies, sizeof(SimResult));
    SimResult *sum = xcalloc((size_t)c->npolicies, sizeof(SimResult));
    json_t *arr = json_array();
    for (int d = 0; d < ndays; d++) {
        if (c->allDays) {
            snprintf(path, sizeof(path), "%s/%s", root, days[d]);
            a->trace = path;
        }
        Scenario *sc = cliBuildScenario(a);
        if (!sc) goto done;
        int runRc = runPolicies(sc, a, c, res);
        scenarioFree(sc);
        if (runRc != 0) goto done;
        const char *label = c->allDays ? days[d] : (root ? root : res[0].scenario);
        if (!a->json) printHeader(label);
        for (int i = 0; i < c->npolicies; i++) {
            if (a->json)
                json_array_append_new(arr, rowJson(&res[i], label));
            else
                printRow(&res[i]);
            accumulate(&sum[i], &res[i], ndays);
        }
        if (!a->json && res[0].energy.on) {
            printf("\n");
            printEnergyHeader();
            for (int i = 0; i < c->npolicies; i++)
                printEnergyRow(&res[i]);
        }
        if (!a->json) printf("\n");
    }
    const SimResult *shown = c->allDays ? sum : res;
    if (c->allDays) {
        if (!a->json) printHeader("all days (energy, migrations: total; SLA: mean)");
        for (int i = 0; i < c->npolicies; i++) {
            if (a->json)
                json_array_append_new(arr, rowJson(&sum[i], "all"));
            else
                printRow(&sum[i]);
        }
    }
    if (a->json) {
        json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        fputc('\n', stdout);
    }
    if (c->plot && writePlots(c->plot, shown, c->npolicies) != 0) goto done;
    rc = 0;
done:
    json_decref(arr);
    free(res);
    free(sum);
    for (int d = 0; d < ndays; d++)
        free(days[d]);
    return rc;
}

int cmdCompare(int argc, char **argv) {
    CompareArgs c = {.jobs = sysconf(_SC_NPROCESSORS_ONLN)};
    if (c.jobs < 1) c.jobs = 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            cmdCompareHelp(stdout);
            return 0;
        }
    char **args = xcalloc((size_t)argc + 1, sizeof(char *));
    memcpy(args, argv, (size_t)argc * sizeof(char *));
    int n = argc, rc = 0;
    SimArgs a = {.command = "compare", .help = cmdCompareHelp};
    if (takeCompareArgs(&n, args, &c) != 0 || cliParseSimArgs(n, args, &a) < 0) {
        cliError("compare");
        rc = EXIT_USAGE;
    } else if (compareDays(&a, &c) != 0) {
        cliError("compare");
        rc = 1;
    }
    energySetupFree(&a.energy);
    free(c.policyText);
    free(args);
    return rc;
}
