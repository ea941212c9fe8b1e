/* wol.h - the Wake-on-LAN packet, exposed for tests. */
#ifndef GEYSER_WOL_H
#define GEYSER_WOL_H

#include <stddef.h>

#define WOL_MAX_PACKET 108

int wolParseMac(const char *text, unsigned char mac[6]);
/* Returns the packet length: 102, or 106/108 with a SecureOn password. */
size_t wolBuildPacket(const unsigned char mac[6], const unsigned char *password, size_t pwLen,
                      unsigned char *out);

#endif
