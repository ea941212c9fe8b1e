/* fitplot.c - SVG (and PNG, through rsvg-convert) charts of measured power
 * against CPU utilization with the fitted models (fitplot.h). */
#include "fitplot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "util.h"

#define W        900
#define H        560
#define LEFT     80
#define RIGHT    30
#define TOP      40
#define BOTTOM   60
#define MAX_DOTS 1500 /* per server type: more only hides the curves */

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#8c564b", "#e377c2", "#17becf"};

typedef struct Frame {
    double wLo, wHi;
} Frame;

static double px(double u) {
    return LEFT + u * (W - LEFT - RIGHT);
}
static double py(const Frame *f, double w) {
    return TOP + (f->wHi - w) / (f->wHi - f->wLo) * (H - TOP - BOTTOM);
}

/* A round tick step giving about `want` ticks over span. */
static double niceStep(double span, int want) {
    double raw = span / want, mag = pow(10, floor(log10(raw)));
    double norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3.5 ? 2 : norm < 7.5 ? 5 : 10) * mag;
}

static Frame frameFor(const FitData *d) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t s = 0; s < d->n; s++)
        for (size_t i = 0; i < d->sets[s].n; i++) {
            lo = fmin(lo, d->sets[s].w[i]);
            hi = fmax(hi, d->sets[s].w[i]);
        }
    double step = niceStep(hi - lo > 0 ? hi - lo : 10, 8);
    Frame f = {floor(lo / step) * step - step, ceil(hi / step) * step + step};
    if (f.wLo < 0) f.wLo = 0;
    return f;
}

static void axes(FILE *o, const Frame *f) {
    fprintf(o, "<rect x='%d' y='%d' width='%d' height='%d' fill='white' stroke='#444'/>\n", LEFT,
            TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
    for (int p = 0; p <= 100; p += 10) {
        double x = px(p / 100.0);
        fprintf(o, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='#ddd'/>\n", x, TOP, x,
                H - BOTTOM);
        fprintf(o, "<text x='%.1f' y='%d' text-anchor='middle'>%d</text>\n", x, H - BOTTOM + 18, p);
    }
    double step = niceStep(f->wHi - f->wLo, 8);
    for (double w = ceil(f->wLo / step) * step; w <= f->wHi + 1e-9; w += step) {
        double y = py(f, w);
        fprintf(o, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' stroke='#ddd'/>\n", LEFT, y,
                W - RIGHT, y);
        fprintf(o, "<text x='%d' y='%.1f' text-anchor='end'>%g</text>\n", LEFT - 6, y + 4, w);
    }
    fprintf(o, "<text x='%d' y='%d' text-anchor='middle'>host CPU utilization (%%)</text>\n",
            (LEFT + W - RIGHT) / 2, H - 18);
    fprintf(o,
            "<text transform='translate(22,%d) rotate(-90)' text-anchor='middle'>power "
            "(W)</text>\n",
            (TOP + H - BOTTOM) / 2);
    fprintf(o,
            "<text x='%d' y='24' text-anchor='middle' font-weight='bold'>Power against CPU "
            "utilization: measurements and fitted models</text>\n",
            W / 2);
}

static void dots(FILE *o, const Frame *f, const FitSet *s, const char *color) {
    size_t every = s->n > MAX_DOTS ? (s->n + MAX_DOTS - 1) / MAX_DOTS : 1;
    fprintf(o, "<g fill='%s' fill-opacity='0.35'>\n", color);
    for (size_t i = 0; i < s->n; i += every)
        fprintf(o, "<circle cx='%.1f' cy='%.1f' r='2.2'/>\n", px(s->u[i]), py(f, s->w[i]));
    fprintf(o, "</g>\n");
}

static void curve(FILE *o, const Frame *f, const PowerModel *m, const char *color, bool dashed) {
    fprintf(o, "<polyline fill='none' stroke='%s' stroke-width='%s'%s points='", color,
            dashed ? "1.5" : "2.5", dashed ? " stroke-dasharray='6,4'" : "");
    for (int i = 0; i <= 100; i++)
        fprintf(o, "%.1f,%.1f ", px(i / 100.0), py(f, powerAt(m, i / 100.0)));
    fprintf(o, "'/>\n");
}

/* Text for the SVG: the few characters XML reserves, escaped. */
static void xmlText(FILE *o, const char *s) {
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", o);
        else if (*s == '>')
            fputs("&gt;", o);
        else if (*s == '&')
            fputs("&amp;", o);
        else
            fputc(*s, o);
    }
}

