/* progress.c - a one-line progress bar for long runs, only on a terminal,
 * so that pipes and CI logs stay clean. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

void progressStart(Progress *p, const char *label, bool allowed) {
    p->enabled = allowed && isatty(STDERR_FILENO);
    p->lastPercent = -1;
    p->label = label;
    p->started = nowMonotonic();
}

void progressUpdate(void *arg, double fraction) {
    Progress *p = arg;
    if (!p->enabled) return;
    int pct = (int)(fraction * 100);
    if (pct == p->lastPercent) return;
    p->lastPercent = pct;
    char bar[41];
    int filled = pct * 40 / 100;
    for (int i = 0; i < 40; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[40] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%% %.1fs", p->label, bar, pct, nowMonotonic() - p->started);
    fflush(stderr);
}

void progressEnd(Progress *p) {
    if (p->enabled && p->lastPercent >= 0) fprintf(stderr, "\r\033[K");
}
