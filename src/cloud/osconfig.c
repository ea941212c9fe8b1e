/* osconfig.c - OpenStack client configuration from clouds.yaml (libyaml's
 * document API) and from the OS_* environment variables. */
#include "osconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

#include "err.h"
#include "util.h"

/* One setting: its clouds.yaml key (under auth: when inAuth), its OS_*
 * variable, and where it goes. */
typedef struct OsKey {
    const char *yaml;
    bool inAuth;
    const char *env;
    size_t off;
} OsKey;

#define K(y, a, e, f)                                                                              \
    { y, a, e, offsetof(OsConfig, f) }
static const OsKey osKeys[] = {
    K("auth_type", false, "OS_AUTH_TYPE", authType),
    K("auth_url", true, "OS_AUTH_URL", authUrl),
    K("username", true, "OS_USERNAME", username),
    K("user_id", true, "OS_USER_ID", userId),
    K("password", true, "OS_PASSWORD", password),
    K("user_domain_name", true, "OS_USER_DOMAIN_NAME", userDomainName),
    K("user_domain_id", true, "OS_USER_DOMAIN_ID", userDomainId),
    K("project_name", true, "OS_PROJECT_NAME", projectName),
    K("project_id", true, "OS_PROJECT_ID", projectId),
    K("project_domain_name", true, "OS_PROJECT_DOMAIN_NAME", projectDomainName),
    K("project_domain_id", true, "OS_PROJECT_DOMAIN_ID", projectDomainId),
    K("application_credential_id", true, "OS_APPLICATION_CREDENTIAL_ID", appCredId),
    K("application_credential_name", true, "OS_APPLICATION_CREDENTIAL_NAME", appCredName),
    K("application_credential_secret", true, "OS_APPLICATION_CREDENTIAL_SECRET", appCredSecret),
    K("region_name", false, "OS_REGION_NAME", regionName),
    K("interface", false, "OS_INTERFACE", interface),
    K("cacert", false, "OS_CACERT", cacert),
};
#undef K

static char **keySlot(OsConfig *cfg, const OsKey *k) {
    return (char **)((char *)cfg + k->off);
}

static void setStr(char **slot, const char *v) {
    free(*slot);
    *slot = v ? xstrdup(v) : NULL;
}

static bool truthy(const char *v) {
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0);
}

/* Defaults and the checks every source shares. */
static int osConfigFinish(OsConfig *cfg, const char *where) {
    if (!cfg->interface) cfg->interface = xstrdup("public");
    if (!cfg->authType)
        cfg->authType = xstrdup(cfg->appCredSecret ? "v3applicationcredential" : "password");
    if (strcmp(cfg->authType, "v3password") == 0) setStr(&cfg->authType, "password");
    if (cfg->timeoutMs <= 0) cfg->timeoutMs = 30000;
    if (!cfg->authUrl) return ERR("%s: no auth_url (OS_AUTH_URL) is set", where);
    if (strcmp(cfg->authType, "password") == 0) {
        if (!cfg->password || (!cfg->username && !cfg->userId))
            return ERR("%s: password authentication needs a username (or user_id) and a password",
                       where);
    } else if (strcmp(cfg->authType, "v3applicationcredential") == 0) {
        if (!cfg->appCredSecret || (!cfg->appCredId && !cfg->appCredName))
            return ERR("%s: application credential authentication needs "
                       "application_credential_id (or _name) and application_credential_secret",
                       where);
    } else {
        return ERR("%s: unsupported auth_type '%s' (expected password or "
                   "v3applicationcredential)",
                   where, cfg->authType);
    }
    return 0;
}

int osConfigFromEnv(OsConfig *cfg) {
    memset(cfg, 0, sizeof(*cfg));
    for (size_t i = 0; i < sizeof(osKeys) / sizeof(osKeys[0]); i++)
        setStr(keySlot(cfg, &osKeys[i]), getenv(osKeys[i].env));
    cfg->insecure = truthy(getenv("OS_INSECURE"));
    if (osConfigFinish(cfg, "the OS_* environment") != 0) {
        osConfigFree(cfg);
        return -1;
    }
    return 0;
}