static void legend(FILE *o, size_t k, const FitSet *s, const FitResult *r, const char *color) {
    const PowerModel *m = &r->cand[r->chosen].model;
    double y = TOP + 22 + 36.0 * (double)k;
    fprintf(o, "<rect x='%d' y='%.1f' width='14' height='14' fill='%s'/>\n", LEFT + 14, y - 11,
            color);
    fprintf(o, "<text x='%d' y='%.1f'>", LEFT + 34, y);
    xmlText(o, s->type);
    fprintf(o, " (n = %zu)</text>\n", s->n);
    fprintf(o, "<text x='%d' y='%.1f' font-size='12'>%s", LEFT + 34, y + 16,
            powerKindName(m->kind));
    if (m->kind == POWER_CONCAVE) fprintf(o, ", exponent %.2f", m->r);
    fprintf(o, ": idle %.1f W, max %.1f W; Pearson r = %.3f; cv RMSE %.2f W%s</text>\n", m->idleW,
            m->maxW, r->pearson, r->cand[r->chosen].cvRmse, r->chosen ? " (dashed: linear)" : "");
}

static int writeSvg(const char *path, const FitData *d, const FitResult *res) {
    FILE *o = fopen(path, "w");
    if (!o) return ERR("cannot create %s: %s", path, strerror(errno));
    Frame f = frameFor(d);
    fprintf(o,
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            "font-family='DejaVu Sans, sans-serif' font-size='13'>\n"
            "<rect width='100%%' height='100%%' fill='white'/>\n",
            W, H);
    axes(o, &f);
    size_t colors = sizeof(palette) / sizeof(palette[0]);
    for (size_t s = 0; s < d->n; s++)
        dots(o, &f, &d->sets[s], palette[s % colors]);
    for (size_t s = 0; s < d->n; s++) {
        const FitResult *r = &res[s];
        if (r->chosen) curve(o, &f, &r->cand[0].model, palette[s % colors], true);
        curve(o, &f, &r->cand[r->chosen].model, palette[s % colors], false);
    }
    fprintf(o,
            "<rect x='%d' y='%d' width='520' height='%zu' fill='white' fill-opacity='0.85' "
            "stroke='#bbb'/>\n",
            LEFT + 6, TOP + 6, 36 * d->n + 10);
    for (size_t s = 0; s < d->n; s++)
        legend(o, s, &d->sets[s], &res[s], palette[s % colors]);
    fprintf(o, "</svg>\n");
    if (fclose(o) != 0) return ERR("cannot write %s: %s", path, strerror(errno));
    return 0;
}

/* rsvg-convert, run without a shell so that no file name is interpreted. */
static int toPng(const char *svg, const char *png) {
    pid_t pid = fork();
    if (pid < 0) return ERR("cannot start rsvg-convert: %s", strerror(errno));
    if (pid == 0) {
        execlp("rsvg-convert", "rsvg-convert", "-o", png, svg, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) return ERR("waiting for rsvg-convert failed");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return ERR("cannot run rsvg-convert to write %s (install Debian's librsvg2-bin)", png);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return ERR("rsvg-convert failed to turn %s into %s", svg, png);
    return 0;
}

int fitPlot(const char *prefix, const FitData *d, const FitResult *res, bool png) {
    size_t len = strlen(prefix) + 8;
    char *svg = xmalloc(len), *pngPath = xmalloc(len);
    snprintf(svg, len, "%s.svg", prefix);
    snprintf(pngPath, len, "%s.png", prefix);
    int rc = writeSvg(svg, d, res);
    if (rc == 0 && png) rc = toPng(svg, pngPath);
    free(svg);
    free(pngPath);
    return rc;
}
