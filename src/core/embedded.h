/* embedded.h - data files compiled into the binary (see cmake/embed.cmake). */
#ifndef GEYSER_EMBEDDED_H
#define GEYSER_EMBEDDED_H

/* The NUL-terminated contents of data/<name>, or NULL if not embedded. */
const char *embeddedFind(const char *name);

#endif
