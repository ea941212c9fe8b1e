/* keystone.h - an authenticated OpenStack session: Keystone v3 tokens
 * (password or application credential), renewed before they expire, the
 * service catalog, and JSON requests with retries and error mapping. */
#ifndef GEYSER_KEYSTONE_H
#define GEYSER_KEYSTONE_H

#include <jansson.h>

#include "osconfig.h"

typedef struct OsSession OsSession;

/* Copies what it needs from cfg. Does not contact Keystone yet. */
OsSession *osSessionCreate(const OsConfig *cfg);
void osSessionFree(OsSession *s);

/* Retries for 5xx answers and transport failures (timeouts, refused
 * connections): attempts in all, and the first pause, doubled each time. */
void osSessionSetRetry(OsSession *s, int attempts, double backoffS);
/* Renew the token when it has less than this left (default 300 s). */
void osSessionSetRenewMargin(OsSession *s, double seconds);

/* Get a token now (also done on demand by osRequest). */
int osAuthenticate(OsSession *s);
/* How many tokens this session has obtained (tests, metrics). */
int osTokenCount(const OsSession *s);

/* The catalog URL of a service type for the configured interface and
 * region; NULL with an error when the catalog has none. */
const char *osEndpoint(OsSession *s, const char *type);

/* One JSON request to service (catalog type) at path, with the given compute
 * microversion (or NULL). body may be NULL; *out (if out) gets the decoded
 * answer, or NULL for an empty one; *status (if status) the HTTP status.
 * 401: authenticates again once. 5xx and transport errors: retried with
 * backoff. Any other status >= 400: -1 with an error naming the request
 * and the service's own message. */
int osRequest(OsSession *s, const char *service, const char *method, const char *path,
              const char *microversion, json_t *body, long *status, json_t **out);

/* The message of an OpenStack error body ({"conflictingRequest": {"message":
 * ...}}, {"error": {"message": ...}}), or NULL. */
const char *osErrorMessage(json_t *body);

#endif
