/* test_beloglazov.c - the Beloglazov & Buyya policy family (and geyser's own
 * policy in the randomized part): each overload
 * detector and selection rule on hand-made series worked out by hand,
 * PABFD's choice of host, underload evacuation, and the controller's
 * randomized invariants run under every policy of the family. */
#include <math.h>

#include "controller.h"
#include "err.h"
#include "overload.h"
#include "simcloud.h"
#include "simfixture.h"
#include "testing.h"
#include "util.h"
#include "vmselect.h"

static ServerType T, Flat;

static void testMedianMadIqr(void) {
    double x[12];
    for (int i = 0; i < 12; i++)
        x[i] = 12 - i; /* unsorted on purpose: 12, 11, ..., 1 */
    CHECK_NEAR(ovlMedian(x, 12), 6.5, 1e-12);
    CHECK_NEAR(ovlMedian(x, 11), 7, 1e-12);
    /* |x - 6.5| = 0.5, 0.5, 1.5, 1.5, ..., 5.5, 5.5: median (2.5 + 3.5) / 2. */
    CHECK_NEAR(ovlMad(x, 12), 3, 1e-12);
    /* Sorted 1..12: index round(3.25) - 1 = 2 (3), round(9.75) - 1 = 9 (10). */
    CHECK_NEAR(ovlIqr(x, 12), 7, 1e-12);
}

/* The MAD detector skips its medians when the host is below 1 - PARAM x
 * range / 2: that needs MAD <= range / 2 in floating point too (the skip
 * allows 1e-12), and the skip must give the same answer as the full test.
 * Random series, many of them two-valued or clustered, the cases that reach
 * the bound. */
static void testMadHalfRangeBound(void) {
    unsigned long long seed = 12345;
    OverloadDetector mad = {.kind = OVL_MAD, .param = 2.5};
    int worst = 0;
    for (int trial = 0; trial < 20000; trial++) {
        double x[OVL_HISTORY_MAX];
        int n = OVL_MIN_HISTORY_STAT + trial % (OVL_HISTORY_MAX - OVL_MIN_HISTORY_STAT + 1);
        double a = 0, b = 0;
        for (int i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            double r = (double)(seed >> 11) / 9007199254740992.0;
            if (i == 0) a = r;
            if (i == 1) b = r;
            x[i] = trial % 3 == 0 ? (r < 0.5 ? a : b) : trial % 3 == 1 ? a + r * 1e-3 : r;
        }
        double lo = x[0], hi = x[0];
        for (int i = 1; i < n; i++) {
            lo = x[i] < lo ? x[i] : lo;
            hi = x[i] > hi ? x[i] : hi;
        }
        double m = ovlMad(x, n);
        if (m > (hi - lo) / 2 + 1e-12) worst++;
        double thr = 1 - mad.param * m;
        for (double du = -1e-9; du <= 1e-9; du += 1e-9)
            if (ovlIsOverloaded(&mad, thr + du, x, n, 1) != (thr + du > thr)) worst++;
        if (ovlIsOverloaded(&mad, 1 - mad.param * (hi - lo) / 2 - 1e-6, x, n, 1)) worst++;
    }
    CHECK(worst == 0);
}

static void testAdaptiveThresholds(void) {
    double h[12];
    for (int i = 0; i < 12; i++)
        h[i] = 0.5 + 0.01 * i; /* MAD 0.03, IQR 0.07 */
    OverloadDetector mad = {OVL_MAD, 2.5}, iqr = {OVL_IQR, 1.5}, thr = {OVL_THR, 0.8};
    CHECK_NEAR(ovlUpperThreshold(&mad, h, 12), 1 - 2.5 * 0.03, 1e-9);
    CHECK_NEAR(ovlUpperThreshold(&iqr, h, 12), 1 - 1.5 * 0.07, 1e-9);
    CHECK_NEAR(ovlUpperThreshold(&thr, h, 12), 0.8, 1e-12);
    CHECK(!ovlIsOverloaded(&mad, 0.92, h, 12, 1));
    CHECK(ovlIsOverloaded(&mad, 0.93, h, 12, 1));
    CHECK(ovlIsOverloaded(&iqr, 0.9, h, 12, 1));
    /* Fewer than 12 values: THR 0.7. */
    CHECK_NEAR(ovlUpperThreshold(&mad, h, 11), 0.7, 1e-12);
    CHECK(ovlIsOverloaded(&iqr, 0.71, h, 11, 1));
    CHECK(!ovlIsOverloaded(&iqr, 0.69, h, 11, 1));
}

