/* cmd_apply.c - `geyser apply PLAN_ID`: approve (or discard) the plan a
 * daemon in manual mode is holding, over its API (docs/api.md), with the
 * bearer token. One POST through libcurl; the daemon re-checks every
 * action against the cloud as it is then and answers with the outcomes. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "lazy_curl.h"
#include "util.h"

#define APPLY_TOKEN_MAX 4096

void cmdApplyHelp(FILE *f) {
    fprintf(f,
            "NAME\n"
            "    geyser apply - approve the plan a daemon in manual mode is holding\n\n"
            "SYNOPSIS\n"
            "    geyser apply PLAN_ID [--discard] [--url URL] [--token-file FILE] [--json]\n\n"
            "DESCRIPTION\n"
            "    `geyser serve --mode manual` makes a plan at a control interval and holds it\n"
            "    until it is approved or discarded; `curl URL/api/v1/plan` shows it with its id.\n"
            "    This command asks the daemon to execute plan PLAN_ID now: every action is\n"
            "    checked again against the cloud as it is at that moment, and refused where it\n"
            "    became unsafe. The actions' outcomes are printed (done, refused, failed).\n\n"
            "OPTIONS\n"
            "    --url URL            the daemon (default http://127.0.0.1:8080)\n"
            "    --token-file FILE    the bearer token the daemon was started with (its\n"
            "                         --token-file); default $GEYSER_TOKEN_FILE\n"
            "    --discard            drop the plan instead of executing it\n"
            "    --json               print the daemon's answer as JSON\n\n"
            "EXIT STATUS\n"
            "    0  the plan was applied (whatever its actions' outcomes) or discarded\n"
            "    1  the daemon refused (no such plan waiting: replaced, applied already;\n"
            "       a bad token) or could not be reached\n"
            "    2  bad usage\n\n"
            "EXAMPLE\n"
            "    geyser serve --mode manual --token-file tok &\n"
            "    curl -s 127.0.0.1:8080/api/v1/plan | jq .id\n"
            "    geyser apply 3 --token-file tok\n");
}

static char *readToken(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        ERR("cannot open the token file '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *buf = xmalloc(APPLY_TOKEN_MAX + 1);
    size_t n = fread(buf, 1, APPLY_TOKEN_MAX + 1, f);
    fclose(f);
    if (n > APPLY_TOKEN_MAX) {
        free(buf);
        ERR("the token file '%s' is larger than %d bytes", path, APPLY_TOKEN_MAX);
        return NULL;
    }
    buf[n] = '\0';
    strTrim(buf);
    if (!buf[0] || strpbrk(buf, "\r\n")) {
        free(buf);
        ERR("the token file '%s' holds no token on one line", path);
        return NULL;
    }
    return buf;
}

static size_t onBody(char *data, size_t size, size_t n, void *arg) {
    bufAppend(arg, data, size * n);
    return size * n;
}

/* POST url; *status gets the HTTP status, body the answer. */
static int post(const char *url, const char *token, long *status, Buf *body) {
    if (lazyCurlLoad() < 0) return -1;
    CURL *c = lazyCurl.curl_easy_init();
    if (!c) return ERR("cannot initialise libcurl");
    char *auth = NULL;
    struct curl_slist *hdr = NULL;
    if (token) {
        size_t len = strlen(token) + 32;
        auth = xmalloc(len);
        snprintf(auth, len, "Authorization: Bearer %s", token);
        hdr = lazyCurl.curl_slist_append(hdr, auth);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    lazyCurl.curl_easy_setopt(c, CURLOPT_URL, url);
    lazyCurl.curl_easy_setopt(c, CURLOPT_POST, 1L);
    lazyCurl.curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    lazyCurl.curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
    lazyCurl.curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    lazyCurl.curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    lazyCurl.curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    lazyCurl.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = lazyCurl.curl_easy_perform(c);
    lazyCurl.curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    lazyCurl.curl_easy_cleanup(c);
    lazyCurl.curl_slist_free_all(hdr);
    if (auth) {
        memset(auth, 0, strlen(auth)); /* the token does not linger in the heap */
        free(auth);
    }
    if (rc != CURLE_OK)
        return ERR("cannot reach the daemon at %s: %s", url,
                   errbuf[0] ? errbuf : lazyCurl.curl_easy_strerror(rc));
    return 0;
}

static void printOutcomes(json_t *answer) {
    json_t *acts = json_object_get(answer, "actions");
    size_t i;
    json_t *a;
    int counts[5] = {0};
    static const char *const names[] = {"done", "refused", "failed", "discarded", "planned"};
    printf("plan %lld %s\n", (long long)json_integer_value(json_object_get(answer, "id")),
           json_string_value(json_object_get(answer, "result")));
    printf("%-10s %-16s %-16s %-16s %-9s %s\n", "ACTION", "HOST", "VM", "TARGET", "OUTCOME",
           "DETAIL");
    json_array_foreach(acts, i, a) {
        const char *o = json_string_value(json_object_get(a, "outcome"));
        const char *vm = json_string_value(json_object_get(a, "vm"));
        const char *target = json_string_value(json_object_get(a, "target"));
        const char *detail = json_string_value(json_object_get(a, "detail"));
        printf("%-10s %-16s %-16s %-16s %-9s %s\n", json_string_value(json_object_get(a, "type")),
               json_string_value(json_object_get(a, "host")), vm ? vm : "-", target ? target : "-",
               o ? o : "?", detail ? detail : "");
        for (int k = 0; k < 5; k++)
            if (o && strcmp(o, names[k]) == 0) counts[k]++;
    }
    printf("%d done, %d refused, %d failed, %d discarded\n", counts[0], counts[1], counts[2],
           counts[3]);
}

int cmdApply(int argc, char **argv) {
    static const struct option opts[] = {
        {"url", required_argument, NULL, 'u'}, {"token-file", required_argument, NULL, 't'},
        {"discard", no_argument, NULL, 'd'},   {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    const char *url = "http://127.0.0.1:8080", *tokenFile = getenv("GEYSER_TOKEN_FILE");
    bool discard = false, json = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'u': url = optarg; break;
        case 't': tokenFile = optarg; break;
        case 'd': discard = true; break;
        case 'j': json = true; break;
        case 'h': cmdApplyHelp(stdout); return 0;
        default: cmdApplyHelp(stderr); return EXIT_USAGE;
        }
    }
    long id;
    if (optind != argc - 1) {
        fprintf(stderr, "geyser apply: expected one PLAN_ID (see `geyser apply --help`)\n");
        return EXIT_USAGE;
    }
    if (parseLong(argv[optind], &id) != 0 || id < 1) {
        fprintf(stderr, "geyser apply: PLAN_ID '%s' is not a positive whole number\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    char *token = NULL;
    if (tokenFile && !(token = readToken(tokenFile))) {
        cliError("apply");
        return 1;
    }
    size_t n = strlen(url) + 64, base = strlen(url);
    while (base > 0 && url[base - 1] == '/') /* "http://h:8080/" */
        base--;
    char *full = xmalloc(n);
    snprintf(full, n, "%.*s/api/v1/plan/%ld/%s", (int)base, url, id, discard ? "discard" : "apply");
    Buf body;
    bufInit(&body);
    long status = 0;
    int rc = post(full, token, &status, &body);
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    json_t *answer = rc == 0 ? json_loadb(body.data ? body.data : "", body.len, 0, NULL) : NULL;
    if (rc == 0 && !answer)
        rc =
            ERR("the daemon at %s answered HTTP %ld with something that is not JSON", full, status);
    if (rc == 0 && status != 200) {
        const char *why = json_string_value(json_object_get(answer, "error"));
        rc = ERR("the daemon refused plan %ld (HTTP %ld): %s", id, status, why ? why : "?");
    }
    if (rc == 0) {
        if (json)
            printf("%.*s", (int)body.len, body.data);
        else
            printOutcomes(answer);
    }
    json_decref(answer);
    bufFree(&body);
    free(full);
    if (rc != 0) {
        cliError("apply");
        return 1;
    }
    return 0;
}
