/* report: the exec mode's notes to the agent, files in the helper's private directory (see
 * protocol.h: exec-failed.PID, cgroup-failed.PID). The exec mode is silent on stderr, which is the
 * application's: these files are how it says why. */
#ifndef HYGIENE_REPORT_H
#define HYGIENE_REPORT_H

#include <stddef.h>

/* Writes TEXT (LEN bytes) to the new file DIR/PREFIX<our pid> (mode 0600; never an existing one).
 * 0 if written, -1 if not (the path is too long, or open, write or close failed). */
int report_write(const char *dir, const char *prefix, const char *text, size_t len);

#endif