static void testLocalRegression(void) {
    double y[10];
    for (int i = 0; i < 10; i++)
        y[i] = 0.1 + 0.05 * (i + 1);
    double a, b;
    CHECK(ovlFitLine(y, 10, false, &a, &b) == 0);
    CHECK_NEAR(a, 0.1, 1e-12);
    CHECK_NEAR(b, 0.05, 1e-12);
    /* Predicted one interval ahead: 0.1 + 0.05 x 11 = 0.65. */
    OverloadDetector lr12 = {OVL_LR, 1.2}, lr16 = {OVL_LR, 1.6};
    CHECK(!ovlIsOverloaded(&lr12, 0.6, y, 10, 1)); /* 0.78 < 1 */
    CHECK(ovlIsOverloaded(&lr16, 0.6, y, 10, 1));  /* 1.04 >= 1 */
    CHECK(ovlIsOverloaded(&lr12, 0.6, y, 10, 6));  /* 0.1 + 0.05 x 16 = 0.9; x 1.2 */
    /* Short history: THR 0.7 on the present value. */
    CHECK(ovlIsOverloaded(&lr12, 0.75, y, 9, 1));
    CHECK(!ovlIsOverloaded(&lr12, 0.65, y, 9, 1));
    /* An outlier pulls the plain fit; the robust one stays near the line. */
    y[4] += 0.5;
    double ra, rb;
    CHECK(ovlFitLine(y, 10, false, &a, &b) == 0);
    CHECK(ovlFitLine(y, 10, true, &ra, &rb) == 0);
    CHECK(fabs(rb - 0.05) < fabs(b - 0.05));
    CHECK(fabs(ra + rb * 11 - 0.65) < fabs(a + b * 11 - 0.65));
    CHECK(ovlFitLine(y, 1, false, &a, &b) == -1);
}

static void testSelection(void) {
    double h0[20], h1[20], h2[20];
    uint64_t r = 7;
    for (int t = 0; t < 20; t++) {
        h0[t] = 0.3 + 0.2 * sin(t * 0.7);
        h1[t] = h0[t] + 0.01 * cos(t * 3.1); /* nearly h0 */
        h2[t] = 0.5 + 0.3 * sin(t * 2.3 + 1) * cos(t * 0.4);
    }
    VmCand c[3] = {{1000, 0.5, h0, 20}, {500, 0.2, h1, 20}, {1500, 0.1, h2, 20}};
    CHECK(vmSelect(SEL_MMT, c, 3, &r) == 1);
    CHECK(vmSelect(SEL_MU, c, 3, &r) == 2);
    int mc = vmSelect(SEL_MC, c, 3, &r);
    CHECK(mc == 0 || mc == 1); /* the two that explain each other */
    /* Too short for the regression (3 values, 3 VMs): MMT's choice. */
    VmCand s[3] = {{1000, 0.5, h0, 3}, {500, 0.2, h1, 3}, {1500, 0.1, h2, 3}};
    CHECK(vmSelect(SEL_MC, s, 3, &r) == 1);
    /* RS: in range, and the same sequence from the same seed. */
    uint64_t s1 = 42, s2 = 42;
    for (int k = 0; k < 50; k++) {
        int a = vmSelect(SEL_RS, c, 3, &s1), b = vmSelect(SEL_RS, c, 3, &s2);
        CHECK(a == b && a >= 0 && a < 3);
    }
    CHECK(vmSelect(SEL_MMT, c, 0, &r) == -1);
    /* R^2 of an exact linear relation is 1. */
    double y[20];
    const double *x[2] = {h0, h2};
    for (int t = 0; t < 20; t++)
        y[t] = 1 + 2 * h0[t] + 3 * h2[t];
    double r2;
    CHECK(vmSelectRSquared(y, x, 2, 20, &r2) == 0);
    CHECK_NEAR(r2, 1, 1e-9);
    CHECK(vmSelectRSquared(y, x, 2, 3, &r2) == -1);
}