static const char *scalarOf(yaml_document_t *d, yaml_node_t *n) {
    (void)d;
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value node for key in a mapping node, or NULL. */
static yaml_node_t *mapGet(yaml_document_t *d, yaml_node_t *map, const char *key) {
    if (!map || map->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalarOf(d, yaml_document_get_node(d, p->key));
        if (k && strcmp(k, key) == 0) return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

static int fromCloudNode(OsConfig *cfg, yaml_document_t *d, yaml_node_t *c, const char *where) {
    yaml_node_t *auth = mapGet(d, c, "auth");
    for (size_t i = 0; i < sizeof(osKeys) / sizeof(osKeys[0]); i++) {
        yaml_node_t *v = mapGet(d, osKeys[i].inAuth ? auth : c, osKeys[i].yaml);
        if (!v) continue;
        const char *s = scalarOf(d, v);
        if (!s) return ERR("%s: '%s' is not a scalar", where, osKeys[i].yaml);
        setStr(keySlot(cfg, &osKeys[i]), s);
    }
    const char *verify = scalarOf(d, mapGet(d, c, "verify"));
    const char *insecure = scalarOf(d, mapGet(d, c, "insecure"));
    cfg->insecure = truthy(insecure) || (verify && !truthy(verify));
    const char *api = scalarOf(d, mapGet(d, c, "identity_api_version"));
    if (api && strcmp(api, "3") != 0)
        return ERR("%s: identity_api_version %s is not supported (only 3)", where, api);
    return 0;
}

int osConfigFromFile(OsConfig *cfg, const char *path, const char *cloud) {
    memset(cfg, 0, sizeof(*cfg));
    FILE *f = fopen(path, "rb");
    if (!f) return ERR("cannot open %s: %m", path);
    yaml_parser_t parser;
    yaml_document_t doc;
    bool haveDoc = false;
    int rc = -1;
    char where[512];
    snprintf(where, sizeof(where), "%s, cloud '%s'", path, cloud);
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        ERR("%s:%zu: YAML error: %s", path, parser.problem_mark.line + 1,
            parser.problem ? parser.problem : "unknown");
        goto done;
    }
    haveDoc = true;
    yaml_node_t *c = mapGet(&doc, mapGet(&doc, yaml_document_get_root_node(&doc), "clouds"), cloud);
    if (!c || c->type != YAML_MAPPING_NODE) {
        ERR("%s: no cloud named '%s' under 'clouds:'", path, cloud);
        goto done;
    }
    cfg->cloud = xstrdup(cloud);
    if (fromCloudNode(cfg, &doc, c, where) == 0 && osConfigFinish(cfg, where) == 0) rc = 0;
done:
    if (haveDoc) yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc != 0) osConfigFree(cfg);
    return rc;
}

int osConfigLoad(OsConfig *cfg, const char *cloud) {
    if (!cloud || !*cloud) cloud = getenv("OS_CLOUD");
    if (!cloud || !*cloud) return osConfigFromEnv(cfg);
    const char *explicitFile = getenv("OS_CLIENT_CONFIG_FILE");
    if (explicitFile && *explicitFile) return osConfigFromFile(cfg, explicitFile, cloud);
    char home[1024] = "";
    const char *h = getenv("HOME");
    if (h) snprintf(home, sizeof(home), "%s/.config/openstack/clouds.yaml", h);
    const char *paths[] = {"clouds.yaml", home, "/etc/openstack/clouds.yaml"};
    for (size_t i = 0; i < 3; i++)
        if (paths[i][0] && access(paths[i], R_OK) == 0)
            return osConfigFromFile(cfg, paths[i], cloud);
    memset(cfg, 0, sizeof(*cfg));
    return ERR("cloud '%s': no clouds.yaml found (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, "
               "~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml)",
               cloud);
}

void osConfigFree(OsConfig *cfg) {
    if (!cfg) return;
    free(cfg->cloud);
    for (size_t i = 0; i < sizeof(osKeys) / sizeof(osKeys[0]); i++)
        free(*keySlot(cfg, &osKeys[i]));
    memset(cfg, 0, sizeof(*cfg));
}
