/* utilfile.c - per-VM CPU utilization read from a file (utilfile.h). */
#include "utilfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "util.h"

typedef struct UtilEntry {
    char *key; /* server name or UUID */
    double util;
} UtilEntry;

struct UtilFile {
    char *path;
    UtilEntry *e;
    size_t n, cap;
    double dflt; /* the '*' line, or 0 */
    /* What the table was read from: a change of any re-reads it. */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

static void entriesFree(UtilEntry *e, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(e[i].key);
    free(e);
}

/* Parse the file into a fresh table; the UtilFile changes only on success. */
static int utilParse(UtilFile *u, FILE *f) {
    UtilEntry *e = NULL;
    size_t n = 0, cap = 0;
    double dflt = 0;
    char line[1024];
    int lineNo = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), f)) {
        lineNo++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = ERR("%s:%d: line longer than %zu bytes", u->path, lineNo, sizeof(line) - 2);
            break;
        }
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *save = NULL, *key = strtok_r(line, " \t\r\n", &save);
        if (!key) continue;
        char *val = strtok_r(NULL, " \t\r\n", &save), *extra = strtok_r(NULL, " \t\r\n", &save);
        double x;
        if (!val || extra)
            rc = ERR("%s:%d: expected 'SERVER UTILIZATION' (two fields)", u->path, lineNo);
        else if (parseDouble(val, &x) != 0 || x < 0 || x > 1)
            rc = ERR("%s:%d: utilization '%s' of '%s' is not a number from 0 to 1", u->path, lineNo,
                     val, key);
        else if (strcmp(key, "*") == 0)
            dflt = x;
        else {
            for (size_t i = 0; i < n && rc == 0; i++)
                if (strcmp(e[i].key, key) == 0)
                    rc = ERR("%s:%d: server '%s' is listed twice", u->path, lineNo, key);
            if (rc == 0) {
                growArray((void **)&e, sizeof(*e), &cap, n + 1);
                e[n++] = (UtilEntry){xstrdup(key), x};
            }
        }
    }
    if (rc == 0 && ferror(f)) rc = ERR("%s: read error", u->path);
    if (rc != 0) {
        entriesFree(e, n);
        return -1;
    }
    entriesFree(u->e, u->n);
    u->e = e;
    u->n = n;
    u->cap = cap;
    u->dflt = dflt;
    return 0;
}

int utilFileReload(UtilFile *u, bool *changed) {
    if (changed) *changed = false;
    FILE *f = fopen(u->path, "r");
    if (!f) return ERR("cannot open the utilization file %s: %s", u->path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fileno(f), &st) != 0) {
        rc = ERR("cannot stat the utilization file %s: %s", u->path, strerror(errno));
    } else if (st.st_dev != u->dev || st.st_ino != u->ino || st.st_size != u->size ||
               st.st_mtim.tv_sec != u->mtime.tv_sec || st.st_mtim.tv_nsec != u->mtime.tv_nsec) {
        rc = utilParse(u, f);
        if (rc == 0) {
            u->dev = st.st_dev;
            u->ino = st.st_ino;
            u->size = st.st_size;
            u->mtime = st.st_mtim;
            if (changed) *changed = true;
        }
    }
    fclose(f);
    return rc;
}

UtilFile *utilFileOpen(const char *path) {
    UtilFile *u = xcalloc(1, sizeof(*u));
    u->path = xstrdup(path);
    u->ino = (ino_t)-1; /* nothing read yet: the first reload reads */
    if (utilFileReload(u, NULL) != 0) {
        utilFileFree(u);
        return NULL;
    }
    return u;
}

void utilFileFree(UtilFile *u) {
    if (!u) return;
    entriesFree(u->e, u->n);
    free(u->path);
    free(u);
}

double utilFileGet(const UtilFile *u, const char *id, const char *name) {
    for (size_t i = 0; id && i < u->n; i++)
        if (strcmp(u->e[i].key, id) == 0) return u->e[i].util;
    for (size_t i = 0; name && i < u->n; i++)
        if (strcmp(u->e[i].key, name) == 0) return u->e[i].util;
    return u->dflt;
}

int utilFileProvider(void *arg, const char *serverId, const char *serverName, double *util) {
    *util = utilFileGet(arg, serverId, serverName);
    return 0;
}