static void testNames(void) {
    CtlConfig cfg = ctlConfigDefaults();
    Policy *p = policyCreate("lr-mmt:1.2", &cfg);
    CHECK(p != NULL && cfg.high == 1.0);
    policyFree(p);
    p = policyCreate("thr-mu:0.7", &cfg);
    CHECK(p != NULL && cfg.high == 0.7);
    policyFree(p);
    p = policyCreate("iqr-mc", &cfg);
    CHECK(p != NULL);
    policyFree(p);
    CHECK(policyCreate("thr-xyz:0.8", &cfg) == NULL);
    CHECK_STR_CONTAINS(errLast(), "unknown policy");
    CHECK(policyCreate("thr-mmt:1.5", &cfg) == NULL);
    CHECK_STR_CONTAINS(errLast(), "out of range");
    CHECK(policyCreate("mad-rs:abc", &cfg) == NULL);
    CHECK_STR_CONTAINS(errLast(), "PARAM");
}

/* Plan once on a small cloud and return the plan's first migration of vm. */
static const Action *firstMigration(const Plan *p, int vm) {
    for (size_t i = 0; i < p->n; i++)
        if (p->actions[i].type == ACT_MIGRATE && p->actions[i].vm == vm) return &p->actions[i];
    return NULL;
}

/* Host 0 is overloaded (0.9 > THR 0.8) with VMs of 600 and 300 MIPS; MMT
 * picks the 300-MIPS one (less RAM). Host 1 (steep power) and host 2 (flat)
 * each hold 300 MIPS. PABFD sends the VM to host 2, where power rises
 * least; if host 2 would end above 0.8, to host 1. */
static void runPabfd(double host2Load, int expectTarget) {
    double u[4] = {0.6, 0.3, 0.3, host2Load};
    Workload *wl = workloadConstant(4, 4, 300, 1);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < wl->series[i].nsamples; k++)
            wl->series[i].util[k] = (float)u[i];
    SimHostSpec hs[3] = {{"h0", &T}, {"h1", &T}, {"h2", &Flat}};
    SimVmSpec vs[4] = {
        {.name = "big", .vcpus = 1, .cpu = 1000, .ramMb = 1000, .series = 0, .host = 0},
        {.name = "small", .vcpus = 1, .cpu = 1000, .ramMb = 500, .series = 1, .host = 0},
        {.name = "on1", .vcpus = 1, .cpu = 1000, .ramMb = 500, .series = 2, .host = 1},
        {.name = "on2", .vcpus = 1, .cpu = 1000, .ramMb = 500, .series = 3, .host = 2}};
    Cloud *c = simCloudCreate(hs, 3, vs, 4, wl, NULL);
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = ctlCreate(policyCreate("thr-mmt:0.8", &cfg), &cfg);
    CHECK(ctlTick(ctl, c, false) == 0);
    const Action *a = firstMigration(&ctl->plan, 1);
    CHECK(a != NULL && a->host == 0 && a->target == expectTarget);
    CHECK(firstMigration(&ctl->plan, 0) == NULL);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

static void testPabfd(void) {
    runPabfd(0.3, 2);
    runPabfd(0.6, 1); /* 0.6 + 0.3 on host 2 would pass 0.8 */
}

/* Three hosts at 10 %, 20 % and 30 % (the last with a flat power curve):
 * the least utilized is emptied onto the others. With a VM too big in RAM to fit elsewhere, it
 * stays. */
