/* meterconf.c - the INI reader for meter instances (inih underneath; lines
 * are counted by our own reader, as Debian's inih has no line numbers in its
 * handler). */
#include "meterconf.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "util.h"

typedef struct ConfReader {
    const char *text;
    const char *origin;
    int line;
    int header;      /* line of the last section header */
    bool headerUsed; /* a key followed it */
    bool failed;
    MeterConfSet *set;
} ConfReader;

/* A section with no key would vanish silently in inih: refuse it. */
static void confCheckEmptySection(ConfReader *r) {
    if (r->header && !r->headerUsed && !r->failed) {
        r->failed = true;
        ERR("%s:%d: section without keys (a meter needs at least driver = ...)", r->origin,
            r->header);
    }
}

static char *confReadLine(char *str, int num, void *stream) {
    ConfReader *r = stream;
    bool header;
    if (!iniReadLine(&r->text, str, num, &header)) return NULL;
    r->line++;
    if (header) {
        confCheckEmptySection(r);
        r->header = r->line;
        r->headerUsed = false;
    }
    return str;
}

/* `meter "name"` or `meter:name` -> name; NULL when it is not a meter. */
static char *confSectionName(const char *section) {
    if (strStartsWith(section, "meter:")) return xstrdup(section + 6);
    if (strStartsWith(section, "meter ")) {
        const char *q = strchr(section, '"');
        const char *e = q ? strrchr(section, '"') : NULL;
        if (q && e > q + 1) return xstrndup(q + 1, (size_t)(e - q - 1));
    }
    return NULL;
}

/* The agent's own sections (see meterconf.h). */
static const char *const confExtraSections[] = {"store", "libvirt", NULL};

static bool confIsExtra(const char *section) {
    for (int i = 0; confExtraSections[i]; i++)
        if (strcmp(section, confExtraSections[i]) == 0) return true;
    return false;
}

/* Add a key to a section, refusing it twice. */
static int confAddKey(ConfReader *r, MeterConf *c, const char *name, const char *value) {
    for (int i = 0; i < c->nkeys; i++)
        if (strcmp(c->keys[i].key, name) == 0) {
            r->failed = true;
            ERR("%s:%d: %s '%s': key '%s' given twice (first at line %d)", r->origin, r->line,
                confIsExtra(c->name) ? "section" : "meter", c->name, name, c->keys[i].line);
            return 0;
        }
    growArray((void **)&c->keys, sizeof(*c->keys), &c->capKeys, (size_t)c->nkeys + 1);
    c->keys[c->nkeys++] = (MeterKey){xstrdup(name), xstrdup(value), r->line, false};
    return 1;
}

static int confExtraKey(ConfReader *r, const char *section, const char *name, const char *value) {
    MeterConfSet *s = r->set;
    MeterConf *c = meterConfSection(s, section);
    if (c && c->line != r->header) {
        r->failed = true;
        ERR("%s:%d: section [%s] appears twice (first at line %d)", r->origin, r->header, section,
            c->line);
        return 0;
    }
    if (!c) {
        growArray((void **)&s->extra, sizeof(*s->extra), &s->capExtra, (size_t)s->nExtra + 1);
        c = &s->extra[s->nExtra++];
        memset(c, 0, sizeof(*c));
        c->name = xstrdup(section);
        c->origin = xstrdup(r->origin);
        c->line = r->header;
    }
    return confAddKey(r, c, name, value);
}

MeterConf *meterConfSection(MeterConfSet *s, const char *name) {
    for (int i = 0; i < s->nExtra; i++)
        if (strcmp(s->extra[i].name, name) == 0) return &s->extra[i];
    return NULL;
}

int meterConfCheckTaken(const MeterConf *c) {
    for (int i = 0; i < c->nkeys; i++)
        if (!c->keys[i].taken)
            return ERR("%s:%d: [%s]: unknown key '%s'", c->origin, c->keys[i].line, c->name,
                       c->keys[i].key);
    return 0;
}

