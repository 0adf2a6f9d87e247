/* watch_start: the watchdog started by a child's spawn mode, when the JVM asks for it; see
 * watch_start.c. */
#ifndef HYGIENE_WATCH_START_H
#define HYGIENE_WATCH_START_H

#include <stddef.h>

/* If DIR (the first DIR_LEN bytes of DIR_PATH, its slash included) holds the JVM's request for
 * the watchdog, and this child is the one that claims it: begins the watchdog's start (the watch
 * mode, as a process of its own). Otherwise nothing (one failed rename). */
void watch_start_begin(const char *dir_path, size_t dir_len);

/* Waits for the start begun, if any, and leaves its outcome in DIR. To be called before the
 * child's exec, and before it reports to the JDK that it failed. */
void watch_start_end(void);

#endif
