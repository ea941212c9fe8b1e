/* test_capping.c - power capping in the controller on hand-made clouds
 * whose optimum is known: which hosts must go, how many migrations, and
 * the draw once the cap is met. Fixture hosts: 100 W idle, 200 W full,
 * 5 W off, shutdown 50 s; VMs of 1000 MIPS on 1000-MIPS hosts. */
#include "capping.h"
#include "controller.h"
#include "simcloud.h"
#include "simfixture.h"
#include "testing.h"

#define DT 300.0

static ServerType T;

/* nhosts hosts; VM i on host at[i] with utilization util[i]. */
static Cloud *makeCloud(int nhosts, int nvms, const int *at, const double *util, Workload **wl) {
    static const char *names[] = {"h0", "h1", "h2", "h3", "h4", "h5"};
    static const char *vmNames[] = {"v0", "v1", "v2", "v3", "v4", "v5"};
    *wl = workloadConstant(nvms, 8, DT, 0);
    for (int i = 0; i < nvms; i++)
        for (int k = 0; k < (*wl)->series[i].nsamples; k++)
            (*wl)->series[i].util[k] = (float)util[i];
    SimHostSpec hs[6];
    SimVmSpec vs[6];
    for (int h = 0; h < nhosts; h++)
        hs[h] = (SimHostSpec){names[h], &T};
    for (int i = 0; i < nvms; i++)
        vs[i] = (SimVmSpec){
            .name = vmNames[i], .vcpus = 1, .cpu = 1000, .ramMb = 1000, .series = i, .host = at[i]};
    return simCloudCreate(hs, nhosts, vs, nvms, *wl, NULL);
}

static double drawNow(Cloud *c) {
    cloudRefresh(c);
    double p = 0;
    for (int h = 0; h < c->view.nhosts; h++)
        p += c->view.hosts[h].powerW;
    return p;
}

static int count(const Plan *p, ActionType t) {
    int n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->actions[i].type == t && p->actions[i].outcome == OUTCOME_DONE;
    return n;
}

/* A policy that never consolidates on its own (low 0). */
static Controller *lazyController(void) {
    CtlConfig cfg = ctlConfigDefaults();
    cfg.cooldownS = 0;
    return ctlCreate(policyCreate("paper:0,0.8", &cfg), &cfg);
}

/* Two loaded hosts and two spare ones at 460 W; a 300 W cap is met by
 * powering the two spare hosts down, with no migration, within one
 * control interval: 130 + 130 + 5 + 5 = 270 W. */
static void testSpareHostsFirst(void) {
    Workload *wl;
    int at[] = {0, 1};
    double u[] = {0.3, 0.3};
    Cloud *c = makeCloud(4, 2, at, u, &wl);
    Controller *ctl = lazyController();
    simSetTime(c, 0);
    CHECK_NEAR(drawNow(c), 460, 1e-3);
    ctl->capW = 300;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->cap.active && ctl->cap.reachable && ctl->cap.hostsStopped == 2);
    CHECK(count(&ctl->plan, ACT_MIGRATE) == 0 && count(&ctl->plan, ACT_POWER_OFF) == 2);
    simAdvance(c, DT);
    simSetTime(c, DT);
    CHECK_NEAR(drawNow(c), 270, 1e-3);
    CHECK(c->view.hosts[2].state == HOST_OFF && c->view.hosts[3].state == HOST_OFF);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

/* Three hosts at 30 % each (390 W). Under 250 W only one host may stay
 * up: all three VMs on it (90 %, above the policy's 80 % but under
 * CAP_HIGH) is 190 + 5 + 5 = 200 W; two hosts would draw 295 W. The
 * controller moves two VMs in the first interval and powers the two
 * emptied hosts down at the next tick. */
static void testConsolidateHarder(void) {
    Workload *wl;
    int at[] = {0, 1, 2};
    double u[] = {0.3, 0.3, 0.3};
    Cloud *c = makeCloud(3, 3, at, u, &wl);
    Controller *ctl = lazyController();
    simSetTime(c, 0);
    ctl->capW = 250;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(ctl->cap.reachable && ctl->cap.hostsEmptied == 2);
    CHECK(count(&ctl->plan, ACT_MIGRATE) == 2 && ctl->stats.refused == 0);
    CHECK_NEAR(ctl->cap.projectedW, 200, 1e-3);
    simAdvance(c, DT);
    simSetTime(c, DT);
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(count(&ctl->plan, ACT_POWER_OFF) == 2);
    simAdvance(c, 2 * DT);
    simSetTime(c, 2 * DT);
    CHECK_NEAR(drawNow(c), 200, 1e-3);
    int up = 0;
    for (int h = 0; h < 3; h++)
        up += c->view.hosts[h].state == HOST_ON;
    CHECK(up == 1);
    /* The cap lifted: nothing is undone by force, nothing breaks. */
    ctl->capW = -1;
    CHECK(ctlTick(ctl, c, true) == 0 && !ctl->cap.active);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

/* A cap below one idle host cannot be met: the controller says so and
 * still keeps min_hosts_on up; a host an operator disabled is left alone. */
static void testUnreachableAndOperator(void) {
    Workload *wl;
    int at[] = {0, 1};
    double u[] = {0.5, 0.6};
    Cloud *c = makeCloud(3, 2, at, u, &wl);
    simOperatorDisable(c, 2);
    Controller *ctl = lazyController();
    simSetTime(c, 0);
    ctl->capW = 50;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(!ctl->cap.reachable);
    for (size_t i = 0; i < ctl->plan.n; i++)
        CHECK(ctl->plan.actions[i].host != 2 && ctl->plan.actions[i].target != 2);
    /* 0.5 + 0.6 > CAP_HIGH: neither host can take the other's VM. */
    CHECK(count(&ctl->plan, ACT_MIGRATE) == 0);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

/* A policy that forbids migrations and power-offs (none) keeps that rule
 * under a cap: the controller refuses to act rather than break it. */
static void testPolicyRulesStand(void) {
    Workload *wl;
    int at[] = {0, 1};
    double u[] = {0.1, 0.1};
    Cloud *c = makeCloud(3, 2, at, u, &wl);
    CtlConfig cfg = ctlConfigDefaults();
    Controller *ctl = ctlCreate(policyCreate("none", &cfg), &cfg);
    simSetTime(c, 0);
    ctl->capW = 150;
    CHECK(ctlTick(ctl, c, true) == 0);
    CHECK(count(&ctl->plan, ACT_MIGRATE) == 0 && count(&ctl->plan, ACT_POWER_OFF) == 0);
    ctlFree(ctl);
    cloudClose(c);
    workloadFree(wl);
}

int main(void) {
    T = fixtureType();
    RUN(testSpareHostsFirst);
    RUN(testConsolidateHarder);
    RUN(testUnreachableAndOperator);
    RUN(testPolicyRulesStand);
    return testSummary("test_capping");
}