static int confHandler(void *user, const char *section, const char *name, const char *value) {
    ConfReader *r = user;
    MeterConfSet *s = r->set;
    if (r->failed) return 0;
    if (!name) return 1; /* a header alone (inih built with INI_CALL_HANDLER_ON_NEW_SECTION) */
    r->headerUsed = true;
    if (confIsExtra(section)) return confExtraKey(r, section, name, value);
    MeterConf *c = s->n ? &s->confs[s->n - 1] : NULL;
    char *inst = confSectionName(section);
    if (!inst) {
        r->failed = true;
        ERR("%s:%d: key '%s' is outside a [meter \"name\"], [meter:name], [store] or "
            "[libvirt] section (section '%s')",
            r->origin, r->line, name, section);
        return 0;
    }
    if (!*inst) {
        free(inst);
        r->failed = true;
        ERR("%s:%d: meter section with an empty name", r->origin, r->line);
        return 0;
    }
    if (!c || strcmp(c->name, inst) != 0) {
        for (int i = 0; i < s->n; i++)
            if (strcmp(s->confs[i].name, inst) == 0) {
                r->failed = true;
                ERR("%s:%d: meter '%s' is defined twice (first at line %d)", r->origin, r->line,
                    inst, s->confs[i].line);
                free(inst);
                return 0;
            }
        growArray((void **)&s->confs, sizeof(*s->confs), &s->cap, (size_t)s->n + 1);
        c = &s->confs[s->n++];
        memset(c, 0, sizeof(*c));
        c->name = inst;
        c->origin = xstrdup(r->origin);
        c->line = r->header;
        inst = NULL;
    }
    free(inst);
    return confAddKey(r, c, name, value);
}

int meterConfParse(const char *text, const char *origin, MeterConfSet *out) {
    memset(out, 0, sizeof(*out));
    ConfReader r = {.text = text, .origin = origin, .set = out};
    int rc = ini_parse_stream(confReadLine, &r, confHandler, &r);
    confCheckEmptySection(&r);
    if (r.failed) goto fail;
    if (rc > 0) {
        ERR("%s:%d: syntax error (expected [meter \"name\"], key = value or a comment)", origin,
            rc);
        goto fail;
    }
    if (rc < 0) {
        ERR("%s: cannot be parsed (out of memory)", origin);
        goto fail;
    }
    return 0;
fail:
    meterConfSetFree(out);
    return -1;
}

/* A store URI with a password in it ("password=" in a conninfo, or
 * "user:pw@" in a URI) is a secret too. */
static bool confValueIsSecret(const char *v) {
    if (strstr(v, "password=")) return true;
    const char *p = strstr(v, "://");
    const char *at = p ? strchr(p + 3, '@') : NULL;
    const char *colon = p ? strchr(p + 3, ':') : NULL;
    return at && colon && colon < at;
}

static bool confSectionHasSecret(const MeterConf *c) {
    for (int k = 0; k < c->nkeys; k++)
        if (meterKeyIsSecret(c->keys[k].key) ||
            (strcmp(c->name, "store") == 0 && confValueIsSecret(c->keys[k].value)))
            return true;
    return false;
}

static bool confHasSecret(const MeterConfSet *s) {
    for (int i = 0; i < s->n; i++)
        if (confSectionHasSecret(&s->confs[i])) return true;
    for (int i = 0; i < s->nExtra; i++)
        if (confSectionHasSecret(&s->extra[i])) return true;
    return false;
}

int meterConfLoad(const char *path, MeterConfSet *out) {
    memset(out, 0, sizeof(*out));
    FILE *f = fopen(path, "r");
    char *text = NULL;
    struct stat st;
    if (!f) return ERR("cannot open meter configuration %s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) < 0 || st.st_size > (1 << 20)) {
        ERR("%s: not a readable configuration file of at most 1 MiB", path);
        goto fail;
    }
    text = xmalloc((size_t)st.st_size + 1);
    size_t n = fread(text, 1, (size_t)st.st_size, f);
    text[n] = '\0';
    if (meterConfParse(text, path, out) < 0) goto fail;
    if (confHasSecret(out) && (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))) {
        meterConfSetFree(out);
        ERR("%s holds a password but is accessible to group or others (mode %03o); "
            "run chmod 600 %s",
            path, (unsigned)(st.st_mode & 0777), path);
        goto fail;
    }
    free(text);
    fclose(f);
    return 0;
fail:
    free(text);
    fclose(f);
    return -1;
}

static void confFree(MeterConf *c) {
    for (int k = 0; k < c->nkeys; k++) {
        free(c->keys[k].key);
        free(c->keys[k].value);
    }
    free(c->keys);
    free(c->name);
    free(c->origin);
}

void meterConfSetFree(MeterConfSet *s) {
    if (!s) return;
    for (int i = 0; i < s->n; i++)
        confFree(&s->confs[i]);
    for (int i = 0; i < s->nExtra; i++)
        confFree(&s->extra[i]);
    free(s->confs);
    free(s->extra);
    memset(s, 0, sizeof(*s));
}

Meter **meterConfBuild(MeterConfSet *s, int *n) {
    Meter **m = xcalloc((size_t)s->n + 1, sizeof(*m));
    for (int i = 0; i < s->n; i++) {
        m[i] = meterCreate(&s->confs[i]);
        if (!m[i]) {
            meterListFree(m, i);
            return NULL;
        }
    }
    *n = s->n;
    return m;
}

void meterListFree(Meter **m, int n) {
    if (!m) return;
    for (int i = 0; i < n; i++)
        meterFree(m[i]);
    free(m);
}
