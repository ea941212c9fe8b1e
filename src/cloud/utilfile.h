/* utilfile.h - per-VM CPU utilization from a file, for clouds whose API
 * reports none (Nova has no per-server CPU figure; its fake driver, none at
 * all).
 *
 * The file is what an exporter keeps up to date (a cron job reading
 * Prometheus or libvirt's domain stats, a benchmark harness): one VM a line,
 *
 *   # server name or UUID   utilization of its vCPUs, 0 to 1
 *   web-1                   0.35
 *   9f3c5e2a-...            0.8
 *   *                       0.1        ; every VM not listed (default 0)
 *
 * It is re-read when it changes (size, mtime or inode: write a new file and
 * rename it over the old one); a file that cannot be parsed keeps the last
 * good table in force, and the error names the line. */
#ifndef GEYSER_UTILFILE_H
#define GEYSER_UTILFILE_H

#include <stdbool.h>

typedef struct UtilFile UtilFile;

/* Reads the file once: NULL with an error when it cannot be read or parsed. */
UtilFile *utilFileOpen(const char *path);
void utilFileFree(UtilFile *u);

/* Re-read the file if it changed. 0 when the table is current (*changed
 * says whether it was re-read); -1 with "path:line: ..." when the new
 * contents are unusable (the old table stays). */
int utilFileReload(UtilFile *u, bool *changed);

/* The utilization of a VM by id or name (id first), else the default. */
double utilFileGet(const UtilFile *u, const char *id, const char *name);

/* An OsUtilProvider (openstack.h) over a UtilFile: arg is the UtilFile. */
int utilFileProvider(void *arg, const char *serverId, const char *serverName, double *util);

#endif