static void runUnderload(double bigRam, bool expectEvacuated) {
    double u[3] = {0.1, 0.2, 0.3};
    Workload *wl = workloadConstant(3, 4, 300, 1);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < wl->series[i].nsamples; k++)
            wl->series[i].util[k] = (float)u[i];
    SimHostSpec hs[3] = {{"h0", &T}, {"h1", &T}, {"h2", &Flat}};
    SimVmSpec vs[3] = {
        {.name = "a", .vcpus = 1, .cpu = 1000, .ramMb = bigRam, .series = 0, .host = 0},
        {.name = "b", .vcpus = 1, .cpu = 1000, .ramMb = 3000, .series = 1, .host = 1},
        {.name = "c", .vcpus = 1, .cpu = 1000, .ramMb = 3000, .series = 2, .host = 2}};
    Cloud *c = simCloudCreate(hs, 3, vs, 3, wl, NULL);
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = ctlCreate(policyCreate("mad-mmt:2.5", &cfg), &cfg);
    CHECK(ctlTick(ctl, c, false) == 0);
    const Action *a = firstMigration(&ctl->plan, 0);
    if (expectEvacuated) {
        CHECK(ctl->plan.n >= 2 && ctl->plan.actions[0].type == ACT_DISABLE &&
              ctl->plan.actions[0].host == 0);
        CHECK(a != NULL && a->target == 2); /* PABFD: the flat host's power rises least */
    } else {
        CHECK(a == NULL);
    }
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

static void testUnderload(void) {
    runUnderload(500, true);
    runUnderload(2000, false); /* 3000 + 2000 MB does not fit in 4096 */
}

/* The controller's invariants under every policy of the family. */
static double checkHigh;
static const CloudDriver *inner;
static long violations, migrations, shutdowns;

static void violation(const char *what) {
    if (violations++ < 5) fprintf(stderr, "invariant violated: %s\n", what);
}

static double projectedDemand(const CloudView *v, int h) {
    double d = 0;
    for (int i = 0; i < v->nvms; i++) {
        int at = v->vms[i].target >= 0 ? v->vms[i].target : v->vms[i].host;
        if (at == h) d += v->vms[i].util * v->vms[i].cpu;
    }
    return d;
}

static double projectedRam(const CloudView *v, int h) {
    double r = 0;
    for (int i = 0; i < v->nvms; i++)
        if (v->vms[i].host == h || v->vms[i].target == h) r += v->vms[i].ramMb;
    return r;
}

static int checkedMigrate(Cloud *c, int vm, int target, MigrationMode m) {
    const Vm *x = &c->view.vms[vm];
    const Host *t = &c->view.hosts[target];
    if (projectedDemand(&c->view, target) + x->util * x->cpu > checkHigh * t->capacity * (1 + 1e-9))
        violation("a VM placed above the high threshold");
    if (projectedRam(&c->view, target) + x->ramMb > t->ramMb) violation("RAM overcommitted");
    return inner->migrate(c, vm, target, m);
}

static int checkedPowerOff(Cloud *c, int h) {
    const Host *x = &c->view.hosts[h];
    if (x->nvms || x->incoming || x->outgoing) violation("power off of a host with VMs");
    return inner->powerOff(c, h);
}

static CloudDriver checking;

