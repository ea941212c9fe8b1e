/* wol.c - Wake-on-LAN: the magic packet (six 0xff bytes, then the MAC
 * sixteen times, then an optional 4- or 6-byte SecureOn password) sent over
 * UDP to a broadcast or unicast address, port 9 (or 7).
 *
 * Keys: mac (required), address (default 255.255.255.255), port (9),
 * password (SecureOn, "aa:bb:cc:dd:ee:ff" or a dotted 4-byte form),
 * repeat (packets per request, default 3: UDP may drop one).
 * Wake-on-LAN cannot power off nor read a state: those calls fail and
 * status reports unknown, so verification must come from elsewhere. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "actuator.h"
#include "err.h"
#include "util.h"
#include "wol.h"

typedef struct WolState {
    unsigned char packet[WOL_MAX_PACKET];
    size_t len;
    struct sockaddr_in to;
    int repeat;
} WolState;

/* "aa:bb:cc:dd:ee:ff" or "aa-bb-..." or "aabbccddeeff" -> 6 bytes. */
int wolParseMac(const char *text, unsigned char mac[6]) {
    const char *p = text;
    for (int i = 0; i < 6; i++) {
        if (i > 0 && (*p == ':' || *p == '-')) p++;
        unsigned v = 0;
        for (int k = 0; k < 2; k++, p++) {
            char c = *p;
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0) return ERR("'%s' is not a MAC address (expected aa:bb:cc:dd:ee:ff)", text);
            v = v * 16 + (unsigned)d;
        }
        mac[i] = (unsigned char)v;
    }
    if (*p) return ERR("'%s' is not a MAC address (expected aa:bb:cc:dd:ee:ff)", text);
    return 0;
}

size_t wolBuildPacket(const unsigned char mac[6], const unsigned char *password, size_t pwLen,
                      unsigned char *out) {
    memset(out, 0xff, 6);
    for (int i = 0; i < 16; i++)
        memcpy(out + 6 + 6 * i, mac, 6);
    if (pwLen) memcpy(out + 102, password, pwLen);
    return 102 + pwLen;
}

static int parsePassword(const char *text, unsigned char *pw, size_t *len) {
    struct in_addr a;
    if (inet_pton(AF_INET, text, &a) == 1) {
        memcpy(pw, &a, 4);
        *len = 4;
        return 0;
    }
    if (wolParseMac(text, pw) != 0)
        return ERR("SecureOn password '%s' is neither aa:bb:cc:dd:ee:ff nor a.b.c.d", text);
    *len = 6;
    return 0;
}

static int wolCreate(const ActuatorKey *keys, size_t n, const char *origin, void **out) {
    static const char *const known[] = {"mac", "address", "port", "password", "repeat", NULL};
    if (actuatorCheckKeys(keys, n, known, origin) != 0) return -1;
    const char *mac = actuatorKey(keys, n, "mac");
    const char *addr = actuatorKey(keys, n, "address");
    const char *port = actuatorKey(keys, n, "port");
    const char *pw = actuatorKey(keys, n, "password");
    const char *repeat = actuatorKey(keys, n, "repeat");
    if (!mac) return ERR("%s: wol needs a 'mac' key", origin);
    WolState *s = xcalloc(1, sizeof(*s));
    unsigned char m[6], pwb[6];
    size_t pwLen = 0;
    long p = 9, r = 3;
    int rc = 0;
    if (wolParseMac(mac, m) != 0 || (pw && parsePassword(pw, pwb, &pwLen) != 0))
        rc = -1;
    else if (port && (parseLong(port, &p) != 0 || p < 1 || p > 65535))
        rc = ERR("%s: port '%s' is not a UDP port", origin, port);
    else if (repeat && (parseLong(repeat, &r) != 0 || r < 1 || r > 10))
        rc = ERR("%s: repeat '%s' is not a number from 1 to 10", origin, repeat);
    s->to.sin_family = AF_INET;
    s->to.sin_port = htons((uint16_t)p);
    if (rc == 0 && inet_pton(AF_INET, addr ? addr : "255.255.255.255", &s->to.sin_addr) != 1)
        rc = ERR("%s: address '%s' is not an IPv4 address", origin, addr);
    if (rc != 0) {
        errPrefix("%s", origin);
        free(s);
        return -1;
    }
    s->len = wolBuildPacket(m, pwb, pwLen, s->packet);
    s->repeat = (int)r;
    *out = s;
    return 0;
}

static int wolOn(void *state) {
    WolState *s = state;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return ERR("cannot open a UDP socket for Wake-on-LAN: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
    int rc = 0;
    for (int i = 0; i < s->repeat && rc == 0; i++) {
        if (sendto(fd, s->packet, s->len, 0, (struct sockaddr *)&s->to, sizeof(s->to)) !=
            (ssize_t)s->len) {
            char addr[INET_ADDRSTRLEN];
            inet_ntop(AF_INET, &s->to.sin_addr, addr, sizeof(addr));
            rc = ERR("cannot send the Wake-on-LAN packet to %s:%d: %s", addr, ntohs(s->to.sin_port),
                     strerror(errno));
        }
    }
    close(fd);
    return rc;
}

static int wolOff(void *state, bool soft) {
    (void)state, (void)soft;
    return ERR("Wake-on-LAN can only power a host on; configure an ipmi or exec actuator to "
               "power it off");
}

static int wolStatus(void *state, PowerStatus *out) {
    (void)state;
    *out = POWER_STATUS_UNKNOWN;
    return 0;
}

const PowerActuatorDriver actuatorWol = {
    .name = "wol",
    .create = wolCreate,
    .powerOn = wolOn,
    .powerOff = wolOff,
    .status = wolStatus,
    .free = free,
};
