/* osconfig.h - where an OpenStack client finds its credentials: a named cloud
 * in clouds.yaml, or the OS_* environment, read as openstacksdk reads them. */
#ifndef GEYSER_OSCONFIG_H
#define GEYSER_OSCONFIG_H

#include <stdbool.h>

typedef struct OsConfig {
    char *cloud;    /* the clouds.yaml entry it came from, or NULL (environment) */
    char *authType; /* "password" or "v3applicationcredential" */
    char *authUrl;
    char *username, *userId, *password, *userDomainName, *userDomainId;
    char *projectName, *projectId, *projectDomainName, *projectDomainId;
    char *appCredId, *appCredName, *appCredSecret;
    char *regionName, *interface; /* catalog selection; interface defaults to public */
    char *cacert;                 /* CA bundle for TLS verification, or NULL: the system's */
    bool insecure;                /* verification off: only when asked for explicitly */
    long timeoutMs;               /* per request (default 30000) */
} OsConfig;

/* Fill cfg for cloud (NULL: $OS_CLOUD, and when that is unset too, the OS_*
 * variables). clouds.yaml is $OS_CLIENT_CONFIG_FILE, else the first of
 * ./clouds.yaml, ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml.
 * -1 with an error naming the file, the cloud or the missing setting. */
int osConfigLoad(OsConfig *cfg, const char *cloud);

/* Only the OS_* environment. */
int osConfigFromEnv(OsConfig *cfg);

/* The named cloud from one clouds.yaml file. */
int osConfigFromFile(OsConfig *cfg, const char *path, const char *cloud);

void osConfigFree(OsConfig *cfg);

#endif