static unsigned long long rng = 88172645463325252ULL;
static double uniform(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void runRandomCloud(const char *family, int trial) {
    int nhosts = 4 + (int)(uniform() * 20), nvms = nhosts + (int)(uniform() * nhosts);
    Workload *wl =
        workloadRandomWalk(nvms, 72, 300, 0.1 + 0.3 * uniform(), 0.15, (uint64_t)trial + 1);
    SimHostSpec *hs = xcalloc((size_t)nhosts, sizeof(SimHostSpec));
    SimVmSpec *vs = xcalloc((size_t)nvms, sizeof(SimVmSpec));
    for (int h = 0; h < nhosts; h++)
        hs[h] = (SimHostSpec){"h", h % 2 ? &T : &Flat};
    for (int i = 0; i < nvms; i++)
        vs[i] = (SimVmSpec){.name = "vm",
                            .vcpus = 1,
                            .cpu = 100 + 500 * uniform(),
                            .ramMb = 200 + 1500 * uniform(),
                            .series = i,
                            .host = i % nhosts};
    Cloud *c = simCloudCreate(hs, nhosts, vs, nvms, wl, NULL);
    CHECK(c != NULL);
    if (!c) return;
    CtlConfig cfg = ctlConfigDefaults();
    cfg.maxParallelMigrations = (int)(uniform() * 8);
    cfg.minHostsOn = 1 + (int)(uniform() * 3);
    char spec[64];
    bool thr = strncmp(family, "thr", 3) == 0;
    if (strcmp(family, "geyser") == 0) {
        double low = 0.1 + 0.3 * uniform();
        snprintf(spec, sizeof(spec), "geyser:%g,%g", low, low + 0.2 + 0.3 * uniform());
    } else {
        snprintf(spec, sizeof(spec), "%s:%g", family,
                 thr ? 0.5 + 0.45 * uniform() : 0.5 + 2 * uniform());
    }
    Controller *ctl = ctlCreate(policyCreate(spec, &cfg), &cfg);
    checkHigh = cfg.high;
    inner = c->drv;
    checking = *inner;
    checking.migrate = checkedMigrate;
    checking.powerOff = checkedPowerOff;
    c->drv = &checking;
    for (int k = 0; k < 72; k++) {
        simSetTime(c, k * 300.0);
        CHECK(ctlTick(ctl, c, true) == 0);
        simAdvance(c, (k + 1) * 300.0);
        int up = 0;
        for (int h = 0; h < nhosts; h++)
            up += hostIsUp(&c->view.hosts[h]);
        if (up < cfg.minHostsOn) violation("fewer hosts up than min_hosts_on");
        for (int i = 0; i < nvms; i++)
            if (c->view.hosts[c->view.vms[i].host].state != HOST_ON)
                violation("a VM on a host that is not on");
    }
    migrations += simTotals(c)->migrationsStarted;
    shutdowns += simTotals(c)->shutdowns;
    c->drv = inner;
    ctlFree(ctl);
    cloudClose(c);
    free(hs);
    free(vs);
    workloadFree(wl);
}

static void runFamily(const char *family) {
    violations = migrations = shutdowns = 0;
    for (int trial = 0; trial < 12; trial++)
        runRandomCloud(family, trial);
    if (violations || migrations < 50 || shutdowns < 10)
        fprintf(stderr, "%s: %ld violations, %ld migrations, %ld shutdowns\n", family, violations,
                migrations, shutdowns);
    CHECK(violations == 0);
    CHECK(migrations >= 50 && shutdowns >= 10); /* it really acted */
}

static void testRandomizedInvariantsEveryPolicy(void) {
    static const char *const dets[] = {"thr", "mad", "iqr", "lr", "lrr"};
    static const char *const sels[] = {"mmt", "mc", "mu", "rs"};
    for (int d = 0; d < 5; d++)
        for (int s = 0; s < 4; s++) {
            char family[16];
            snprintf(family, sizeof(family), "%s-%s", dets[d], sels[s]);
            runFamily(family);
        }
    runFamily("geyser");
}

int main(void) {
    T = fixtureType();
    Flat = fixtureType();
    Flat.power = powerLinear(100, 130);
    RUN(testMedianMadIqr);
    RUN(testMadHalfRangeBound);
    RUN(testAdaptiveThresholds);
    RUN(testLocalRegression);
    RUN(testSelection);
    RUN(testNames);
    RUN(testPabfd);
    RUN(testUnderload);
    RUN(testRandomizedInvariantsEveryPolicy);
    return testSummary("test_beloglazov");
}
